"""Round trip on a real file: master → SQLite render → inspect_schema → no drift against the master."""

from __future__ import annotations

import sqlite3

from schemaguard.db import connect
from schemaguard.dialects import get_dialect
from schemaguard.dialects.sqlite.inspect import inspect_schema
from schemaguard.diff.differ import diff_schemas
from schemaguard.model import (
    Check,
    Column,
    ColumnType,
    Default,
    Enum,
    ForeignKey,
    Index,
    IndexPart,
    PrimaryKey,
    ReferentialAction,
    Schema,
    Table,
    TypeKind,
)

MASTER = Schema(
    tables=(
        Table(
            "User",
            (
                Column("id", ColumnType(TypeKind.BIGINT), nullable=False, autoincrement=True),
                Column("email", ColumnType(TypeKind.STRING, length=255), nullable=False),
                Column("status", ColumnType(TypeKind.ENUM, enum_name="Status"), False, Default.literal("ACTIVE")),
                Column("tags", ColumnType(TypeKind.TEXT, array_dims=1), default=Default.literal(["a"])),
                Column("flag", ColumnType(TypeKind.BOOLEAN), False, Default.literal(True)),
                Column("score", ColumnType(TypeKind.DECIMAL, precision=5, scale=2), default=Default.literal(-1.5)),
                Column("code", ColumnType(TypeKind.CHAR, length=3)),
                Column("created_at", ColumnType(TypeKind.DATETIME), False, Default.expression("CURRENT_TIMESTAMP")),
                Column("twice", ColumnType(TypeKind.INTEGER), generated="score * 2"),
            ),
            primary_key=PrimaryKey(("id",), "User_pkey"),
            indexes=(
                Index("User_email_key", (IndexPart("email"),), unique=True, constraint=True),
                Index(
                    "User_lower_idx",
                    (IndexPart(expression="lower(email)"), IndexPart("code", descending=True)),
                    where="status <> 'BANNED'",
                ),
            ),
            checks=(Check("User_score_check", "score >= 0"),),
        ),
        Table(
            "Post",
            (
                Column("id", ColumnType(TypeKind.INTEGER), nullable=False),
                Column("author_id", ColumnType(TypeKind.BIGINT), nullable=False),
                Column("title", ColumnType(TypeKind.TEXT), nullable=False, default=Default.literal("it's")),
            ),
            primary_key=PrimaryKey(("id",)),
            foreign_keys=(
                ForeignKey(
                    "Post_author_id_fkey",
                    ("author_id",),
                    "User",
                    ("id",),
                    ReferentialAction.CASCADE,
                    ReferentialAction.SET_NULL,
                ),
            ),
        ),
        Table(
            "Pair",
            (
                Column("a", ColumnType(TypeKind.TEXT), nullable=False),
                Column("b", ColumnType(TypeKind.INTEGER), nullable=False),
            ),
            primary_key=PrimaryKey(("a", "b")),
        ),
    ),
    enums=(Enum("Status", ("ACTIVE", "BANNED")),),
)


def test_rendered_master_inspects_without_drift(sqlite_url: str) -> None:
    dialect = get_dialect("sqlite")
    con = sqlite3.connect(sqlite_url.split(":///", 1)[1])
    for statement in dialect.render(MASTER):
        con.execute(statement)
    con.commit()
    con.close()
    with connect(sqlite_url) as conn:
        actual = inspect_schema(conn)
    assert [t.name for t in actual.tables] == ["Pair", "Post", "User"]
    assert diff_schemas(MASTER, actual, dialect) == []
    # Beyond "no drift": the parts the renderer writes verbatim come back exactly as adapted.
    adapted = {t.name: t for t in dialect.adapt(MASTER).tables}
    for t in actual.tables:
        assert t.primary_key == adapted[t.name].primary_key
        assert t.foreign_keys == adapted[t.name].foreign_keys
        assert t.checks == adapted[t.name].checks
