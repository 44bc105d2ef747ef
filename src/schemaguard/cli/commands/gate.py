"""``schemaguard gate``: go / no-go before a deploy."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from schemaguard.cli.commands.options import TargetOpt, UrlOpt, check_out_path
from schemaguard.cli.context import STATE


class GateFormat(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"
    junit = "junit"
    github = "github"


def gate(
    target: TargetOpt = None,
    url: UrlOpt = None,
    fmt: Annotated[GateFormat, typer.Option("--format", "-f", help="Report format.")] = GateFormat.table,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail the gate too.")] = False,
    strict_coverage: Annotated[
        bool,
        typer.Option(
            "--strict-coverage",
            help="The drift check fails when anything present was not compared (as diff --strict-coverage;"
            " also gate.strict_coverage = true).",
        ),
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Table format: list every finding, info ones included.")
    ] = False,
    out: Annotated[
        str | None,
        typer.Option("--out", "-o", callback=check_out_path, help="Also write the report to this file."),
    ] = None,
) -> int:
    """Run every pre-deploy check (master, rendered files, migrations, drift, proofs); exit 0 only when
    nothing fails. Never changes the target database."""
    from pathlib import Path

    from schemaguard.gate import run_gate
    from schemaguard.report import gate_report as r

    report = run_gate(STATE.config(), target=target, url=url, strict=strict, strict_coverage=strict_coverage)
    if fmt is GateFormat.table:
        r.print_gate(report, STATE.console(), quiet=STATE.quiet, verbose=verbose)
        text = None
    else:
        render = {
            GateFormat.json: r.render_gate_json,
            GateFormat.markdown: r.render_gate_markdown,
            GateFormat.junit: r.render_gate_junit,
            GateFormat.github: r.render_gate_github,
        }[fmt]
        text = render(report)
        typer.echo(text, nl=False)
    if out:
        Path(out).write_text(text if text is not None else r.render_gate_json(report), encoding="utf-8")
    if report.exit_code == 2:
        from rich.markup import escape

        # The report says which checks could not run; stderr says why in the one line CI shows.
        failed = [c for c in report.checks if c.unreachable]
        names = ", ".join(c.name for c in failed)
        STATE.err_console().print(
            f"[bold red]error:[/] the gate could not run {names}: {escape(failed[0].reason)}", highlight=False
        )
    return report.exit_code


def register(app: typer.Typer) -> None:
    """Add ``gate`` to the app."""
    app.command("gate")(gate)
