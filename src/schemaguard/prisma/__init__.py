"""Prisma schema support: parse ``.prisma`` files, load them into the model, write Prisma schemas back.

- :func:`~schemaguard.prisma.parser.parse_prisma` — text → AST (:mod:`schemaguard.prisma.ast`).
- :func:`~schemaguard.prisma.loader.load_prisma` / :func:`~schemaguard.prisma.loader.load_prisma_with_info` —
  file(s) → :class:`~schemaguard.model.Schema` (+ :class:`~schemaguard.prisma.info.PrismaSchemaInfo`).
- :func:`~schemaguard.prisma.writer.render_prisma` — Schema → Prisma schema text for postgresql or sqlite.
"""

from schemaguard.prisma.info import PrismaSchemaInfo
from schemaguard.prisma.loader import (
    PrismaLoad,
    load_prisma,
    load_prisma_files,
    load_prisma_files_with_info,
    load_prisma_with_info,
)
from schemaguard.prisma.parser import parse_prisma
from schemaguard.prisma.writer import render_prisma

__all__ = [
    "PrismaLoad",
    "PrismaSchemaInfo",
    "load_prisma",
    "load_prisma_files",
    "load_prisma_files_with_info",
    "load_prisma_with_info",
    "parse_prisma",
    "render_prisma",
]
