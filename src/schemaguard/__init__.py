"""schemaguard: schema-drift detection and migration governance for SQLite and PostgreSQL.

The importable API lives in :mod:`schemaguard.api`; this module stays import-light so ``schemaguard --help``
starts fast.
"""

__version__ = "0.1.0"
