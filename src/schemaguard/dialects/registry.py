"""The dialect registry: canonical names, their aliases, and URL schemes."""

from __future__ import annotations

from schemaguard.dialects.base import Dialect
from schemaguard.errors import ConfigError

_ALIASES = {
    "sqlite": "sqlite",
    "sqlite3": "sqlite",
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "pg": "postgresql",
}

_INSTANCES: dict[str, Dialect] = {}


def get_dialect(name: str) -> Dialect:
    """The Dialect for a name or alias (``sqlite``, ``postgresql``/``postgres``/``pg``).

    Raises:
        ConfigError: unknown dialect name.
    """
    canonical = _ALIASES.get(name.lower().strip())
    if canonical is None:
        raise ConfigError(f"unknown dialect {name!r}; expected one of: sqlite, postgresql")
    if canonical not in _INSTANCES:
        if canonical == "sqlite":
            from schemaguard.dialects.sqlite import SQLiteDialect

            _INSTANCES[canonical] = SQLiteDialect()
        else:
            from schemaguard.dialects.postgresql import PostgreSQLDialect

            _INSTANCES[canonical] = PostgreSQLDialect()
    return _INSTANCES[canonical]


def dialect_for_url(url: str) -> Dialect:
    """The Dialect a database URL speaks: ``sqlite:///...`` or ``postgresql[+driver]://...``.

    Raises:
        ConfigError: the URL's scheme names no supported dialect.
    """
    scheme = url.split(":", 1)[0].split("+", 1)[0]
    if scheme not in _ALIASES:
        raise ConfigError(f"unsupported database URL scheme {scheme!r}; use sqlite:///path or postgresql://...")
    return get_dialect(scheme)
