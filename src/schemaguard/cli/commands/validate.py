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
) -> int:
    """Load the master and check it against the house rules; exit 1 on an error-level finding."""
    from rich.table import Table

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
    shown = [f for f in findings if not STATE.quiet or f.severity.value == "error"]
    if shown:
        table = Table(header_style="bold")
        for col in ("severity", "rule", "table", "object", "message", "where"):
            table.add_column(col)
        for f in shown:
            style = {"error": "red", "warning": "yellow"}.get(f.severity.value, "cyan")
            table.add_row(
                f"[{style}]{f.severity.value}[/]",
                f.rule,
                f.table or "",
                f.object or "",
                f.message,
                str(f.location or ""),
            )
        console.print(table)
    counts = {s: sum(1 for f in findings if f.severity.value == s) for s in ("error", "warning", "info")}
    verdict = "[red]✗ validation failed[/]" if failed else "[green]✓ validation passed[/]"
    console.print(
        f"{verdict}: {counts['error']} errors, {counts['warning']} warnings, {counts['info']} info", highlight=False
    )
    return 1 if failed else 0


def register(app: typer.Typer) -> None:
    """Add ``validate`` to the app."""
    app.command("validate")(validate)
