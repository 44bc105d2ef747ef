"""15.9: conflicting options are refused (exit 2); global options work after the command too.
15.10: one rule everywhere: a file that starts with the SQLite header is a database, anything else a schema file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from schemaguard.cli.app import hoist_global_options
from tests.conftest import ROOT
from tests.helpers import build_from_master, run_cli

MASTER = ROOT / "tests" / "fixtures" / "drift_master.yaml"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "m.yaml").write_bytes(MASTER.read_bytes())
    build_from_master(f"sqlite:///{tmp_path / 'dev.db'}", MASTER)
    (tmp_path / "schemaguard.toml").write_text(
        'master = "m.yaml"\ndialect = "sqlite"\n[targets.dev]\nurl = "sqlite:///dev.db"\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["diff", "--target", "dev", "--url", "sqlite:///dev.db"], "--target and --url"),
        (["diff", "--url", "sqlite:///dev.db", "--from", "m.yaml"], "--url and --from"),
        (["diff", "--target", "dev", "--from", "m.yaml"], "--target and --from"),
        (["diff", "--targets-file", "t.txt", "--url", "sqlite:///dev.db"], "conflict"),
        (["inspect", "--target", "dev", "--url", "sqlite:///dev.db"], "--target and --url"),
        (["proof", "--target", "dev", "--url", "sqlite:///dev.db"], "--target and --url"),
        (["backfill", "phase-1-4", "--dry-run", "--target", "dev", "--url", "sqlite:///dev.db"], "--target and --url"),
        (["gate", "--target", "dev", "--url", "sqlite:///dev.db"], "--target and --url"),
        (["migrate", "status", "--target", "dev", "--url", "sqlite:///dev.db"], "--target and --url"),
    ],
    ids=lambda a: " ".join(a[:2]) if isinstance(a, list) else a,
)
def test_conflicting_options_are_refused(
    args: list[str], needle: str, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(args, capsys)
    assert code == 2, err
    assert needle in err and err.count("\n") == 1


def test_global_options_after_the_command(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = project / "other"
    other.mkdir()
    (other / "schemaguard.toml").write_text('master = "../m.yaml"\n', encoding="utf-8")  # refused: outside its root
    code, out, _ = run_cli(["diff", "--target", "dev", "--quiet", "--no-color"], capsys)
    assert code == 0 and "desired:" not in out and "no drift" in out
    code, _, err = run_cli(["validate", "--config", str(other / "schemaguard.toml")], capsys)
    assert code == 2 and "outside the project root" in err
    code, _, err = run_cli(["validate", f"--config={other / 'schemaguard.toml'}"], capsys)
    assert code == 2 and "outside the project root" in err


def test_hoisting_leaves_everything_else_in_place() -> None:
    assert hoist_global_options(["-c", "x.toml", "diff", "--sql"]) == ["-c", "x.toml", "diff", "--sql"]
    assert hoist_global_options(["migrate", "generate", "-m", "a", "-q"]) == ["-q", "migrate", "generate", "-m", "a"]
    assert hoist_global_options(["diff", "--", "--quiet"]) == ["diff", "--", "--quiet"]
    assert hoist_global_options(["diff", "--config", "a.toml", "--url", "u"]) == [
        "--config",
        "a.toml",
        "diff",
        "--url",
        "u",
    ]


@pytest.mark.parametrize(
    "args",
    [
        ["diff", "--url", "dev.db"],
        ["diff", "--from", "dev.db"],
        ["diff", "--from", "dev.db", "--to", "m.yaml"],
        ["diff", "--to", "dev.db", "--from", "m.yaml"],
        ["inspect", "--url", "dev.db"],
    ],
)
def test_bare_sqlite_file_is_a_database_everywhere(
    args: list[str], project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli([*args, "--format", "json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    if args[0] == "diff":
        live = doc["desired"] if "--to" in args and args[args.index("--to") + 1] == "dev.db" else doc["actual"]
        assert live == "sqlite:///dev.db"
    else:
        assert any(t["name"] == "accounts" for t in doc["tables"])


def test_a_file_without_the_header_is_a_schema_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["diff", "--from", "m.yaml", "--to", "m.yaml", "--format", "json"], capsys)
    assert code == 0 and json.loads(out)["actual"] == "m.yaml"
    code, _, err = run_cli(["inspect", "--url", "m.yaml"], capsys)
    assert code == 2 and "m.yaml is not a database: it does not start with the SQLite header" in err
