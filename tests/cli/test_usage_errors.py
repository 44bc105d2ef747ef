"""Usage errors of the command-line layer are one line on stderr and exit 2, like every other error (the brief's
rule 6), naming where help is; a bare group still shows its help."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import run_cli


@pytest.mark.parametrize(
    ("args", "message", "hint"),
    [
        (["diff", "--bogus"], "No such option: --bogus", "schemaguard diff --help"),
        (["diff", "--compare", "nope"], "Invalid value for --compare", "schemaguard diff --help"),
        (["nosuch"], "No such command 'nosuch'", "schemaguard --help"),
        (["report", "merge"], "Missing argument", "schemaguard report merge --help"),
    ],
)
def test_usage_error_is_one_line(args: list[str], message: str, hint: str, capsys: Any) -> None:
    code, out, err = run_cli(["--no-color", *args], capsys)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ") and message in lines[0] and hint in lines[0]


def test_a_group_without_command_shows_its_help(capsys: Any) -> None:
    code, out, err = run_cli(["report"], capsys)
    assert code == 2 and "merge" in out + err
