"""``diff --from git:REF``: the master as it was at a git revision, so CI can show what a pull request changes."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers import diff_json, run_cli

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

V1 = "version: 1\ntables:\n  t:\n    columns:\n      id: {type: text, primary_key: true}\n"
V2 = V1 + "      readAt: {type: 'datetime(3)'}\n"


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_diff_against_a_git_revision(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemaguard.toml").write_text('master = "schemas/master.yaml"\ndialect = "postgresql"\n')
    master = tmp_path / "schemas" / "master.yaml"
    master.write_text(V1)
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "-c", "user.email=t@e", "-c", "user.name=t", "add", ".")
    _git(tmp_path, "-c", "user.email=t@e", "-c", "user.name=t", "commit", "-qm", "v1")
    master.write_text(V2)
    monkeypatch.chdir(tmp_path)
    code, report = diff_json(["diff", "--from", "git:HEAD"], capsys)
    assert code == 1
    assert report["actual"] == "git:HEAD:schemas/master.yaml"
    assert [(c["kind"], c["table"], c["object"]) for c in report["changes"]] == [("column_missing", "t", "readAt")]
    code, report = diff_json(["diff", "--from", "git:HEAD", "--to", "git:HEAD:schemas/master.yaml"], capsys)
    assert code == 0 and report["changes"] == []
    code, _, err = run_cli(["diff", "--from", "git:no-such-ref"], capsys)
    assert code == 2 and "no-such-ref" in err
