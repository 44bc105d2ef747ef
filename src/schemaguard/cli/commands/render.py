"""``schemaguard render``: the master as DDL or as a Prisma schema variant for a dialect; ``--check`` for CI."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from schemaguard.cli.commands.options import DialectName, OutOpt
from schemaguard.cli.context import STATE


class RenderFormat(StrEnum):
    sql = "sql"
    prisma = "prisma"


def render(
    dialect: Annotated[
        DialectName | None, typer.Option("--dialect", "-d", help="Target dialect (default: `dialect` in the config).")
    ] = None,
    fmt: Annotated[
        RenderFormat, typer.Option("--format", "-f", help="sql (DDL) or prisma (a schema variant).")
    ] = RenderFormat.sql,
    out: OutOpt = None,
    master: Annotated[
        str | None, typer.Option("--master", help="Schema file to render (default: configured master).")
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Exit 1 if a configured rendered file is stale or missing.")
    ] = False,
    write_all: Annotated[bool, typer.Option("--all", help="(Re)write every configured rendered file.")] = False,
) -> int:
    """Print complete, ordered DDL (types, tables, indexes, foreign keys) or a Prisma variant of the master."""
    from schemaguard import api

    cfg = STATE.config()
    if check or write_all:
        from rich.markup import escape

        results = api.check_rendered(cfg, write=write_all)
        console = STATE.console()
        bad = [r for r in results if r.status != "ok"]
        for r in results:
            if STATE.quiet and r.status == "ok":
                continue
            mark = "[green]✓[/]" if r.status == "ok" else ("[yellow]↻ rewritten[/]" if write_all else "[red]✗[/]")
            console.print(f"{mark} {escape(str(r.path))} ({r.dialect}, {r.format}): {r.status}", highlight=False)
        if check and bad and not write_all:
            console.print(
                f"[red]{len(bad)} rendered file(s) out of date:[/] run `schemaguard render --all`", highlight=False
            )
            return 1
        return 0
    schema, info = api.load_master_with_info(cfg, master)
    from schemaguard.dialects import get_dialect

    name = dialect.value if dialect is not None else get_dialect(cfg.dialect).name
    text = api.render_text(schema, name, fmt.value, info=info, label=master or cfg.master)
    if out:
        Path(out).write_text(text, encoding="utf-8")
        STATE.err_console().print(f"wrote {out}", markup=False, highlight=False)
    else:
        typer.echo(text, nl=False)
    return 0
