"""Revisions' side of the planner: column renames, and the planner's steps rendered as Alembic Python.

The one planner (:mod:`schemaguard.migrate.planner`) turns changes into typed, ordered operations and lowers
them to steps; this module applies ``--rename`` requests before planning (:func:`build_plan`) and renders the
steps as the body of ``upgrade()``/``downgrade()`` with Alembic's own autogenerate renderer
(:func:`render_items`), so a revision is ordinary Alembic code: ``op.create_table``, ``op.add_column``,
``op.execute`` for SQL Alembic has no operation for, ``with op.get_context().autocommit_block():`` for
statements PostgreSQL refuses inside a transaction. Source: https://alembic.sqlalchemy.org/en/latest/ops.html

Downgrades are planned the same way in the other direction (master → previous state): they need no knowledge
an operation lacks (the dropped table's columns, the old enum values). ``Plan.reverse()`` derives the same
downgrade from the operations (tests/migrate/test_planner.py checks both converge).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from schemaguard.dialects.base import Dialect
from schemaguard.dialects.sqla import NativeType
from schemaguard.diff.changes import Change, ChangeKind
from schemaguard.migrate import planner
from schemaguard.migrate.errors import MigrationError
from schemaguard.migrate.planner import Autocommit, Comment, Rebuild, Sql, Step
from schemaguard.model import Column, ForeignKey, Schema


@dataclass(frozen=True)
class Rename:
    """A column rename asked for with ``--rename [table.]old:new``; ``table`` None means "the one table where
    it fits"."""

    table: str | None
    old: str
    new: str

    @classmethod
    def parse(cls, text: str) -> Rename:
        """Parse ``table.old:new`` or ``old:new``.

        Raises:
            MigrationError: malformed text.
        """
        left, sep, new = text.partition(":")
        if not sep or not left or not new:
            raise MigrationError(f"--rename {text!r}: expected [table.]old:new")
        table, dot, old = left.rpartition(".")
        return cls(table if dot else None, old, new.strip())

    def reverse(self) -> Rename:
        return Rename(self.table, self.new, self.old)


@dataclass
class OpsPlan:
    """The ordered operations of one direction of a revision.

    Attributes:
        items: the planner's steps (Alembic operations, SQL, autocommit blocks, SQLite rebuilds) in execution
            order.
        changes: the changes they implement (after renames were applied).
        renames: the renames applied first.
    """

    items: list[Step]
    changes: list[Change]
    renames: list[Rename]


def resolve_renames(renames: Sequence[Rename], before: Schema, after: Schema) -> list[Rename]:
    """Fill in the table of each rename and check it fits: ``old`` exists in ``before``, ``new`` in ``after``.

    Raises:
        MigrationError: no table (or more than one) fits a rename.
    """
    out: list[Rename] = []
    for r in renames:
        candidates = [
            t.name
            for t in before.tables
            if (r.table is None or t.name == r.table)
            and t.column(r.old) is not None
            and t.column(r.new) is None
            and (a := after.table(t.name)) is not None
            and a.column(r.new) is not None
            and a.column(r.old) is None
        ]
        if len(candidates) != 1:
            where = f"table {r.table}" if r.table else "any table"
            found = "no" if not candidates else "more than one"
            raise MigrationError(
                f"--rename {r.old}:{r.new}: {found} match in {where} (the old column must exist only in the current "
                f"state and the new one only in the master); name the table: --rename TABLE.{r.old}:{r.new}"
            )
        out.append(Rename(candidates[0], r.old, r.new))
    return out


def apply_renames(schema: Schema, renames: Sequence[Rename]) -> Schema:
    """``schema`` with each column renamed, including in its table's key, indexes and foreign keys (the database
    renames those references itself)."""
    tables = []
    for t in schema.tables:
        mapping = {r.old: r.new for r in renames if r.table == t.name}
        if not mapping:
            tables.append(t)
            continue

        def m(name: str, mapping: dict[str, str] = mapping) -> str:
            return mapping.get(name, name)

        pk = replace(t.primary_key, columns=tuple(m(c) for c in t.primary_key.columns)) if t.primary_key else None
        indexes = tuple(
            replace(ix, parts=tuple(replace(p, column=m(p.column)) if p.column else p for p in ix.parts))
            for ix in t.indexes
        )
        fks = tuple(replace(fk, columns=tuple(m(c) for c in fk.columns)) for fk in t.foreign_keys)
        cols = tuple(replace(c, name=m(c.name)) for c in t.columns)
        tables.append(replace(t, columns=cols, primary_key=pk, indexes=indexes, foreign_keys=fks))
    # Foreign keys of other tables that point at a renamed column follow it too.
    out = []
    for t in tables:
        moved: list[ForeignKey] = []
        for fk in t.foreign_keys:
            refmap = {r.old: r.new for r in renames if r.table == fk.ref_table}
            moved.append(replace(fk, ref_columns=tuple(refmap.get(c, c) for c in fk.ref_columns)) if refmap else fk)
        out.append(replace(t, foreign_keys=tuple(moved)))
    return replace(schema, tables=tuple(out))


def rename_candidates(changes: Sequence[Change], dialect: Dialect) -> list[tuple[str, str, str]]:
    """Dropped and added columns of one table with the same stored type: possible renames, never applied.

    Returns:
        ``(table, old, new)`` triples.
    """
    out = []
    by_table: dict[str, tuple[list[Column], list[Column]]] = {}
    for ch in changes:
        if ch.kind is ChangeKind.COLUMN_EXTRA:
            by_table.setdefault(ch.table or "", ([], []))[0].append(ch.actual)
        elif ch.kind is ChangeKind.COLUMN_MISSING:
            by_table.setdefault(ch.table or "", ([], []))[1].append(ch.desired)
    for table, (dropped, added) in sorted(by_table.items()):
        for old in dropped:
            for new in added:
                if dialect.type_key(old.type) == dialect.type_key(new.type):
                    out.append((table, old.name, new.name))
    return out


def build_plan(
    dialect: Dialect, desired: Schema, actual: Schema, renames: Sequence[Rename] = (), *, online: bool = True
) -> OpsPlan:
    """The operations of one direction of a revision: renames first, then :func:`schemaguard.migrate.planner.plan`.

    Args:
        dialect: the dialect the revision is for.
        desired: the schema to reach (the master, or for a downgrade the previous state).
        actual: the schema the database has before (the replayed state, or for a downgrade the master).
        renames: columns of ``actual`` to rename first (tables resolved by :func:`resolve_renames`).
        online: lock-safe DDL where the dialect has it (the default for revisions; ``--no-online`` turns it off).

    Returns:
        OpsPlan: the planner's steps in order (see :func:`schemaguard.migrate.planner.plan`).

    Raises:
        UnsupportedChange: a change the dialect cannot express (an unnamed constraint to drop).
    """
    from schemaguard.diff.differ import diff_schemas

    renames = list(renames)
    renamed = apply_renames(actual, renames)
    changes = diff_schemas(desired, renamed, dialect)
    p = planner.plan(changes, desired, renamed, dialect, online=online)
    p.ops = planner.ordered([*(planner.RenameColumn(r.table or "", r.old, r.new) for r in renames), *p.ops])
    return OpsPlan(p.steps(), changes, renames)


# --- rendering -----------------------------------------------------------------------------------------------

NATIVE_HELPER = '''

class NativeType(sa.types.UserDefinedType):
    """A column type written verbatim (a type SQLAlchemy has no class for)."""

    cache_ok = True

    def __init__(self, spec):
        self.spec = spec

    def get_col_spec(self, **kw):
        return self.spec
'''


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    if type_ == "type" and isinstance(obj, NativeType):
        return f"NativeType({obj.spec!r})"
    return False


@dataclass
class Rendered:
    """Python source of one direction of a revision: the body (indented 4 spaces) and the imports it needs."""

    body: str
    imports: set[str]
    needs_native: bool


_BIND = re.compile(r"(?<![:\w\\]):(?=\w)")


def _execute(sql: str) -> str:
    # op.execute() wraps a string in text(), where ":name" is a bind parameter: escape such colons.
    return f"op.execute({_BIND.sub(lambda m: chr(92) + ':', sql)!r})"


def _comment(text: str) -> str:
    # Names are data: a line break in one must not end the comment (anything unprintable is escaped).
    return "# " + "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def render_items(items: Sequence[Step], dialect_name: str) -> Rendered:
    """Render the planner's steps as the body of ``upgrade()``/``downgrade()`` with Alembic's autogenerate
    renderer (every name and SQL text is written with ``repr()``).

    Args:
        items: the plan's steps.
        dialect_name: ``sqlite`` or ``postgresql`` (types are rendered for it).

    Returns:
        Rendered: ``body`` is ``pass`` when there is nothing to do.
    """
    from io import StringIO

    from alembic.autogenerate.api import AutogenContext
    from alembic.autogenerate.render import _indent, render_op
    from alembic.migration import MigrationContext
    from mako.pygen import PythonPrinter

    mc = MigrationContext.configure(dialect_name=dialect_name)
    ctx = AutogenContext(
        mc,
        opts={"sqlalchemy_module_prefix": "sa.", "alembic_module_prefix": "op.", "render_item": _render_item},
    )
    buf = StringIO()
    printer = PythonPrinter(buf)

    def write(step: Step) -> None:
        if isinstance(step, Sql):
            printer.writeline(_execute(step.text))
        elif isinstance(step, Comment):
            printer.writeline(_comment(step.text))
        elif isinstance(step, Autocommit):
            printer.writeline("with op.get_context().autocommit_block():")
            for inner in step.steps:
                write(inner)
            printer.writeline("")
        elif isinstance(step, Rebuild):
            printer.writeline(
                _comment(
                    f"SQLite rebuilds table {step.table!r} (https://www.sqlite.org/lang_altertable.html#otheralter)"
                )
            )
            for sql in step.statements:
                printer.writeline(_execute(sql))
        else:
            for line in render_op(ctx, step):
                printer.writeline(line)

    if not items:
        printer.writeline("pass")
    for item in items:
        write(item)
    text = _indent(buf.getvalue())
    return Rendered(text, set(ctx.imports), "NativeType(" in text)
