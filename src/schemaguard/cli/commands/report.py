"""``schemaguard report merge``: join the JSON reports of a sharded fleet run into one verdict; and the one
place that prints a fleet document in every format (used by ``diff --targets-file`` too)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from schemaguard.cli.commands.options import ReportFormat
from schemaguard.cli.context import STATE
from schemaguard.errors import ConfigError


def emit_fleet(doc: dict[str, Any], fmt: ReportFormat, sql: bool) -> int:
    """Print a fleet document and return its exit code.

    JSON and Markdown hold the per-target SQL themselves (when it was planned). In table format with ``sql``,
    the SQL alone goes to stdout (``... --sql | psql`` works) and the table to stderr.
    """
    from schemaguard.report import fleet_report

    if fmt is ReportFormat.json:
        typer.echo(fleet_report.render_fleet_json(doc))
    elif fmt is ReportFormat.markdown:
        typer.echo(fleet_report.render_fleet_markdown(doc), nl=False)
    elif sql:
        fleet_report.render_fleet_table(doc, STATE.err_console())
        typer.echo(fleet_report.render_fleet_sql(doc), nl=False)
    else:
        fleet_report.render_fleet_table(doc, STATE.console())
    return fleet_report.exit_code(doc)


def merge(
    files: Annotated[list[Path], typer.Argument(help="JSON reports: fleet shards or single diffs.")],
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f", help="Report format.")] = ReportFormat.table,
    sql: Annotated[bool, typer.Option("--sql", help="Table format: print the targets' planned SQL.")] = False,
) -> int:
    """Merge the JSON reports of a sharded fleet run (diff --targets-file F --shard K/N --format json)
    into one report. Exit 0 = no drift anywhere, 1 = drift, 2 = a target failed or a report is unreadable."""
    from schemaguard.report.fleet_report import merge_fleet_documents

    docs: list[tuple[str, Any]] = []
    for path in files:
        try:
            docs.append((str(path), json.loads(path.read_text(encoding="utf-8"))))
        except OSError as exc:
            raise ConfigError(f"cannot read report {path}: {exc.strerror}") from None
        except (UnicodeDecodeError, ValueError) as exc:
            raise ConfigError(f"{path}: not a JSON report ({exc})") from None
    return emit_fleet(merge_fleet_documents(docs), fmt, sql)


def register(app: typer.Typer) -> None:
    """Add the ``report`` command group to the app."""
    group = typer.Typer(help="Work with saved reports.", no_args_is_help=True)
    group.command("merge")(merge)
    app.add_typer(group, name="report")
