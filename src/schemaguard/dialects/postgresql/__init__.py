"""PostgreSQL: native enums, arrays, jsonb, partial/expression indexes, named constraints, transactional DDL."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING, ClassVar

from schemaguard.dialects.base import Dialect

if TYPE_CHECKING:
    import sqlalchemy as sa

    from schemaguard.diff.changes import Change
    from schemaguard.model import ColumnType, Schema


class PostgreSQLDialect(Dialect):
    """PostgreSQL 12+ (tested on 15)."""

    name: ClassVar[str] = "postgresql"
    sqlglot_name: ClassVar[str] = "postgres"
    named_constraints: ClassVar[bool] = True
    native_enums: ClassVar[bool] = True
    native_arrays: ClassVar[bool] = True
    transactional_ddl: ClassVar[bool] = True
    """Source: https://wiki.postgresql.org/wiki/Transactional_DDL_in_PostgreSQL:_A_Competitive_Analysis"""
    default_namespace: ClassVar[str] = "public"

    def type_key(self, ctype: ColumnType) -> Hashable:
        from schemaguard.dialects.postgresql.diff import type_key

        return type_key(ctype)

    def adapt(self, schema: Schema) -> Schema:
        from schemaguard.dialects.postgresql.diff import adapt

        return adapt(schema)

    def render(self, schema: Schema) -> list[str]:
        from schemaguard.dialects.postgresql.render import render_schema

        return render_schema(schema)

    def inspect(self, conn: sa.Connection, namespace: str | None = None) -> Schema:
        from schemaguard.dialects.postgresql.inspect import inspect_schema

        return inspect_schema(conn, namespace or self.default_namespace)

    def plan(self, changes: Sequence[Change], desired: Schema, actual: Schema) -> list[str]:
        from schemaguard.dialects.postgresql.migrate import plan_changes

        return plan_changes(changes, desired, actual)

    def sa_dialect(self) -> sa.Dialect:
        from sqlalchemy.dialects import postgresql

        return postgresql.dialect()
