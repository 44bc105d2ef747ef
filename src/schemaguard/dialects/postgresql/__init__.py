"""PostgreSQL: native enums, arrays, jsonb, partial/expression indexes, named constraints, transactional DDL.

The verbs live in this package's ``render``, ``inspect``, ``diff`` and ``migrate`` modules; this class is data.
"""

from __future__ import annotations

from typing import ClassVar

from schemaguard.dialects.base import Dialect
from schemaguard.model.objects import ObjectKind


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
    max_identifier_bytes: ClassVar[int | None] = 63
    """NAMEDATALEN-1; PostgreSQL truncates a longer name.
    Source: https://www.postgresql.org/docs/15/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS"""
    object_kinds: ClassVar[frozenset[str]] = frozenset(k.value for k in ObjectKind if k is not ObjectKind.VIRTUAL_TABLE)
    """Every kind but SQLite's virtual tables (``CREATE VIRTUAL TABLE ... USING fts5``: PostgreSQL has no such
    statement; a master's are named by render and listed as not compared)."""
    namespaces: ClassVar[bool] = True
    """Source: https://www.postgresql.org/docs/15/ddl-schemas.html"""
    advisory_locks: ClassVar[bool] = True
    """Source: https://www.postgresql.org/docs/15/functions-admin.html#FUNCTIONS-ADVISORY-LOCKS"""
    session_timeouts: ClassVar[bool] = True
    """Source: https://www.postgresql.org/docs/15/runtime-config-client.html#GUC-LOCK-TIMEOUT"""
    squawk_lint: ClassVar[bool] = True
    connection_modules: ClassVar[tuple[str, ...]] = (
        "sqlalchemy",
        "sqlalchemy.dialects.postgresql.psycopg",
        "schemaguard.dialects.postgresql.inspect",
    )
    server: ClassVar[bool] = True
