"""Migrations on Alembic: generate revisions from the master, check them, apply them, lint them, log them.

Modules: ``project`` (the folder), ``ops`` (changes → Alembic operations → Python), ``writer`` (generate),
``replay`` (scratch databases), ``integrity`` (``schemaguard.sum``), ``runner`` (check/status/upgrade/downgrade),
``lint`` (danger rules, Squawk), ``changelog``.
"""
