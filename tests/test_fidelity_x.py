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
