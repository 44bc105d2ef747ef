"""SQLite's legacy quirk: a non-INTEGER primary key declared without NOT NULL may hold NULL, and PRAGMA reports
notnull=0 (https://www.sqlite.org/lang_createtable.html#the_primary_key). Such a database must not drift from its
own inspection, render must not add a NOT NULL it did not have, and an ``INT``/``BIGINT PRIMARY KEY`` must not
become an ``INTEGER PRIMARY KEY`` rowid alias. H9 finding F5."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from tests.conftest import run_sql
from tests.helpers import diff_json, run_cli, sqlite_file

DDL = (
    "CREATE TABLE a(id INT PRIMARY KEY, x int);"
    "CREATE TABLE c(id TEXT PRIMARY KEY);"
    "CREATE TABLE d(id BIGINT PRIMARY KEY, name text NOT NULL);"
    "CREATE TABLE e(id INT NOT NULL PRIMARY KEY);"
    "CREATE TABLE r(id INTEGER PRIMARY KEY, x int);"
)


def _inspect(url: str, tmp_path: Path, capsys: Any) -> Path:
    code, out, err = run_cli(["inspect", "--url", url], capsys)
    assert code == 0, err
    master = tmp_path / "m.yaml"
    master.write_text(out)
    return master


def test_database_does_not_drift_from_its_own_inspection(sqlite_url: str, tmp_path: Path, capsys: Any) -> None:
    run_sql(sqlite_url, DDL)
    master = _inspect(sqlite_url, tmp_path, capsys)
    code, report = diff_json(["diff", "--to", str(master), "--url", sqlite_url], capsys)
    assert code == 0, report["changes"]


def test_render_keeps_nullable_keys_and_no_rowid_alias(sqlite_factory: Any, tmp_path: Path, capsys: Any) -> None:
    url = sqlite_factory()
    run_sql(url, DDL)
    master = _inspect(url, tmp_path, capsys)
    code, ddl, err = run_cli(["render", "--master", str(master), "--dialect", "sqlite"], capsys)
    assert code == 0, err
    rebuilt = sqlite_factory()
    con = sqlite3.connect(sqlite_file(rebuilt))
    con.executescript(ddl)
    # Same NOT NULL flags as the original, per column (r, a rowid alias, is never NULL either way).
    for table in ("a", "c", "d", "e"):
        got = con.execute(f"SELECT name, \"notnull\", pk FROM pragma_table_info('{table}')").fetchall()
        want = (
            sqlite3.connect(sqlite_file(url))
            .execute(f"SELECT name, \"notnull\", pk FROM pragma_table_info('{table}')")
            .fetchall()
        )
        assert got == want, table
    # INT PRIMARY KEY is no rowid alias: NULL stays NULL; INTEGER PRIMARY KEY still is one.
    con.execute("INSERT INTO a(x) VALUES (1)")
    con.execute("INSERT INTO r(x) VALUES (1)")
    assert con.execute("SELECT id FROM a").fetchone() == (None,)
    assert con.execute("SELECT id FROM r").fetchone() == (1,)
    con.commit()
    con.close()
    code, report = diff_json(["diff", "--from", url, "--to", rebuilt], capsys)
    assert code == 0, report["changes"]


def test_master_key_is_not_null_unless_it_says_nullable(sqlite_url: str, tmp_path: Path, capsys: Any) -> None:
    """A master that does not say ``nullable: true`` on a key still means NOT NULL: a nullable key in the database
    is drift."""
    run_sql(sqlite_url, "CREATE TABLE c(id TEXT PRIMARY KEY)")
    master = tmp_path / "m.yaml"
    master.write_text("version: 1\ntables:\n  c:\n    columns:\n      id: {type: text, primary_key: true}\n")
    code, report = diff_json(["diff", "--to", str(master), "--url", sqlite_url], capsys)
    assert code == 1
    assert [(c["kind"], c["object"]) for c in report["changes"]] == [("column_nullable", "id")]


def test_nullable_key_master_renders_on_postgresql(pg_url: str, sqlite_url: str, tmp_path: Path, capsys: Any) -> None:
    """PostgreSQL makes every key column NOT NULL: a master read from SQLite with a nullable key is clean there."""
    run_sql(sqlite_url, "CREATE TABLE c(id TEXT PRIMARY KEY, v int)")
    master = _inspect(sqlite_url, tmp_path, capsys)
    code, ddl, err = run_cli(["render", "--master", str(master), "--dialect", "postgresql"], capsys)
    assert code == 0, err
    run_sql(pg_url, ddl)
    code, report = diff_json(["diff", "--to", str(master), "--url", pg_url], capsys)
    assert code == 0, report["changes"]
