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

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from importlib import import_module
from typing import Any, ClassVar, cast

from schemaguard.diff.changes import Change, ChangeKind, Severity
from schemaguard.errors import UnsupportedChange
from schemaguard.migrate.planner import Op, Phase, PlanContext, Sql, Step
from schemaguard.migrate.table_ops import AddCheck, AlterColumn, CreateIndex, DropCheck, DropIndex
from schemaguard.model import Check, Column, DbObject, DefaultKind, Index, ObjectKind, Schema, Table, depends
from schemaguard.model.objects import referenced_names

_EARLY = frozenset(
    (
        ObjectKind.SCHEMA,
        ObjectKind.EXTENSION,
        ObjectKind.DOMAIN,
        ObjectKind.COMPOSITE_TYPE,
        ObjectKind.COLLATION_DEFINITION,
    )
)
_ROUTINES = frozenset((ObjectKind.FUNCTION, ObjectKind.PROCEDURE, ObjectKind.AGGREGATE))
_VIEWS = frozenset((ObjectKind.VIEW, ObjectKind.MATERIALIZED_VIEW))


def _create_phase(o: DbObject) -> Phase:
    if o.kind is ObjectKind.SCHEMA:
        return Phase.CREATE_SCHEMAS
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
    if o.kind is ObjectKind.SCHEMA:
        return Phase.DROP_SCHEMAS
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
    depth: int = 0
    """How many levels of views this object reads through (0: none): within their phase, creates run in
    increasing depth and drops in decreasing depth."""
    PHASE: ClassVar[Phase] = Phase.CREATE_OBJECTS

    @property
    def phase(self) -> Phase:
        # A fraction of a phase orders dependent views (the planner sorts by this value only).
        step = 0.001 * min(self.depth, 999)
        return cast(Phase, self.at + step if self.at > Phase.ADD_FOREIGN_KEYS else self.at - step)

    def reverse(self) -> Op:
        return ObjectStatements(f"undo {self.what}", self.undo, self.statements, self.undo_at, self.at, self.depth)

    def lower(self, ctx: PlanContext) -> list[Step]:
        return [Sql(s) for s in self.statements]

    def describe(self) -> str:
        return self.what


def _sql(ctx: PlanContext) -> Any:
    # The dialect's object DDL (dialects/<name>/render_objects.py), looked up as the verb modules are.
    return import_module(f"schemaguard.dialects.{ctx.dialect.name}.render_objects")


def _early(o: DbObject, ctx: PlanContext, schema: Schema) -> bool:
    """Whether a routine created or dropped for good goes before the tables (and its drop after them): its body is
    not read at creation and its signature names no table (the dialect's ``early_routine``), so an index, check,
    default or generated column may call it, as in pg_dump's order."""
    early = getattr(_sql(ctx), "early_routine", None)
    if o.kind not in _ROUTINES or early is None or not o.definition:
        return False
    relations = _sql(ctx).relation_names(schema)
    return bool(early(o.definition, relations))


_NO_BODY_CHECK = "SET check_function_bodies = false"


def _create(o: DbObject, ctx: PlanContext, schema: Schema, for_good: bool = False) -> ObjectStatements:
    sql = _sql(ctx)
    stmts = tuple(sql.create_sql(o, schema))
    if not stmts and o.kind in (ObjectKind.VIEW, ObjectKind.MATERIALIZED_VIEW) and not o.definition:
        # A Prisma view block declares a view without its SELECT: Prisma Migrate leaves creating it to the user too.
        raise UnsupportedChange(
            f"{o.label} has no definition in the master (a Prisma view block holds none); create it in SQL of your own",
            None,
            ctx.dialect.name,
        )
    if not stmts:
        raise UnsupportedChange(f"{o.label} cannot be created on its own on {ctx.dialect.name}", None, ctx.dialect.name)
    undo = tuple(sql.drop_sql(o, schema))
    if for_good and _early(o, ctx, schema):
        # Created before the tables, so the body may name one created later: not checked, as pg_dump does.
        early = (_NO_BODY_CHECK, *stmts)
        return ObjectStatements(f"create {o.label}", early, undo, Phase.CREATE_ROUTINES_EARLY, Phase.DROP_ROUTINES_LATE)
    return ObjectStatements(f"create {o.label}", stmts, undo, *_phases(o, schema, create=True))


def _drop(o: DbObject, ctx: PlanContext, schema: Schema, for_good: bool = False) -> ObjectStatements:
    sql = _sql(ctx)
    stmts = tuple(sql.drop_sql(o, schema))
    if not stmts:
        raise UnsupportedChange(f"{o.label} cannot be removed on its own on {ctx.dialect.name}", None, ctx.dialect.name)
    undo = tuple(sql.create_sql(o, schema))
    if for_good and _early(o, ctx, schema):
        late = (_NO_BODY_CHECK, *undo)
        return ObjectStatements(f"drop {o.label}", stmts, late, Phase.DROP_ROUTINES_LATE, Phase.CREATE_ROUTINES_EARLY)
    return ObjectStatements(f"drop {o.label}", stmts, undo, *_phases(o, schema, create=False))


def _phases(o: DbObject, schema: Schema, *, create: bool) -> tuple[Phase, Phase, int]:
    """``(phase, undo phase, depth)`` of creating (or dropping) ``o``. A routine whose body is read at creation (a
    SQL-standard ``BEGIN ATOMIC`` body) and names views goes with the views, after them (before them when
    dropped): PostgreSQL records that dependency (https://www.postgresql.org/docs/15/sql-createfunction.html)."""
    depth = _depth(o, schema)
    make, remove = _create_phase(o), _drop_phase(o)
    if o.kind in _ROUTINES and depth > 0:
        make, remove = Phase.CREATE_VIEWS, Phase.DROP_VIEWS
    return (make, remove, depth) if create else (remove, make, depth)


_READERS = _VIEWS | _ROUTINES


def _depth(o: DbObject, schema: Schema) -> int:
    """0 for an object that names no view of ``schema``, else 1 + the depth of the deepest view it names
    (:func:`schemaguard.model.depends.depth`: names matched as the catalog folds them)."""
    if o.kind is ObjectKind.PARTITION:
        # A sub-partition after the partition it belongs to (and dropped before it).
        parents = {p.name: p for p in schema.objects if p.kind is ObjectKind.PARTITION}
        depth, parent = 0, parents.get(o.table or "")
        while parent is not None and depth < 999:
            depth, parent = depth + 1, parents.get(parent.table or "")
        return depth
    if o.kind not in _READERS:
        return 0
    return depends.depth(o, schema.objects, (t.name for t in schema.tables))


def _dependents(o: DbObject, schema: Schema, columns: set[str] | None = None) -> list[DbObject]:
    """Every view and routine of ``schema`` that reads ``o`` (or, given ``columns``, may read one of those columns
    of it), directly or through another one (each once): :func:`schemaguard.model.depends.readers`."""
    return depends.readers([o.name], schema.objects, (t.name for t in schema.tables), columns)


def _done(ctx: PlanContext) -> set[tuple[str, str, str]]:
    # Objects already planned (as a change or as the dependent of one): each is dropped and created once.
    done: set[tuple[str, str, str]] = ctx.__dict__.setdefault("_objects_planned", set())
    return done


def _with_dependents(a: DbObject, ctx: PlanContext) -> list[Op]:
    """Drop and create again the views and routines that read ``a``: PostgreSQL refuses to drop a view another
    view uses (migra's classic "views dropped out of order"). Their desired versions are created; dependents
    only the actual side has are dropped."""
    if a.kind not in _READERS:
        return []
    return readers_of(a, ctx)


def readers_of(a: DbObject, ctx: PlanContext, columns: set[str] | None = None) -> list[Op]:
    """The drops (and creates again) of every view and routine that reads ``a`` by name, not planned yet. The
    planner calls it for tables whose drop or column change PostgreSQL refuses under a view; ``columns``: only
    these columns of ``a`` change (views reading none of them stay). A view created again gets its triggers and
    rules again (DROP VIEW drops them)."""
    done = _done(ctx)
    desired = {o.key: o for o in ctx.desired.objects}
    ops: list[Op] = []
    for dep in _dependents(a, ctx.actual, columns):
        if dep.key in done:
            continue
        done.add(dep.key)
        ops.append(_drop(dep, ctx, ctx.actual))
        want = desired.get(dep.key)
        if want is not None:
            ops.append(_create(want, ctx, ctx.desired))
        ops += _riders(dep, ctx)
    return ops


_ON_TABLE = frozenset((ObjectKind.POLICY, ObjectKind.TRIGGER, ObjectKind.RULE))


def column_users_on(table: str, columns: set[str], ctx: PlanContext) -> list[Op]:
    """The drops (and creates again) of the policies, triggers and rules on ``table`` whose text names one of
    ``columns``, not planned yet. PostgreSQL refuses to change the type of a column a policy's ``USING``/``WITH
    CHECK``, a trigger's ``WHEN`` or ``UPDATE OF``, or a rule uses ("cannot alter type of a column used in a
    policy definition"; https://www.postgresql.org/docs/15/sql-altertable.html), so the planner calls this for
    columns whose type changes in place (``ALTER COLUMN ... TYPE``, an enum rebuild). Names are matched as
    identifiers in the definition and attributes (a superset: a spurious match only recreates the object)."""
    done = _done(ctx)
    desired = {o.key: o for o in ctx.desired.objects}
    wanted = columns | {c.lower() for c in columns}
    ops: list[Op] = []
    for o in ctx.actual.objects:
        if o.table != table or o.kind not in _ON_TABLE or o.key in done:
            continue
        text = " ".join([o.definition or "", *(v for _, v in o.attributes)])
        if not referenced_names(text) & wanted:
            continue
        done.add(o.key)
        ops.append(_drop(o, ctx, ctx.actual))
        want = desired.get(o.key)
        if want is not None:
            ops.append(_create(want, ctx, ctx.desired))
    return ops


def _riders(view: DbObject, ctx: PlanContext) -> list[Op]:
    """The triggers and rules of a view that is dropped (and created again): the actual ones dropped explicitly
    before the DROP VIEW, which drops them anyway, so that the reverse plan (a downgrade) creates them again after
    the view; the desired ones created again after the view."""
    if view.kind not in _VIEWS:
        return []
    done = _done(ctx)
    ops: list[Op] = []
    for schema, make in ((ctx.actual, _drop), (ctx.desired, _create)):
        for o in schema.objects:
            if o.table == view.name and o.kind in (ObjectKind.TRIGGER, ObjectKind.RULE) and o.key not in done:
                ops.append(make(o, ctx, schema))
    for schema in (ctx.actual, ctx.desired):
        done.update(
            o.key for o in schema.objects if o.table == view.name and o.kind in (ObjectKind.TRIGGER, ObjectKind.RULE)
        )
    return ops


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
    if o.kind is ObjectKind.PARTITIONING:
        if ctx.d.table(o.name) is None or ctx.a.table(o.name) is None:
            return []  # the table is created (CreateTable sets its key) or dropped with it
        raise UnsupportedChange(f"{o.label}: a partition key is set only by CREATE TABLE", ch, ctx.dialect.name)
    if o.key in _done(ctx):
        return []  # planned already, as the dependent of another change
    _done(ctx).add(o.key)
    if d is not None and a is None:
        return [_create(d, ctx, ctx.desired, for_good=True)]
    if a is not None and d is None:
        return [*_with_dependents(a, ctx), _drop(a, ctx, ctx.actual, for_good=True)]
    assert d is not None and a is not None
    if o.kind is ObjectKind.SEQUENCE:
        # ALTER SEQUENCE takes every parameter: the desired values are set in place.
        return [_replace_sequence(d, a, ctx)]
    if o.kind is ObjectKind.COMPOSITE_TYPE:
        return [_alter_composite(d, a, ch, ctx)]
    in_place = _sql(ctx).alter_sql(d, a)
    if in_place is not None:
        # Objects other objects use (a domain, an extension) are altered, not dropped.
        forward, backward = tuple(in_place), tuple(_sql(ctx).alter_sql(a, d) or ())
        return [ObjectStatements(f"alter {d.label}", forward, backward, _create_phase(d), _create_phase(d))]
    return [*_with_dependents(a, ctx), _drop(a, ctx, ctx.actual), _create(d, ctx, ctx.desired), *_riders(a, ctx)]


def _alter_composite(d: DbObject, a: DbObject, ch: Change, ctx: PlanContext) -> ObjectStatements:
    """A changed composite type altered in place (the dialect's ``composite`` module: ``ALTER TYPE ... ADD /
    DROP / ALTER ATTRIBUTE``, https://www.postgresql.org/docs/15/sql-altertype.html); dropping and creating it
    again is refused while columns, functions or views use it. Raises UnsupportedChange when ALTER TYPE cannot
    make the change; a reverse it cannot make becomes a statement that fails with the reason."""
    try:
        composite = import_module(f"schemaguard.dialects.{ctx.dialect.name}.composite")
    except ModuleNotFoundError:
        raise UnsupportedChange(f"{d.label} cannot be altered on {ctx.dialect.name}", ch, ctx.dialect.name) from None
    bare = {d.name.rpartition(".")[2].strip('"').lower(), d.name.strip('"').lower()}

    def used(schema: Schema) -> bool:
        return any(
            (c.type.native or "").strip('"').lower() in bare
            or (c.type.native or "").rpartition(".")[2].strip('"').lower() in bare
            for t in schema.tables
            for c in t.columns
        )

    try:
        forward = composite.composite_alter_sql(d, a, used(ctx.actual))
    except composite.CompositeChangeImpossible as e:
        raise UnsupportedChange(str(e), ch, ctx.dialect.name) from None
    try:
        backward = composite.composite_alter_sql(a, d, used(ctx.desired))
    except composite.CompositeChangeImpossible as e:
        backward = composite.refusal_sql(f"cannot reverse: {e}")
    return ObjectStatements(f"alter {d.label}", tuple(forward), tuple(backward), _create_phase(d), _create_phase(d))


def _rebuilt(before: Sequence[str], after: Sequence[str]) -> bool:
    """Whether an enum going from ``before`` to ``after`` values is rebuilt (renamed away, created again, old type
    dropped): anything but values added with the old order kept (``ALTER TYPE ... ADD VALUE``)."""
    return [v for v in after if v in before] != list(before)


def _names_type(o: DbObject, names: set[str]) -> bool:
    """Whether ``o``'s signature (a routine's argument and result types; a SQL-standard body too), a domain's base
    type or a composite type's attributes name one of ``names`` (identifiers as the catalog folds them)."""
    if o.kind in _ROUTINES:
        return bool(depends.references(o) & names)
    if o.kind is ObjectKind.DOMAIN:
        return bool(referenced_names(" ".join(filter(None, [o.attribute("base_type"), o.definition]))) & names)
    if o.kind is ObjectKind.COMPOSITE_TYPE:
        return bool(referenced_names(o.definition) & names)
    return False


def enum_type_users(changes: Sequence[Change], ctx: PlanContext) -> list[Op]:
    """Routines whose signature uses an enum the plan (or its reverse, a downgrade) rebuilds, dropped before the
    rebuild and created again after it, with the views that call them; the rebuild's ``DROP TYPE "<enum>__sg_old"``
    is refused while they exist ("function is_open(status__sg_old) depends on type status__sg_old",
    https://www.postgresql.org/docs/15/sql-droptype.html). In a direction that only adds values they stay (the
    statements of that direction are empty).

    Args:
        changes: the plan's changes; ``enum_values`` ones are looked at.
        ctx: the plan's context (``actual`` holds the objects as they are, ``desired`` as they should be).

    Returns:
        The operations; the objects are marked planned, so their own changes are not planned twice.

    Raises:
        UnsupportedChange: a domain or composite type uses such an enum (neither can change its base or attribute
            type while columns use it, nor be dropped under them).
    """
    out: list[Op] = []
    desired = {o.key: o for o in ctx.desired.objects}
    done = _done(ctx)
    for ch in changes:
        if ch.kind is not ChangeKind.ENUM_VALUES:
            continue
        before, after = ch.actual, ch.desired
        fwd, rev = _rebuilt(before.values, after.values), _rebuilt(after.values, before.values)
        name: str = after.name
        names = {name, name.lower(), name.rpartition(".")[2], name.rpartition(".")[2].lower()}
        for a in ctx.actual.objects:
            if a.key in done or not _names_type(a, names):
                continue
            if a.kind in (ObjectKind.DOMAIN, ObjectKind.COMPOSITE_TYPE):
                raise UnsupportedChange(
                    f"{a.label} uses enum {name}, whose values change so that it is rebuilt (renamed, created again, "
                    "the old type dropped), which PostgreSQL refuses under it; change it in a migration of your own",
                    ch,
                    ctx.dialect.name,
                )
            d = desired.get(a.key)
            if not fwd and (d is None or d.definition != a.definition):
                continue  # changed here: planned as its own change; only its downgrade may meet a rebuild
            done.add(a.key)
            drop, create = _drop(a, ctx, ctx.actual), _create(d, ctx, ctx.desired) if d is not None else None
            readers = readers_of(a, ctx)
            if not fwd:  # nothing to do now; the downgrade drops and creates them around its rebuild
                drop = replace(drop, statements=(), undo=drop.undo)
                create = replace(create, statements=()) if create is not None else None
            elif not rev:
                drop = replace(drop, undo=())
                create = replace(create, undo=()) if create is not None else None
            out += [drop, *([create] if create is not None else []), *readers]
            if a.kind in _ROUTINES:
                out += _callers_around(a, ctx, ch, fwd, rev)
    return out


@dataclass(frozen=True)
class AroundRebuild(Op):
    """``op`` (a table operation: an index, check or column default) run at phase ``at`` instead of its own, and
    only in the directions that rebuild an enum (``active`` here, ``undo_active`` in the reverse); its reverse runs
    at ``undo_at``. Used for what calls a routine dropped and created again around an enum rebuild: dropped before
    the routine (``DROP_OBJECTS``), made again after it (``CREATE_OBJECTS``)."""

    op: Op
    at: Phase
    undo_at: Phase
    active: bool = True
    undo_active: bool = True

    @property
    def phase(self) -> Phase:
        return self.at

    def reverse(self) -> Op:
        return AroundRebuild(self.op.reverse(), self.undo_at, self.at, self.undo_active, self.active)

    def lower(self, ctx: PlanContext) -> list[Step]:
        return self.op.lower(ctx) if self.active else []

    def describe(self) -> str:
        return self.op.describe()


def _call_names(o: DbObject) -> set[str]:
    """How a call of routine ``o`` (key ``name(argtypes)`` or ``schema.name(argtypes)``) may be spelled: the
    name, and the schema-qualified name when its key has one (as :func:`depends.called_functions` gives them)."""
    head = o.name.partition("(")[0]
    return {head, head.rpartition(".")[2]} - {""}


_Caller = tuple[Table, Index | Check | Column]


def _callers(schema: Schema, names: set[str]) -> dict[tuple[str, str, str], _Caller]:
    """The indexes (elements, predicate), checks, column defaults and generated columns of ``schema`` whose
    expression calls one of ``names``, keyed ``(table, kind, name)``."""
    out: dict[tuple[str, str, str], _Caller] = {}

    def calls(*texts: str | None) -> bool:
        return any(depends.called_functions(x) & names for x in texts)

    for t in schema.tables:
        for ix in t.indexes:
            if calls(ix.where, *(p.expression for p in ix.parts)):
                out[(t.name, "index", ix.name)] = (t, ix)
        for ck in t.checks:
            if calls(ck.expression):
                out[(t.name, "check", ck.name or ck.expression)] = (t, ck)
        for c in t.columns:
            default = c.default.value if c.default is not None and c.default.kind is DefaultKind.EXPRESSION else None
            if calls(c.generated, default):
                out[(t.name, "generated" if c.generated else "default", c.name)] = (t, c)
    return out


def rebuild_callers(ctx: PlanContext, enum: str) -> set[tuple[str, str]]:
    """``(table, name)`` of the indexes and checks (on either side of the plan) that call a routine whose signature
    uses ``enum``: :func:`enum_type_users` drops them before those routines and makes them again after, so the
    dialect's enum rebuild must leave them alone (the same set in both directions of a plan)."""
    names = {enum, enum.lower(), enum.rpartition(".")[2], enum.rpartition(".")[2].lower()}
    routines: set[str] = set()
    for o in (*ctx.actual.objects, *ctx.desired.objects):
        if o.kind in _ROUTINES and _names_type(o, names):
            routines |= _call_names(o)
    if not routines:
        return set()
    keys = {**_callers(ctx.a, routines), **_callers(ctx.d, routines)}
    return {(table, name) for table, kind, name in keys if kind in ("index", "check")}


def _callers_around(a: DbObject, ctx: PlanContext, ch: Change, fwd: bool, rev: bool) -> list[Op]:
    """Drops (before routine ``a``'s drop) and creates again (after its create) of the indexes, checks, column
    defaults, policies and triggers that call ``a``, which PostgreSQL records in ``pg_depend`` and so refuses
    ``DROP FUNCTION`` under ("cannot drop function ... because other objects depend on it",
    https://www.postgresql.org/docs/15/sql-dropfunction.html). ``fwd``/``rev``: the directions that rebuild.

    Raises:
        UnsupportedChange: such a caller differs between the two sides or is on one side only (its own change
            would run in the wrong place), or is a generated column (its expression cannot be dropped and set
            again in place).
    """
    names = _call_names(a)
    before, after = _callers(ctx.a, names), _callers(ctx.d, names)
    moved: set[tuple[str, str, str]] = ctx.__dict__.setdefault("_callers_moved", set())
    out: list[Op] = []
    for key in sorted(before.keys() | after.keys()):
        if key in moved:
            continue
        moved.add(key)
        b, f = before.get(key), after.get(key)
        table, kind, name = key
        if b is None or f is None or b[1] != f[1] or kind == "generated":
            what = f"{kind} {name} on {table}"
            raise UnsupportedChange(
                f"{what} calls {a.label}, which is dropped and created again around the rebuild of an enum it "
                "uses (values removed or reordered); PostgreSQL refuses the DROP FUNCTION under it and this plan "
                "cannot move it there: change it in a migration of your own",
                ch,
                ctx.dialect.name,
            )
        (at, x), (dt, _) = b, f
        drop: Op
        make: Op
        if isinstance(x, Index):
            drop, make = DropIndex(at, x), CreateIndex(dt, x)
        elif isinstance(x, Check):
            drop, make = DropCheck(at, x), AddCheck(dt, x)
        else:
            bare = replace(x, default=None)
            change = Change(ChangeKind.COLUMN_DEFAULT, table, x.name, bare, x, Severity.INFO, "", ("default",))
            drop = AlterColumn(at, x, bare, change)
            make = AlterColumn(dt, bare, x, replace(change, desired=x, actual=bare))
        out += [
            AroundRebuild(drop, Phase.DROP_OBJECTS, Phase.CREATE_OBJECTS, fwd, rev),
            AroundRebuild(make, Phase.CREATE_OBJECTS, Phase.DROP_OBJECTS, fwd, rev),
        ]
    done = _done(ctx)
    desired = {o.key: o for o in ctx.desired.objects}
    for o in ctx.actual.objects:
        if o.kind not in _ON_TABLE or o.key in done:
            continue
        if not depends.called_functions(" ".join([o.definition or "", *(v for _, v in o.attributes)])) & names:
            continue
        d = desired.get(o.key)
        if d is None or d.definition != o.definition:
            raise UnsupportedChange(
                f"{o.label} calls {a.label}, which is dropped and created again around the rebuild of an enum it "
                "uses, and changes here too: change it in a migration of your own",
                ch,
                ctx.dialect.name,
            )
        done.add(o.key)
        gone, made = _drop(o, ctx, ctx.actual), _create(d, ctx, ctx.desired)
        gone = replace(
            gone,
            at=Phase.DROP_OBJECTS,
            undo_at=Phase.CREATE_OBJECTS,
            statements=gone.statements if fwd else (),
            undo=gone.undo if rev else (),
        )
        made = replace(
            made,
            at=Phase.CREATE_OBJECTS,
            undo_at=Phase.DROP_OBJECTS,
            statements=made.statements if fwd else (),
            undo=made.undo if rev else (),
        )
        out += [gone, made]
    return out


def _replace_sequence(d: DbObject, a: DbObject, ctx: PlanContext) -> ObjectStatements:
    sql = _sql(ctx)

    def alter(o: DbObject, schema: Schema, was: DbObject) -> tuple[str, ...]:
        out = [s.replace("CREATE SEQUENCE", "ALTER SEQUENCE", 1) for s in sql.create_sql(o, schema)]
        if out and not o.attribute("owned_by") and was.attribute("owned_by") and not was.attribute("identity"):
            # An owner to let go (https://www.postgresql.org/docs/15/sql-altersequence.html: OWNED BY NONE).
            out[-1] += " OWNED BY NONE"
        return tuple(out)

    return ObjectStatements(
        f"alter {d.label}",
        alter(d, ctx.desired, a),
        alter(a, ctx.actual, d),
        Phase.CREATE_OBJECTS,
        Phase.CREATE_OBJECTS,
    )


def _plan_comment(ch: Change, ctx: PlanContext) -> list[Op]:
    d, a = ch.desired, ch.actual
    sql = _sql(ctx)
    if isinstance(d, DbObject) != isinstance(a, DbObject):
        # A COMMENT object (constraint, index, view column) on one side only: set it there, NULL it here.
        o = d if isinstance(d, DbObject) else a
        assert isinstance(o, DbObject)
        if not isinstance(d, DbObject) and not _commented_kept(o, ctx.d):
            # What the comment is on goes (DROP TABLE / INDEX / CONSTRAINT / VIEW takes its comment along): nothing
            # to clear; a downgrade that makes it again sets the comment again.
            reverse = tuple(sql.comment_sql(o))
            return [ObjectStatements(f"comment on {o.label}", (), reverse, Phase.CREATE_OBJECTS, Phase.CREATE_OBJECTS)]
        d = d if isinstance(d, DbObject) else replace(o, comment=None)
        a = a if isinstance(a, DbObject) else replace(o, comment=None)
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


def _commented_kept(o: DbObject, schema: Schema) -> bool:
    """The constraint, index or view column a COMMENT object ``o`` is on exists in ``schema`` (the desired one)."""
    what, _, name = o.name.partition(" ")
    table = schema.table(o.table or "")
    if table is None:  # a view or materialized view (its columns and indexes)
        views = (ObjectKind.VIEW, ObjectKind.MATERIALIZED_VIEW)
        return any(v.kind in views and v.name == o.table for v in schema.objects)
    names = {ix.name for ix in table.indexes} | {ck.name for ck in table.checks if ck.name}
    names |= {fk.name for fk in table.foreign_keys if fk.name}
    if table.primary_key is not None and table.primary_key.name:
        names.add(table.primary_key.name)
    return what in ("constraint", "index") and name in names


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
