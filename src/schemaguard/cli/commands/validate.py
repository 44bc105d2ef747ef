"""``schemaguard validate``: the master against the house rules (named, configurable, with severities)."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated

import typer

from schemaguard.cli.context import STATE


class ValidateFormat(StrEnum):
    table = "table"
    json = "json"


def validate(
    master: Annotated[str | None, typer.Option("--master", help="Schema file (default: configured master).")] = None,
    fmt: Annotated[ValidateFormat, typer.Option("--format", "-f", help="Output format.")] = ValidateFormat.table,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="List info findings too (by default they are counted per rule).")
    ] = False,
) -> int:
    """Load the master and check it against the house rules; exit 1 on an error-level finding."""
    from rich.table import Table
    from rich.text import Text

    from schemaguard import api
    from schemaguard.rules import RulesConfig, has_errors, validate_schema

    cfg = STATE.config()
    schema, info = api.load_master_with_info(cfg, master)
    rules_cfg = RulesConfig.from_mapping(getattr(cfg, "rules", None))
    findings = validate_schema(schema, rules_cfg, info=info)
    failed = has_errors(findings)
    if fmt is ValidateFormat.json:
        typer.echo(
            json.dumps(
                {"master": master or cfg.master, "ok": not failed, "findings": [f.to_dict() for f in findings]},
                indent=2,
            )
        )
        return 1 if failed else 0
    console = STATE.console()
    # Errors and warnings are the findings to act on; info findings (198 of 222 on the example master) are
    # counted per rule unless --verbose asks for each.
    levels = ("error",) if STATE.quiet else ("error", "warning", "info") if verbose else ("error", "warning")
    shown = [f for f in findings if f.severity.value in levels]
    if shown:
        table = Table(header_style="bold")
        for col in ("severity", "rule", "table", "object", "message", "where"):
            table.add_column(col, overflow="fold")
        for f in shown:
            style = {"error": "red", "warning": "yellow"}.get(f.severity.value, "cyan")
            table.add_row(
                f"[{style}]{f.severity.value}[/]",
                Text(f.rule),
                Text(f.table or ""),
                Text(f.object or ""),
                Text(f.message),
                Text(str(f.location or "")),
            )
        console.print(table)
    hidden = [f for f in findings if f.severity.value not in levels]
    if hidden and not STATE.quiet:
        per_rule: dict[str, int] = {}
        for f in hidden:
            per_rule[f.rule] = per_rule.get(f.rule, 0) + 1
        rules = ", ".join(f"{rule} ({n})" for rule, n in sorted(per_rule.items()))
        console.print(
            f"{len(hidden)} {' and '.join(sorted({f.severity.value for f in hidden}))} finding(s) not shown: {rules};"
            " --verbose lists them",
            style="dim",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
    counts = {s: sum(1 for f in findings if f.severity.value == s) for s in ("error", "warning", "info")}
    verdict = "[red]✗ validation failed[/]" if failed else "[green]✓ validation passed[/]"
    console.print(
        f"{verdict}: {counts['error']} errors, {counts['warning']} warnings, {counts['info']} info", highlight=False
    )
    return 1 if failed else 0


def register(app: typer.Typer) -> None:
    """Add ``validate`` to the app."""
    app.command("validate")(validate)
