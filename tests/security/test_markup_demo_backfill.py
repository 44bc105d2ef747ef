"""Issue 16.9 for the backfill and demo commands: a URL (or any name from the database) is printed as text,
never read as Rich markup, so a ``[/x]`` in a file name neither crashes the command nor vanishes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.helpers import run_cli


def test_demo_seed_and_rollback_print_bracketed_paths(tmp_path: Path, capsys: Any) -> None:
    (tmp_path / "tenant[").mkdir()  # the "/" of "[/x]" is a folder separator
    db = tmp_path / "tenant[/x][bold]1.db"
    url = f"sqlite:///{db}"
    code, out, err = run_cli(["--no-color", "demo", "seed", "--url", url, "--orgs", "3"], capsys)
    assert code == 0, err
    assert "tenant[/x][bold]1.db" in out
    code, out, err = run_cli(["--no-color", "backfill", "phase-1-4", "--url", url, "--rollback-sql"], capsys)
    assert code == 0, err
    assert "Traceback" not in err and "tenant[/x][bold]1.db" in err + out
