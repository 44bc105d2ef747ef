"""SQLite: type affinity, enums emulated as TEXT + CHECK, arrays as JSON text, table rebuilds for most ALTERs."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING, ClassVar

from schemaguard.dialects.base import Dialect

if TYPE_CHECKING:
    import sqlalchemy as sa

    from schemaguard.diff.changes import Change
    from schemaguard.model import ColumnType, Schema


class SQLiteDialect(Dialect):
    """SQLite 3.35+ (``ALTER TABLE ... DROP COLUMN``)."""

    name: ClassVar[str] = "sqlite"
    sqlglot_name: ClassVar[str] = "sqlite"
    named_constraints: ClassVar[bool] = False
    """PRAGMA foreign_key_list and the primary key report no constraint names."""
    native_enums: ClassVar[bool] = False
    native_arrays: ClassVar[bool] = False
    transactional_ddl: ClassVar[bool] = True
    """SQLite itself rolls back DDL; the Python driver needs explicit BEGIN (SQLAlchemy/Alembic handle it)."""
    default_namespace: ClassVar[str] = "main"

    def type_key(self, ctype: ColumnType) -> Hashable:
        from schemaguard.dialects.sqlite.diff import type_key

        return type_key(ctype)

    def adapt(self, schema: Schema) -> Schema:
        from schemaguard.dialects.sqlite.diff import adapt

        return adapt(schema)

    def is_generated_index_name(self, name: str) -> bool:
        # Source: https://www.sqlite.org/fileformat2.html#intschema — "sqlite_autoindex_TABLE_N"
        return name.startswith("sqlite_autoindex_")

    def render(self, schema: Schema) -> list[str]:
        from schemaguard.dialects.sqlite.render import render_schema

        return render_schema(schema)

    def inspect(self, conn: sa.Connection, namespace: str | None = None) -> Schema:
        from schemaguard.dialects.sqlite.inspect import inspect_schema

        return inspect_schema(conn, namespace or self.default_namespace)

    def plan(self, changes: Sequence[Change], desired: Schema, actual: Schema) -> list[str]:
        from schemaguard.dialects.sqlite.migrate import plan_changes

        return plan_changes(changes, desired, actual)

    def sa_dialect(self) -> sa.Dialect:
        from sqlalchemy.dialects import sqlite

        return sqlite.dialect()
