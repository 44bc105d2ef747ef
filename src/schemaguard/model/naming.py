"""Default constraint and index names, following PostgreSQL's own convention (which Prisma also uses).

Source: PostgreSQL ``makeObjectName()`` in src/backend/commands/indexcmds.c — ``{table}_{columns}_{label}``
with labels ``pkey``, ``key`` (unique), ``idx``, ``fkey``, ``check``; names are clipped to NAMEDATALEN-1 = 63
bytes by shortening the longer of the table part and the column part first. Prisma documents the same
scheme: https://www.prisma.io/docs/orm/prisma-schema/data-model/database-mapping#constraint-and-index-names
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

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
    table = key_name(table)
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


# --- Object keys --------------------------------------------------------------------------------------------------
#
# Every table, enum and object of the model is keyed by one string: its bare name in the default schema, else
# ``schema.name``. The key splits at its FIRST dot, so the name part may hold dots (``public.audit.log`` is the
# relation "audit.log" in public) and a name holding a dot is always written with its schema. A schema part holding
# a dot or a double quote is written as a PostgreSQL quoted identifier (``"my.s".t``, ``"a""b".t``: the name
# between double quotes, an embedded double quote doubled), so that it cannot be mistaken for a schema "my" and a
# relation "s.t". Source: https://www.postgresql.org/docs/15/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS


def _needs_quotes(schema: str) -> bool:
    return "." in schema or '"' in schema


def qualify(schema: str | None, name: str, default: str | None = None) -> str:
    """The model key of object ``name`` in ``schema``; the one builder of keys (see :func:`split_key`).

    Args:
        schema: the object's schema; ``None`` means the default schema.
        name: the object's own name, verbatim (it may hold dots and quotes).
        default: the default schema of this model (``public``, or the one schema inspected); an object in it is
            keyed by its bare name unless that name holds a dot or starts with a double quote.

    Returns:
        ``name``, ``schema.name`` or ``"sch.ema".name`` (a schema part holding ``.`` or ``"`` double-quoted with
        ``"`` doubled, PostgreSQL's identifier syntax:
        https://www.postgresql.org/docs/15/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS).

    Raises:
        ValueError: ``schema`` is ``None`` (or the default) while ``name`` holds a dot or starts with ``"`` and no
            ``default`` names the schema to write: such a bare key would not split back to the same pair.
    """
    if schema is None or schema == default:
        if "." not in name and not name.startswith('"'):
            return name
        if schema is None:
            if default is None:
                raise ValueError(f"the name {name!r} holds a dot: its key needs the schema it lives in")
            schema = default
    part = '"' + schema.replace('"', '""') + '"' if _needs_quotes(schema) else schema
    return f"{part}.{name}"


def split_key(key: str) -> tuple[str | None, str]:
    """Split a model key into ``(schema, name)``; the inverse of :func:`qualify`.

    Args:
        key: ``name`` (default schema), ``schema.name`` (split at the first dot: the name may hold dots) or
            ``"sch.ema".name`` (a double-quoted schema part, ``""`` inside standing for one ``"``).

    Returns:
        ``(None, name)`` for a key without a schema part, else ``(schema, name)``. A key starting with ``"`` that
        is not a complete quoted identifier followed by a dot is a bare name.
    """
    if key.startswith('"'):
        i = 1
        while True:
            j = key.find('"', i)
            if j < 0:
                return None, key
            if key.startswith('""', j):
                i = j + 2
                continue
            if key.startswith(".", j + 1) and j + 2 < len(key):
                return key[1:j].replace('""', '"'), key[j + 2 :]
            return None, key
    schema, dot, name = key.partition(".")
    return (schema, name) if dot and schema and name else (None, key)


def key_schema(key: str, default: str | None = None) -> str | None:
    """The schema part of ``key`` (see :func:`split_key`), or ``default`` when the key has none."""
    schema = split_key(key)[0]
    return default if schema is None else schema


def key_name(key: str) -> str:
    """The object's own name in ``key`` (see :func:`split_key`): ``t.x`` for ``public.t.x``, ``t`` for ``"my.s".t``."""
    return split_key(key)[1]


def key_schemas(keys: Iterable[str]) -> tuple[set[str], set[str]]:
    """The schemas named by model keys, as ``(certain, maybe_default)``.

    Args:
        keys: table, enum and object keys (a routine's ``name(args)`` is split on the part before ``(``, so a
            type ``sales.money`` among its arguments names no schema).

    Returns:
        ``certain``: schemas of keys ``schema.name`` whose name holds no dot, which only a schema other than the
        default is written with; ``maybe_default``: schemas of keys whose name holds a dot, written with their
        schema even in the default one (``public.audit.log``), so they may name the default schema, which
        neither the inspector nor a master lists as a schema object.
    """
    certain: set[str] = set()
    maybe: set[str] = set()
    for key in keys:
        schema, name = split_key(key.partition("(")[0])
        if schema is not None:
            (maybe if "." in name else certain).add(schema)
    return certain, maybe
