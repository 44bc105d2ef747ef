"""PostgreSQL planning: Changes → ordered DDL statements, compiled through Alembic operations (offline mode).

Order (so that every statement's dependencies exist and nothing is dropped while still referenced):
enum types created / values added → foreign keys, checks, indexes and primary keys that change are dropped →
tables created → columns added → columns altered (enum types rebuilt where values were removed) → columns
dropped → tables dropped → primary keys, indexes, checks added → foreign keys added → enum types dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from schemaguard.dialects.alembic_sql import offline_operations
from schemaguard.dialects.postgresql.diff import adapt
from schemaguard.dialects.postgresql.render import SPELLING, render_enum, type_engine
from schemaguard.dialects.sqla import (
    build_foreign_key,
    build_index,
    build_table,
    compile_ddl,
    qname,
    quote_ident,
    server_default,
)
from schemaguard.diff.changes import Change, ChangeKind
from schemaguard.errors import UnsupportedChange
from schemaguard.model import Column, Enum, ForeignKey, Index, Schema, Table, TypeKind


def _is_constraint_index(ix: Index) -> bool:
    return ix.constraint and ix.unique and not ix.where and not ix.method and all(p.column for p in ix.parts)


class _Plan:
    def __init__(self, desired: Schema, actual: Schema) -> None:
        self.desired = adapt(desired)
        self.actual = adapt(actual)
        self.dialect = pg.dialect()
        self.md = sa.MetaData()
        self.phases: dict[str, list[str]] = {
            k: []
            for k in (
                "enum_create",
                "drop_constraints",
                "create_tables",
                "add_columns",
                "alter_columns",
                "alter_nullability",
                "drop_columns",
                "drop_tables",
                "add_constraints",
                "add_fks",
                "drop_enums",
            )
        }

    def sa_table(self, t: Table) -> sa.Table:
        md = sa.MetaData()
        return build_table(t, md, SPELLING, with_fks=False)

    def ops(self) -> Any:
        return offline_operations("postgresql")

    def emit(self, phase: str, statements: list[str]) -> None:
        self.phases[phase].extend(statements)

    # --- per kind ---------------------------------------------------------------------------------------
    def create_table(self, t: Table) -> None:
        md = sa.MetaData()
        table = build_table(t, md, SPELLING, with_fks=False)
        self.emit("create_tables", [compile_ddl(sa.schema.CreateTable(table), self.dialect)])
        for ix in t.indexes:
            if not _is_constraint_index(ix):
                self.emit(
                    "add_constraints",
                    [compile_ddl(sa.schema.CreateIndex(build_index(ix, table, SPELLING)), self.dialect)],
                )
        for fk in t.foreign_keys:
            self.add_fk(t, fk)
        if t.comment:
            self.emit("add_constraints", [compile_ddl(sa.schema.SetTableComment(table), self.dialect)])

    def add_fk(self, t: Table, fk: ForeignKey) -> None:
        md = sa.MetaData()
        build_table(t, md, SPELLING, with_fks=False)
        target = self.desired.table(fk.ref_table) or self.actual.table(fk.ref_table)
        if target is not None and target.name != t.name:
            build_table(target, md, SPELLING, with_fks=False)
        self.emit("add_fks", [compile_ddl(sa.schema.AddConstraint(build_foreign_key(fk, md, t.name)), self.dialect)])

    def drop_fk(self, t: Table, fk: ForeignKey) -> None:
        if not fk.name:
            raise UnsupportedChange(f"cannot drop unnamed foreign key {fk.columns} on {t.name}", dialect="postgresql")
        self.emit("drop_constraints", [f"ALTER TABLE {quote_ident(t.name)} DROP CONSTRAINT {quote_ident(fk.name)}"])

    def add_index(self, t: Table, ix: Index) -> None:
        table = self.sa_table(t)
        if _is_constraint_index(ix):
            uc = sa.UniqueConstraint(*[table.c[p.column or ""] for p in ix.parts], name=qname(ix.name))
            table.append_constraint(uc)
            self.emit("add_constraints", [compile_ddl(sa.schema.AddConstraint(uc), self.dialect)])
        else:
            self.emit(
                "add_constraints", [compile_ddl(sa.schema.CreateIndex(build_index(ix, table, SPELLING)), self.dialect)]
            )

    def drop_index(self, t: Table, ix: Index) -> None:
        if ix.constraint:
            self.emit("drop_constraints", [f"ALTER TABLE {quote_ident(t.name)} DROP CONSTRAINT {quote_ident(ix.name)}"])
        else:
            self.emit("drop_constraints", [f"DROP INDEX {quote_ident(ix.name)}"])

    def add_column(self, t: Table, c: Column) -> None:
        op, out = self.ops()
        table = self.sa_table(t)
        op.add_column(qname(t.name), table.c[c.name]._copy())
        self.emit("add_columns", out.statements)
        if c.comment:
            self.emit(
                "add_columns",
                [
                    f"COMMENT ON COLUMN {quote_ident(t.name)}.{quote_ident(c.name)} IS '"
                    + c.comment.replace("'", "''")
                    + "'"
                ],
            )

    def alter_column(self, ch: Change) -> None:
        t = self.desired.table(ch.table or "")
        assert t is not None
        c1: Column = ch.desired
        c2: Column = ch.actual
        tname, cname = quote_ident(t.name), quote_ident(c1.name)
        stmts: list[str] = []
        if ch.kind is ChangeKind.COLUMN_TYPE:
            new_type = type_engine(c1.type).compile(dialect=self.dialect)
            if c2.default is not None:
                stmts.append(f"ALTER TABLE {tname} ALTER COLUMN {cname} DROP DEFAULT")
            via_text = c1.type.kind is TypeKind.ENUM or c2.type.kind is TypeKind.ENUM
            using = f"{cname}::text::{new_type}" if via_text else f"{cname}::{new_type}"
            stmts.append(f"ALTER TABLE {tname} ALTER COLUMN {cname} TYPE {new_type} USING {using}")
            if c1.default is not None and not c1.autoincrement:
                stmts.append(self._set_default(t, c1))
        elif ch.kind is ChangeKind.COLUMN_NULLABLE:
            # After identity/default changes: DROP NOT NULL is refused while the column is still an identity.
            self.emit(
                "alter_nullability",
                [f"ALTER TABLE {tname} ALTER COLUMN {cname} {'DROP' if c1.nullable else 'SET'} NOT NULL"],
            )
        elif ch.kind is ChangeKind.COLUMN_DEFAULT:
            if "generated" in ch.aspects:
                # A generation expression cannot be altered in place (PostgreSQL 15): drop and re-add the column.
                self.emit("drop_columns", [f"ALTER TABLE {tname} DROP COLUMN {cname}"])
                self.add_column_late(t, c1)
                return
            if "autoincrement" in ch.aspects:
                if c2.autoincrement:
                    stmts.append(f"ALTER TABLE {tname} ALTER COLUMN {cname} DROP IDENTITY IF EXISTS")
                    stmts.append(f"ALTER TABLE {tname} ALTER COLUMN {cname} DROP DEFAULT")
                if c1.autoincrement:
                    stmts.append(f"ALTER TABLE {tname} ALTER COLUMN {cname} DROP DEFAULT")
                    stmts.append(f"ALTER TABLE {tname} ALTER COLUMN {cname} SET NOT NULL")  # identity requires it
                    stmts.append(f"ALTER TABLE {tname} ALTER COLUMN {cname} ADD GENERATED BY DEFAULT AS IDENTITY")
            if not c1.autoincrement:
                stmts.append(
                    self._set_default(t, c1)
                    if c1.default is not None
                    else f"ALTER TABLE {tname} ALTER COLUMN {cname} DROP DEFAULT"
                )
        self.emit("alter_columns", stmts)

    def add_column_late(self, t: Table, c: Column) -> None:
        op, out = self.ops()
        table = self.sa_table(t)
        op.add_column(qname(t.name), table.c[c.name]._copy())
        self.emit("drop_tables", out.statements)

    def _set_default(self, t: Table, c: Column) -> str:
        clause = server_default(c.default, c.type, SPELLING)
        assert clause is not None
        return (
            f"ALTER TABLE {quote_ident(t.name)} ALTER COLUMN {quote_ident(c.name)} SET DEFAULT {clause.text}".replace(
                r"\:", ":"
            )
        )

    def enum_values(self, e1: Enum, e2: Enum) -> None:
        if all(v in e1.values for v in e2.values) and [v for v in e1.values if v in e2.values] == list(e2.values):
            # Only additions, old order kept: ALTER TYPE ... ADD VALUE (in place, no rewrite).
            # Source: https://www.postgresql.org/docs/15/sql-altertype.html
            existing = list(e2.values)
            for i, v in enumerate(e1.values):
                if v in existing:
                    continue
                after = e1.values[i - 1] if i > 0 else None
                pos = (
                    f" AFTER '{after.replace(chr(39), chr(39) * 2)}'"
                    if after
                    else (f" BEFORE '{existing[0].replace(chr(39), chr(39) * 2)}'" if existing else "")
                )
                self.emit(
                    "enum_create",
                    [f"ALTER TYPE {quote_ident(e1.name)} ADD VALUE '{v.replace(chr(39), chr(39) * 2)}'{pos}"],
                )
                existing.insert(existing.index(after) + 1 if after else 0, v)
            return
        # Values removed or reordered: rebuild the type and convert every column that uses it. Indexes and checks
        # whose predicate or expression mentions such a column compare it with a literal of the old type, so
        # PostgreSQL cannot rebuild them during the ALTER: drop them first and create them again afterwards.
        old = f"{e1.name}__sg_old"
        stmts = [f"ALTER TYPE {quote_ident(e1.name)} RENAME TO {quote_ident(old)}", render_enum(e1.name, e1.values)]
        recreate: list[str] = []
        for t in self.desired.tables:
            users = [c for c in t.columns if c.type.kind is TypeKind.ENUM and c.type.enum_name == e1.name]
            if not users:
                continue
            names = [c.name for c in users]
            for ix in t.indexes:
                if _mentions(" ".join(filter(None, [ix.where, *(p.expression for p in ix.parts)])), names):
                    self.emit("drop_constraints", [f"DROP INDEX {quote_ident(ix.name)}"] if not ix.constraint else [])
                    table = self.sa_table(t)
                    recreate.append(compile_ddl(sa.schema.CreateIndex(build_index(ix, table, SPELLING)), self.dialect))
            for ck in t.checks:
                if ck.name and _mentions(ck.expression, names):
                    self.emit(
                        "drop_constraints",
                        [f"ALTER TABLE {quote_ident(t.name)} DROP CONSTRAINT {quote_ident(ck.name)}"],
                    )
                    recreate.append(
                        f"ALTER TABLE {quote_ident(t.name)} ADD CONSTRAINT {quote_ident(ck.name)} CHECK ({ck.expression})"
                    )
            for c in users:
                arr = "[]" * c.type.array_dims
                stmts.append(f"ALTER TABLE {quote_ident(t.name)} ALTER COLUMN {quote_ident(c.name)} DROP DEFAULT")
                stmts.append(
                    f"ALTER TABLE {quote_ident(t.name)} ALTER COLUMN {quote_ident(c.name)} TYPE {quote_ident(e1.name)}{arr} "
                    f"USING {quote_ident(c.name)}::text{arr}::{quote_ident(e1.name)}{arr}"
                )
                if c.default is not None:
                    stmts.append(self._set_default(t, c))
        stmts.append(f"DROP TYPE {quote_ident(old)}")
        self.emit("alter_columns", stmts)
        self.emit("add_constraints", recreate)

    def statements(self) -> list[str]:
        out: list[str] = []
        for stmts in self.phases.values():
            out += stmts
        return out


def _mentions(sql: str, columns: list[str]) -> bool:
    """Whether an SQL fragment names any of ``columns`` (quoted or bare)."""
    return any(f'"{c}"' in sql or (c.islower() and c in sql) for c in columns)


def plan_changes(changes: Sequence[Change], desired: Schema, actual: Schema) -> list[str]:
    """DDL statements (no trailing ``;``) that turn ``actual`` into ``desired`` on PostgreSQL.

    Args:
        changes: the output of ``diff_schemas(desired, actual, PostgreSQLDialect())``.
        desired, actual: the two schemas the changes were computed from.

    Raises:
        UnsupportedChange: a change PostgreSQL cannot express (e.g. dropping an unnamed constraint).
    """
    p = _Plan(desired, actual)
    for ch in changes:
        k = ch.kind
        table = p.desired.table(ch.table) if ch.table else None
        atable = p.actual.table(ch.table) if ch.table else None
        match k:
            case ChangeKind.ENUM_MISSING:
                p.emit("enum_create", [render_enum(ch.desired.name, ch.desired.values)])
            case ChangeKind.ENUM_EXTRA:
                p.emit("drop_enums", [f"DROP TYPE {quote_ident(ch.actual.name)}"])
            case ChangeKind.ENUM_VALUES:
                p.enum_values(ch.desired, ch.actual)
            case ChangeKind.TABLE_MISSING:
                p.create_table(ch.desired)
            case ChangeKind.TABLE_EXTRA:
                p.emit("drop_tables", [f"DROP TABLE {quote_ident(ch.actual.name)}"])
                for fk in ch.actual.foreign_keys:
                    if fk.name:  # dropped up front so tables dropped together never block each other
                        p.drop_fk(ch.actual, fk)
                # Foreign keys of kept tables that point at the dropped table must go first.
                for t in p.actual.tables:
                    if p.desired.table(t.name) is None:
                        continue
                    for fk in t.foreign_keys:
                        if fk.ref_table == ch.actual.name and not _fk_listed(changes, t.name, fk):
                            p.drop_fk(t, fk)
            case ChangeKind.COLUMN_MISSING:
                assert table is not None
                p.add_column(table, ch.desired)
            case ChangeKind.COLUMN_EXTRA:
                p.emit(
                    "drop_columns",
                    [f"ALTER TABLE {quote_ident(ch.table or '')} DROP COLUMN {quote_ident(ch.actual.name)}"],
                )
            case ChangeKind.COLUMN_TYPE | ChangeKind.COLUMN_NULLABLE | ChangeKind.COLUMN_DEFAULT:
                p.alter_column(ch)
            case ChangeKind.PRIMARY_KEY:
                assert table is not None
                if ch.actual is not None and ch.actual.name:
                    p.emit(
                        "drop_constraints",
                        [f"ALTER TABLE {quote_ident(table.name)} DROP CONSTRAINT {quote_ident(ch.actual.name)}"],
                    )
                if ch.desired is not None:
                    cols = ", ".join(quote_ident(c) for c in ch.desired.columns)
                    name = f"CONSTRAINT {quote_ident(ch.desired.name)} " if ch.desired.name else ""
                    p.emit("add_constraints", [f"ALTER TABLE {quote_ident(table.name)} ADD {name}PRIMARY KEY ({cols})"])
            case ChangeKind.INDEX_MISSING:
                assert table is not None
                p.add_index(table, ch.desired)
            case ChangeKind.INDEX_EXTRA:
                assert atable is not None
                p.drop_index(atable, ch.actual)
            case ChangeKind.INDEX_CHANGED:
                assert table is not None and atable is not None
                if ch.aspects == ("name",):
                    if ch.actual.constraint:
                        p.emit(
                            "add_constraints",
                            [
                                f"ALTER TABLE {quote_ident(table.name)} RENAME CONSTRAINT {quote_ident(ch.actual.name)} TO {quote_ident(ch.desired.name)}"
                            ],
                        )
                    else:
                        p.emit(
                            "add_constraints",
                            [f"ALTER INDEX {quote_ident(ch.actual.name)} RENAME TO {quote_ident(ch.desired.name)}"],
                        )
                else:
                    p.drop_index(atable, ch.actual)
                    p.add_index(table, ch.desired)
            case ChangeKind.FOREIGN_KEY_MISSING:
                assert table is not None
                p.add_fk(table, ch.desired)
            case ChangeKind.FOREIGN_KEY_EXTRA:
                assert atable is not None
                p.drop_fk(atable, ch.actual)
            case ChangeKind.FOREIGN_KEY_CHANGED:
                assert table is not None and atable is not None
                p.drop_fk(atable, ch.actual)
                p.add_fk(table, ch.desired)
            case ChangeKind.CHECK_MISSING:
                assert table is not None
                name = f"CONSTRAINT {quote_ident(ch.desired.name)} " if ch.desired.name else ""
                p.emit(
                    "add_constraints",
                    [f"ALTER TABLE {quote_ident(table.name)} ADD {name}CHECK ({ch.desired.expression})"],
                )
            case ChangeKind.CHECK_EXTRA:
                if not ch.actual.name:
                    raise UnsupportedChange(f"cannot drop an unnamed check on {ch.table}", ch, "postgresql")
                p.emit(
                    "drop_constraints",
                    [f"ALTER TABLE {quote_ident(ch.table or '')} DROP CONSTRAINT {quote_ident(ch.actual.name)}"],
                )
            case _:  # pragma: no cover - exhaustive over ChangeKind
                raise UnsupportedChange(f"unsupported change {k}", ch, "postgresql")
    return p.statements()


def _fk_listed(changes: Sequence[Change], table: str, fk: ForeignKey) -> bool:
    return any(
        c.table == table and c.kind in (ChangeKind.FOREIGN_KEY_EXTRA, ChangeKind.FOREIGN_KEY_CHANGED) and c.actual == fk
        for c in changes
    )
