"""``schemaguard render``: the master as DDL for a dialect."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from schemaguard.cli.commands.options import DialectName, OutOpt
from schemaguard.cli.context import STATE


def render(
    dialect: Annotated[DialectName, typer.Option("--dialect", "-d", help="Target dialect.")] = DialectName.postgresql,
    out: OutOpt = None,
    master: Annotated[str | None, typer.Option("--master", help="Schema file to render (default: configured master).")] = None,
) -> int:
    """Print complete, ordered DDL (types, tables, indexes, foreign keys) for the master schema."""
    from schemaguard import api

    cfg = STATE.config()
    schema = api.load_master(cfg, master)
    statements = api.render(schema, dialect.value)
    text = f"-- schemaguard render --dialect {dialect.value}: {master or cfg.master}\n" + "".join(s + ";\n\n" for s in statements)
    if out:
        Path(out).write_text(text, encoding="utf-8")
        STATE.err_console().print(f"wrote {len(statements)} statements to {out}")
    else:
        typer.echo(text, nl=False)
    return 0
