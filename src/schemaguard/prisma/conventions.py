"""Prisma's own conventions: scalar and native type mapping, default names, referential-action defaults.

Everything here is data about how Prisma's schema engine turns a Prisma schema into DDL, so that a model
built by :mod:`schemaguard.prisma.loader` compares exactly with a database Prisma created. The corpus
``tests/corpus/prisma-expected/`` (DDL printed by Prisma's engine 7.10) is the oracle the tests check against.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import replace

from schemaguard.model import ColumnType, Index, IndexPart, PrimaryKey, ReferentialAction, Table, TypeKind
from schemaguard.model.naming import key_name

PROVIDERS = ("postgresql", "sqlite")
"""Datasource providers schemaguard loads (``postgres`` is accepted as an alias of ``postgresql``)."""

PROVIDER_ALIASES = {"postgresql": "postgresql", "postgres": "postgresql", "sqlite": "sqlite"}

MAX_NAME_BYTES = {"postgresql": 63, "sqlite": 10000}
"""Longest constraint/index name Prisma generates per provider (its connectors' ``constraint_name_length``).
Source: prisma-engines ``psl/psl-core/src/builtin_connectors/{postgres,sqlite}_datamodel_connector.rs``."""

SCALAR_TYPES = ("String", "Boolean", "Int", "BigInt", "Float", "Decimal", "DateTime", "Json", "Bytes")
"""Prisma's scalar types. Source: https://www.prisma.io/docs/orm/reference/prisma-schema-reference#model-field-scalar-types"""

_SCALARS_PG: dict[str, ColumnType] = {
    "String": ColumnType(TypeKind.TEXT),
    "Boolean": ColumnType(TypeKind.BOOLEAN),
    "Int": ColumnType(TypeKind.INTEGER),
    "BigInt": ColumnType(TypeKind.BIGINT),
    "Float": ColumnType(TypeKind.DOUBLE),
    "Decimal": ColumnType(TypeKind.DECIMAL, precision=65, scale=30),
    "DateTime": ColumnType(TypeKind.DATETIME, precision=3),
    "Json": ColumnType(TypeKind.JSON, binary=True),
    "Bytes": ColumnType(TypeKind.BYTES),
}
"""Default PostgreSQL type of each scalar: text, boolean, integer, bigint, double precision, decimal(65,30),
timestamp(3), jsonb, bytea. Source: https://www.prisma.io/docs/orm/overview/databases/postgresql#type-mapping-between-postgresql-and-prisma-schema"""

_SCALARS_SQLITE: dict[str, ColumnType] = {
    "String": ColumnType(TypeKind.TEXT),
    "Boolean": ColumnType(TypeKind.BOOLEAN),
    "Int": ColumnType(TypeKind.INTEGER),
    "BigInt": ColumnType(TypeKind.BIGINT),
    "Float": ColumnType(TypeKind.DOUBLE),
    "Decimal": ColumnType(TypeKind.DECIMAL),
    "DateTime": ColumnType(TypeKind.DATETIME),
    "Json": ColumnType(TypeKind.JSON, binary=True),
    "Bytes": ColumnType(TypeKind.BYTES),
}
"""SQLite: TEXT, BOOLEAN, INTEGER, BIGINT, REAL, DECIMAL, DATETIME, JSONB, BLOB (enums are TEXT).
Source: https://www.prisma.io/docs/orm/overview/databases/sqlite#type-mapping-between-sqlite-to-prisma-schema"""

SCALARS = {"postgresql": _SCALARS_PG, "sqlite": _SCALARS_SQLITE}

NATIVE_TYPES_PG: dict[str, tuple[tuple[str, ...], int]] = {
    # name: (Prisma scalars it applies to, max number of arguments)
    "Text": (("String",), 0),
    "Char": (("String",), 1),
    "VarChar": (("String",), 1),
    "Bit": (("String",), 1),
    "VarBit": (("String",), 1),
    "Uuid": (("String",), 0),
    "Xml": (("String",), 0),
    "Inet": (("String",), 0),
    "Citext": (("String",), 0),
    "Boolean": (("Boolean",), 0),
    "Integer": (("Int",), 0),
    "SmallInt": (("Int",), 0),
    "Oid": (("Int",), 0),
    "BigInt": (("BigInt",), 0),
    "DoublePrecision": (("Float",), 0),
    "Real": (("Float",), 0),
    "Decimal": (("Decimal", "Float"), 2),
    "Money": (("Decimal",), 0),
    "Timestamp": (("DateTime",), 1),
    "Timestamptz": (("DateTime",), 1),
    "Date": (("DateTime",), 0),
    "Time": (("DateTime",), 1),
    "Timetz": (("DateTime",), 1),
    "Json": (("Json",), 0),
    "JsonB": (("Json",), 0),
    "ByteA": (("Bytes",), 0),
}
"""The ``@db.*`` attributes of the PostgreSQL connector.
Source: https://www.prisma.io/docs/orm/reference/prisma-schema-reference#postgresql"""

NATIVE_TYPES = {"postgresql": NATIVE_TYPES_PG, "sqlite": {}}
"""SQLite has no ``@db.*`` attributes."""

INDEX_METHODS = {"BTree": None, "Hash": "hash", "Gist": "gist", "Gin": "gin", "SpGist": "spgist", "Brin": "brin"}
"""``@@index(type: X)`` → PostgreSQL access method (BTree is the default, stored as None).
Source: https://www.prisma.io/docs/orm/prisma-schema/data-model/indexes#configuring-the-access-type-of-indexes-with-type-postgresql"""

REFERENTIAL_ACTIONS = {
    "Cascade": ReferentialAction.CASCADE,
    "Restrict": ReferentialAction.RESTRICT,
    "NoAction": ReferentialAction.NO_ACTION,
    "SetNull": ReferentialAction.SET_NULL,
    "SetDefault": ReferentialAction.SET_DEFAULT,
}
"""Prisma's referential action names → SQL actions.
Source: https://www.prisma.io/docs/orm/prisma-schema/data-model/relations/referential-actions"""

CLIENT_SIDE_DEFAULTS = ("uuid", "cuid", "nanoid", "ulid")
"""``@default`` functions Prisma Client evaluates itself: they create no database default.
Source: https://www.prisma.io/docs/orm/reference/prisma-schema-reference#default"""


def canonical_provider(provider: str) -> str | None:
    """``postgresql``/``postgres`` → ``postgresql``, ``sqlite`` → ``sqlite``, anything else → None."""
    return PROVIDER_ALIASES.get(provider.strip().lower())


def native_type(name: str, args: Sequence[int], provider: str, scalar: str) -> ColumnType:
    """The column type of a ``@db.<name>(args)`` attribute on PostgreSQL.

    Args:
        name: the native type name after ``@db.`` (``VarChar``, ``Timestamptz``...), already validated.
        args: its integer arguments.
        provider: ``postgresql``.
        scalar: the field's Prisma scalar type (for ``Decimal`` on a Float).

    Returns:
        The ColumnType; types the model has no family for (inet, citext, xml, money, oid, bit) become NATIVE.
    """
    a = list(args)
    first = a[0] if a else None
    simple = {
        "Text": ColumnType(TypeKind.TEXT),
        "Uuid": ColumnType(TypeKind.UUID),
        "Boolean": ColumnType(TypeKind.BOOLEAN),
        "Integer": ColumnType(TypeKind.INTEGER),
        "SmallInt": ColumnType(TypeKind.SMALLINT),
        "BigInt": ColumnType(TypeKind.BIGINT),
        "DoublePrecision": ColumnType(TypeKind.DOUBLE),
        "Real": ColumnType(TypeKind.FLOAT),
        "Date": ColumnType(TypeKind.DATE),
        "Json": ColumnType(TypeKind.JSON, binary=False),
        "JsonB": ColumnType(TypeKind.JSON, binary=True),
        "ByteA": ColumnType(TypeKind.BYTES),
    }
    if name in simple:
        return simple[name]
    if name == "VarChar":
        return ColumnType(TypeKind.STRING, length=first)
    if name == "Char":
        return ColumnType(TypeKind.CHAR, length=first if first is not None else 1)
    if name == "Decimal":
        if not a:
            return ColumnType(TypeKind.DECIMAL)
        return ColumnType(TypeKind.DECIMAL, precision=a[0], scale=a[1] if len(a) > 1 else 0)
    if name in ("Timestamp", "Timestamptz"):
        return ColumnType(TypeKind.DATETIME, precision=first, timezone=name == "Timestamptz")
    if name in ("Time", "Timetz"):
        return ColumnType(TypeKind.TIME, precision=first, timezone=name == "Timetz")
    if name == "Bit":
        # Prisma writes a bare @db.Bit as BIT, which PostgreSQL reads as bit(1): "bit without a length is
        # equivalent to bit(1)" (https://www.postgresql.org/docs/current/datatype-bit.html).
        return ColumnType(TypeKind.NATIVE, native=f"bit({first if first is not None else 1})")
    # VARBIT is PostgreSQL's alias of bit varying (no length: unlimited), the spelling format_type() gives back.
    spelled = {"VarBit": "bit varying", "Xml": "xml", "Inet": "inet", "Citext": "citext", "Money": "money",
               "Oid": "oid"}[name]  # fmt: skip
    if first is not None:
        spelled += f"({first})"
    return ColumnType(TypeKind.NATIVE, native=spelled)


def bytes_default(text: str, provider: str) -> str | None:
    """The database default Prisma's schema engine writes for ``Bytes @default("<base64>")``, or None when
    ``text`` is not strict, padded, standard base64 (the engine refuses it: "... is not a valid base64 string").

    Prisma's Bytes literals are base64 (https://www.prisma.io/docs/orm/reference/prisma-client-reference#bytes).
    The engine (7.10, tests/prisma/fixtures/pf/) writes ``@default("AQID")`` as the bytea hex literal
    ``'\\x010203'`` on PostgreSQL (https://www.postgresql.org/docs/current/datatype-binary.html#DATATYPE-BINARY-BYTEA-HEX-FORMAT)
    and, on SQLite, as the hex digits in a plain string literal ``'010203'`` (not a blob literal ``X'010203'``:
    an engine quirk, kept so that a database Prisma made compares without drift).

    Args:
        text: the base64 text of the default.
        provider: ``postgresql`` or ``sqlite``.

    Returns:
        ``'\\x' + hex`` on PostgreSQL, ``hex`` on SQLite; None for invalid base64.
    """
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None
    return raw.hex() if provider == "sqlite" else "\\x" + raw.hex()


def bytes_base64(literal: str) -> str | None:
    """The base64 text of a PostgreSQL bytea hex literal (``\\x010203`` → ``AQID``), as ``prisma db pull`` writes
    it in ``@default("...")``; None when ``literal`` is not in hex format (then the default is kept as SQL).

    The inverse of :func:`bytes_default` on PostgreSQL. Source: the engine's ``db pull`` output,
    tests/prisma/fixtures/pf/bytes_bits.pulled.prisma.
    """
    match = re.fullmatch(r"\\x((?:[0-9a-fA-F]{2})*)", literal)
    return base64.b64encode(bytes.fromhex(match.group(1))).decode("ascii") if match else None


def _clip(name: str, limit: int) -> str:
    # Rust's String::truncate on bytes; identifiers are ASCII in practice, but never split a character.
    return name.encode("utf-8")[:limit].decode("utf-8", errors="ignore")


def _with_suffix(base: str, suffix: str, provider: str) -> str:
    limit = MAX_NAME_BYTES.get(provider, 63) - len(suffix)
    if len(base.encode("utf-8")) >= limit:
        base = _clip(base, limit)
    return base + suffix


def primary_key_name(table: str, provider: str = "postgresql") -> str:
    """``{table}_pkey``, the table part clipped so the name fits the provider's limit.

    Prisma clips the joined ``{table}_{columns}`` text at the end (unlike PostgreSQL's own ``makeObjectName``,
    which shortens the longer of the two parts), then appends the suffix.
    Source: https://www.prisma.io/docs/orm/prisma-schema/data-model/database-mapping#constraint-and-index-names
    and prisma-engines ``psl-core/src/common/constraint_names.rs``.
    """
    return _with_suffix(table, "_pkey", provider)


def unique_name(table: str, columns: Sequence[str], provider: str = "postgresql") -> str:
    """``{table}_{col1}_{col2}_key`` clipped as Prisma does (see :func:`primary_key_name`)."""
    return _with_suffix(f"{table}_{'_'.join(columns)}", "_key", provider)


def index_name(table: str, columns: Sequence[str], provider: str = "postgresql") -> str:
    """``{table}_{col1}_{col2}_idx`` clipped as Prisma does."""
    return _with_suffix(f"{table}_{'_'.join(columns)}", "_idx", provider)


def foreign_key_name(table: str, columns: Sequence[str], provider: str = "postgresql") -> str:
    """``{table}_{col1}_{col2}_fkey`` clipped as Prisma does."""
    return _with_suffix(f"{table}_{'_'.join(columns)}", "_fkey", provider)


def default_on_delete(optional: bool) -> ReferentialAction:
    """Prisma's default ``onDelete``: SetNull for an optional relation, Restrict for a required one.

    Source: https://www.prisma.io/docs/orm/prisma-schema/data-model/relations/referential-actions#referential-action-defaults
    """
    return ReferentialAction.SET_NULL if optional else ReferentialAction.RESTRICT


DEFAULT_ON_UPDATE = ReferentialAction.CASCADE
"""Prisma's default ``onUpdate`` for every relation.
Source: https://www.prisma.io/docs/orm/prisma-schema/data-model/relations/referential-actions#referential-action-defaults"""


def implicit_m2m_names(relation: str, provider: str) -> dict[str, str]:
    """Table, key and index names of an implicit many-to-many relation table ``_{relation}``.

    PostgreSQL gets a primary key ``_{relation}_AB_pkey`` (Prisma 5+), SQLite a unique index
    ``_{relation}_AB_unique``; both get the index ``_{relation}_B_index`` and foreign keys ``_{relation}_A_fkey``
    / ``_{relation}_B_fkey`` that cascade. Column ``A`` references the model whose name sorts first.
    Source: https://www.prisma.io/docs/orm/prisma-schema/data-model/relations/many-to-many-relations#conventions-for-relation-tables-in-implicit-m-n-relations
    (checked against tests/corpus/prisma-expected/).
    """
    table = f"_{relation}"
    return {
        "table": table,
        "pkey": f"{table}_AB_pkey",
        "unique": f"{table}_AB_unique",
        "b_index": f"{table}_B_index",
        "a_fkey": f"{table}_A_fkey",
        "b_fkey": f"{table}_B_fkey",
    }


def implicit_m2m_table(table: Table, provider: str) -> Table:
    """``table`` (an implicit many-to-many table ``_{relation}``) keyed as Prisma keys it for ``provider``.

    Prisma's schema engine renders the pair (A, B) as ``PRIMARY KEY`` named ``_{relation}_AB_pkey`` on PostgreSQL
    and as ``UNIQUE INDEX _{relation}_AB_unique`` on SQLite (engine 7.10, tests/corpus/prisma-expected/), so a
    PostgreSQL-provider master renders for SQLite with the unique index, and a SQLite-provider master renders for
    PostgreSQL with the primary key. Returns ``table`` unchanged when it already has that form or is not shaped
    like such a table. ``table.name`` may be schema-qualified (``ns._AToB``).
    """
    relation = key_name(table.name)[1:]
    names = implicit_m2m_names(relation, provider)
    pair = (IndexPart(column="A"), IndexPart(column="B"))
    if provider == "sqlite":
        if table.primary_key is None or table.primary_key.columns != ("A", "B"):
            return table
        index = Index(names["unique"], pair, unique=True)
        return replace(table, primary_key=None, indexes=(index, *table.indexes))
    unique = next((ix for ix in table.indexes if ix.unique and ix.parts == pair and not ix.where), None)
    if provider != "postgresql" or table.primary_key is not None or unique is None:
        return table
    indexes = tuple(ix for ix in table.indexes if ix is not unique)
    return replace(table, primary_key=PrimaryKey(("A", "B"), names["pkey"]), indexes=indexes)


def ops_name(ops: str) -> str:
    """A named Prisma operator class (``JsonbPathOps``, ``InetOps``, ``Int4MinMaxOps``) → PostgreSQL spelling.

    Source: https://www.prisma.io/docs/orm/prisma-schema/data-model/indexes#configuring-the-access-type-of-indexes-with-type-postgresql
    """
    text = ops.replace("MinMaxMulti", "_minmax_multi").replace("MinMax", "_minmax")
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", text)
    return re.sub(r"_+", "_", text).lower().strip("_")


CAMEL_RE = re.compile(r"^[a-z][a-zA-Z0-9]*$")
"""camelCase: starts lower-case, letters and digits only."""

SNAKE_RE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
"""snake_case: lower-case words joined by single underscores."""


def to_snake(name: str) -> str:
    """``createdAt`` → ``created_at``, ``externalID`` → ``external_id``."""
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    return s.replace("-", "_").lower()


def to_camel(name: str) -> str:
    """``created_at`` → ``createdAt``; already camelCase names are kept."""
    parts = [p for p in re.split(r"[_\-\s]+", name) if p]
    if not parts:
        return name
    first = parts[0]
    first = first[0].lower() + first[1:] if first else first
    return first + "".join(p[:1].upper() + p[1:] for p in parts[1:])
