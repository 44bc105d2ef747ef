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
from typing import Any

from schemaguard.config import Config, load_config
from schemaguard.db import connect, database_url, dialect_name, is_database, mask_url
from schemaguard.dialects import Dialect, get_dialect
from schemaguard.diff.changes import DiffReport
from schemaguard.errors import ConfigError
from schemaguard.model import Schema

__all__ = [
    "Source",
    "desired_source",
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


def inspect_url(url: str, namespace: str | None = None, **selection: Any) -> Schema:
    """Introspect a live database, read-only (PostgreSQL READ ONLY transaction; SQLite opened ``mode=ro``).

    Args:
        url: database URL (``sqlite:///file`` or ``postgresql://...``).
        namespace: PostgreSQL: None for every user schema, one schema (its objects named bare), or a
            comma-separated list of names / glob patterns (``sales,hr_*``; ``!x`` excludes); ignored for SQLite.
        selection: PostgreSQL only: ``schemas`` (patterns, instead of ``namespace``), ``exclude`` (patterns),
            ``privileges`` (also compare owners and grants). See :func:`schema_selection`.

    Returns:
        The Schema with ``source`` set to the masked URL.

    Raises:
        ConnectionFailed: the database cannot be reached (message holds the masked URL).
        InspectError: a schema named literally does not exist.
    """
    from schemaguard.gcpause import paused_gc

    dialect = get_dialect(dialect_name(url))
    with connect(url, read_only=True) as conn, paused_gc():
        schema = dialect.inspect(conn, namespace, **(selection if dialect.namespaces else {}))
    return replace(schema, source=mask_url(url))


def schema_selection(config: Config) -> dict[str, Any]:
    """The configuration's schema selection for :func:`inspect_url`: ``schemas = [...]`` (glob patterns),
    ``exclude_schemas = [...]`` and ``compare = ["privileges"]``; empty when none is set.

    Raises:
        ConfigError: a key is not a list of strings.
    """
    out: dict[str, Any] = {}
    for key, arg in (("schemas", "schemas"), ("exclude_schemas", "exclude"), ("compare", "compare")):
        value = getattr(config, key, None)
        if value is None:
            continue
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"configuration key {key!r} must be a list of strings")
        out[arg] = value
    compare = out.pop("compare", [])
    unknown = [c for c in compare if c != "privileges"]
    if unknown:
        raise ConfigError(f"configuration key 'compare': unknown {unknown[0]!r}; expected 'privileges'")
    if compare:
        out["privileges"] = True
    return out


def load_master(config: Config, path: str | Path | None = None, *, locations: bool = True) -> Schema:
    """Load the configured master schema (or ``path``).

    ``locations=False`` is for callers that never show where an object is defined (diff): the model objects
    carry no ``loc`` and a YAML master may take the fast parser. Errors name file, line and column either way.

    Raises:
        SchemaError: missing or invalid file, with file:line:col.
    """
    from schemaguard.gcpause import paused_gc
    from schemaguard.loaders import load_schema_file

    p = Path(path) if path is not None else config.master_path
    label = str(path) if path is not None else config.master
    dev_url = _sql_dev_url(config) if p.suffix.lower() == ".sql" else None
    with paused_gc():
        schema = load_schema_file(p, label=label, locations=locations, dev_url=dev_url)
    _check_name_lengths(config, schema, lambda: load_schema_file(p, label=label, locations=True, dev_url=dev_url))
    return schema


def _check_name_lengths(config: Config, schema: Schema, located: Any) -> None:
    """Refuse a master name longer than the configured dialects keep (PostgreSQL: 63 bytes, NAMEDATALEN-1; it
    truncates a longer one, so the database would hold another name:
    https://www.postgresql.org/docs/15/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS). ``located()`` loads the
    master again with source locations, only to name the line of a name refused.

    Raises:
        SchemaError: the first such name, with file:line:col.
    """
    from schemaguard.errors import SchemaError
    from schemaguard.model.validate import long_names

    # Dialect data, not SQLAlchemy's dialect object: this runs in the master-loading thread of `diff`, where
    # importing sqlalchemy.dialects.* beside the introspecting thread's import of sqlalchemy raised KeyError.
    names = [config.dialect, *((config.model_extra or {}).get("dialects") or [])]
    dialects = [get_dialect(n) for n in names]
    limits = sorted((d.max_identifier_bytes, d.name) for d in dialects if d.max_identifier_bytes is not None)
    if not limits:
        return
    limit, dialect = limits[0]
    problems = long_names(schema, limit)
    if not problems:
        return
    if problems[0].loc is None:
        problems = long_names(located(), limit) or problems
    first = problems[0]
    raise SchemaError(
        f"{first.message}: {dialect} truncates longer identifiers (NAMEDATALEN-1), so the database would hold "
        "another name; give it a shorter one",
        first.loc.path if first.loc else schema.source,
        first.loc.line if first.loc else None,
        first.loc.column if first.loc else None,
    )


def _sql_dev_url(config: Config) -> str | None:
    """``dev_url`` from the configuration: a ``.sql`` master of PostgreSQL DDL loads in a scratch database there."""
    from schemaguard.migrate.writer import dev_url_for

    return dev_url_for(config, None)


def load_master_with_info(config: Config, path: str | Path | None = None) -> tuple[Schema, Any]:
    """Like :func:`load_master`, also returning Prisma information (field names, ``@map``s, relations) when the
    master is a ``.prisma`` file (else None)."""
    p = Path(path) if path is not None else config.master_path
    label = str(path) if path is not None else config.master
    if p.suffix.lower() == ".prisma" or p.is_dir():
        from schemaguard.prisma import load_prisma_with_info

        loaded = load_prisma_with_info(p if p.is_dir() else label, None if p.is_dir() else _read_text(p, label))
        return loaded.schema, loaded.info
    return load_master(config, path), None


def _read_text(p: Path, label: str) -> str:
    from schemaguard.errors import SchemaError

    try:
        return p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SchemaError("schema file not found", label) from None
    except OSError as exc:
        raise SchemaError(f"cannot read schema file: {exc.strerror}", label) from None
    except UnicodeDecodeError as exc:
        raise SchemaError(f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start})", label) from None


RENDER_FORMATS = ("sql", "prisma")


def render_text(schema: Schema, dialect: str, fmt: str = "sql", *, info: Any = None, label: str = "master") -> str:
    """The rendered file's full text: DDL (``sql``) or a Prisma schema variant (``prisma``) for ``dialect``.

    The text is deterministic (no dates), so a committed copy can be checked for staleness.

    Raises:
        ConfigError: unknown format.
    """
    if fmt == "sql":
        statements = render(schema, dialect)
        header = f"-- Generated by schemaguard from {label} for {dialect}. Do not edit: run `schemaguard render`.\n\n"
        return header + "".join(s + ";\n\n" for s in statements)
    if fmt == "prisma":
        from schemaguard.prisma import render_prisma

        header = f"Generated by schemaguard from {label} for {dialect}. Do not edit: run `schemaguard render`."
        return render_prisma(schema, get_dialect(dialect).name, info=info, header=header)
    raise ConfigError(f"unknown render format {fmt!r}; expected one of {', '.join(RENDER_FORMATS)}")


@dataclass(frozen=True)
class RenderedFile:
    """A rendered variant the configuration says is committed in the repository, and whether it is current."""

    path: Path
    dialect: str
    format: str
    status: str  # "ok", "stale" or "missing"


def check_rendered(config: Config, *, write: bool = False) -> list[RenderedFile]:
    """Compare (or, with ``write``, rewrite) every configured rendered variant with a fresh rendering.

    The configuration lists them as ``[[render.outputs]]`` tables with ``dialect``, ``format`` and ``path``.

    Raises:
        ConfigError: no outputs configured, or an entry is malformed.
        SchemaError: the master does not load.
    """
    outputs = (
        (getattr(config, "render", None) or {}).get("outputs")
        if isinstance(getattr(config, "render", None), dict)
        else None
    )
    if not outputs:
        raise ConfigError("no rendered files configured: add [[render.outputs]] entries (dialect, format, path)")
    schema, info = load_master_with_info(config)
    results = []
    for i, entry in enumerate(outputs):
        try:
            dialect, fmt, rel = get_dialect(entry["dialect"]).name, entry.get("format", "sql"), entry["path"]
        except (KeyError, TypeError):
            raise ConfigError(f"render.outputs[{i}] needs 'dialect' and 'path'") from None
        path = Path(rel) if Path(rel).is_absolute() else config.root / rel
        text = render_text(schema, dialect, fmt, info=info, label=config.master)
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        status = "ok" if current == text else ("missing" if current is None else "stale")
        if write and status != "ok":
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        results.append(RenderedFile(path, dialect, fmt, status))
    return results


def load_source(spec: str, config: Config, namespace: str | None = None, *, locations: bool = True) -> Source:
    """Load one side of a comparison: a database URL (introspected read-only) or a schema file.

    ``locations=False``: a schema file may be loaded without source locations (see :func:`load_master`).

    Raises:
        SchemaError, ConnectionFailed, ConfigError: as the loader or connection raise.
    """
    if is_database(spec):
        from schemaguard.config import expand_env

        url = expand_env(database_url(spec), "source URL")
        schema = inspect_url(url, namespace or config.namespace, **schema_selection(config))
        d = dialect_name(url)
        return Source(schema, mask_url(url), d, d)
    if spec.startswith("git:"):
        return load_git_source(spec, config)
    return Source(load_master(config, spec, locations=locations), spec, None, "postgresql")


def load_git_source(spec: str, config: Config) -> Source:
    """Load a schema file as it was at a git revision: ``git:REF`` (the configured master) or ``git:REF:PATH``.

    The file is read with ``git show REF:PATH`` from the repository holding the configuration, so CI can show
    what a pull request changes in the schema (``diff --from git:origin/main``).

    Raises:
        ConfigError: git is missing, not a repository, or the revision/path does not exist.
        SchemaError: the file at that revision does not load.
    """
    import shutil
    import subprocess

    from schemaguard.loaders import load_schema_file

    rest = spec[len("git:") :]
    ref, _, path = rest.partition(":")
    if not ref:
        raise ConfigError(f"{spec!r}: expected git:REF or git:REF:PATH")
    if ref.startswith("-"):
        # git would read it as an option (--output=FILE writes anywhere); no ref or revision starts with '-'.
        raise ConfigError(f"{spec!r}: a git revision cannot start with '-'")
    rel = path or config.master
    git = shutil.which("git")
    if git is None:
        raise ConfigError("git: sources need the git command on PATH")
    try:
        top = subprocess.run(
            [git, "rev-parse", "--show-toplevel"], cwd=config.root, capture_output=True, text=True, check=True
        ).stdout.strip()
        full = (config.root / rel).resolve()
        inside = full.relative_to(Path(top).resolve()).as_posix() if full.is_absolute() else rel
        # --end-of-options: the argument that starts with user text is a revision, never an option (git 2.24+).
        text = subprocess.run(
            [git, "show", "--no-textconv", "--end-of-options", f"{ref}:{inside}"],
            cwd=top,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except subprocess.CalledProcessError as exc:
        reason = (exc.stderr or "").strip().splitlines()
        raise ConfigError(f"cannot read {rel} at git revision {ref}: {reason[0] if reason else exc}") from None
    except ValueError:
        raise ConfigError(f"{rel} is outside the git repository") from None
    label = f"git:{ref}:{rel}"
    if Path(rel).suffix.lower() == ".prisma":
        from schemaguard.prisma import load_prisma

        return Source(load_prisma(label, text), label, None, "postgresql")
    return Source(load_schema_file(rel, text, label=label), label, None, "postgresql")


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

    A SQLite and a PostgreSQL database are compared through the logical model (dev/prod parity,
    :mod:`schemaguard.diff.parity`): the report's dialect is ``sqlite (parity)`` and it holds no SQL.

    Raises:
        ConfigError: ``with_sql`` for a SQLite/PostgreSQL pair.
    """
    from schemaguard.diff.differ import align_names, diff_schemas

    dialects = {s.dialect for s in (desired, actual) if s.dialect}
    if len(dialects) > 1:
        return _diff_parity(desired, actual, config, with_sql=with_sql)
    name = dialects.pop() if dialects else (dialect or config.dialect)
    d = get_dialect(name)
    from schemaguard.diff.objects import scope_uncompared

    ds, ignored1 = filter_ignored(desired.schema, config)
    as_, ignored2 = filter_ignored(actual.schema, config)
    ds, as_ = scope_uncompared(ds, as_)
    dev_url = (config.model_extra or {}).get("dev_url")
    if desired.dialect is None and ds.objects and d.server and dev_url:
        # A master's views, functions... in the server's words: rendered into a scratch database on dev_url.
        from schemaguard.config import expand_env
        from schemaguard.diff.dev_normalise import normalise_objects

        ds = normalise_objects(ds, d, expand_env(str(dev_url), "dev_url"))
    changes = diff_schemas(ds, as_, d, desired_syntax=desired.syntax, actual_syntax=actual.syntax)
    sql = tuple(d.plan(changes, ds, align_names(ds, as_, d))) if with_sql else None
    from schemaguard.diff.coverage import diff_coverage

    coverage = diff_coverage(d.supported(ds), d.supported(as_))
    ignored = tuple(sorted(set(ignored1 + ignored2)))
    return DiffReport(desired.label, actual.label, d.name, tuple(changes), sql, ignored, coverage)


def _diff_parity(desired: Source, actual: Source, config: Config, *, with_sql: bool) -> DiffReport:
    """Dev/prod parity (a SQLite and a PostgreSQL database): compared through the logical model
    (:mod:`schemaguard.diff.parity`). No plan: one script cannot serve both dialects.

    Raises:
        ConfigError: ``with_sql`` was asked for.
    """
    from schemaguard.diff.coverage import diff_coverage
    from schemaguard.diff.parity import parity_changes

    if with_sql:
        raise ConfigError(
            "--sql cannot turn a SQLite database into a PostgreSQL one (or back); compare each with the master "
            "to plan its changes"
        )
    ds, ignored1 = filter_ignored(desired.schema, config)
    as_, ignored2 = filter_ignored(actual.schema, config)
    changes, d_cmp, a_cmp, d = parity_changes(
        ds, as_, get_dialect(desired.dialect or ""), get_dialect(actual.dialect or "")
    )
    ignored = tuple(sorted(set(ignored1 + ignored2)))
    coverage = diff_coverage(d_cmp, a_cmp)
    return DiffReport(desired.label, actual.label, f"{d.name} (parity)", tuple(changes), None, ignored, coverage)


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
    from schemaguard.parallel import fork_allowed

    namespace = None
    if actual is None:
        actual, namespace = config.resolve_url(target)
    if is_database(actual) and not (desired and is_database(desired)) and fork_allowed():
        d_src, a_src = _load_in_two_processes(desired, actual, config, namespace)
    else:
        from concurrent.futures import ThreadPoolExecutor

        # The two sides load at once: introspection mostly waits on the database while the master is parsed.
        with ThreadPoolExecutor(max_workers=2) as pool:
            d_future = pool.submit(desired_source, desired, config)
            a_future = pool.submit(load_source, actual, config, namespace)
            d_src, a_src = d_future.result(), a_future.result()
    return diff_sources(d_src, a_src, config, dialect=dialect, with_sql=with_sql)


def desired_source(desired: str | None, config: Config) -> Source:
    """The desired side of a diff (and of fleet mode): ``desired`` (file, URL or git: source) or the configured
    master. A diff never shows where a master object is defined, so the fast, unlocated parse is enough.

    Raises:
        SchemaError, ConnectionFailed, ConfigError: as :func:`load_source` / :func:`load_master` raise.
    """
    if desired:
        return load_source(desired, config, locations=False)
    return Source(load_master(config, locations=False), config.master, None, "postgresql")


def _load_in_two_processes(
    desired: str | None, actual: str, config: Config, namespace: str | None
) -> tuple[Source, Source]:
    """Load the desired side in a forked process while this one introspects the database ``actual``.

    Parsing a large master and building the introspected model are both CPU-bound Python, so threads overlap
    only the database's own time; a second process uses the second core. The desired schema comes back pickled
    (about 0.04 s each way at 1,000 tables), its errors are raised here unchanged, and a lost child (killed,
    out of memory) only means loading it here after all.

    Returns:
        ``(desired source, actual source)``.

    Raises:
        SchemaError, ConnectionFailed, InspectError, ConfigError: as either side raises.
    """
    import importlib
    import threading
    from concurrent.futures.process import BrokenProcessPool

    from schemaguard.parallel import fork_pool

    pool = fork_pool(1)
    try:
        future = pool.submit(desired_source, desired, config)  # forks now, before any thread of ours exists
        dialect = get_dialect(dialect_name(actual))
        dialect.import_connection_modules()
        warm = None
        if dialect.server:
            # The differ's imports (sqlglot, about 0.1 s) run while this thread waits on the catalog queries;
            # started only now, they do not compete with the connection's own imports for the interpreter.
            warm = threading.Thread(target=importlib.import_module, args=("schemaguard.diff.differ",), daemon=True)
            warm.start()
        a_src = load_source(actual, config, namespace)
        if warm is not None:
            warm.join()
        try:
            d_src = future.result()
        except BrokenProcessPool:
            d_src = desired_source(desired, config)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return d_src, a_src
