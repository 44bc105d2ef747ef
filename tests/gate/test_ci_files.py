"""The CI integration files: .pre-commit-hooks.yaml hooks run on a real project, and every schemaguard command in
docs/ci/github-actions.yml parses with the real CLI (options and choices exist)."""

from __future__ import annotations

import re
import shlex
from typing import Any

import pytest
import typer.main
import yaml
from typer._click.exceptions import UsageError  # Typer vendors click; its parser is what the CLI runs
from typer.core import TyperGroup

from schemaguard.cli.app import app
from tests.conftest import ROOT
from tests.gate.conftest import GateProject

HOOKS = ROOT / ".pre-commit-hooks.yaml"
WORKFLOW = ROOT / "docs" / "ci" / "github-actions.yml"


def _hooks() -> dict[str, dict[str, Any]]:
    return {h["id"]: h for h in yaml.safe_load(HOOKS.read_text(encoding="utf-8"))}


def test_hook_definitions() -> None:
    hooks = _hooks()
    assert set(hooks) == {"schemaguard-validate", "schemaguard-render-check", "schemaguard-migrate-check"}
    for hook in hooks.values():
        assert hook["language"] == "python" and hook["pass_filenames"] is False
        assert hook["entry"].startswith("schemaguard ") and hook["name"] and hook["description"]
    assert hooks["schemaguard-validate"]["entry"] == "schemaguard validate"
    assert hooks["schemaguard-render-check"]["entry"] == "schemaguard render --check"
    assert hooks["schemaguard-migrate-check"]["entry"] == "schemaguard migrate check"
    # When each hook runs: schema files and the configuration; migrate-check also on revision files.
    for path in ("schemaguard.toml", "schemas/master.yaml", "schema.prisma"):
        assert all(re.search(h["files"], path) for h in hooks.values()), path
    assert re.search(hooks["schemaguard-migrate-check"]["files"], "migrations/versions/0002_x.py")
    assert not re.search(hooks["schemaguard-validate"]["files"], "src/app/main.py")


@pytest.mark.parametrize("project", ["sqlite"], indirect=True)
def test_hooks_pass_on_a_clean_project_and_fail_on_a_bad_one(project: GateProject) -> None:
    entries = {hook_id: shlex.split(h["entry"])[1:] for hook_id, h in _hooks().items()}
    assert {hook_id: project.run(*args) for hook_id, args in entries.items()} == dict.fromkeys(entries, 0)

    project.set_master("v2.yaml", render=False)  # changed master: rendered files and revisions lag behind
    assert project.run(*entries["schemaguard-validate"]) == 0
    assert project.run(*entries["schemaguard-render-check"]) == 1
    assert project.run(*entries["schemaguard-migrate-check"]) == 1

    master = project.root / "master.yaml"
    master.write_text(master.read_text().replace("  message:\n", "  Message:\n"))
    project.write_config('[rules.severity]\nsnake-case-tables = "error"\n')
    assert project.run(*entries["schemaguard-validate"]) == 1


def _workflow_commands() -> list[list[str]]:
    doc = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    commands = []
    for job in doc["jobs"].values():
        for step in job["steps"]:
            run = step.get("run", "")
            run = re.sub(r"\$\{\{[^}]*\}\}", "X", run)  # GitHub expressions
            for m in re.finditer(r"(?:^|&&|\()\s*(schemaguard\s[^|;&>)\n]*)", run, re.M):
                words = shlex.split(m.group(1))
                commands.append([re.sub(r"^\$\w+$", "postgresql://ci/db", w) for w in words[1:]])
    return commands


def _parse(args: list[str]) -> None:
    """Parse ``schemaguard ARGS`` down to the leaf command without running it; raises UsageError on an unknown
    command or option or a bad choice."""
    command: Any = typer.main.get_command(app)
    ctx = command.make_context("schemaguard", list(args))
    while isinstance(command, TyperGroup):
        name, sub, rest = command.resolve_command(ctx, [*ctx._protected_args, *ctx.args])
        assert sub is not None, name
        ctx = sub.make_context(name or "", rest, parent=ctx)
        command = sub


def test_workflow_runs_the_gate_against_a_postgres_service() -> None:
    doc = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    (job,) = doc["jobs"].values()
    assert job["services"]["postgres"]["image"].startswith("postgres:")
    assert job["env"]["DATABASE_URL"].startswith("postgresql://")
    commands = _workflow_commands()
    formats = {c[c.index("--format") + 1] for c in commands if c[0] == "gate"}
    assert formats == {"github", "junit", "markdown"}
    assert any(c[:2] == ["diff", "--from"] and c[2].startswith("git:origin/") for c in commands)
    assert any(c[:2] == ["migrate", "upgrade"] for c in commands)
    for args in commands:
        _parse(args)  # every option and choice exists in the real CLI
    with pytest.raises(UsageError):
        _parse(["gate", "--format", "sarif"])  # the parser does reject what the CLI rejects
