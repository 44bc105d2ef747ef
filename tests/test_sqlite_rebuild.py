"""SQLite: named indexes on the same columns (h27 N3) and AUTOINCREMENT counters across a table rebuild (h27 N4).

Real SQLite files throughout. Sources: https://www.sqlite.org/lang_createindex.html (an index is a named object:
``DROP INDEX name``, ``INDEXED BY name``), https://www.sqlite.org/autoinc.html (AUTOINCREMENT keeps the largest
ROWID ever used in ``sqlite_sequence`` "to prevent the reuse of ROWIDs from previously deleted rows"),
https://www.sqlite.org/lang_altertable.html#otheralter (the rebuild procedure).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from schemaguard import api
from schemaguard.config import Config
from schemaguard.loaders.yaml_master import dump_yaml_master
from tests.helpers import apply_statements, diff_json, run_cli, sqlite_file
from tests.migrate.conftest import Project

TWIN = "CREATE TABLE r (id INTEGER PRIMARY KEY, c INTEGER);"


def _db(factory: Callable[[], str], script: str) -> str:
    url = factory()
    con = sqlite3.connect(sqlite_file(url))
    try:
        con.executescript(script)
    finally:
        con.close()
    return url


def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    con = sqlite3.connect(sqlite_file(url))
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _indexes(url: str) -> list[str]:
    return [str(r[0]) for r in _rows(url, "SELECT name FROM sqlite_schema WHERE type = 'index' ORDER BY name")]


def _changes(report: dict[str, object]) -> set[tuple[str, str]]:
    return {(c["kind"], c["object"]) for c in report["changes"]}  # type: ignore[attr-defined]


# --- N3: two named indexes with the same column list -----------------------------------------------------------


def test_twin_index_missing_is_drift_and_planned(sqlite_factory: Callable[[], str], capsys) -> None:
    """r_a and r_b both on r(c): the database with r_a alone has index r_b missing (was "no drift"); the plan
    creates it and converges."""
    want = _db(sqlite_factory, TWIN + "CREATE INDEX r_a ON r(c); CREATE INDEX r_b ON r(c);")
    have = _db(sqlite_factory, TWIN + "CREATE INDEX r_a ON r(c);")
    code, report = diff_json(["diff", "--from", have, "--to", want], capsys)
    assert code == 1
    assert _changes(report) == {("index_missing", "r_b")}
    code, out, err = run_cli(["diff", "--from", have, "--to", want, "--sql"], capsys)
    assert code == 1, err
    assert 'CREATE INDEX "r_b" ON "r" ("c")' in out
    apply_statements(have, [s for s in out.split(";\n") if s.strip() and not s.lstrip().startswith("--")])
    assert _indexes(have) == ["r_a", "r_b"]
    assert diff_json(["diff", "--from", have, "--to", want], capsys)[0] == 0


def test_twin_index_missing_is_named_by_itself(sqlite_factory: Callable[[], str], capsys) -> None:
    """With r_b present and r_a missing, r_a is reported missing (not r_b "should be named r_a" plus r_b missing),
    and the extra way round: r_b extra on a database having both."""
    want = _db(sqlite_factory, TWIN + "CREATE INDEX r_a ON r(c); CREATE INDEX r_b ON r(c);")
    have = _db(sqlite_factory, TWIN + "CREATE INDEX r_b ON r(c);")
    code, report = diff_json(["diff", "--from", have, "--to", want], capsys)
    assert code == 1
    assert _changes(report) == {("index_missing", "r_a")}
    code, report = diff_json(["diff", "--from", want, "--to", have], capsys)
    assert code == 1
    assert _changes(report) == {("index_extra", "r_a")}


def test_twin_indexes_rendered_both(sqlite_factory: Callable[[], str], tmp_path: Path, capsys) -> None:
    """The master inspected from a database with twin indexes renders both (render kept only the first), and the
    rendered database equals the original both ways."""
    src = _db(sqlite_factory, TWIN + "CREATE INDEX r_a ON r(c); CREATE INDEX r_b ON r(c);")
    master = tmp_path / "m.yaml"
    master.write_text(dump_yaml_master(api.inspect_url(src)), encoding="utf-8")
    statements = api.render(api.load_master(Config(), master), "sqlite")
    assert [s for s in statements if s.startswith("CREATE INDEX")] == [
        'CREATE INDEX "r_a" ON "r" ("c")',
        'CREATE INDEX "r_b" ON "r" ("c")',
    ]
    built = sqlite_factory()
    apply_statements(built, statements)
    assert _indexes(built) == ["r_a", "r_b"]
    assert diff_json(["diff", "--from", built, "--to", src], capsys)[0] == 0
    assert diff_json(["diff", "--from", src, "--to", built], capsys)[0] == 0


def test_index_made_alike_by_dropping_its_method_still_rendered_once(tmp_path: Path) -> None:
    """What the dedupe was for stays: a GIN and a btree index on one column are one index on SQLite (the method
    is dropped there), so the first is rendered and the other is not a second copy."""
    master = tmp_path / "m.yaml"
    master.write_text(
        "version: 1\ntables:\n  r:\n    columns:\n      id: {type: integer, primary_key: true}\n"
        "      c: {type: text}\n    indexes:\n      - {name: r_plain, columns: [c]}\n"
        "      - {name: r_gin, columns: [c], method: gin}\n",
        encoding="utf-8",
    )
    statements = api.render(api.load_master(Config(), master), "sqlite")
    assert [s for s in statements if s.startswith("CREATE INDEX")] == ['CREATE INDEX "r_plain" ON "r" ("c")']


# --- N4: AUTOINCREMENT counter across a rebuild -----------------------------------------------------------------

AUTO = "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, v INTEGER);"
AUTO_TEXT = "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT);"


def _sql_plan(have: str, want: str, capsys) -> list[str]:
    code, out, err = run_cli(["diff", "--from", have, "--to", want, "--sql"], capsys)
    assert code == 1, err
    return [s for s in out.split(";\n") if s.strip() and not s.lstrip().startswith("--")]


@pytest.mark.parametrize(
    ("deleted", "expected_seq"),
    [("id > 1", 3), ("1 = 1", 3)],  # rows left (the counter is updated) / none left (the counter row is added)
)
def test_rebuild_keeps_autoincrement_counter(
    sqlite_factory: Callable[[], str], capsys, deleted: str, expected_seq: int
) -> None:
    """A column type change rebuilds t; ids 2 and 3 (or all) were deleted: after the rebuild sqlite_sequence still
    says 3 and the next row gets id 4 (it got 2, or 1, again)."""
    have = _db(sqlite_factory, AUTO + f"INSERT INTO t (v) VALUES (1), (2), (3); DELETE FROM t WHERE {deleted};")
    want = _db(sqlite_factory, AUTO_TEXT)
    plan = _sql_plan(have, want, capsys)
    assert any("_sg_new_t" in s for s in plan), plan  # it is a rebuild
    apply_statements(have, plan)
    assert _rows(have, "SELECT name, seq FROM sqlite_sequence") == [("t", expected_seq)]
    apply_statements(have, ["INSERT INTO t (v) VALUES ('next')"])
    assert _rows(have, "SELECT max(id) FROM t") == [(4,)]
    assert diff_json(["diff", "--from", have, "--to", want], capsys)[0] == 0


def test_rebuild_of_plain_rowid_table_leaves_sqlite_sequence_alone(sqlite_factory: Callable[[], str], capsys) -> None:
    """Without AUTOINCREMENT there is no sqlite_sequence (the plan must not name it, it would fail there)."""
    have = _db(sqlite_factory, "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER); INSERT INTO t (v) VALUES (1);")
    want = _db(sqlite_factory, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);")
    plan = _sql_plan(have, want, capsys)
    assert not any("sqlite_sequence" in s for s in plan), plan
    apply_statements(have, plan)
    assert diff_json(["diff", "--from", have, "--to", want], capsys)[0] == 0


MASTER_V1 = """version: 1
tables:
  t:
    columns:
      id: {type: integer, primary_key: true, autoincrement: strict}
      v: {type: integer}
"""


def test_revision_rebuild_keeps_autoincrement_counter(
    sqlite_factory: Callable[[], str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Alembic revision path shares the planner's rebuild: after upgrade the counter is kept; downgrade too."""
    root = tmp_path / "proj"
    root.mkdir()
    (root / "schemaguard.toml").write_text('master = "master.yaml"\ndialect = "sqlite"\n', encoding="utf-8")
    monkeypatch.chdir(root)
    p = Project(root, "sqlite")
    url = sqlite_factory()
    p.master(MASTER_V1)
    assert p.run("migrate", "generate", "-m", "v1") == 0
    assert p.run("migrate", "upgrade", "--url", url) == 0
    apply_statements(url, ["INSERT INTO t (v) VALUES (1), (2), (3)", "DELETE FROM t WHERE id > 1"])
    p.master(MASTER_V1.replace("v: {type: integer}", "v: {type: text}"))
    assert p.run("migrate", "generate", "-m", "v text") == 0
    assert "sqlite_sequence" in p.revisions()[-1].read_text(encoding="utf-8")
    assert p.run("migrate", "upgrade", "--url", url) == 0
    assert p.run("diff", "--url", url) == 0
    assert _rows(url, "SELECT name, seq FROM sqlite_sequence") == [("t", 3)]
    assert p.run("migrate", "downgrade", "0001", "--url", url) == 0
    assert _rows(url, "SELECT name, seq FROM sqlite_sequence") == [("t", 3)]
    apply_statements(url, ["INSERT INTO t (v) VALUES (9)"])
    assert _rows(url, "SELECT id FROM t ORDER BY id") == [(1,), (4,)]
