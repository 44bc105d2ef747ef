"""SQLite: type affinity, enums emulated as TEXT + CHECK, arrays as JSON text, table rebuilds for most ALTERs.

The verbs live in this package's ``render``, ``inspect``, ``diff`` and ``migrate`` modules; this class is data.
"""

from __future__ import annotations

from typing import ClassVar

from schemaguard.dialects.base import Dialect


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
    object_kinds: ClassVar[frozenset[str]] = frozenset(
        ("view", "trigger", "table_options", "collation", "virtual_table")
    )
    """Views, triggers, STRICT / WITHOUT ROWID tables, column collations (``COLLATE NOCASE``) and virtual tables
    (``CREATE VIRTUAL TABLE ... USING fts5(...)``); no functions, sequences, schemas or policies."""
    virtual_generated_columns: ClassVar[bool] = True
    """``GENERATED ALWAYS AS (...) VIRTUAL`` (the default) or ``STORED``. Source: https://www.sqlite.org/gencol.html"""
    comments: ClassVar[bool] = False
    """SQLite stores no comments (a ``--`` comment inside CREATE text is part of that text)."""
    case_insensitive_names: ClassVar[bool] = True
    """Source: https://www.sqlite.org/lang_keywords.html and https://www.sqlite.org/lang_createtable.html
    (identifiers, quoted or not, are compared case-insensitively for ASCII letters)."""
    generated_index_prefixes: ClassVar[tuple[str, ...]] = ("sqlite_autoindex_",)
    """Source: https://www.sqlite.org/fileformat2.html#intschema — ``sqlite_autoindex_TABLE_N``"""
    fair_lock_queue: ClassVar[bool] = False
    """Source: https://www.sqlite.org/c3ref/busy_handler.html (the busy handler sleeps and retries)"""
    scratch_url: ClassVar[str | None] = "sqlite://"
    connection_modules: ClassVar[tuple[str, ...]] = (
        "sqlalchemy",
        "sqlalchemy.dialects.sqlite.pysqlite",
        "schemaguard.dialects.sqlite.inspect",
    )
