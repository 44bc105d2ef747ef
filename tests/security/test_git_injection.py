"""16.2: a git source's revision never reaches git as an option (``--output=FILE`` would write anywhere)."""

from __future__ import annotations

import ast
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers import run_cli

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

MASTER = "version: 1\ntables:\n  t:\n    columns:\n      id: {type: text, primary_key: true}\n"


def _repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "schemas").mkdir(parents=True)
    (root / "schemaguard.toml").write_text('master = "schemas/master.yaml"\ndialect = "postgresql"\n')
    (root / "schemas" / "master.yaml").write_text(MASTER)
    for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "v1"]):
        subprocess.run(["git", "-c", "user.email=t@e", "-c", "user.name=t", *args], cwd=root, check=True)
    return root


@pytest.mark.parametrize("option", ["--output={out}", "-o{out}", "--output={out}:schemas/master.yaml"])
def test_a_ref_that_looks_like_an_option_is_refused(
    option: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _repo(tmp_path)
    out = tmp_path / "pwned"
    monkeypatch.chdir(root)
    code, _, err = run_cli(["diff", "--from", "git:" + option.format(out=out)], capsys)
    assert code == 2
    assert not list(tmp_path.glob("pwned*")), "git wrote a file named by the ref"
    assert len(err.strip().splitlines()) == 1 and "cannot start with '-'" in err and "Traceback" not in err


def test_a_ref_is_passed_after_end_of_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A branch name git accepts still works (the guard refuses only what git would read as an option)."""
    root = _repo(tmp_path)
    subprocess.run(["git", "branch", "feature/x"], cwd=root, check=True)
    monkeypatch.chdir(root)
    code, _, err = run_cli(["diff", "--from", "git:feature/x", "--format", "json"], capsys)
    assert code == 0, err


def _git_calls() -> list[tuple[Path, int, ast.List]]:
    src = Path(__file__).resolve().parents[2] / "src" / "schemaguard"
    out = []
    for path in sorted(src.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.List) and node.args[0].elts:
                first = node.args[0].elts[0]
                if (isinstance(first, ast.Name) and first.id == "git") or (
                    isinstance(first, ast.Constant) and first.value == "git"
                ):
                    out.append((path, node.lineno, node.args[0]))
    return out


def test_every_git_argument_from_input_comes_after_end_of_options() -> None:
    """Audit of src: in every git call, an argument that is not a literal follows ``--end-of-options``."""
    calls = _git_calls()
    assert len(calls) >= 3, "expected the git source's and the changelog's git calls"
    for path, line, args in calls:
        seen_end = False
        for el in args.elts[1:]:
            if isinstance(el, ast.Constant):
                seen_end = seen_end or el.value in ("--end-of-options", "--")
            else:
                assert seen_end, f"{path}:{line}: {ast.unparse(el)} may be read by git as an option"
