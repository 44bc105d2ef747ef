"""16.7: every path from the configuration resolves inside the project root (the configuration file's folder),
symlinks resolved, or the command is refused before it writes anything."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.helpers import run_cli

MASTER = ROOT / "tests" / "fixtures" / "drift_master.yaml"


@pytest.fixture
def layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """(project root, a sibling folder outside it, standing for the user's home)."""
    root, home = tmp_path / "project", tmp_path / "home"
    root.mkdir()
    home.mkdir()
    (root / "m.yaml").write_bytes(MASTER.read_bytes())
    (home / "m.yaml").write_bytes(MASTER.read_bytes())
    (root / "escape").symlink_to(home, target_is_directory=True)
    monkeypatch.chdir(root)
    return root, home


def _snapshot(*folders: Path) -> list[str]:
    return sorted(str(p) for f in folders for p in f.rglob("*"))


RENDER = '\n[[render.outputs]]\ndialect = "sqlite"\nformat = "sql"\npath = "{path}"\n'


@pytest.mark.parametrize(
    ("config", "command", "key"),
    [
        ('master = "m.yaml"' + RENDER.format(path="../home/.bashrc"), ["render", "--all"], "render.outputs[0].path"),
        ('master = "m.yaml"' + RENDER.format(path="escape/.bashrc"), ["render", "--all"], "render.outputs[0].path"),
        ('master = "m.yaml"' + RENDER.format(path="{home}/.bashrc"), ["render", "--all"], "render.outputs[0].path"),
        (
            'master = "m.yaml"\ndialect = "sqlite"\nchangelog = "../home/x"\n',
            ["migrate", "generate", "-m", "a"],
            "changelog",
        ),
        (
            'master = "m.yaml"\ndialect = "sqlite"\nmigrations = "../home/y"\n',
            ["migrate", "generate", "-m", "a"],
            "migrations",
        ),
        (
            'master = "m.yaml"\ndialect = "sqlite"\nmigrations = "escape/y"\n',
            ["migrate", "generate", "-m", "a"],
            "migrations",
        ),
        ('master = "../home/m.yaml"\n', ["validate"], "master"),
        ('master = "escape/m.yaml"\n', ["render"], "master"),
        ('master = "m.yaml"\nbackfill_modules = ["../home/evil.py"]\n', ["backfill", "--list"], "backfill_modules[0]"),
    ],
)
def test_configured_path_outside_the_root_is_refused(
    config: str,
    command: list[str],
    key: str,
    layout: tuple[Path, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    root, home = layout
    (root / "schemaguard.toml").write_text(config.replace("{home}", str(home)), encoding="utf-8")
    (home / "evil.py").write_text("import pathlib; pathlib.Path(__file__).with_name('ran').touch()\n")
    before = _snapshot(root, home)
    code, out, err = run_cli(command, capsys)
    assert code == 2 and out == "", err
    assert "schemaguard.toml:" in err and f"{key} = " in err and "outside the project root" in err
    assert _snapshot(root, home) == before  # nothing written, inside or outside, and evil.py never ran


def test_paths_inside_the_root_still_work(layout: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    root, _ = layout
    (root / "sub").mkdir()
    (root / "link").symlink_to(root / "sub", target_is_directory=True)
    (root / "schemaguard.toml").write_text('master = "m.yaml"' + RENDER.format(path="link/out.sql"), encoding="utf-8")
    code, _, err = run_cli(["render", "--all"], capsys)
    assert code == 0, err
    assert (root / "sub" / "out.sql").is_file()
