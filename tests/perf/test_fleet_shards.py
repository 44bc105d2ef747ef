"""Fleet mode beyond one machine and in every format: stable shards, merged shard reports, a bad target as one
failed row, ``--sql`` and Markdown in fleet mode. Real SQLite files throughout, the CLI run in-process."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from schemaguard.errors import ConfigError
from schemaguard.fleet import in_shard, parse_shard, read_targets_file
from schemaguard.report.fleet_report import merge_fleet_documents, render_fleet_markdown
from tests.conftest import run_sql
from tests.helpers import build_from_master, run_cli, sqlite_file

MASTER = """\
version: 1
tables:
  customers:
    columns:
      id: {type: bigint, primary_key: true}
      email: {type: text, nullable: false}
      note: {type: text}
"""


@pytest.fixture
def fleet(tmp_path: Path, sqlite_factory: Callable[[], str]) -> tuple[Path, Path, list[str]]:
    """A master and a targets file of 7 lines: 4 clean databases, 1 drifted, 1 missing file, 1 MySQL URL."""
    master = tmp_path / "master.yaml"
    master.write_text(MASTER)
    urls = []
    for _ in range(5):
        url = sqlite_factory()
        build_from_master(url, master)
        urls.append(url)
    run_sql(urls[2], "ALTER TABLE customers DROP COLUMN note")
    lines = [*urls, f"sqlite:///{tmp_path / 'absent.db'}", "mysql://app:pw@db.example/app"]
    targets = tmp_path / "targets.txt"
    targets.write_text("# tenants\n" + "\n".join(lines) + "\n")
    return master, targets, lines


def _json(args: list[str], capsys: Any) -> tuple[int, dict[str, Any]]:
    code, out, err = run_cli([*args, "--format", "json"], capsys)
    assert code in (0, 1, 2) and "Traceback" not in err
    return code, json.loads(out)


def test_parse_shard() -> None:
    assert parse_shard("1/1") == (1, 1)
    assert parse_shard("3/4") == (3, 4)
    for bad in ("0/2", "3/2", "2", "a/b", "1/0", "-1/2", ""):
        with pytest.raises(ConfigError, match="K/N"):
            parse_shard(bad)


def test_shards_partition_the_targets_and_are_stable() -> None:
    entries = [f"postgresql://db{i}.internal/tenant_{i}" for i in range(300)]
    for n in (1, 2, 3, 7):
        owners = [[k for k in range(1, n + 1) if in_shard(e, (k, n))] for e in entries]
        assert all(len(o) == 1 for o in owners), "every target is in exactly one shard"
        sizes = [sum(1 for o in owners if o == [k]) for k in range(1, n + 1)]
        assert min(sizes) > 300 / n * 0.6, f"shards roughly even: {sizes}"
    # Adding targets never moves an existing one to another shard (the split hashes the entry, not its place).
    before = {e: next(k for k in range(1, 5) if in_shard(e, (k, 4))) for e in entries}
    grown = ["postgresql://new/tenant_x", *entries, "postgresql://new/tenant_y"]
    assert all(in_shard(e, (before[e], 4)) for e in grown if e in before)


def test_read_targets_file_by_shard(fleet: tuple[Path, Path, list[str]]) -> None:
    _, targets, lines = fleet
    parts = [read_targets_file(targets, (k, 3)) for k in (1, 2, 3)]
    assert sorted(u for p in parts for u in p) == sorted(lines)
    assert read_targets_file(targets, (1, 1)) == lines


def test_a_bad_target_is_one_failed_row(fleet: tuple[Path, Path, list[str]], capsys: Any) -> None:
    master, targets, _lines = fleet
    code, doc = _json(["diff", "--to", str(master), "--targets-file", str(targets), "-j", "2"], capsys)
    assert code == 2
    assert [t["status"] for t in doc["targets"]] == ["ok", "ok", "drift", "ok", "ok", "error", "error"]
    assert "mysql" in doc["targets"][6]["error"] and "pw" not in doc["targets"][6]["target"]
    assert doc["summary"] == {"targets": 7, "ok": 4, "drift": 1, "error": 2}


def test_sharded_run_merges_into_the_unsharded_verdict(
    tmp_path: Path, fleet: tuple[Path, Path, list[str]], capsys: Any
) -> None:
    master, targets, _lines = fleet
    _, whole = _json(["diff", "--to", str(master), "--targets-file", str(targets)], capsys)
    files = []
    for k in (1, 2, 3):
        code, doc = _json(["diff", "--to", str(master), "--targets-file", str(targets), "--shard", f"{k}/3"], capsys)
        assert code == (2 if doc["summary"]["error"] else 1 if doc["summary"]["drift"] else 0)
        path = tmp_path / f"shard-{k}.json"
        path.write_text(json.dumps(doc))
        files.append(str(path))
    code, merged = _json(["report", "merge", *files], capsys)
    assert code == 2  # a target failed somewhere
    assert merged["shards"] == 3
    assert merged["summary"] == whole["summary"]
    assert sorted((t["target"], t["status"]) for t in merged["targets"]) == sorted(
        (t["target"], t["status"]) for t in whole["targets"]
    )
    # The table and Markdown views of the merged report name every target.
    code, out, _ = run_cli(["report", "merge", *files, "--format", "markdown"], capsys)
    assert code == 2 and out.startswith("### Fleet drift") and "4 ok, 1 drifted, 2 failed" in out
    code, out, _err = run_cli(["--no-color", "report", "merge", *files], capsys)
    assert code == 2 and "4 ok, 1 drifted, 2 failed" in out and "shards: 3" in out


def test_merge_refuses_mixed_runs_and_non_reports(tmp_path: Path, capsys: Any) -> None:
    a = {"desired": "schemas/a.yaml", "workers": 1, "seconds": 0.1, "summary": {}, "targets": []}
    b = {**a, "desired": "schemas/b.yaml"}
    (tmp_path / "a.json").write_text(json.dumps(a))
    (tmp_path / "b.json").write_text(json.dumps(b))
    (tmp_path / "c.json").write_text('{"hello": 1}')
    (tmp_path / "d.json").write_text("not json")
    for files, message in (
        (["a.json", "b.json"], "merge only the shards of one run"),
        (["a.json", "c.json"], "not a schemaguard fleet or diff JSON report"),
        (["d.json"], "not a JSON report"),
        (["absent.json"], "cannot read report"),
    ):
        code, _out, err = run_cli(["report", "merge", *[str(tmp_path / f) for f in files]], capsys)
        assert code == 2, files
        assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_merge_takes_single_diff_reports(tmp_path: Path, fleet: tuple[Path, Path, list[str]], capsys: Any) -> None:
    master, _, lines = fleet
    files = []
    for i, url in enumerate(lines[:3]):
        code, doc = _json(["diff", "--to", str(master), "--url", url], capsys)
        path = tmp_path / f"diff-{i}.json"
        path.write_text(json.dumps(doc))
        files.append(str(path))
    code, merged = _json(["report", "merge", *files], capsys)
    assert code == 1
    assert merged["summary"] == {"targets": 3, "ok": 2, "drift": 1, "error": 0}


def test_fleet_sql_goes_alone_to_stdout_and_converges(
    fleet: tuple[Path, Path, list[str]], tmp_path: Path, capsys: Any
) -> None:
    master, _, lines = fleet
    targets = tmp_path / "two.txt"
    targets.write_text(f"{lines[0]}\n{lines[2]}\n")
    code, out, err = run_cli(
        ["--no-color", "diff", "--to", str(master), "--targets-file", str(targets), "--sql"], capsys
    )
    assert code == 1
    assert "1 ok, 1 drifted, 0 failed" in err and "drifted" not in out
    assert out.startswith(f"-- target: {lines[2]}\n")
    con = sqlite3.connect(sqlite_file(lines[2]), isolation_level=None)
    con.executescript(out)
    con.close()
    code, out, err = run_cli(["diff", "--to", str(master), "--targets-file", str(targets)], capsys)
    assert code == 0, out + err


def test_fleet_markdown_with_sql(fleet: tuple[Path, Path, list[str]], tmp_path: Path, capsys: Any) -> None:
    master, _, lines = fleet
    targets = tmp_path / "two.txt"
    targets.write_text(f"{lines[0]}\n{lines[2]}\n")
    code, out, _ = run_cli(
        ["diff", "--to", str(master), "--targets-file", str(targets), "--sql", "--format", "markdown"], capsys
    )
    assert code == 1
    assert "column\\_missing" in out and "```sql" in out and "ADD COLUMN" in out


def test_empty_shard_is_a_clean_pass(tmp_path: Path, capsys: Any) -> None:
    master = tmp_path / "master.yaml"
    master.write_text(MASTER)
    targets = tmp_path / "one.txt"
    entry = "sqlite:///nowhere.db"
    targets.write_text(entry + "\n")
    empty = next(k for k in (1, 2) if not in_shard(entry, (k, 2)))
    code, doc = _json(["diff", "--to", str(master), "--targets-file", str(targets), "--shard", f"{empty}/2"], capsys)
    assert code == 0 and doc["summary"]["targets"] == 0


def test_markdown_names_are_inert() -> None:
    hostile = "sqlite:///<img src=x onerror=alert(1)> @org/team [click](https://evil.example) `x`|y"
    doc = merge_fleet_documents(
        [("a.json", {"desired": "m.yaml", "changes": [], "actual": hostile, "drift": False, "summary": {}})]
    )
    text = render_fleet_markdown(doc)
    row = next(line for line in text.splitlines() if "img" in line)
    assert "<img" not in row and "](" not in row and " @org" not in row and "`x`" not in row
    assert row.count(" | ") == 5  # the name's "|" did not open a column
