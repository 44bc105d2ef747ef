"""Human output with rich: tables, colours and symbols in a terminal, plain text when piped."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from schemaguard.diff.changes import DiffReport

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
_SYMBOL = {"error": "✗", "warning": "!", "info": "i"}


def print_diff(report: DiffReport, console: Console, *, quiet: bool = False) -> None:
    """Print a diff report: a table of changes (one row per change) and a summary line; ``quiet`` prints only
    errors and the summary."""
    changes = [c for c in report.changes if not quiet or c.severity.value == "error"]
    if not quiet:
        console.print(
            f"desired: [bold]{report.desired}[/]  actual: [bold]{report.actual}[/]  dialect: {report.dialect}",
            highlight=False,
        )
        if report.ignored:
            console.print(f"ignored tables: {', '.join(report.ignored)}", style="dim", highlight=False)
    if changes:
        table = Table(show_header=True, header_style="bold", expand=False)
        table.add_column("", no_wrap=True)
        table.add_column("kind", no_wrap=True)
        table.add_column("table")
        table.add_column("object")
        table.add_column("details")
        for c in changes:
            sev = c.severity.value
            table.add_row(f"[{_STYLE[sev]}]{_SYMBOL[sev]}[/]", c.kind.value, c.table or "", c.object or "", c.message)
        console.print(table)
    if report.sql is not None and not quiet:
        if report.sql:
            console.print("\n-- SQL to bring the actual schema to the desired one:", style="dim")
            for stmt in report.sql:
                console.print(stmt + ";", highlight=False, markup=False, soft_wrap=True)
        else:
            console.print("-- no statements needed", style="dim")
    if report.coverage is not None and not quiet:
        # What was and was not compared: one line (issue 14; diff/coverage.py).
        style = "yellow" if report.coverage.not_compared_total else "dim"
        console.print(report.coverage.summary_line(), style=style, highlight=False, markup=False, soft_wrap=True)
    s = report.summary()
    if report.drift:
        console.print(
            f"[bold red]drift:[/] {len(report.changes)} differences ({s['error']} errors, {s['warning']} warnings, {s['info']} info)",
            highlight=False,
        )
    else:
        console.print("[bold green]✓ no drift[/]", highlight=False)
