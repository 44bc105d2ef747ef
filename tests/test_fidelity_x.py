"""Cross-dialect and naming fidelity on real databases (SQLite files, PostgreSQL 15).

1. A boolean column's integer default of a master made from SQLite (``has_cover BOOL DEFAULT 0``, calibre):
   SQLite stores booleans as 0/1 (https://www.sqlite.org/datatype3.html section 2.1); PostgreSQL refuses
   ``DEFAULT 0`` on a boolean column and stores ``false``.
2. SQLite names views, triggers and virtual tables case-insensitively (https://www.sqlite.org/lang_keywords.html);
   PostgreSQL's quoted names stay case-sensitive.
3. Indexes of single partitions of a PostgreSQL partitioned table
   (https://www.postgresql.org/docs/15/ddl-partitioning.html).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from schemaguard import api
from schemaguard.dialects import get_dialect
from schemaguard.diff.changes import Change
from schemaguard.diff.differ import diff_schemas
from schemaguard.model import Schema
from tests.helpers import apply_statements, diff_json, run_cli, sqlite_file

PG = get_dialect("postgresql")
SQLITE = get_dialect("sqlite")


def _pg_diff(desired: Schema, actual: Schema) -> list[Change]:
    return diff_schemas(desired, actual, PG, actual_syntax="postgresql")


def _kinds(changes: list[Change]) -> list[tuple[str, str | None, str | None]]:
    return sorted((c.kind.value, c.table, c.object) for c in changes)


def _sqlite(url: str, script: str) -> None:
    con = sqlite3.connect(sqlite_file(url))
    try:
        con.executescript(script)
    finally:
        con.close()


# --- 1: boolean 0/1 defaults of a SQLite-made master on PostgreSQL ------------------------------------------

_CALIBRE_LIKE = """
CREATE TABLE books (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL DEFAULT 'Unknown',
    has_cover BOOL DEFAULT 0,
    flagged BOOLEAN NOT NULL DEFAULT 1,
    pinned BOOLEAN DEFAULT '0'
);
"""


def test_sqlite_boolean_int_defaults_render_apply_and_compare_on_postgresql(
    sqlite_url: str, pg_factory: Callable[[], str], tmp_path: Path, capsys: Any
) -> None:
    _sqlite(sqlite_url, _CALIBRE_LIKE)
    master = tmp_path / "master.yaml"
    code, _, err = run_cli(["inspect", "--url", sqlite_url, "-o", str(master)], capsys)
    assert code == 0, err
    code, ddl, err = run_cli(["render", "-d", "postgresql", "--master", str(master)], capsys)
    assert code == 0, err
    assert '"has_cover" BOOLEAN DEFAULT FALSE' in ddl
    assert '"flagged" BOOLEAN DEFAULT TRUE NOT NULL' in ddl
    pg = pg_factory()
    with_master = api.render(api.inspect_url(sqlite_url), "postgresql")
    apply_statements(pg, with_master)  # refused before: default expression is of type integer
    code, report = diff_json(["diff", "--to", str(master), "--from", pg], capsys)
    assert code == 0, report
    # And the SQLite file itself as the desired side against the PostgreSQL database.
    assert _pg_diff(api.inspect_url(sqlite_url), api.inspect_url(pg)) == []


def test_postgresql_false_default_against_a_sqlite_master_zero_is_no_drift(
    sqlite_url: str, pg_url: str, capsys: Any
) -> None:
    """A PostgreSQL database made by hand (``DEFAULT false``) against the SQLite master's ``DEFAULT 0``: no drift;
    a real difference (``true`` vs ``0``) still is."""
    _sqlite(sqlite_url, _CALIBRE_LIKE)
    apply_statements(
        pg_url,
        [
            "CREATE TABLE books (id serial PRIMARY KEY, title text NOT NULL DEFAULT 'Unknown',"
            " has_cover boolean DEFAULT false, flagged boolean NOT NULL DEFAULT true, pinned boolean DEFAULT false)"
        ],
    )
    master = api.inspect_url(sqlite_url)
    assert _pg_diff(master, api.inspect_url(pg_url)) == []
    apply_statements(pg_url, ["ALTER TABLE books ALTER COLUMN has_cover SET DEFAULT true"])
    changes = _pg_diff(master, api.inspect_url(pg_url))
    assert _kinds(changes) == [("column_default", "books", "has_cover")]
    statements = PG.plan(changes, PG.adapt(master), api.inspect_url(pg_url))
    apply_statements(pg_url, statements)
    assert _pg_diff(master, api.inspect_url(pg_url)) == []


# --- 2: SQLite views, triggers and virtual tables are named case-insensitively --------------------------------

_MIXED_CASE = """
CREATE TABLE Items (id INTEGER PRIMARY KEY, active INT NOT NULL DEFAULT 1) STRICT;
CREATE VIEW V_Active AS SELECT id FROM Items WHERE active > 0;
CREATE TRIGGER TR_Items_Touch AFTER UPDATE ON Items BEGIN SELECT 1; END;
CREATE VIRTUAL TABLE T_FTS USING fts5(body);
"""


def test_sqlite_object_names_differing_in_case_are_no_drift(sqlite_factory: Callable[[], str], capsys: Any) -> None:
    master, db = sqlite_factory(), sqlite_factory()
    _sqlite(master, _MIXED_CASE)
    _sqlite(
        db,
        _MIXED_CASE.replace("V_Active", "v_active")
        .replace("TR_Items", "tr_items")
        .replace("T_FTS", "t_fts")
        .replace("Items", "items"),
    )
    desired, actual = api.inspect_url(master), api.inspect_url(db)
    assert {o.name for o in actual.objects} >= {"v_active", "tr_items_Touch", "t_fts"}
    assert diff_schemas(desired, actual, SQLITE) == []
    assert diff_schemas(actual, desired, SQLITE) == []
    code, report = diff_json(["diff", "--to", master, "--from", db], capsys)
    assert code == 0, report


def test_sqlite_object_differing_in_case_and_body_is_one_change_and_converges(
    sqlite_factory: Callable[[], str],
) -> None:
    """Paired whatever the case, a real difference is one view_changed (not missing + extra), and the plan
    converges on the real file."""
    master, db = sqlite_factory(), sqlite_factory()
    _sqlite(master, _MIXED_CASE)
    _sqlite(db, _MIXED_CASE.replace("V_Active", "v_active").replace("active > 0", "active > 1"))
    desired, actual = api.inspect_url(master), api.inspect_url(db)
    changes = diff_schemas(desired, actual, SQLITE)
    assert _kinds(changes) == [("view_changed", None, "V_Active")]
    apply_statements(db, SQLITE.plan(changes, SQLITE.adapt(desired), actual))
    assert diff_schemas(desired, api.inspect_url(db), SQLITE) == []
    # A view of the other name only is still missing: folding pairs names, it does not hide objects.
    _sqlite(db, "DROP VIEW V_ACTIVE; CREATE VIEW v_other AS SELECT 1;")
    assert _kinds(diff_schemas(desired, api.inspect_url(db), SQLITE)) == [
        ("view_extra", None, "v_other"),
        ("view_missing", None, "V_Active"),
    ]


def test_postgresql_quoted_view_names_stay_case_sensitive(pg_factory: Callable[[], str]) -> None:
    """PostgreSQL folds unquoted names to lower case but a quoted ``"V"`` is another view than ``v``
    (https://www.postgresql.org/docs/15/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS): still drift."""
    upper, lower = pg_factory(), pg_factory()
    apply_statements(upper, ['CREATE VIEW "V" AS SELECT 1 AS x'])
    apply_statements(lower, ["CREATE VIEW v AS SELECT 1 AS x"])
    changes = _pg_diff(api.inspect_url(upper), api.inspect_url(lower))
    assert _kinds(changes) == [("view_extra", None, "v"), ("view_missing", None, "V")]
