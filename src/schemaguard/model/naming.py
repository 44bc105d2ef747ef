"""Default constraint and index names, following PostgreSQL's own convention (which Prisma also uses).

Source: PostgreSQL ``makeObjectName()`` in src/backend/commands/indexcmds.c — ``{table}_{columns}_{label}``
with labels ``pkey``, ``key`` (unique), ``idx``, ``fkey``, ``check``; names are clipped to NAMEDATALEN-1 = 63
bytes by shortening the longer of the table part and the column part first. Prisma documents the same
scheme: https://www.prisma.io/docs/orm/prisma-schema/data-model/database-mapping#constraint-and-index-names
"""

from __future__ import annotations

from collections.abc import Sequence

MAX_IDENTIFIER_BYTES = 63
"""PostgreSQL's NAMEDATALEN - 1: longer identifiers are truncated by the server."""


def _clip(text: str, nbytes: int) -> str:
    # Clip to a byte budget without splitting a multi-byte UTF-8 character (pg_mbcliplen).
    out = text.encode("utf-8")[:nbytes]
    return out.decode("utf-8", errors="ignore")


def make_object_name(table: str, columns: Sequence[str], label: str) -> str:
    """Build ``{table}_{col1}_{col2}_{label}`` clipped to 63 bytes exactly as PostgreSQL does.

    Args:
        table: the table name.
        columns: column names (empty for a table-level name like ``{table}_pkey``).
        label: ``pkey``, ``key``, ``idx``, ``fkey`` or ``check``.

    Returns:
        The name, at most 63 bytes of UTF-8.
    """
    # ``sales.orders``: PostgreSQL names from the relation, never its schema. Keys split at the first dot, so
    # ``public.t.x`` is the relation "t.x" (docs/master-format.md), named ``t.x_pkey`` by PostgreSQL.
    table = table.partition(".")[2] or table
    name2 = "_".join(columns) if columns else ""
    n1 = len(table.encode())
    n2 = len(name2.encode())
    overhead = len(label) + 1 + (1 if name2 else 0)
    avail = MAX_IDENTIFIER_BYTES - overhead
    while n1 + n2 > avail:
        if n1 > n2:
            n1 -= 1
        else:
            n2 -= 1
    parts = [_clip(table, n1)]
    if name2:
        parts.append(_clip(name2, n2))
    parts.append(label)
    return "_".join(parts)


def primary_key_name(table: str) -> str:
    """``{table}_pkey``."""
    return make_object_name(table, (), "pkey")


def unique_name(table: str, columns: Sequence[str]) -> str:
    """``{table}_{cols}_key``."""
    return make_object_name(table, columns, "key")


def index_name(table: str, columns: Sequence[str]) -> str:
    """``{table}_{cols}_idx``."""
    return make_object_name(table, columns, "idx")


def foreign_key_name(table: str, columns: Sequence[str]) -> str:
    """``{table}_{cols}_fkey``."""
    return make_object_name(table, columns, "fkey")


def check_name(table: str, columns: Sequence[str]) -> str:
    """``{table}_{cols}_check``."""
    return make_object_name(table, columns, "check")
