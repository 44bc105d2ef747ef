"""PostgreSQL migration hooks for the one planner (``schemaguard.migrate.planner``): what Alembic has no
operation for (``ALTER COLUMN ... TYPE ... USING``, identity changes, enum values) and the lock-safe forms.

PostgreSQL alters every object in place; only a table whose partitioning changes is created again
(:func:`rebuild_table`). Lock-safe ("online") revisions follow what
pg-schema-diff and pgschema generate: ``SET lock_timeout`` first, ``CREATE/DROP INDEX CONCURRENTLY`` in an
autocommit block, foreign keys and checks added ``NOT VALID`` then validated in a transaction of their own,
``SET NOT NULL`` through a validated ``CHECK (col IS NOT NULL)`` (PostgreSQL 12+ then skips the table scan), and
new enum values added outside a transaction (a value added in a transaction cannot be used before it commits).
Sources: https://www.postgresql.org/docs/15/sql-altertable.html (Notes), https://www.postgresql.org/docs/15/sql-altertype.html
"""

from __future__ import annotations

import sqlalchemy as sa

from schemaguard.dialects.postgresql.render import SPELLING, render_enum, type_engine
from schemaguard.dialects.postgresql.render_objects import qualified
from schemaguard.dialects.sqla import build_index, build_table, compile_ddl, quote_ident, server_default, sql_string
from schemaguard.diff.changes import Change, ChangeKind
from schemaguard.errors import UnsupportedChange
from schemaguard.migrate.planner import Autocommit, Comment, MigrateHooks, Phase, PlanContext, Rebuild, Sql, Step
from schemaguard.model import Column, Enum, ForeignKey, ObjectKind, Table, TypeKind
from schemaguard.model.naming import qualify, split_key

LOCK_TIMEOUT = "5s"
"""``lock_timeout`` of an online revision: a statement that waits longer for its lock fails (and the revision
rolls back) rather than queueing the application's queries behind it. pg-schema-diff uses the same guard."""


def _alter(table: Table, column: str, action: str) -> Sql:
    return Sql(f"ALTER TABLE {qualified(table.name)} ALTER COLUMN {quote_ident(column)} {action}")


def _set_default(table: Table, c: Column) -> Sql:
    clause = server_default(c.default, c.type, SPELLING)
    assert clause is not None
    return _alter(table, c.name, f"SET DEFAULT {clause.text}".replace(r"\:", ":"))


def _serial_default(ctx: PlanContext, table: Table, c: Column) -> list[Step]:
    """A column that should be a serial (not an identity) and has another default: its sequence made if missing
    (``<table>_<column>_seq``, owned by the column, as ``serial`` names it) and the default pointed back at it,
    ``nextval('<sequence>'::regclass)``. Turning it into an identity column instead would leave the old sequence
    behind and differ from the desired serial (https://www.postgresql.org/docs/15/datatype-numeric.html#DATATYPE-SERIAL)."""
    seq = qualified(f"{table.name}_{c.name}_seq")
    data_type = type_engine(c.type).compile(dialect=ctx.dialect.sa_dialect())
    owner = f"{qualified(table.name)}.{quote_ident(c.name)}"
    return [
        Sql(f"CREATE SEQUENCE IF NOT EXISTS {seq} AS {data_type} OWNED BY {owner}"),
        _alter(table, c.name, f"SET DEFAULT nextval({sql_string(seq)}::regclass)"),
    ]


def alter_column(ctx: PlanContext, table: Table, before: Column, after: Column, change: Change) -> list[Step]:
    """Steps for a column type, nullability, default or identity change (``before`` → ``after``).

    A type change goes through ``USING col::new_type`` (via text for enums); ``SET NOT NULL`` is made through a
    validated check when ``ctx.online``.
    """
    name = after.name
    steps: list[Step] = []
    if change.kind is ChangeKind.COLUMN_TYPE:
        new_type = type_engine(after.type).compile(dialect=ctx.dialect.sa_dialect())
        if before.default is not None:
            steps.append(_alter(table, name, "DROP DEFAULT"))
        via_text = after.type.kind is TypeKind.ENUM or before.type.kind is TypeKind.ENUM
        using = f"{quote_ident(name)}::text::{new_type}" if via_text else f"{quote_ident(name)}::{new_type}"
        steps.append(_alter(table, name, f"TYPE {new_type} USING {using}"))
        if after.default is not None and not after.autoincrement:
            steps.append(_set_default(table, after))
    elif change.kind is ChangeKind.COLUMN_NULLABLE:
        if after.nullable:
            steps.append(_alter(table, name, "DROP NOT NULL"))
        elif ctx.online:
            check = f"{table.name.rpartition('.')[2]}_{name}_not_null"[:63]
            t, q = qualified(table.name), quote_ident(check)
            steps += [
                Sql(f"ALTER TABLE {t} ADD CONSTRAINT {q} CHECK ({quote_ident(name)} IS NOT NULL) NOT VALID"),
                Autocommit((Sql(f"ALTER TABLE {t} VALIDATE CONSTRAINT {q}"),)),
                _alter(table, name, "SET NOT NULL"),
                Sql(f"ALTER TABLE {t} DROP CONSTRAINT {q}"),
            ]
        else:
            steps.append(_alter(table, name, "SET NOT NULL"))
    elif change.kind is ChangeKind.COLUMN_DEFAULT:
        if "identity" in change.aspects:
            generated = "ALWAYS" if after.identity == "always" else "BY DEFAULT"
            if before.identity:
                # https://www.postgresql.org/docs/15/sql-altertable.html (SET GENERATED { ALWAYS | BY DEFAULT })
                steps.append(_alter(table, name, f"SET GENERATED {generated}"))
            else:  # a serial column becomes an identity column
                steps += [
                    _alter(table, name, "DROP DEFAULT"),
                    _alter(table, name, f"ADD GENERATED {generated} AS IDENTITY"),
                ]
        if "autoincrement" in change.aspects:
            if before.autoincrement:
                steps += [_alter(table, name, "DROP IDENTITY IF EXISTS"), _alter(table, name, "DROP DEFAULT")]
            if after.autoincrement and not after.identity and not before.identity:
                steps += _serial_default(ctx, table, after)
            elif after.autoincrement:
                steps += [
                    _alter(table, name, "DROP DEFAULT"),
                    _alter(table, name, "SET NOT NULL"),  # an identity column must be NOT NULL
                    _alter(
                        table,
                        name,
                        f"ADD GENERATED {'ALWAYS' if after.identity == 'always' else 'BY DEFAULT'} AS IDENTITY",
                    ),
                ]
        if not after.autoincrement:
            steps.append(
                _set_default(table, after) if after.default is not None else _alter(table, name, "DROP DEFAULT")
            )
    else:  # pragma: no cover - the planner sends only column changes here
        raise UnsupportedChange(f"not a column change: {change.kind}", change, "postgresql")
    return steps


def enum_values(ctx: PlanContext, before: Enum, after: Enum) -> tuple[Phase, list[Step]]:
    """Steps for an enum whose values changed.

    Only additions, old order kept: ``ALTER TYPE ... ADD VALUE`` (in place), outside a transaction when online.
    Otherwise the type is rebuilt: renamed away, created again, every column using it converted through text,
    the old type dropped; indexes and checks whose expression mentions such a column are dropped first and
    created again after (they compare it with literals of the old type).
    Source: https://www.postgresql.org/docs/15/sql-altertype.html
    """
    if [v for v in after.values if v in before.values] == list(before.values):
        existing = list(before.values)
        new = [v for v in after.values if v not in before.values]
        # A value added in a transaction cannot be used before it commits ("unsafe use of new value"): when the
        # plan uses one (a default, a check, an index predicate), the values are added outside the transaction
        # (an autocommit block in a revision; followed by COMMIT in a script).
        outside = _uses_values(ctx, after.name, new)
        adds: list[Step] = []
        for i, v in enumerate(after.values):
            if v in existing:
                continue
            prev = after.values[i - 1] if i > 0 else None
            pos = f" AFTER {sql_string(prev)}" if prev else (f" BEFORE {sql_string(existing[0])}" if existing else "")
            guard = " IF NOT EXISTS" if outside else ""  # an interrupted revision can run again
            adds.append(Sql(f"ALTER TYPE {qualified(after.name)} ADD VALUE{guard} {sql_string(v)}{pos}"))
            existing.insert(existing.index(prev) + 1 if prev else 0, v)
        return Phase.CREATE_TYPES, [Autocommit(tuple(adds))] if outside and adds else adds
    old = f"{after.name}__sg_old"
    drops: list[Step] = []
    steps: list[Step] = [
        Sql(f"ALTER TYPE {qualified(after.name)} RENAME TO {quote_ident(old.rpartition('.')[2])}"),
        Sql(_create_type(after)),
        *(Sql(c) for c in _enum_comment(after)),
    ]
    recreate: list[Step] = []
    dialect = ctx.dialect.sa_dialect()
    from schemaguard.migrate.object_ops import rebuild_callers

    # Indexes and checks calling a routine typed with this enum are dropped before that routine and made again
    # after it (object_ops.enum_type_users), not here.
    moved = rebuild_callers(ctx, after.name)
    for t in ctx.d.tables:
        users = [c for c in t.columns if c.type.kind is TypeKind.ENUM and c.type.enum_name == after.name]
        if not users:
            continue
        names = [c.name for c in users]
        for ix in t.indexes:
            if (t.name, ix.name) in moved:
                continue
            if _mentions(" ".join(filter(None, [ix.where, *(p.expression for p in ix.parts)])), names):
                if not ix.constraint:
                    drops.append(Sql(f"DROP INDEX {_member(t.name, ix.name)}"))
                table = build_table(t, sa.MetaData(), SPELLING, with_fks=False)
                recreate.append(Sql(compile_ddl(sa.schema.CreateIndex(build_index(ix, table, SPELLING)), dialect)))
        for ck in t.checks:
            if ck.name and (t.name, ck.name) not in moved and _mentions(ck.expression, names):
                tq, cq = qualified(t.name), quote_ident(ck.name)
                drops.append(Sql(f"ALTER TABLE {tq} DROP CONSTRAINT {cq}"))
                recreate.append(Sql(f"ALTER TABLE {tq} ADD CONSTRAINT {cq} CHECK ({ck.expression})"))
        was = ctx.a.table(t.name)
        for c in users:
            arr = "[]" * c.type.array_dims
            before_col = was.column(c.name) if was is not None else None
            if c.default is not None or (before_col is not None and before_col.default is not None):
                # A default holding an old-type literal is not cast with the column; a column without one has none.
                steps.append(_alter(t, c.name, "DROP DEFAULT"))
            steps.append(
                _alter(
                    t,
                    c.name,
                    f"TYPE {qualified(after.name)}{arr} USING {quote_ident(c.name)}::text{arr}::{qualified(after.name)}{arr}",
                )
            )
            if c.default is not None:
                steps.append(_set_default(t, c))
    steps.append(Sql(f"DROP TYPE {qualified(old)}"))
    return Phase.ALTER_COLUMNS, drops + steps + recreate


def _uses_values(ctx: PlanContext, enum: str, values: list[str]) -> bool:
    """Whether the desired schema uses any of ``values`` of ``enum``: a column default, or a check, index
    predicate or expression that holds one as a literal."""
    literals = [sql_string(v) for v in values]
    for t in ctx.d.tables:
        for c in t.columns:
            uses_enum = c.type.kind is TypeKind.ENUM and c.type.enum_name == enum and c.default is not None
            if (
                uses_enum
                and c.default is not None
                and (c.default.value in values or any(lit in str(c.default.value) for lit in literals))
            ):
                return True
        texts = [ck.expression for ck in t.checks]
        texts += [ix.where or "" for ix in t.indexes] + [p.expression or "" for ix in t.indexes for p in ix.parts]
        if any(lit in text for text in texts for lit in literals):
            return True
    return False


def _create_type(e: Enum) -> str:
    """``CREATE TYPE`` for ``e``, schema-qualified when its key is ``schema.name``."""
    ns, bare = split_key(e.name)
    return (
        render_enum(e.name, e.values)
        if ns is None
        else render_enum(bare, e.values).replace("CREATE TYPE ", f"CREATE TYPE {quote_ident(ns)}.", 1)
    )


def _member(table: str, name: str) -> str:
    """An index name in the schema of ``table``."""
    ns = split_key(table)[0]
    return f"{quote_ident(ns)}.{quote_ident(name)}" if ns is not None else quote_ident(name)


def _enum_comment(e: Enum) -> list[str]:
    return [f"COMMENT ON TYPE {qualified(e.name)} IS {sql_string(e.comment)}"] if e.comment else []


def _mentions(sql: str, columns: list[str]) -> bool:
    """Whether an SQL fragment names any of ``columns`` (quoted or bare)."""
    return any(f'"{c}"' in sql or (c.islower() and c in sql) for c in columns)


def _needs_rebuild(change: Change, desired: Table | None, actual: Table | None) -> bool:
    """Only a table whose partitioning changes (becomes partitioned, stops being so, or changes strategy or key)
    is created again: PostgreSQL sets a partition key only in CREATE TABLE ("It is not possible to turn a
    regular table into a partitioned table or vice versa", ddl-partitioning.html). Everything else is altered
    in place."""
    return change.kind is ChangeKind.PARTITIONING_CHANGED and desired is not None and actual is not None


_TABLE_PROPERTIES = frozenset(
    (ObjectKind.ROW_SECURITY, ObjectKind.INHERITANCE, ObjectKind.TABLE_OPTIONS, ObjectKind.COLLATION)
)


def rebuild_table(ctx: PlanContext, before: Table, after: Table) -> list[Step]:
    """Steps that create ``after`` again in place of ``before`` with its rows: a table whose partitioning changes.

    Choice (issue 14): migra drops and creates such a table, losing its rows; Atlas refuses ("partition key
    cannot be added ... drop and add is required"). Here the rows are kept when they fit: they are copied to a
    holding table (``CREATE TABLE ... AS TABLE``, partitions' rows included), the old table is dropped with its
    partitions (those detached by the plan are kept), the new one is created with its ``PARTITION BY``, indexes
    and desired partitions, the rows are copied back through it (the shared columns; identity values kept with
    ``OVERRIDING SYSTEM VALUE`` and their sequences moved past them), and the holding table is dropped. A row no
    partition accepts makes PostgreSQL refuse the INSERT ("no partition of relation ... found for row"), so the
    transaction rolls back and nothing is lost. Its foreign keys, triggers, rules, policies, row-level security
    and options are created again from the desired schema. The ``DROP TABLE`` is flagged by ``migrate lint``.

    Foreign keys of other tables that reference it are dropped first and added again last; views and routines
    that read it are dropped and created again around the rebuild by the planner.
    Sources: https://www.postgresql.org/docs/15/ddl-partitioning.html, https://www.postgresql.org/docs/15/sql-insert.html
    """
    from schemaguard.dialects.postgresql.render_objects import create_sql
    from schemaguard.migrate.table_ops import AddForeignKey, CreateTable, DropForeignKey

    name = qualified(after.name)
    ns, bare = split_key(before.name)
    hold = qualified(qualify(ns, f"{bare[:50]}__sg_rows"))
    old_cols = {c.name for c in before.columns if not c.generated}
    shared = [c for c in after.columns if c.name in old_cols and not c.generated]
    cols = ", ".join(quote_ident(c.name) for c in shared)
    referencing = _referencing(ctx, after.name)
    steps: list[Step] = [
        Comment(
            f"table {after.name} is created again (its partitioning changes; only CREATE TABLE sets it): "
            "rows kept through a holding table"
        ),
        *(s for t, fk in referencing for s in DropForeignKey(t, fk).lower(ctx)),
        Sql(f"CREATE TABLE {hold} AS TABLE {name}"),
        Sql(f"DROP TABLE {name}"),
        *CreateTable(after).lower(ctx),
    ]
    # Its partitions, then theirs (a table that becomes one is attached later by the plan, keeping its rows).
    todo = [o for o in ctx.d.objects if o.kind is ObjectKind.PARTITION and ctx.a.table(o.name) is None]
    parents = [after.name]
    while parents:
        parent = parents.pop(0)
        for o in todo:
            if o.table == parent:
                steps += [Sql(s) for s in create_sql(o, ctx.d)]
                parents.append(o.name)
    if cols:
        steps.append(Sql(f"INSERT INTO {name} ({cols}) OVERRIDING SYSTEM VALUE SELECT {cols} FROM {hold}"))
    for c in shared:
        if c.autoincrement:
            seq = f"pg_catalog.pg_get_serial_sequence({sql_string(name)}, {sql_string(c.name)})"
            col = quote_ident(c.name)
            steps.append(Sql(f"SELECT pg_catalog.setval({seq}, max({col})) FROM {name} HAVING max({col}) IS NOT NULL"))
    steps.append(Sql(f"DROP TABLE {hold}"))
    for o in ctx.d.objects:
        bound = o.table == after.name and o.kind is not ObjectKind.PARTITION
        if bound or (o.name == after.name and o.kind in _TABLE_PROPERTIES):
            steps += [Sql(s) for s in create_sql(o, ctx.d)]
    # Foreign keys last: online, their validation runs outside the transaction, after everything else.
    steps += [s for fk in after.foreign_keys for s in AddForeignKey(after, fk).lower(ctx)]
    for t, fk in referencing:
        steps += AddForeignKey(t, fk).lower(ctx)
    return steps


def _referencing(ctx: PlanContext, table: str) -> list[tuple[Table, ForeignKey]]:
    """Foreign keys of other tables that reference ``table`` and that the plan leaves alone (the same on both
    sides): the rebuild drops them before its DROP TABLE (which PostgreSQL refuses under them) and adds them
    again once the rows are back."""
    out = []
    for t in ctx.a.tables:
        kept = ctx.d.table(t.name)
        if t.name == table or kept is None:
            continue
        out += [(kept, fk) for fk in t.foreign_keys if fk.ref_table == table and fk.name and fk in kept.foreign_keys]
    return out


def _no_rebuild(ctx: PlanContext, before: Table, after: Table) -> Rebuild:  # pragma: no cover - never asked
    raise UnsupportedChange(f"PostgreSQL alters {after.name} in place; no rebuild", dialect="postgresql")


HOOKS = MigrateHooks(
    needs_rebuild=_needs_rebuild,
    alter_column=alter_column,
    enum_values=enum_values,
    create_enum=lambda e: [_create_type(e), *_enum_comment(e)],
    drop_enum=lambda e: [f"DROP TYPE {qualified(e.name)}"],
    rebuild=_no_rebuild,
    online=True,
    lock_timeout=LOCK_TIMEOUT,
    rebuild_steps=rebuild_table,
)
"""PostgreSQL's answers to the planner."""
