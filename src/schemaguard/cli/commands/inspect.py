"""``schemaguard inspect``: a live database as a master file (bootstrap a master from an existing database)."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from schemaguard.cli.commands.options import NamespaceOpt, OutOpt, TargetOpt, UrlOpt
from schemaguard.cli.context import STATE


class InspectFormat(StrEnum):
    yaml = "yaml"
    json = "json"
    prisma = "prisma"


def inspect(
    url: UrlOpt = None,
    target: TargetOpt = None,
    fmt: Annotated[InspectFormat, typer.Option("--format", "-f", help="Output format.")] = InspectFormat.yaml,
    namespace: NamespaceOpt = None,
    out: OutOpt = None,
) -> int:
    """Read a live SQLite or PostgreSQL database (read-only) and write its schema in the master format."""
    from schemaguard import api

    cfg = STATE.config()
    resolved, ns = cfg.resolve_url(target, url)
    schema, _ = api.filter_ignored(api.inspect_url(resolved, namespace or ns, **api.schema_selection(cfg)), cfg)
    from schemaguard.diff.coverage import inspect_coverage

    coverage = inspect_coverage(schema)
    if fmt is not InspectFormat.prisma:
        from schemaguard.db import dialect_name
        from schemaguard.normalize import to_master_syntax

        # A master's expressions are PostgreSQL SQL (docs/master-format.md): SQLite's are rewritten.
        schema = to_master_syntax(schema, dialect_name(resolved))
    if fmt is InspectFormat.json:
        from schemaguard.model.serialize import schema_to_dict

        doc = schema_to_dict(schema) | {"coverage": coverage.to_dict()}
        text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    elif fmt is InspectFormat.prisma:
        from schemaguard.db import dialect_name
        from schemaguard.prisma.writer import render_prisma

        text = render_prisma(schema, dialect_name(resolved))
    else:
        from schemaguard.loaders.yaml_master import dump_yaml_master

        text = dump_yaml_master(schema)
    # Never silent (issue 14): say what was read and what was left out, on stderr so the output stays a master.
    err = STATE.err_console()
    err.print(
        coverage.summary_line("inspected"),
        style="yellow" if coverage.not_compared_total else "dim",
        highlight=False,
        markup=False,
    )
    own = [o for o in schema.objects if o.kind.value != "extension"]  # extensions are database-wide
    if not schema.tables and not own and coverage.not_compared_total:
        err.print("warning: no tables in the inspected schemas; the objects above live elsewhere (use --schema)")
    if out:
        Path(out).write_text(text, encoding="utf-8")
        STATE.err_console().print(f"wrote {len(schema.tables)} tables to {out}", markup=False, highlight=False)
    else:
        typer.echo(text, nl=False)
    return 0
