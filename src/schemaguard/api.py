"""The importable API the CLI is a thin layer over. Functions return results; they never print.

Typical use::

    from schemaguard import api
    cfg = api.load_config()
    report = api.diff(cfg, desired=None, actual_url="sqlite:///dev.db", with_sql=True)
    if report.drift: ...
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from schemaguard.config import Config, load_config
from schemaguard.db import connect, dialect_name, is_url, mask_url
from schemaguard.diff.changes import DiffReport
from schemaguard.diff.differ import diff_schemas
from schemaguard.dialects import Dialect, get_dialect
from schemaguard.errors import ConfigError
from schemaguard.model import Schema

__all__ = [
    "Source",
    "diff",
    "diff_sources",
    "filter_ignored",
    "inspect_url",
    "load_config",
    "load_master",
    "load_source",
    "render",
]


@dataclass(frozen=True)
class Source:
    """A loaded schema and where it came from.

    Attributes:
        schema: the schema.
        label: file path or masked URL, for reports.
        dialect: the database's dialect for a live database, None for a file.
        syntax: the SQL dialect its expressions are written in.
    """

    schema: Schema
    label: str
    dialect: str | None
    syntax: str


def inspect_url(url: str, namespace: str | None = None) -> Schema:
    """Introspect a live database, read-only (PostgreSQL READ ONLY transaction; SQLite opened ``mode=ro``).

    Args:
        url: database URL (``sqlite:///file`` or ``postgresql://...``).
        namespace: PostgreSQL schema (default ``public``); ignored for SQLite.

    Returns:
        The Schema with ``source`` set to the masked URL.

    Raises:
        ConnectionFailed: the database cannot be reached (message holds the masked URL).
        InspectError: the namespace does not exist.
    """
    dialect = get_dialect(dialect_name(url))
    with connect(url, read_only=True) as conn:
        schema = dialect.inspect(conn, namespace)
    return replace(schema, source=mask_url(url))


def load_master(config: Config, path: str | Path | None = None) -> Schema:
    """Load the configured master schema (or ``path``).

    Raises:
        SchemaError: missing or invalid file, with file:line:col.
    """
    from schemaguard.loaders import load_schema_file

    p = Path(path) if path is not None else config.master_path
    return load_schema_file(p, label=str(path) if path is not None else config.master)


def load_source(spec: str, config: Config, namespace: str | None = None) -> Source:
    """Load one side of a comparison: a database URL (introspected read-only) or a schema file.

    Raises:
        SchemaError, ConnectionFailed, ConfigError: as the loader or connection raise.
    """
    if is_url(spec):
        from schemaguard.config import expand_env

        url = expand_env(spec, "source URL")
        schema = inspect_url(url, namespace or config.namespace)
        d = dialect_name(url)
        return Source(schema, mask_url(url), d, d)
    if spec.startswith("git:"):
        raise ConfigError("git: sources are not supported yet")
    return Source(load_master(config, spec), spec, None, "postgresql")


def filter_ignored(schema: Schema, config: Config) -> tuple[Schema, tuple[str, ...]]:
    """Drop tables matching the ignore patterns; returns (schema, dropped table names)."""
    kept = tuple(t for t in schema.tables if not config.is_ignored(t.name))
    dropped = tuple(t.name for t in schema.tables if config.is_ignored(t.name))
    return (replace(schema, tables=kept) if dropped else schema), dropped


def render(schema: Schema, dialect: str | Dialect) -> list[str]:
    """Complete DDL for ``schema`` in ``dialect`` (statements without ``;``), in dependency order."""
    d = get_dialect(dialect) if isinstance(dialect, str) else dialect
    return d.render(schema)


def diff_sources(
    desired: Source, actual: Source, config: Config, *, dialect: str | None = None, with_sql: bool = False
) -> DiffReport:
    """Compare two loaded sources.

    The dialect is the live database's (either side), else ``dialect``, else the configured one.

    Raises:
        ConfigError: the two sides are live databases of different dialects.
    """
    dialects = {s.dialect for s in (desired, actual) if s.dialect}
    if len(dialects) > 1:
        raise ConfigError("cannot compare a SQLite database with a PostgreSQL database; compare each with the master")
    name = dialects.pop() if dialects else (dialect or config.dialect)
    d = get_dialect(name)
    ds, ignored1 = filter_ignored(desired.schema, config)
    as_, ignored2 = filter_ignored(actual.schema, config)
    changes = diff_schemas(ds, as_, d, desired_syntax=desired.syntax, actual_syntax=actual.syntax)
    sql = tuple(d.plan(changes, ds, as_)) if with_sql else None
    return DiffReport(desired.label, actual.label, d.name, tuple(changes), sql, tuple(sorted(set(ignored1 + ignored2))))


def diff(
    config: Config,
    *,
    desired: str | None = None,
    actual: str | None = None,
    target: str | None = None,
    dialect: str | None = None,
    with_sql: bool = False,
) -> DiffReport:
    """Compare the desired schema (default: the master) with the actual one (default: the target database).

    Args:
        config: the configuration.
        desired: a schema file or URL for the desired side (default: the configured master).
        actual: a schema file or URL for the actual side (default: ``target`` / default target / DATABASE_URL).
        target: a configured target name for the actual side.
        dialect: the dialect to compare in when neither side is a live database.
        with_sql: also plan the statements that turn actual into desired (``report.sql``).

    Raises:
        SchemaError, ConnectionFailed, ConfigError.
    """
    namespace = None
    if actual is None:
        actual, namespace = config.resolve_url(target)
    d_src = load_source(desired, config) if desired else Source(load_master(config), config.master, None, "postgresql")
    a_src = load_source(actual, config, namespace)
    return diff_sources(d_src, a_src, config, dialect=dialect, with_sql=with_sql)

