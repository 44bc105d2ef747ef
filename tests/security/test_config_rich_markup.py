"""16.9: text from schema files, configuration and databases is printed through Rich as text, never as markup:
``references: "[/nope].id"`` used to crash validate and diff with a MarkupError."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import apply_statements, run_cli

DANGLING = """version: 1
tables:
  t:
    columns:
      id: {type: int, primary_key: true}
      u: {type: int, references: "[/nope].id"}
"""

VALID = """version: 1
tables:
  "[/nope]":
    columns:
      "[bold]id": {type: int, primary_key: true}
      "[/]": {type: text}
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "schemaguard.toml").write_text('master = "m.yaml"\ndialect = "sqlite"\n', encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("command", [["validate"], ["render"], ["diff", "--url", "{db}"], ["gate", "--url", "{db}"]])
def test_markup_in_an_error_message_is_text(
    command: list[str], project: Path, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "m.yaml").write_text(DANGLING, encoding="utf-8")
    apply_statements(sqlite_url, ["CREATE TABLE t (id int)"])
    code, out, err = run_cli([a.replace("{db}", sqlite_url) for a in command], capsys)
    assert code in (1, 2), err
    assert "references missing table '[/nope]'" in out + err
    assert "MarkupError" not in out + err and "Traceback" not in out + err


@pytest.mark.parametrize("verbose", [[], ["--verbose"]])
def test_markup_in_names_is_text_in_validate(
    verbose: list[str], project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "m.yaml").write_text(VALID, encoding="utf-8")
    code, out, err = run_cli(["validate", *verbose], capsys)
    assert code in (0, 1), err
    assert "[/nope]" in out and "[bold]id" in out


def test_markup_in_names_is_text_in_diff_and_gate(
    project: Path, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "m.yaml").write_text(VALID, encoding="utf-8")
    apply_statements(
        sqlite_url, ['CREATE TABLE "[/nope]" ("[bold]id" int PRIMARY KEY)', 'CREATE TABLE "[red]x[/]" (a int)']
    )
    code, out, err = run_cli(["diff", "--url", sqlite_url], capsys)
    assert code == 1, err
    assert "[/]" in out and "[red]x[/]" in out
    code, out, err = run_cli(["gate", "--url", sqlite_url, "--verbose"], capsys)
    assert code == 1, err
    assert "[red]x[/]" in out
