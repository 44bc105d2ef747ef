"""Planner entries for the objects beyond tables and enums (views, functions, triggers, sequences, policies...).

Every object change becomes :class:`ObjectStatements` operations: SQL created by the dialect's
``dialects/<name>/render_objects.py`` (``create_sql``, ``drop_sql``, ``comment_sql``), each with its reverse. A
changed view, function or trigger is dropped and created again (``CREATE OR REPLACE`` refuses most changes of a
view's columns or a function's result); a changed sequence is altered in place. Phases put drops of what reads
tables (triggers, rules, policies, then views, then functions) before any table change and their creation after
every table change; schemas, extensions, domains and free-standing sequences come before the tables and go after.

What cannot be planned on its own says so (:class:`~schemaguard.errors.UnsupportedChange`): a changed partition
key (only CREATE TABLE sets one), privileges (compared, never planned), SQLite table options (a table rebuild).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Any, ClassVar

from schemaguard.diff.changes import Change, ChangeKind
from schemaguard.errors import UnsupportedChange
from schemaguard.migrate.planner import Op, Phase, PlanContext, Sql, Step
from schemaguard.model import DbObject, ObjectKind, Schema

_EARLY = frozenset((ObjectKind.SCHEMA, ObjectKind.EXTENSION, ObjectKind.DOMAIN))
_ROUTINES = frozenset((ObjectKind.FUNCTION, ObjectKind.PROCEDURE, ObjectKind.AGGREGATE))
_VIEWS = frozenset((ObjectKind.VIEW, ObjectKind.MATERIALIZED_VIEW))


def _create_phase(o: DbObject) -> Phase:
    if o.kind in _EARLY:
        return Phase.CREATE_OBJECTS_EARLY
    if o.kind is ObjectKind.SEQUENCE and not o.attribute("owned_by"):
        return Phase.CREATE_OBJECTS_EARLY
    if o.kind in _ROUTINES:
        return Phase.CREATE_ROUTINES
    if o.kind in _VIEWS:
        return Phase.CREATE_VIEWS
    return Phase.CREATE_OBJECTS


def _drop_phase(o: DbObject) -> Phase:
    if o.kind in _EARLY or (o.kind is ObjectKind.SEQUENCE and not o.attribute("owned_by")):
        return Phase.DROP_OBJECTS_LATE
    if o.kind in _ROUTINES:
        return Phase.DROP_ROUTINES
    if o.kind in _VIEWS:
        return Phase.DROP_VIEWS
    return Phase.DROP_OBJECTS


@dataclass(frozen=True)
class ObjectStatements(Op):
    """Create, drop or alter one database object with SQL statements; ``undo`` reverses it."""

    what: str
    statements: tuple[str, ...]
    undo: tuple[str, ...]
    at: Phase
    undo_at: Phase
    PHASE: ClassVar[Phase] = Phase.CREATE_OBJECTS

    @property
    def phase(self) -> Phase:
        return self.at

    def reverse(self) -> Op:
        return ObjectStatements(f"undo {self.what}", self.undo, self.statements, self.undo_at, self.at)

    def lower(self, ctx: PlanContext) -> list[Step]:
        return [Sql(s) for s in self.statements]

    def describe(self) -> str:
        return self.what


def _sql(ctx: PlanContext) -> Any:
    # The dialect's object DDL (dialects/<name>/render_objects.py), looked up as the verb modules are.
    return import_module(f"schemaguard.dialects.{ctx.dialect.name}.render_objects")


def _create(o: DbObject, ctx: PlanContext, schema: Schema) -> ObjectStatements:
    sql = _sql(ctx)
    stmts = tuple(sql.create_sql(o, schema))
    if not stmts:
        raise UnsupportedChange(f"{o.label} cannot be created on its own on {ctx.dialect.name}", None, ctx.dialect.name)
    return ObjectStatements(
        f"create {o.label}", stmts, tuple(sql.drop_sql(o, schema)), _create_phase(o), _drop_phase(o)
    )


def _drop(o: DbObject, ctx: PlanContext, schema: Schema) -> ObjectStatements:
    sql = _sql(ctx)
    stmts = tuple(sql.drop_sql(o, schema))
    if not stmts:
        raise UnsupportedChange(f"{o.label} cannot be removed on its own on {ctx.dialect.name}", None, ctx.dialect.name)
    return ObjectStatements(
        f"drop {o.label}", stmts, tuple(sql.create_sql(o, schema)), _drop_phase(o), _create_phase(o)
    )


def _plan_object(ch: Change, ctx: PlanContext) -> list[Op]:
    d, a = ch.desired, ch.actual
    assert isinstance(d, DbObject | None) and isinstance(a, DbObject | None)
    o = d or a
    assert o is not None
    if o.kind is ObjectKind.PRIVILEGES:
        raise UnsupportedChange(
            f"{o.label}: grants and owners are compared, never planned (they differ between environments)",
            ch,
            ctx.dialect.name,
        )
    if o.kind is ObjectKind.PARTITIONING and (d is None) != (a is None or d != a):
        raise UnsupportedChange(f"{o.label}: a partition key is set only by CREATE TABLE", ch, ctx.dialect.name)
    if d is not None and a is None:
        return [_create(d, ctx, ctx.desired)]
    if a is not None and d is None:
        return [_drop(a, ctx, ctx.actual)]
    assert d is not None and a is not None
    if o.kind is ObjectKind.SEQUENCE:
        # ALTER SEQUENCE takes every parameter: the desired values are set in place.
        return [_replace_sequence(d, a, ctx)]
    in_place = _sql(ctx).alter_sql(d, a)
    if in_place is not None:
        # Objects other objects use (a domain, an extension) are altered, not dropped.
        forward, backward = tuple(in_place), tuple(_sql(ctx).alter_sql(a, d) or ())
        return [ObjectStatements(f"alter {d.label}", forward, backward, _create_phase(d), _create_phase(d))]
    return [_drop(a, ctx, ctx.actual), _create(d, ctx, ctx.desired)]


def _replace_sequence(d: DbObject, a: DbObject, ctx: PlanContext) -> ObjectStatements:
    sql = _sql(ctx)

    def alter(o: DbObject, schema: Schema) -> tuple[str, ...]:
        return tuple(s.replace("CREATE SEQUENCE", "ALTER SEQUENCE", 1) for s in sql.create_sql(o, schema))

    return ObjectStatements(
        f"alter {d.label}", alter(d, ctx.desired), alter(a, ctx.actual), Phase.CREATE_OBJECTS, Phase.CREATE_OBJECTS
    )


def _plan_comment(ch: Change, ctx: PlanContext) -> list[Op]:
    d, a = ch.desired, ch.actual
    sql = _sql(ctx)
    if isinstance(d, DbObject) and isinstance(a, DbObject):
        return [
            ObjectStatements(
                f"comment on {d.label}",
                tuple(sql.comment_sql(d)),
                tuple(sql.comment_sql(a)),
                Phase.CREATE_OBJECTS,
                Phase.CREATE_OBJECTS,
            )
        ]
    # A table, column or enum comment: the text is in desired/actual, the object in table/object.
    column = ch.object if ch.table is not None and ch.object != ch.table else None
    enum = ch.object if ch.table is None else None
    return [
        ObjectStatements(
            f"comment on {ch.object}",
            tuple(sql.table_comment_sql(ch.table, column, enum, d)),
            tuple(sql.table_comment_sql(ch.table, column, enum, a)),
            Phase.CREATE_OBJECTS,
            Phase.CREATE_OBJECTS,
        )
    ]


def _kinds() -> list[ChangeKind]:
    out = []
    for kind in ObjectKind:
        for suffix in ("missing", "extra", "changed"):
            value = f"{kind.value}_{suffix}"
            if value in ChangeKind._value2member_map_ and value != "comment_changed":
                out.append(ChangeKind(value))
    return out


OBJECT_PLANNERS: dict[ChangeKind, Callable[[Change, PlanContext], list[Op]]] = {
    **dict.fromkeys(_kinds(), _plan_object),
    ChangeKind.COMMENT_CHANGED: _plan_comment,
}
"""One entry per object change kind (merged into :data:`schemaguard.migrate.planner.PLANNERS`)."""
