"""15.4: ``diff --sql`` prints the SQL alone on stdout and the report on stderr, so ``diff --sql | psql``
converges. 15.5: at 80 columns no table or object name is cut. 16.9: names and messages are never markup."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tests.conftest import ROOT
from tests.helpers import apply_statements, build_from_master, run_cli, sqlite_file

MASTER = ROOT / "tests" / "fixtures" / "drift_master.yaml"

LONG_MASTER = """version: 1
tables:
  AntiPoachingAttemptNotificationPreference:
    columns:
      identifierOfTheRowWithAVeryLongName: {type: int, primary_key: true}
      sitterNotificationChannelPreferenceKind: {type: text}
    indexes:
      - {columns: [sitterNotificationChannelPreferenceKind], name: AntiPoachingAttemptNotificationPreference_kind_idx}
  SitterMaskedNumberAssignmentHistoryEntry:
    columns:
      id: {type: int, primary_key: true}
      previouslyAssignedMaskedNumberIdentifier: {type: text}
"""


def test_sql_alone_on_stdout_applies_to_postgres_and_converges(pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    apply_statements(pg_url, ["CREATE TABLE accounts (id bigint PRIMARY KEY, legacy text)"])
    code, out, err = run_cli(["diff", "--to", str(MASTER), "--url", pg_url, "--sql"], capsys)
    assert code == 1
    assert "drift:" in err and "column_missing" in err  # the report went to stderr
    assert "drift:" not in out and "column_missing" not in out
    statements = [s for s in out.split(";\n\n") if s.strip()]
    assert len(statements) >= 3 and out.endswith(";\n")
    # Applied as a user would: the whole stdout fed to psql.
    done = subprocess.run(
        ["psql", "-v", "ON_ERROR_STOP=1", "-q", pg_url], input=out, text=True, capture_output=True, check=False
    )
    assert done.returncode == 0, done.stderr
    code, out, err = run_cli(["diff", "--to", str(MASTER), "--url", pg_url, "--sql"], capsys)
    assert code == 0, err
    assert out == "" and "no drift" in err


def test_sql_alone_on_stdout_applies_to_sqlite_and_converges(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlite3

    build_from_master(sqlite_url, MASTER)
    apply_statements(sqlite_url, ["ALTER TABLE accounts DROP COLUMN meta", "DROP TABLE messages"])
    code, out, _ = run_cli(["diff", "--to", str(MASTER), "--url", sqlite_url, "--sql"], capsys)
    assert code == 1 and out.strip().endswith(";")
    con = sqlite3.connect(sqlite_file(sqlite_url), isolation_level=None)
    con.executescript(out)
    con.close()
    assert run_cli(["diff", "--to", str(MASTER), "--url", sqlite_url], capsys)[0] == 0


def test_json_keeps_sql_inside_the_report(sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    apply_statements(sqlite_url, ["CREATE TABLE accounts (id integer PRIMARY KEY)"])
    code, out, _ = run_cli(["diff", "--to", str(MASTER), "--url", sqlite_url, "--sql", "--format", "json"], capsys)
    assert code == 1 and json.loads(out)["sql"]


ACTUAL_LONG = [
    'CREATE TABLE "AntiPoachingAttemptNotificationPreference" ("identifierOfTheRowWithAVeryLongName" int PRIMARY KEY,'
    ' "legacyNotificationChannelPreferenceKindColumn" text)',
    'CREATE TABLE "SitterMaskedNumberAssignmentHistoryEntry" (id int PRIMARY KEY)',
    "CREATE TABLE other_table_here (id int)",
]


@pytest.mark.parametrize("columns", [80, 100, 200])
def test_names_are_never_cut(
    columns: int, tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    master = tmp_path / "long.yaml"
    master.write_text(LONG_MASTER, encoding="utf-8")
    apply_statements(sqlite_url, ACTUAL_LONG)
    code, doc = run_cli(["diff", "--to", str(master), "--url", sqlite_url, "--format", "json"], capsys)[:2]
    names = {n for c in json.loads(doc)["changes"] for n in (c["table"], c["object"]) if n}
    assert len(names) >= 6
    monkeypatch.setenv("COLUMNS", str(columns))
    code, out, _ = run_cli(["diff", "--to", str(master), "--url", sqlite_url], capsys)
    assert code == 1
    assert "…" not in out
    assert all(len(line) <= columns for line in out.splitlines() if line.startswith(("┃", "│", "┏", "└")))
    for name in names:
        assert re.search(rf"(?<![A-Za-z0-9_]){name}(?![A-Za-z0-9_])", out), f"{name} cut at {columns} columns:\n{out}"


def test_a_real_terminal_width_is_used(tmp_path: Path, sqlite_url: str) -> None:
    """Through a subprocess, as a user runs it: COLUMNS=80 and a pipe."""
    master = tmp_path / "long.yaml"
    master.write_text(LONG_MASTER, encoding="utf-8")
    apply_statements(sqlite_url, ACTUAL_LONG)
    done = subprocess.run(
        [sys.executable, "-m", "schemaguard", "diff", "--to", str(master), "--url", sqlite_url],
        capture_output=True,
        text=True,
        env={"COLUMNS": "80", "PATH": "/usr/bin:/bin", "NO_COLOR": "1"},
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "…" not in done.stdout
    for name in ("AntiPoachingAttemptNotificationPreference", "legacyNotificationChannelPreferenceKindColumn"):
        assert name in done.stdout


MARKUP_MASTER = """version: 1
tables:
  "[bold]t[/bold]":
    columns:
      id: {type: int, primary_key: true}
      "[/nope]": {type: text}
"""


@pytest.mark.parametrize("columns", [80, 200])
def test_names_that_look_like_markup_are_text(
    columns: int, tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    master = tmp_path / "m.yaml"
    master.write_text(MARKUP_MASTER, encoding="utf-8")
    apply_statements(
        sqlite_url, ['CREATE TABLE "[bold]t[/bold]" (id int PRIMARY KEY)', 'CREATE TABLE "[red]x[/]" (id int)']
    )
    monkeypatch.setenv("COLUMNS", str(columns))
    code, out, err = run_cli(["diff", "--to", str(master), "--url", sqlite_url], capsys)
    assert code == 1, err
    assert "[bold]t[/bold]" in out and "[/nope]" in out and "[red]x[/]" in out


def test_psql_is_available() -> None:
    assert subprocess.run(["psql", "--version"], capture_output=True, check=False).returncode == 0
    assert psycopg is not None


def test_diff_without_fork_loads_the_master_in_a_thread(tmp_path: Path, sqlite_url: str) -> None:
    """``SCHEMAGUARD_NO_FORK=1`` loads the master in a thread beside the introspection: the master's name-length
    check once imported SQLAlchemy's dialect module there, racing the other thread's import (KeyError, exit 2)."""
    master = tmp_path / "long.yaml"
    master.write_text(LONG_MASTER, encoding="utf-8")
    apply_statements(sqlite_url, ACTUAL_LONG)
    env = {"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "SCHEMAGUARD_NO_FORK": "1", "SCHEMAGUARD_NO_CACHE": "1"}
    for _ in range(3):
        done = subprocess.run(
            [sys.executable, "-m", "schemaguard", "diff", "--to", str(master), "--url", sqlite_url, "--format", "json"],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            check=False,
        )
        assert done.returncode == 1, done.stderr
        assert "AntiPoachingAttemptNotificationPreference" in done.stdout
