"""Human output with rich: tables, colours and symbols in a terminal, plain text when piped."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from schemaguard.diff.changes import DiffReport

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
_SYMBOL = {"error": "✗", "warning": "!", "info": "i"}


_MIN_DETAILS = 24
"""Narrowest useful details column; below it the table gives way to one change per line."""


def print_diff(report: DiffReport, console: Console, *, quiet: bool = False, sql: bool = True) -> None:
    """Print a diff report: a table of changes (one row per change) and a summary line; ``quiet`` prints only
    errors and the summary; ``sql=False`` leaves the planned SQL out (``diff --sql`` prints it apart, see
    :func:`render_sql_script`).

    Names are never cut: table, object and kind columns do not wrap, the details column wraps, and when the
    console is too narrow for that (80 columns and long names) each change is printed on its own line.
    Every name and message is escaped: a column called ``[/nope]`` is text, not markup.
    """
    changes = [c for c in report.changes if not quiet or c.severity.value == "error"]
    if not quiet:
        console.print(
            f"desired: [bold]{escape(report.desired)}[/]  actual: [bold]{escape(report.actual)}[/]  "
            f"dialect: {escape(report.dialect)}",
            highlight=False,
            soft_wrap=True,  # a long path or URL runs on, never broken inside
        )
        if report.ignored:
            console.print(f"ignored tables: {', '.join(report.ignored)}", style="dim", highlight=False, markup=False)
    if changes:
        widths = [
            max(len(c.kind.value) for c in changes),
            max(len(c.table or "") for c in changes),
            max(len(c.object or "") for c in changes),
        ]
        # 5 columns: borders and padding take 3 cells each, plus the closing border; the symbol takes 1.
        if 1 + sum(widths) + _MIN_DETAILS + 16 <= console.width:
            table = Table(show_header=True, header_style="bold", expand=False)
            table.add_column("", no_wrap=True)
            table.add_column("kind", no_wrap=True, min_width=widths[0])
            table.add_column("table", no_wrap=True, min_width=widths[1])
            table.add_column("object", no_wrap=True, min_width=widths[2])
            table.add_column("details", overflow="fold", min_width=_MIN_DETAILS)
            for c in changes:
                sev = c.severity.value
                table.add_row(
                    f"[{_STYLE[sev]}]{_SYMBOL[sev]}[/]",
                    c.kind.value,
                    Text(c.table or ""),
                    Text(c.object or ""),
                    Text(c.message),
                )
            console.print(table)
        else:
            for c in changes:
                sev = c.severity.value
                names = [c.table, c.object] if c.object != c.table else [c.table]
                where = ".".join(escape(n) for n in names if n)
                console.print(
                    f"[{_STYLE[sev]}]{_SYMBOL[sev]}[/] {c.kind.value} [bold]{where}[/]: {escape(c.message)}",
                    highlight=False,
                    soft_wrap=True,
                )
    if sql and report.sql is not None and not quiet:
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


def render_sql_script(statements: Sequence[str]) -> str:
    """The statements as a script for ``psql`` / ``sqlite3``: each terminated by ``;``, a blank line between
    them (the shape of migra's output and ``prisma migrate diff --script``); empty when there are none."""
    return "".join(stmt.rstrip().removesuffix(";") + ";\n\n" for stmt in statements).removesuffix("\n")
