"""The CREATE-text scanners of the SQLite inspector, on statements SQLite itself accepted and stored."""

from __future__ import annotations

import sqlite3

import pytest

from schemaguard.dialects.sqlite.inspect import IndexDDL, scan_create_index, scan_create_table
from schemaguard.errors import InspectError
from schemaguard.model import Check


def stored_sql(*statements: str) -> list[str]:
    """Execute the statements in a scratch database and return sqlite_schema.sql as SQLite keeps it."""
    con = sqlite3.connect(":memory:")
    try:
        for s in statements:
            con.execute(s)
        return [r[0] for r in con.execute("SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY rowid")]
    finally:
        con.close()


def test_keywords_inside_strings_comments_and_nested_parentheses_are_ignored() -> None:
    (sql,) = stored_sql(
        """CREATE TABLE t (
            a TEXT DEFAULT ('CHECK (x)') -- CHECK (not a constraint)
                /* AS (nor a generated column) */ CHECK (a <> 'AS (y)'),
            b INT DEFAULT (CAST('1' AS INTEGER)) CHECK ((b + (1)) > 0),
            "CHECK" INT,
            CONSTRAINT [c;1] CHECK (length(a) < 10 /* ) */)
        )"""
    )
    ddl = scan_create_table(sql, "t")
    assert ddl.checks == [
        Check(None, "a <> 'AS (y)'"),
        Check(None, "(b + (1)) > 0"),
        Check("c;1", "length(a) < 10 /* ) */"),
    ]
    assert ddl.generated == {}
    assert not ddl.without_rowid


def test_constraint_name_applies_to_the_next_constraint_only() -> None:
    (sql,) = stored_sql("CREATE TABLE t (a INT CONSTRAINT nn NOT NULL CHECK (a > 0) CONSTRAINT ck CHECK (a < 9))")
    assert scan_create_table(sql).checks == [Check(None, "a > 0"), Check("ck", "a < 9")]


def test_generated_columns_rowid_flags() -> None:
    (sql,) = stored_sql(
        'CREATE TABLE "t" (id INTEGER PRIMARY KEY DESC, g INT GENERATED ALWAYS AS (id*2) VIRTUAL, '
        "h AS ((id)), generated INT)"
    )
    ddl = scan_create_table(sql)
    assert ddl.generated == {"g": "id*2", "h": "(id)"}
    assert ddl.pk_desc == {"id"}
    (sql,) = stored_sql("CREATE TABLE w (k TEXT PRIMARY KEY) WITHOUT ROWID")
    assert scan_create_table(sql).without_rowid


def test_index_elements_and_predicate() -> None:
    _, sql = stored_sql(
        "CREATE TABLE t (a TEXT, b INT)",
        'CREATE INDEX "i (x)" ON t (a COLLATE NOCASE DESC, (b * 2), substr(a, 1, 2) ASC, "b")'
        " WHERE b > 0 AND a <> ')'",
    )
    assert scan_create_index(sql, "i (x)") == IndexDDL(
        parts=["a", "b * 2", "substr(a, 1, 2)", '"b"'], where="b > 0 AND a <> ')'"
    )


def test_unreadable_text_is_an_inspect_error() -> None:
    with pytest.raises(InspectError, match="unbalanced parentheses"):
        scan_create_table("CREATE TABLE t (a INT CHECK (a > 0)", "t")
    with pytest.raises(InspectError, match="no column list"):
        scan_create_index("CREATE INDEX i ON t", "i")
