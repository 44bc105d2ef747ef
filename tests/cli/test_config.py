"""15.8: the configuration is checked: unknown keys, rules and dialects are refused with file, line and a
"did you mean"; ``dialect`` is honoured by ``render``; a command refused for its configuration writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.helpers import run_cli

MASTER = ROOT / "tests" / "fixtures" / "drift_master.yaml"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "m.yaml").write_bytes(MASTER.read_bytes())
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _toml(project: Path, text: str) -> Path:
    p = project / "schemaguard.toml"
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ('mastre = "m.yaml"\n', 1, "unknown key 'mastre' (did you mean 'master'?)"),
        (
            'master = "m.yaml"\n\n[targets.dev]\nurl = "sqlite:///x.db"\nnamespce = "a"\n',
            5,
            "did you mean 'namespace'?",
        ),
        ('master = "m.yaml"\ndialect = "oracle"\n', 2, "unknown dialect 'oracle'"),
        ('master = "m.yaml"\ndialect = "sqllite"\n', 2, "did you mean 'sqlite'?"),
        ('master = "m.yaml"\n[rules.severity]\nsnake-case-colums = "off"\n', 3, "did you mean 'snake-case-columns'?"),
        ('master = "m.yaml"\n[rules]\nseverty = {}\n', 3, "did you mean 'severity'?"),
        ('master = "m.yaml"\n[[render.outputs]]\ndialect = "sqlite"\npth = "x.sql"\n', 4, "did you mean 'path'?"),
        ('master = "m.yaml"\nbackfill_batch_size = "many"\n', 2, "backfill_batch_size"),
        ('master = "m.yaml"\ndialects = ["sqlite", "oracle"]\n', 2, "unknown dialect 'oracle'"),
    ],
)
@pytest.mark.parametrize("command", [["validate"], ["render"], ["diff", "--url", "sqlite:///nope.db"]])
def test_bad_configuration_is_refused_with_file_and_line(
    text: str, line: int, needle: str, command: list[str], project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _toml(project, text)
    code, out, err = run_cli(command, capsys)
    assert code == 2
    assert err.startswith(f"error: {path}:{line}: "), err
    assert needle in err
    assert out == ""


def test_pyproject_section_is_checked_too(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.schemaguard]\nmastr = "m.yaml"\n')
    code, _, err = run_cli(["validate"], capsys)
    assert code == 2 and f"{project / 'pyproject.toml'}:5: unknown key 'mastr'" in err


def test_render_honours_the_configured_dialect(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _toml(project, 'master = "m.yaml"\ndialect = "sqlite"\n')
    code, out, _ = run_cli(["render"], capsys)
    assert code == 0 and "for sqlite." in out.splitlines()[0]
    code, out, _ = run_cli(["render", "--dialect", "postgresql"], capsys)
    assert code == 0 and "for postgresql." in out.splitlines()[0]


@pytest.mark.parametrize(
    "text",
    ['master = "m.yaml"\ndialect = "oracle"\n', 'master = "m.yaml"\ndialects = ["oracle"]\n', 'master = "nope.yaml"\n'],
)
def test_failed_migrate_generate_writes_nothing(text: str, project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _toml(project, text)
    before = sorted(p.name for p in project.iterdir())
    code, _, err = run_cli(["migrate", "generate", "-m", "initial"], capsys)
    assert code == 2, err
    assert sorted(p.name for p in project.iterdir()) == before
