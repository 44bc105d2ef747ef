"""SQLite expression defaults (``DEFAULT (datetime('now'))``) are native SQLite: rendered, compared and written
to Prisma as ``dbgenerated(...)``; a PostgreSQL-only default SQLite cannot evaluate is dropped and reported as not
compared. Source: https://www.sqlite.org/lang_createtable.html ("DEFAULT (expr)"). H9 finding F10."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_sql
from tests.helpers import diff_json, run_cli, sqlite_file

WITH = (
    "CREATE TABLE t(id INTEGER PRIMARY KEY, created TEXT NOT NULL DEFAULT (datetime('now')),"
    " ts INTEGER NOT NULL DEFAULT (strftime('%s', 'now')), n INTEGER NOT NULL DEFAULT (abs(-3)))"
)
WITHOUT = "CREATE TABLE t(id INTEGER PRIMARY KEY, created TEXT NOT NULL, ts INTEGER NOT NULL, n INTEGER NOT NULL)"
CHANGED = (
    "CREATE TABLE t(id INTEGER PRIMARY KEY, created TEXT NOT NULL DEFAULT (date('now')),"
    " ts INTEGER NOT NULL DEFAULT (strftime('%s', 'now')), n INTEGER NOT NULL DEFAULT (abs(-4)))"
)


def _db(factory: Any, ddl: str) -> str:
    url: str = factory()
    run_sql(url, ddl)
    return url


def _kinds(report: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((c["kind"], c["object"]) for c in report["changes"])


@pytest.mark.parametrize("a, b", [(WITH, WITHOUT), (WITHOUT, WITH), (WITH, CHANGED)])
def test_expression_default_added_removed_changed_is_drift(sqlite_factory: Any, capsys: Any, a: str, b: str) -> None:
    left, right = _db(sqlite_factory, a), _db(sqlite_factory, b)
    code, report = diff_json(["diff", "--from", left, "--to", right], capsys)
    assert code == 1
    kinds = _kinds(report)
    assert ("column_default", "n") in kinds and ("column_default", "created") in kinds
    assert (("column_default", "ts") in kinds) == (b != CHANGED)  # strftime is the same in both


def test_inspect_render_rebuilds_the_defaults(sqlite_factory: Any, tmp_path: Path, capsys: Any) -> None:
    url = _db(sqlite_factory, WITH)
    code, master, err = run_cli(["inspect", "--url", url], capsys)
    assert code == 0, err
    (tmp_path / "m.yaml").write_text(master)
    code, ddl, err = run_cli(["render", "--master", str(tmp_path / "m.yaml"), "--dialect", "sqlite"], capsys)
    assert code == 0, err
    assert "DEFAULT (DATETIME('now'))" in ddl and "DEFAULT (ABS(-3))" in ddl and "STRFTIME('%s', 'now')" in ddl
    rebuilt = sqlite_factory()
    con = sqlite3.connect(sqlite_file(rebuilt))
    con.executescript(ddl)
    con.execute("INSERT INTO t DEFAULT VALUES")
    assert con.execute("SELECT n, length(created) FROM t").fetchone() == (3, 19)
    con.commit()
    con.close()
    code, report = diff_json(["diff", "--to", str(tmp_path / "m.yaml"), "--url", rebuilt], capsys)
    assert code == 0, report["changes"]
    assert report["coverage"]["not_compared_total"] == 0


def test_prisma_writer_keeps_native_default_as_dbgenerated(sqlite_factory: Any, capsys: Any) -> None:
    url = _db(sqlite_factory, WITH)
    code, out, err = run_cli(["inspect", "--url", url, "--format", "prisma"], capsys)
    assert code == 0, err
    assert "@default(dbgenerated(\"DATETIME('now')\"))" in out
    assert '@default(dbgenerated("ABS(-3)"))' in out
    assert "left out" not in out


def test_postgresql_only_default_is_dropped_and_reported(sqlite_url: str, tmp_path: Path, capsys: Any) -> None:
    master = tmp_path / "m.yaml"
    master.write_text(
        "version: 1\ntables:\n  t:\n    columns:\n"
        "      id: {type: uuid, primary_key: true, default: {sql: gen_random_uuid()}}\n"
        "      at: {type: datetime, nullable: false, default: {sql: now()}}\n"
        "      n: {type: integer, nullable: false, default: {sql: abs(-4)}}\n"
    )
    code, ddl, err = run_cli(["render", "--master", str(master), "--dialect", "sqlite"], capsys)
    assert code == 0, err
    assert "UUID()" not in ddl and "gen_random_uuid" not in ddl
    assert "DEFAULT CURRENT_TIMESTAMP" in ddl and "DEFAULT (ABS(-4))" in ddl
    run_sql(sqlite_url, ddl.replace("-- Generated", "--"))
    code, report = diff_json(["diff", "--to", str(master), "--url", sqlite_url], capsys)
    assert code == 0, report["changes"]
    entries = report["coverage"]["not_compared"]
    assert [(e["what"], e["names"], e["side"]) for e in entries] == [("column default", ["t.id"], "desired")]


def test_parity_diff_reports_a_default_sqlite_cannot_hold(sqlite_url: str, pg_url: str, capsys: Any) -> None:
    """Dev/prod parity: PostgreSQL's gen_random_uuid() has no SQLite counterpart (listed as not compared); the
    portable lower('X') is compared on both."""
    run_sql(pg_url, "create table t(id uuid primary key default gen_random_uuid(), n text not null default lower('X'))")
    run_sql(sqlite_url, "CREATE TABLE t(id TEXT NOT NULL PRIMARY KEY, n TEXT NOT NULL DEFAULT (lower('X')))")
    code, report = diff_json(["diff", "--from", sqlite_url, "--to", pg_url], capsys)
    assert code == 0, report["changes"]
    entries = [(e["what"], e["names"]) for e in report["coverage"]["not_compared"] if e["what"] == "column default"]
    assert entries == [("column default", ["t.id"])]
    run_sql(sqlite_url, "DROP TABLE t; CREATE TABLE t(id TEXT NOT NULL PRIMARY KEY, n TEXT NOT NULL)")
    code, report = diff_json(["diff", "--from", sqlite_url, "--to", pg_url], capsys)
    assert code == 1
    assert [(c["kind"], c["object"]) for c in report["changes"]] == [("column_default", "n")]
