"""16.4: ``schemaguard.sum`` covers env.py, script.py.mako and alembic.ini, verified before Alembic loads anything.

A line added to env.py used to run on ``migrate check``/``lint``/``status``/``gate`` while check said "ok". Each
command here must refuse (or fail) without running the planted line, which would create ``pwned``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from schemaguard.cli.app import main
from schemaguard.cli.context import STATE

MASTER = "version: 1\ntables:\n  t:\n    columns:\n      id: {type: integer, primary_key: true}\n"
PLANT = "\nopen({marker!r}, 'w').close()\n"


def _run(*args: str) -> int:
    STATE._config = None  # the configuration is cached per process; read this project's file
    STATE.config_path = None
    return main(list(args))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_factory: Callable[[], str]) -> tuple[Path, str]:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "schemaguard.toml").write_text('master = "master.yaml"\ndialect = "sqlite"\n', encoding="utf-8")
    (root / "master.yaml").write_text(MASTER, encoding="utf-8")
    monkeypatch.chdir(root)
    assert _run("migrate", "generate", "-m", "initial") == 0
    url = sqlite_factory()
    assert _run("migrate", "upgrade", "--url", url) == 0
    return root, url


def _gate(url: str) -> int:
    return _run("gate", "--url", url, "--format", "json")


COMMANDS: dict[str, tuple[Callable[[str], int], tuple[int, ...]]] = {
    "check": (lambda url: _run("migrate", "check"), (1,)),
    "lint": (lambda url: _run("migrate", "lint", "--url", url), (2,)),
    "status": (lambda url: _run("migrate", "status", "--url", url), (2,)),
    "upgrade": (lambda url: _run("migrate", "upgrade", "--url", url), (2,)),
    "downgrade": (lambda url: _run("migrate", "downgrade", "base", "--url", url), (2,)),
    "generate": (lambda url: _run("migrate", "generate", "-m", "again"), (2,)),
    "gate": (_gate, (1,)),
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_line_added_to_env_py_never_runs(
    command: str, project: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    root, url = project
    marker = root / "pwned"
    env = root / "migrations" / "env.py"
    env.write_text(env.read_text(encoding="utf-8") + PLANT.format(marker=str(marker)), encoding="utf-8")
    (root / "master.yaml").write_text(MASTER.replace("integer, primary", "bigint, primary"), encoding="utf-8")
    capsys.readouterr()
    run, codes = COMMANDS[command]
    assert run(url) in codes
    assert not marker.exists(), f"migrate {command} ran the unverified env.py"
    out = capsys.readouterr()
    assert "env.py" in out.out + out.err


@pytest.mark.parametrize("name", ["migrations/script.py.mako", "alembic.ini", "migrations/env.py"])
def test_check_reports_each_covered_file(
    name: str, project: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = project
    f = root / name
    f.write_text(f.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    capsys.readouterr()
    assert _run("migrate", "check") == 1
    assert Path(name).name in capsys.readouterr().out
    assert _run("migrate", "hash") == 0  # the reviewed acceptance of the edit
    assert _run("migrate", "check") == 0


def test_a_fresh_folder_without_a_sum_needs_pristine_files(project: tuple[Path, str]) -> None:
    root, url = project
    (root / "migrations" / "schemaguard.sum").unlink()
    for rev in (root / "migrations" / "versions").glob("*.py"):
        rev.unlink()
    env = root / "migrations" / "env.py"
    marker = root / "pwned"
    env.write_text(env.read_text(encoding="utf-8") + PLANT.format(marker=str(marker)), encoding="utf-8")
    for args in (["migrate", "upgrade", "--url", url], ["migrate", "generate", "-m", "again"]):
        assert _run(*args) == 2
        assert not marker.exists(), args
