"""``inspect`` never writes a master its own loader refuses, and keeps index/unique collations (H9 finding F6:
``UNIQUE (name COLLATE NOCASE)`` lost its collation and collided with ``UNIQUE (name)``)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
import yaml

from schemaguard import api
from schemaguard.config import Config
from tests.conftest import CORPUS, corpus_glob, run_sql
from tests.helpers import diff_json, run_cli, sqlite_file

COLLATED = (
    "CREATE TABLE accounts (id TEXT NOT NULL PRIMARY KEY, name TEXT NOT NULL UNIQUE, UNIQUE (name COLLATE NOCASE));"
    "CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT, code TEXT);"
    "CREATE INDEX tags_label ON tags (label COLLATE NOCASE DESC, code);"
)


def _inspect(url: str, path: Path, capsys: Any) -> Path:
    code, out, err = run_cli(["inspect", "--url", url], capsys)
    assert code == 0, err
    path.write_text(out)
    return path


def test_collated_unique_and_index_keep_their_collation(sqlite_factory: Any, tmp_path: Path, capsys: Any) -> None:
    url = sqlite_factory()
    run_sql(url, COLLATED)
    master = _inspect(url, tmp_path / "m.yaml", capsys)
    assert "COLLATE NOCASE" in master.read_text()
    code, report = diff_json(["diff", "--to", str(master), "--url", url], capsys)
    assert code == 0, report["changes"]
    code, ddl, err = run_cli(["render", "--master", str(master), "--dialect", "sqlite"], capsys)
    assert code == 0, err
    rebuilt = sqlite_factory()
    con = sqlite3.connect(sqlite_file(rebuilt))
    con.executescript(ddl)
    con.execute("INSERT INTO accounts VALUES ('1', 'Ann')")
    with pytest.raises(sqlite3.IntegrityError):
        con.execute("INSERT INTO accounts VALUES ('2', 'ann')")  # unique regardless of case, as in the original
    con.close()
    code, report = diff_json(["diff", "--from", url, "--to", rebuilt], capsys)
    assert code == 0, report["changes"]


def test_collation_change_is_drift(sqlite_factory: Any, capsys: Any) -> None:
    a, b = sqlite_factory(), sqlite_factory()
    run_sql(a, "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT); CREATE INDEX t_s ON t (s COLLATE NOCASE);")
    run_sql(b, "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT); CREATE INDEX t_s ON t (s);")
    code, report = diff_json(["diff", "--from", a, "--to", b], capsys)
    assert code == 1
    assert {c["object"] for c in report["changes"]} == {"t_s"}


@pytest.mark.parametrize("sql", corpus_glob(CORPUS / "sql", "*.sqlite.sql"), ids=lambda p: p.name)
def test_every_corpus_sqlite_database_inspects_to_a_loadable_master(
    sql: Path, sqlite_url: str, tmp_path: Path, capsys: Any
) -> None:
    run_sql(sqlite_url, sql.read_text(encoding="utf-8-sig"))
    master = _inspect(sqlite_url, tmp_path / "m.yaml", capsys)
    api.load_master(Config(), master)  # raises SchemaError if the loader refuses it
    code, report = diff_json(["diff", "--to", str(master), "--url", sqlite_url], capsys)
    assert code == 0, report["changes"]


def test_memos_expression_defaults_are_compared(sqlite_url: str, tmp_path: Path, capsys: Any) -> None:
    """usememos/memos (corpus): ``DEFAULT (strftime('%s', 'now'))`` survives inspect, and removing it is drift."""
    run_sql(sqlite_url, (CORPUS / "sql" / "memos.sqlite.sql").read_text(encoding="utf-8"))
    master = _inspect(sqlite_url, tmp_path / "m.yaml", capsys)
    doc = yaml.safe_load(master.read_text())
    column = doc["tables"]["memo"]["columns"]["created_ts"]
    assert column["default"] == {"sql": "strftime('%s', 'now')"}
    del column["default"]
    master.write_text(yaml.safe_dump(doc))
    code, report = diff_json(["diff", "--to", str(master), "--url", sqlite_url], capsys)
    assert code == 1
    assert [(c["kind"], c["table"], c["object"]) for c in report["changes"]] == [
        ("column_default", "memo", "created_ts")
    ]
