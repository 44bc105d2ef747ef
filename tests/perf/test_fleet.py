"""Fleet mode: one master against many real databases, a bounded pool, per-target reports or errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console

from schemaguard import api
from schemaguard.config import Config, TargetConfig
from schemaguard.errors import ConfigError
from schemaguard.fleet import configured_targets, read_targets_file, render_fleet_json, render_fleet_table, run_fleet
from tests.conftest import run_sql

MASTER = """\
version: 1
tables:
  customers:
    columns:
      id: {type: bigint, primary_key: true, autoincrement: true}
      email: {type: "varchar(200)", nullable: false, unique: true}
      note: {type: text}
  orders:
    columns:
      id: {type: bigint, primary_key: true, autoincrement: true}
      customer_id: {type: bigint, nullable: false, references: customers.id}
      total: {type: "decimal(10,2)", nullable: false, default: 0}
    checks:
      - {name: orders_total_check, expression: "total >= 0"}
"""


@pytest.fixture
def master(tmp_path: Path) -> Path:
    path = tmp_path / "master.yaml"
    path.write_text(MASTER)
    return path


def _build(url: str, master: Path, dialect: str) -> str:
    schema = api.load_master(Config(), master)
    run_sql(url, [s for s in api.render(schema, dialect)])
    return url


def _config(tmp_path: Path) -> Config:
    return Config(root=tmp_path)


def test_sqlite_fleet_reports_each_target_in_order(
    tmp_path: Path, master: Path, sqlite_factory: Callable[[], str]
) -> None:
    clean = _build(sqlite_factory(), master, "sqlite")
    drifted = _build(sqlite_factory(), master, "sqlite")
    run_sql(drifted, "ALTER TABLE customers DROP COLUMN note")
    missing = f"sqlite:///{tmp_path / 'nope.sqlite'}"
    urls = [clean, drifted, missing, clean]
    result = run_fleet(_config(tmp_path), urls, desired=str(master), workers=2, with_sql=True)

    assert [e.status for e in result.entries] == ["ok", "drift", "error", "ok"]
    assert [e.target for e in result.entries] == urls
    drift_report = result.entries[1].report
    assert drift_report is not None
    assert [(c.kind.value, c.table, c.object) for c in drift_report.changes] == [
        ("column_missing", "customers", "note")
    ]
    assert drift_report.sql and any("note" in s for s in drift_report.sql)
    assert "does not exist" in (result.entries[2].error or "")
    assert (result.drifted, result.errors, result.exit_code, result.workers) == (1, 1, 2, 2)


def test_fleet_json_and_table(tmp_path: Path, master: Path, sqlite_factory: Callable[[], str]) -> None:
    clean = _build(sqlite_factory(), master, "sqlite")
    drifted = _build(sqlite_factory(), master, "sqlite")
    run_sql(drifted, "CREATE INDEX extra_idx ON orders (total)")
    result = run_fleet(_config(tmp_path), [clean, drifted], desired=str(master), workers=4, with_sql=False)

    doc = json.loads(render_fleet_json(result))
    assert doc["summary"] == {"targets": 2, "ok": 1, "drift": 1, "error": 0}
    assert doc["workers"] == 2  # capped at the number of targets
    assert [t["status"] for t in doc["targets"]] == ["ok", "drift"]
    assert doc["targets"][1]["report"]["changes"][0]["kind"] == "index_extra"
    assert "sql" not in doc["targets"][1]["report"]
    assert result.exit_code == 1

    console = Console(record=True, width=200, no_color=True)
    render_fleet_table(result, console)
    text = console.export_text()
    assert clean in text and drifted in text
    assert "1 ok, 1 drifted, 0 failed" in text


def test_postgresql_fleet(tmp_path: Path, master: Path, pg_factory: Callable[[], str]) -> None:
    urls = [_build(pg_factory(), master, "postgresql") for _ in range(3)]
    run_sql(urls[1], "ALTER TABLE orders DROP CONSTRAINT orders_total_check")
    result = run_fleet(_config(tmp_path), urls, desired=str(master), workers=3, with_sql=False)
    assert [e.status for e in result.entries] == ["ok", "drift", "ok"]
    report = result.entries[1].report
    assert report is not None
    assert [(c.kind.value, c.object) for c in report.changes] == [("check_missing", "orders_total_check")]


def test_password_is_masked_in_errors(tmp_path: Path, master: Path) -> None:
    url = "postgresql://app:s3cret-pw@127.0.0.1:1/nodb"
    result = run_fleet(_config(tmp_path), [url], desired=str(master), workers=1)
    entry = result.entries[0]
    assert entry.status == "error"
    assert "s3cret-pw" not in entry.target and "s3cret-pw" not in (entry.error or "")
    assert "s3cret-pw" not in render_fleet_json(result)


def test_bad_arguments(tmp_path: Path, master: Path, sqlite_url: str) -> None:
    with pytest.raises(ConfigError, match="at least 1"):
        run_fleet(_config(tmp_path), [sqlite_url], desired=str(master), workers=0)
    with pytest.raises(ConfigError, match="no target"):
        run_fleet(_config(tmp_path), [], desired=str(master), workers=2)


def test_read_targets_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SG_FLEET_DB", "postgresql://u:pw@db/app")
    path = tmp_path / "targets.txt"
    path.write_text("# production tenants\nsqlite:///a.db\n\n  sqlite:///b.db  \n${SG_FLEET_DB}\n")
    assert read_targets_file(path) == ["sqlite:///a.db", "sqlite:///b.db", "postgresql://u:pw@db/app"]
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n\n")
    with pytest.raises(ConfigError, match="lists no database URL"):
        read_targets_file(empty)
    with pytest.raises(ConfigError, match="cannot read"):
        read_targets_file(tmp_path / "absent.txt")


def test_configured_targets(tmp_path: Path) -> None:
    cfg = Config(
        root=tmp_path, targets={"b": TargetConfig(url="sqlite:///b.db"), "a": TargetConfig(url="sqlite:///a.db")}
    )
    assert configured_targets(cfg) == ["sqlite:///a.db", "sqlite:///b.db"]
    with pytest.raises(ConfigError, match="no targets configured"):
        configured_targets(Config(root=tmp_path))
