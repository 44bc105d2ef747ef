"""Hostile names survive render → apply → inspect → diff with zero drift on both dialects, planted drift on them
is repaired by ``diff --sql``, and no generated statement executes anything but what it names.

The names carry quotes, backslashes, semicolons, comment openers, non-BMP and combining Unicode, reserved words
and leading/trailing spaces. A table ``victim`` with rows exists before anything is applied (and is ignored by
the comparison); every generated statement runs alone through a driver path that refuses a second statement,
and at the end ``victim`` and its rows are still there.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest
import yaml

from schemaguard import api
from schemaguard.config import Config
from tests.helpers import run_cli, sqlite_file
from tests.reliability._support import pg_quote

INJECT = 'x"; DROP TABLE victim; --'
T_ORDER = "order"
T_USER = "user"
T_TABLE = " table "  # reserved word with leading and trailing spaces
ENUM = "mood\"'; --"
IX_INJECT = "ix'; DROP TABLE victim; --"
CK_UNICODE = "ck \U0001d518"
COL_QUOTE = "it's"
EXTRA = "extra; DROP TABLE victim; --"
COLS = {
    "id": {"type": "bigint", "primary_key": True},
    "it's": {"type": "text", "nullable": False, "default": "'; DROP TABLE victim; --"},
    'dq"col': {"type": "varchar(40)", "default": 'say "hi"'},
    "back\\slash": {"type": "text", "default": "C:\\temp\\new\\x00"},
    "semi;colon": {"type": "integer", "default": 7},
    "-- dash": {"type": "text"},
    "/* c */": {"type": "boolean", "default": False},
    "Ünï\U0001d518e\u0301": {"type": "text", "default": "\U0001d518nicode e\u0301 ✓"},
    " lead": {"type": "text"},
    "trail ": {"type": "integer"},
    "select": {"type": f"enum({ENUM})", "default": "it's"},  # a bare type name must be identifier-like
}
ENUM_VALUES = ["it's", 'a"b', "back\\slash", "semi; DROP TABLE victim; --", "\U0001d518e\u0301", " sp "]


def hostile_master() -> dict[str, Any]:
    """The master document (dumped with PyYAML, so every name is quoted correctly)."""
    return {
        "version": 1,
        "enums": {ENUM: ENUM_VALUES},
        "tables": {
            INJECT: {
                "comment": "a comment with 'quotes' and \"dq\" -- and /* */",
                "columns": COLS,
                "indexes": [
                    {"columns": ["semi;colon", COL_QUOTE], "name": IX_INJECT},
                    {"columns": ['dq"col'], "unique": True, "name": 'uq "dq" /* x */'},
                    {"columns": ["-- dash"], "name": "ix partial \\", "where": '"semi;colon" > 0'},
                ],
                "checks": [
                    {"name": "ck'; DROP TABLE victim; --", "expression": '"semi;colon" >= 0'},
                    {"name": CK_UNICODE, "expression": "\"it's\" <> 'x''; --y'"},
                ],
            },
            T_ORDER: {
                "columns": {
                    "id": {"type": "integer", "primary_key": True},
                    "table": {"type": "bigint", "references": f"{INJECT}.id", "on_delete": "cascade"},
                    "user": {"type": "text", "unique": "order; user"},
                },
            },
            T_USER: {
                "columns": {"group": {"type": "integer", "primary_key": True}, "from": {"type": "text"}},
                "foreign_keys": [
                    {"columns": ["group"], "references": {"table": T_ORDER, "columns": ["id"]}, "name": "fk'\"; --"}
                ],
            },
            T_TABLE: {"columns": {"where": {"type": "text", "primary_key": True}}},
        },
    }


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project directory: the hostile master and a config that ignores the pre-existing ``victim`` table."""
    (tmp_path / "master.yaml").write_text(
        yaml.safe_dump(hostile_master(), allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    (tmp_path / "schemaguard.toml").write_text('master = "master.yaml"\nignore_tables = ["victim"]\n', encoding="utf-8")
    return tmp_path


def _create_victim(url: str) -> None:
    if url.startswith("sqlite"):
        con = sqlite3.connect(sqlite_file(url))
        con.executescript(
            "CREATE TABLE victim (id integer primary key, v text); INSERT INTO victim VALUES (1, 'a'), (2, 'b');"
        )
        con.commit()
        con.close()
    else:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE victim (id integer primary key, v text)")
            conn.execute("INSERT INTO victim VALUES (1, 'a'), (2, 'b')")


def _victim_rows(url: str) -> list[tuple[Any, ...]]:
    if url.startswith("sqlite"):
        con = sqlite3.connect(sqlite_file(url))
        try:
            return con.execute("SELECT id, v FROM victim ORDER BY id").fetchall()
        finally:
            con.close()
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT id, v FROM victim ORDER BY id").fetchall()


def apply_one_by_one(url: str, statements: list[str]) -> None:
    """Run each statement on its own through a path that rejects a second statement in the same text: Python's
    sqlite3 ``execute`` ("You can only execute one statement at a time") and PostgreSQL's extended query protocol
    ("cannot insert multiple commands into a prepared statement"). PostgreSQL runs them in one transaction."""
    if url.startswith("sqlite"):
        con = sqlite3.connect(sqlite_file(url), isolation_level=None)
        try:
            for s in statements:
                con.execute(s)
        finally:
            con.close()
        return
    with psycopg.connect(url) as conn:
        for s in statements:
            result = conn.pgconn.exec_params(s.encode(), [])
            if result.status not in (psycopg.pq.ExecStatus.COMMAND_OK, psycopg.pq.ExecStatus.TUPLES_OK):
                msg = result.error_message.decode(errors="replace")
                raise AssertionError(f"statement failed: {msg}\n{s}")


def _diff(project: Path, url: str, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, dict[str, Any]]:
    code, out, err = run_cli(
        ["--config", str(project / "schemaguard.toml"), "diff", "--url", url, "--format", "json", *extra], capsys
    )
    assert code in (0, 1), err
    assert "Traceback" not in err
    return code, json.loads(out)


def test_the_injection_guard_itself_refuses_two_statements(db_factory: Callable[[], str]) -> None:
    """The one-statement path really rejects piggy-backed SQL, so the tests below prove something."""
    url = db_factory()
    _create_victim(url)
    with pytest.raises((sqlite3.Warning, sqlite3.ProgrammingError, AssertionError)):
        apply_one_by_one(url, ["CREATE TABLE a (id int); DROP TABLE victim"])
    assert _victim_rows(url) == [(1, "a"), (2, "b")]


def test_hostile_names_round_trip_with_zero_drift(
    project: Path, db_factory: Callable[[], str], capsys: pytest.CaptureFixture[str]
) -> None:
    url = db_factory()
    _create_victim(url)
    dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
    schema = api.load_master(Config(), project / "master.yaml")
    statements = api.render(schema, dialect)
    apply_one_by_one(url, statements)

    code, report = _diff(project, url, capsys)
    assert code == 0 and report["changes"] == [], json.dumps(report["changes"], indent=1, ensure_ascii=False)
    inspected = api.inspect_url(url)
    names = {t.name for t in inspected.tables}
    assert names == {INJECT, T_ORDER, T_USER, T_TABLE, "victim"}
    table = inspected.table(INJECT)
    assert table is not None and [c.name for c in table.columns] == list(COLS)
    assert {ix.name for ix in table.indexes} >= {IX_INJECT, 'uq "dq" /* x */', "ix partial \\"}
    assert _victim_rows(url) == [(1, "a"), (2, "b")]


def _plant(url: str) -> None:
    """Drift on the hostile objects, written with correct quoting: a dropped index, an extra column, a changed
    default, a dropped check (PostgreSQL) — every object a name from the hostile master."""
    t = pg_quote(INJECT)
    if url.startswith("sqlite"):
        con = sqlite3.connect(sqlite_file(url), isolation_level=None)
        try:
            con.execute(f"DROP INDEX {pg_quote(IX_INJECT)}")
            con.execute(f"ALTER TABLE {t} ADD COLUMN {pg_quote(EXTRA)} text")
            con.execute(f"CREATE INDEX {pg_quote('stray ix; --')} ON {t} ({pg_quote('trail ')})")
        finally:
            con.close()
        return
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP INDEX {pg_quote(IX_INJECT)}")
        conn.execute(f"ALTER TABLE {t} ADD COLUMN {pg_quote(EXTRA)} text")
        conn.execute(f"ALTER TABLE {t} ALTER COLUMN {pg_quote(COL_QUOTE)} SET DEFAULT 'changed'")
        conn.execute(f"ALTER TABLE {t} DROP CONSTRAINT {pg_quote(CK_UNICODE)}")
        conn.execute(f"ALTER TYPE {pg_quote(ENUM)} ADD VALUE 'new''; --'")


def test_planted_drift_on_hostile_objects_is_repaired(
    project: Path, db_factory: Callable[[], str], capsys: pytest.CaptureFixture[str]
) -> None:
    url = db_factory()
    _create_victim(url)
    dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
    apply_one_by_one(url, api.render(api.load_master(Config(), project / "master.yaml"), dialect))
    # Rows in the hostile tables must survive the repair too (a SQLite rebuild copies them).
    t = pg_quote(INJECT)
    seed = [f"INSERT INTO {t} (id, {pg_quote(COL_QUOTE)}) VALUES (1, 'row; --')"]
    apply_one_by_one(url, seed)
    _plant(url)

    code, report = _diff(project, url, capsys, "--sql")
    assert code == 1
    touched = json.dumps(report["changes"], ensure_ascii=False)
    assert EXTRA in touched and IX_INJECT in touched
    plan = report["sql"]
    assert plan, "drift but no repair plan"
    apply_one_by_one(url, plan)

    code, report = _diff(project, url, capsys)
    assert code == 0 and report["changes"] == [], json.dumps(report["changes"], indent=1, ensure_ascii=False)
    assert _victim_rows(url) == [(1, "a"), (2, "b")]
    if url.startswith("sqlite"):
        con = sqlite3.connect(sqlite_file(url))
        rows = con.execute(f"SELECT id, {pg_quote(COL_QUOTE)} FROM {t}").fetchall()
        con.close()
    else:
        with psycopg.connect(url) as conn:
            rows = conn.execute(f"SELECT id, {pg_quote(COL_QUOTE)} FROM {t}").fetchall()
    assert rows == [(1, "row; --")]
