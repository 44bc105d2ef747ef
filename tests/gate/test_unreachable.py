"""An unreachable target is a connection error: the gate still reports every check, and exits 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from schemaguard.cli.app import main
from tests.helpers import free_port


def test_unreachable_target_exits_2_with_masked_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "master.yaml").write_text(
        "version: 1\ntables:\n  t:\n    columns:\n      id: {type: text, primary_key: true}\n"
    )
    (tmp_path / "schemaguard.toml").write_text('master = "master.yaml"\n')
    monkeypatch.chdir(tmp_path)
    url = f"postgresql://app:gate-secret@127.0.0.1:{free_port()}/db"
    capsys.readouterr()
    code = main(["gate", "--url", url, "--format", "json"])
    out = capsys.readouterr()
    assert code == 2
    report = json.loads(out.out)
    drift = next(c for c in report["checks"] if c["name"] == "drift")
    assert drift["status"] == "fail" and "app:***@127.0.0.1" in drift["reason"]
    assert "gate-secret" not in out.out + out.err
