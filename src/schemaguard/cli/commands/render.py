"""``schemaguard render``: the master as DDL or as a Prisma schema variant for a dialect; ``--check`` for CI."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from schemaguard.cli.commands.options import DialectName, OutOpt
from schemaguard.cli.context import STATE
from schemaguard.model import NotCompared, Schema


class RenderFormat(StrEnum):
    sql = "sql"
    prisma = "prisma"


_PRISMA_KINDS = frozenset(("view", "extension", "schema"))
"""Object kinds a Prisma schema holds (``view`` blocks, ``extensions`` and ``schemas`` of the datasource,
https://www.prisma.io/docs/orm/reference/prisma-schema-reference); the writer leaves out every other kind."""


def not_rendered(schema: Schema, dialect: str, fmt: str = "sql") -> list[str]:
    """One line per part of ``schema`` the ``dialect``'s DDL leaves out, with the count, reason and names.

    The parts are what :meth:`~schemaguard.dialects.base.Dialect.supported` moves to ``not_compared`` (object
    kinds the dialect has no such objects of, and what ``dialects/<name>/diff.py: not_stored`` says the
    adaptation drops: SQLite a PostgreSQL function default or collation, PostgreSQL a default on a serial,
    identity or generated column). The same entries are the diff report's coverage, so ``render`` and ``diff``
    name the same things. Entries the master already carried (the loader's) are not render drops and are left
    to the diff report.

    With ``fmt`` ``prisma`` the objects the dialect holds but a Prisma schema cannot (functions, triggers,
    domains...: every kind but :data:`_PRISMA_KINDS`) are named too.

    Args:
        schema: the master as loaded.
        dialect: a dialect name.
        fmt: ``sql`` or ``prisma``.

    Returns:
        ``not rendered for postgresql: 2 column defaults (reason): t.id, t.n`` lines; empty when nothing is left
        out.
    """
    from schemaguard.dialects import get_dialect
    from schemaguard.diff.coverage import plural

    d = get_dialect(dialect)
    held = d.supported(schema)
    entries = held.not_compared[len(schema.not_compared) :]
    lines = []
    if fmt == "prisma":
        by_kind: dict[str, list[str]] = {}
        for o in held.objects:
            if o.kind.value not in _PRISMA_KINDS:
                by_kind.setdefault(o.kind.value, []).append(o.name if not o.table else f"{o.table}.{o.name}")
        for kind, names in by_kind.items():
            entries += (NotCompared(kind, "a Prisma schema has no such objects", tuple(sorted(names))),)
    for e in entries:
        shown = ", ".join(e.names[:20]) + (f" and {len(e.names) - 20} more" if len(e.names) > 20 else "")
        lines.append(f"not rendered for {d.name}: {len(e.names)} {plural(e.what, len(e.names))} ({e.reason}): {shown}")
    return lines


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
        loaded = api.load_master(cfg) if results else None
        for r in results:
            if STATE.quiet and r.status == "ok":
                continue
            mark = "[green]✓[/]" if r.status == "ok" else ("[yellow]↻ rewritten[/]" if write_all else "[red]✗[/]")
            console.print(f"{mark} {escape(str(r.path))} ({r.dialect}, {r.format}): {r.status}", highlight=False)
            if loaded is not None:
                for line in not_rendered(loaded, r.dialect, r.format):
                    console.print(f"  {line}", style="yellow", markup=False, highlight=False)
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
    # Never silent: what the dialect (or a Prisma schema) cannot hold is named on stderr; stdout stays clean.
    for line in not_rendered(schema, name, fmt.value):
        STATE.err_console().print(line, style="yellow", markup=False, highlight=False, soft_wrap=True)
    if out:
        Path(out).write_text(text, encoding="utf-8")
        STATE.err_console().print(f"wrote {out}", markup=False, highlight=False)
    else:
        typer.echo(text, nl=False)
    return 0
