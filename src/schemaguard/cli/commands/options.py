"""Reusable option declarations (Annotated aliases) shared by commands."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer


class DialectName(StrEnum):
    sqlite = "sqlite"
    postgresql = "postgresql"


class ReportFormat(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"


TargetOpt = Annotated[str | None, typer.Option("--target", "-t", help="A target named in the configuration.")]
UrlOpt = Annotated[str | None, typer.Option("--url", help="Database URL (sqlite:///file.db, postgresql://...).")]
NamespaceOpt = Annotated[
    str | None,
    typer.Option(
        "--schema",
        help="PostgreSQL schemas to inspect: one name, or names and glob patterns separated by commas "
        "(!pattern leaves out); default: every user schema.",
    ),
]


def check_out_path(value: str | None) -> str | None:
    """Option callback for ``--out``: refuse, before any work, a path that is a directory or whose folder does
    not exist, so a command never runs (or half-writes) only to fail at the end.

    Raises:
        ConfigError: the path cannot be written as a file (names the path).
    """
    if value is None:
        return None
    from pathlib import Path

    from schemaguard.errors import ConfigError

    p = Path(value)
    if p.is_dir():
        raise ConfigError(f"--out {value}: is a directory; name a file")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise ConfigError(f"--out {value}: folder {parent} does not exist")
    return value


OutOpt = Annotated[
    str | None,
    typer.Option("--out", "-o", callback=check_out_path, help="Write to this file instead of stdout."),
]
