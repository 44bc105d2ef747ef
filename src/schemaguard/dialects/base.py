"""The Dialect base class: documented flags (data) plus narrow hooks that the generic code calls.

Every dialect lives in ``dialects/<name>/`` with the same verb modules — ``render.py`` (model → DDL),
``inspect.py`` (live database → model), ``diff.py`` (comparison hooks: type keys, adaptation of a master to
what the dialect can store) and ``migrate.py`` (changes → DDL statements). ``dialects/<name>/__init__.py``
wires them into a Dialect subclass. Nothing outside ``dialects/`` branches on a dialect's name.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Hashable, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    import sqlalchemy as sa

    from schemaguard.diff.changes import Change
    from schemaguard.model import ColumnType, Schema


@functools.cache
def _verb_module(dialect: str, verb: str) -> ModuleType:
    return importlib.import_module(f"schemaguard.dialects.{dialect}.{verb}")


class Dialect:
    """A database dialect. Subclasses set the flags and implement the hooks.

    Hooks take and return model objects; none of them performs I/O except :meth:`inspect`.
    """

    name: ClassVar[str] = "base"
    """Canonical lowercase name: ``"sqlite"`` or ``"postgresql"``."""

    sqlglot_name: ClassVar[str] = ""
    """The dialect's name in sqlglot, for parsing SQL written for it."""

    named_constraints: ClassVar[bool] = True
    """Constraint names (primary key, foreign key, check) are stored and can be introspected, so they are
    compared. SQLite keeps no names for primary and foreign keys."""

    native_enums: ClassVar[bool] = True
    """Enums are types of their own (``CREATE TYPE ... AS ENUM``); otherwise they are emulated as TEXT + CHECK."""

    native_arrays: ClassVar[bool] = True
    """Array columns exist natively; otherwise they are stored as JSON text."""

    transactional_ddl: ClassVar[bool] = True
    """DDL can run inside a transaction and be rolled back."""

    default_namespace: ClassVar[str] = ""
    """The schema (namespace) inspected when none is named: ``public`` or ``main``."""

    advisory_locks: ClassVar[bool] = False
    """Session-level advisory locks exist (``pg_try_advisory_lock``): a second backfill run is refused by the
    lock. Without them the backfill ledger's ``running`` rows and the writer's process are checked instead."""

    session_timeouts: ClassVar[bool] = False
    """Per-transaction ``lock_timeout``/``statement_timeout`` can be set (``SET LOCAL``); otherwise only the
    driver's busy timeout bounds waiting."""

    fair_lock_queue: ClassVar[bool] = True
    """Lock waiters are queued and served in order. SQLite's busy handler polls instead, so a writer that
    commits and immediately begins again starves other writers: batch loops must yield between batches."""

    max_identifier_bytes: ClassVar[int | None] = None
    """Longest identifier the database keeps, in UTF-8 bytes (a longer one is truncated), or None for no limit."""

    scratch_url: ClassVar[str | None] = None
    """URL of a throw-away in-memory database for replaying revisions, or None when a scratch server must be
    given (``dev_url``)."""

    squawk_lint: ClassVar[bool] = False
    """Squawk (a PostgreSQL migration linter, https://squawkhq.com) understands this dialect's SQL."""

    connection_modules: ClassVar[tuple[str, ...]] = ()
    """Modules that connecting and introspecting import (SQLAlchemy, its dialect and driver, the inspect verb).
    ``diff`` imports them up front so that other imports can run while the catalog queries wait on a server."""

    server: ClassVar[bool] = False
    """The database is a server reached over a connection (queries wait on it) rather than an embedded file."""

    object_kinds: ClassVar[frozenset[str]] = frozenset()
    """Kinds of objects beyond tables and enums (:class:`~schemaguard.model.ObjectKind` values) the dialect holds
    and inspects. A desired side's objects of other kinds are reported as not compared, never as missing."""

    virtual_generated_columns: ClassVar[bool] = False
    """Generated columns may be ``VIRTUAL`` or ``STORED``, and which one is compared (SQLite); PostgreSQL 15
    stores every generated column. Source: https://www.sqlite.org/gencol.html"""

    comments: ClassVar[bool] = True
    """Comments on tables, columns and other objects are stored (``COMMENT ON``), so they are compared."""

    namespaces: ClassVar[bool] = False
    """One database holds several schemas (namespaces): by default every user schema is inspected, objects
    outside :attr:`default_namespace` are named ``schema.name``, and ``--schema``/``schemas`` select some."""

    case_insensitive_names: ClassVar[bool] = False
    """Table and column names match regardless of case (SQLite: ``USERS`` and ``users`` are one table), so the
    differ pairs them case-insensitively instead of dropping one and creating the other."""

    generated_index_prefixes: ClassVar[tuple[str, ...]] = ()
    """Prefixes of index names the database invents itself; such names are never compared."""

    def _verb(self, verb: str) -> ModuleType:
        # The verb modules of dialects/<name>/ are imported on first use (start-up stays fast), then kept:
        # type_key runs for every column of both schemas.
        return _verb_module(self.name, verb)

    def import_connection_modules(self) -> None:
        """Import :attr:`connection_modules` now (before forking workers, or before other imports that should
        overlap the catalog queries)."""
        for module in self.connection_modules:
            importlib.import_module(module)

    # --- diff hooks -------------------------------------------------------------------------------------
    def adapt(self, schema: Schema) -> Schema:
        """The schema as this dialect stores it (enums → TEXT + CHECK on SQLite, arrays → JSON text...).

        The desired side of a diff and the renderer both use the adapted schema, so a database built from the
        rendering compares equal to the master. Implemented by ``dialects/<name>/diff.py: adapt``.
        """
        result: Schema = self._verb("diff").adapt(schema)
        return result

    def supported(self, schema: Schema) -> Schema:
        """``schema`` without the objects of kinds this dialect cannot hold (they move to ``not_compared``), and
        with a ``not_compared`` entry for what ``dialects/<name>/diff.py: not_stored`` says adapt() drops."""
        from schemaguard.diff.objects import supported

        return supported(self.not_stored(schema), self.object_kinds, self.name)

    def not_stored(self, schema: Schema) -> Schema:
        """``schema`` with a ``not_compared`` entry for each part of a table :meth:`adapt` drops (SQLite: column
        defaults it cannot evaluate), from ``dialects/<name>/diff.py: not_stored`` when the dialect has one."""
        hook = getattr(self._verb("diff"), "not_stored", None)
        result: Schema = hook(schema) if hook is not None else schema
        return result

    def type_key(self, ctype: ColumnType) -> Hashable:
        """A key that is equal for two types exactly when the dialect stores them the same way
        (``dialects/<name>/diff.py: type_key``)."""
        result: Hashable = self._verb("diff").type_key(ctype)
        return result

    def is_generated_index_name(self, name: str) -> bool:
        """True for index names the database invents (SQLite ``sqlite_autoindex_*``): never compared."""
        return name.startswith(self.generated_index_prefixes) if self.generated_index_prefixes else False

    # --- verbs ----------------------------------------------------------------------------------------------
    def render(self, schema: Schema) -> list[str]:
        """Complete DDL for ``schema`` (already adapted or not): ordered statements without trailing ``;``
        (``dialects/<name>/render.py: render_schema``), after ``dialects/<name>/diff.py: for_render`` when the
        dialect has one (what a master made for another dialect holds that this one must leave out)."""
        prepare = getattr(self._verb("diff"), "for_render", None)
        if prepare is not None:
            schema = prepare(schema)
        result: list[str] = self._verb("render").render_schema(schema)
        return result

    def inspect(self, conn: sa.Connection, namespace: str | None = None, **selection: Any) -> Schema:
        """Read the live schema from an open connection with a few bulk catalog queries
        (``dialects/<name>/inspect.py: inspect_schema``).

        Where the dialect has :attr:`namespaces`, ``namespace=None`` reads every user schema and ``selection``
        (``schemas``, ``exclude``, ``privileges``) is passed on; otherwise the default namespace is read."""
        if self.namespaces:
            result: Schema = self._verb("inspect").inspect_schema(conn, namespace, **selection)
        else:
            result = self._verb("inspect").inspect_schema(conn, namespace or self.default_namespace)
        return result

    def plan(self, changes: Sequence[Change], desired: Schema, actual: Schema) -> list[str]:
        """DDL statements that turn ``actual`` into ``desired``, given the changes between them: the one planner
        (``schemaguard.migrate.planner``) with this dialect's hooks (``dialects/<name>/migrate.py: HOOKS``)."""
        from schemaguard.migrate.planner import plan_statements

        return plan_statements(changes, desired, actual, self)

    def sa_dialect(self) -> sa.Dialect:
        """The SQLAlchemy dialect object used to compile DDL."""
        module: Any = importlib.import_module(f"sqlalchemy.dialects.{self.name}")
        dialect: sa.Dialect = module.dialect()
        return dialect

    def quote_ident(self, name: str) -> str:
        """Quote an identifier for this dialect (always quoted: names may hold any character)."""
        from schemaguard.dialects.sqla import quote_ident

        return quote_ident(name)
