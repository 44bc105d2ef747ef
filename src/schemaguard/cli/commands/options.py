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
NamespaceOpt = Annotated[str | None, typer.Option("--schema", help="PostgreSQL schema (namespace) to inspect.")]
OutOpt = Annotated[str | None, typer.Option("--out", "-o", help="Write to this file instead of stdout.")]
