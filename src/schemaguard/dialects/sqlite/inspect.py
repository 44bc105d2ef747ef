"""SQLite introspection: a live database → :class:`~schemaguard.model.Schema`, in five bulk catalog queries.

Columns, indexes and foreign keys come from the table-valued pragma functions joined with ``sqlite_schema``, so
the number of statements does not grow with the number of tables. What the pragmas do not report (CHECK
constraints, generated-column expressions, index expressions and partial-index predicates, ``WITHOUT ROWID``)
is read from the stored ``CREATE`` text with sqlglot's SQLite tokenizer, which yields the exact source spans.
``sqlglot.parse_one`` is not used for this: it rejects valid SQLite DDL (``ON CONFLICT`` clauses, ``UNSIGNED BIG
INT``) and turns ``WITHOUT ROWID`` tables into an opaque ``Command``.

Nothing is ever written: the connection may be opened with ``mode=ro``.

Sources: https://www.sqlite.org/pragma.html#pragfunc (table-valued pragma functions),
https://www.sqlite.org/schematab.html (sqlite_schema), https://www.sqlite.org/lang_createtable.html.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise
from typing import Any

import sqlalchemy as sa
import sqlglot
from sqlglot.dialects.dialect import Dialect as SqlglotDialect
from sqlglot.tokens import Token, TokenType

from schemaguard.dialects.sqla import quote_ident
from schemaguard.errors import InspectError
from schemaguard.model import (
    Check,
    Column,
    ColumnType,
    Default,
    ForeignKey,
    Index,
    IndexPart,
    PrimaryKey,
    ReferentialAction,
    Schema,
    Table,
    TypeKind,
)
from schemaguard.model.naming import unique_name
from schemaguard.normalize import parse_default

# The schema name is an identifier and cannot be bound: it is checked against this query, then quoted into
# ``{schema}`` below. Every other value is a bound parameter (``:ns`` is the pragmas' schema argument).

# Does the attached database (schema) ``:ns`` exist?
Q_DATABASE = "SELECT name FROM pragma_database_list WHERE name = :ns"

# CREATE text of every user table (virtual ones included, to recognise their shadow tables) and named index.
Q_OBJECTS = """
SELECT m.type, m.name, m.tbl_name, m.sql
FROM {schema}.sqlite_schema AS m
WHERE m.type IN ('table', 'index') AND m.name NOT LIKE 'sqlite!_%' ESCAPE '!' AND m.sql IS NOT NULL
"""

# Every column of every ordinary table (table_xinfo also lists generated columns: hidden 2 virtual, 3 stored).
Q_COLUMNS = """
SELECT m.name AS table_name, p.cid, p.name, p.type, p."notnull", p.dflt_value, p.pk, p.hidden
FROM {schema}.sqlite_schema AS m
JOIN pragma_table_xinfo(m.name, :ns) AS p
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite!_%' ESCAPE '!' AND m.sql NOT LIKE 'CREATE VIRTUAL TABLE%'
ORDER BY m.name, p.cid
"""

# Every key part of every index of every ordinary table (key = 0 rows are the appended rowid/PK, skipped).
Q_INDEXES = """
SELECT m.name AS table_name, il.name AS index_name, il."unique", il.origin, il.partial,
       ix.seqno, ix.cid, ix.name AS column_name, ix."desc", ix.coll
FROM {schema}.sqlite_schema AS m
JOIN pragma_index_list(m.name, :ns) AS il
JOIN pragma_index_xinfo(il.name, :ns) AS ix
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite!_%' ESCAPE '!' AND m.sql NOT LIKE 'CREATE VIRTUAL TABLE%'
  AND ix.key = 1
ORDER BY m.name, il.name, ix.seqno
"""

# Every foreign-key column pair of every ordinary table; ``to`` is NULL when the parent's PK is implied.
Q_FOREIGN_KEYS = """
SELECT m.name AS table_name, f.id, f.seq, f."table" AS ref_table, f."from" AS column_name,
       f."to" AS ref_column, f.on_update, f.on_delete
FROM {schema}.sqlite_schema AS m
JOIN pragma_foreign_key_list(m.name, :ns) AS f
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite!_%' ESCAPE '!' AND m.sql NOT LIKE 'CREATE VIRTUAL TABLE%'
ORDER BY m.name, f.id DESC, f.seq
"""

SHADOW_SUFFIXES: frozenset[str] = frozenset(
    {"content", "segments", "segdir", "docsize", "stat", "data", "idx", "config", "node", "rowid", "parent"}
)
"""Suffixes of the shadow tables that FTS3/4, FTS5 and R*Tree virtual tables keep (``{vtab}_{suffix}``).
Source: https://www.sqlite.org/fts5.html#fts5_table_creation_and_initialization,
https://www.sqlite.org/fts3.html#shadow_tables, https://www.sqlite.org/rtree.html#integer_valued_r_trees"""

_PLAIN_TYPES: dict[str, ColumnType] = {
    "TEXT": ColumnType(TypeKind.TEXT),
    "CLOB": ColumnType(TypeKind.TEXT),
    "INTEGER": ColumnType(TypeKind.INTEGER),
    "INT": ColumnType(TypeKind.INTEGER),
    "MEDIUMINT": ColumnType(TypeKind.INTEGER),
    "TINYINT": ColumnType(TypeKind.SMALLINT),
    "SMALLINT": ColumnType(TypeKind.SMALLINT),
    "INT2": ColumnType(TypeKind.SMALLINT),
    "BIGINT": ColumnType(TypeKind.BIGINT),
    "INT8": ColumnType(TypeKind.BIGINT),
    "UNSIGNED BIG INT": ColumnType(TypeKind.BIGINT),
    "REAL": ColumnType(TypeKind.FLOAT),
    "FLOAT": ColumnType(TypeKind.FLOAT),
    "DOUBLE": ColumnType(TypeKind.DOUBLE),
    "DOUBLE PRECISION": ColumnType(TypeKind.DOUBLE),
    "BOOLEAN": ColumnType(TypeKind.BOOLEAN),
    "BOOL": ColumnType(TypeKind.BOOLEAN),
    "DATE": ColumnType(TypeKind.DATE),
    "JSON": ColumnType(TypeKind.JSON, binary=False),
    "JSONB": ColumnType(TypeKind.JSON, binary=True),
    "BLOB": ColumnType(TypeKind.BYTES),
    "BYTEA": ColumnType(TypeKind.BYTES),
    "UUID": ColumnType(TypeKind.UUID),
}
"""Declared type names (upper-case, single-spaced) that take no parameters, and their logical type."""

_LENGTH_TYPES: dict[str, TypeKind] = {
    "VARCHAR": TypeKind.STRING,
    "CHARACTER VARYING": TypeKind.STRING,
    "NVARCHAR": TypeKind.STRING,
    "VARYING CHARACTER": TypeKind.STRING,
    "CHAR": TypeKind.CHAR,
    "NCHAR": TypeKind.CHAR,
    "CHARACTER": TypeKind.CHAR,
}
"""Declared type names taking an optional length ``(n)``."""

_TIME_TYPES: dict[str, ColumnType] = {
    "TIME": ColumnType(TypeKind.TIME),
    "DATETIME": ColumnType(TypeKind.DATETIME),
    "TIMESTAMP": ColumnType(TypeKind.DATETIME),
    "TIMESTAMP WITHOUT TIME ZONE": ColumnType(TypeKind.DATETIME),
    "TIMESTAMPTZ": ColumnType(TypeKind.DATETIME, timezone=True),
    "TIMESTAMP WITH TIME ZONE": ColumnType(TypeKind.DATETIME, timezone=True),
}
"""Declared type names taking an optional fractional-seconds precision ``(p)``."""

_DECIMAL_TYPES = frozenset({"NUMERIC", "DECIMAL"})
"""Declared type names taking an optional ``(precision[, scale])``."""

_DECLARED_RE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_ \t\r\n]*?)\s*(?:\(\s*([^()]*?)\s*\))?\s*$")

_ROWID_TYPE = "INTEGER"
"""Only a single-column PK declared exactly ``INTEGER`` (any case) aliases the rowid; ``INT`` does not.
Source: https://www.sqlite.org/lang_createtable.html#rowid"""

_SQLGLOT_SQLITE = SqlglotDialect.get_or_raise("sqlite")


@functools.lru_cache(maxsize=4096)
def column_type(declared: str) -> ColumnType:
    """The logical type of a SQLite declared column type.

    Args:
        declared: the type text as ``pragma_table_xinfo`` reports it, e.g. ``"VARCHAR(255)"``,
            ``"decimal(10, 2)"``, ``"UNSIGNED BIG INT"``, ``""``.

    Returns:
        The mapped ColumnType (names matched case-insensitively, parameters kept); an empty declaration is
        ``NATIVE`` with ``native=""``; anything not recognised (``"INT(11)"``, ``"VARCHAR(MAX)"``, ``"GEOMETRY"``)
        is ``NATIVE`` holding the declared text verbatim, whose affinity the SQLite differ still understands.

    Source: https://www.sqlite.org/datatype3.html#affinity_name_examples
    """
    m = _DECLARED_RE.match(declared)
    if declared.strip() == "" or m is None:
        return ColumnType(TypeKind.NATIVE, native=declared.strip())
    name = " ".join(m.group(1).upper().split())
    args = m.group(2)
    params = [a.strip() for a in args.split(",")] if args is not None else []
    if not all(p.isdigit() for p in params):
        return ColumnType(TypeKind.NATIVE, native=declared.strip())
    nums = [int(p) for p in params]
    if not nums and name in _PLAIN_TYPES:
        return _PLAIN_TYPES[name]
    if name in _LENGTH_TYPES and len(nums) <= 1:
        return ColumnType(_LENGTH_TYPES[name], length=nums[0] if nums else None)
    if name in _DECIMAL_TYPES and len(nums) <= 2:
        return ColumnType(
            TypeKind.DECIMAL, precision=nums[0] if nums else None, scale=nums[1] if len(nums) > 1 else None
        )
    if name in _TIME_TYPES and len(nums) <= 1:
        base = _TIME_TYPES[name]
        return ColumnType(base.kind, precision=nums[0] if nums else None, timezone=base.timezone)
    return ColumnType(TypeKind.NATIVE, native=declared.strip())


# --- CREATE text scanning --------------------------------------------------------------------------------------


@dataclass
class TableDDL:
    """What a CREATE TABLE statement says beyond the pragmas.

    Attributes:
        checks: CHECK constraints, column-level and table-level, in source order.
        generated: column name → generation expression (source text, outer parentheses removed).
        without_rowid: the table is ``WITHOUT ROWID``.
        pk_desc: columns declared ``PRIMARY KEY DESC`` in their column definition, which SQLite does not make
            rowid aliases (Source: https://www.sqlite.org/lang_createtable.html#rowid).
        autoincrement: columns declared ``PRIMARY KEY AUTOINCREMENT`` (rowids never reused,
            Source: https://www.sqlite.org/autoinc.html).
        fk_deferral: lowercased foreign-key columns → (``DEFERRABLE``, ``INITIALLY DEFERRED``) for the foreign
            keys declared deferrable (``PRAGMA foreign_key_list`` does not report it).
            Source: https://www.sqlite.org/foreignkeys.html#fk_deferred
        collations: column name → its ``COLLATE`` name, upper-cased (SQLite matches collation names without
            regard to case), for the columns declaring one other than the default ``BINARY``. No pragma reports a
            column's collation. Source: https://www.sqlite.org/datatype3.html#collation
    """

    checks: list[Check] = field(default_factory=list)
    generated: dict[str, str] = field(default_factory=dict)
    without_rowid: bool = False
    pk_desc: set[str] = field(default_factory=set)
    autoincrement: set[str] = field(default_factory=set)
    fk_deferral: dict[tuple[str, ...], tuple[bool, bool]] = field(default_factory=dict)
    collations: dict[str, str] = field(default_factory=dict)


@dataclass
class IndexDDL:
    """What a CREATE INDEX statement says beyond the pragmas.

    Attributes:
        parts: the source text of each indexed element in order (``COLLATE``/``ASC``/``DESC`` and one level of
            enclosing parentheses removed): a column name or an expression.
        where: the partial-index predicate's source text, or None.
    """

    parts: list[str]
    where: str | None


_NOT_KEYWORDS = (TokenType.IDENTIFIER, TokenType.STRING)
_CONSTRAINT_STARTS = ("CONSTRAINT", "PRIMARY KEY", "UNIQUE", "CHECK", "FOREIGN KEY")
_COLUMN_CONSTRAINTS = (
    "PRIMARY KEY",
    "NOT NULL",
    "NOT",
    "NULL",
    "UNIQUE",
    "DEFAULT",
    "COLLATE",
    "REFERENCES",
    "GENERATED",
)


_SCAN_WORDS = frozenset(("CONSTRAINT", "CHECK", "AS", "AUTOINCREMENT", *_COLUMN_CONSTRAINTS))
"""The only keywords :func:`scan_create_table` acts on; every other token is stepped over."""


def _tokenize(sql: str, what: str) -> list[Token]:
    try:
        return _SQLGLOT_SQLITE.tokenize(sql)
    except sqlglot.errors.TokenError as exc:
        raise InspectError(f"SQLite: cannot read the CREATE statement of {what}: {exc}") from None


@functools.lru_cache(maxsize=8192)
def _keyword_text(text: str) -> str:
    return " ".join(text.upper().split())


def _kw(tok: Token, *words: str) -> bool:
    # Quoted identifiers and strings never count as keywords, however they are spelled.
    return tok.token_type not in _NOT_KEYWORDS and _keyword_text(tok.text) in words


def _closing(tokens: Sequence[Token], open_at: int, what: str) -> int:
    depth = 0
    for i in range(open_at, len(tokens)):
        if tokens[i].token_type is TokenType.L_PAREN:
            depth += 1
        elif tokens[i].token_type is TokenType.R_PAREN:
            depth -= 1
            if depth == 0:
                return i
    raise InspectError(f"SQLite: unbalanced parentheses in the CREATE statement of {what}")


def _split_list(tokens: Sequence[Token], open_at: int, what: str) -> tuple[list[list[Token]], int]:
    """The comma-separated items of the parenthesised list opening at ``tokens[open_at]``, and its closing index."""
    items: list[list[Token]] = [[]]
    depth = 0
    # One pass finds both the items and the closing parenthesis (this runs for every table with a CHECK).
    for i in range(open_at + 1, len(tokens)):
        tok = tokens[i]
        kind = tok.token_type
        if kind is TokenType.L_PAREN:
            depth += 1
        elif kind is TokenType.R_PAREN:
            if depth == 0:
                return [item for item in items if item], i
            depth -= 1
        elif kind is TokenType.COMMA and depth == 0:
            items.append([])
            continue
        items[-1].append(tok)
    raise InspectError(f"SQLite: unbalanced parentheses in the CREATE statement of {what}")


def _inner_text(sql: str, tokens: Sequence[Token], open_at: int, what: str) -> tuple[str, int]:
    """Source text between the parenthesis at ``tokens[open_at]`` and its match, and the match's index."""
    close = _closing(tokens, open_at, what)
    return sql[tokens[open_at].end + 1 : tokens[close].start].strip(), close


def _first_paren(tokens: Sequence[Token]) -> int | None:
    return next((i for i, t in enumerate(tokens) if t.token_type is TokenType.L_PAREN), None)


def scan_create_table(sql: str, table: str = "?") -> TableDDL:
    """Read CHECKs, generated-column expressions, ``WITHOUT ROWID`` and ``PRIMARY KEY DESC`` from CREATE TABLE text.

    Args:
        sql: the statement as stored in ``sqlite_schema.sql``.
        table: the table's name, for error messages.

    Returns:
        A TableDDL; expressions are the exact source text (whitespace at the ends trimmed).

    Raises:
        InspectError: the text cannot be tokenized or its parentheses do not balance.
    """
    what = f"table {table!r}"
    tokens = _tokenize(sql, what)
    out = TableDDL()
    start = _first_paren(tokens)
    if start is None:
        return out
    items, close = _split_list(tokens, start, what)
    tail = tokens[close + 1 :]
    out.without_rowid = any(_kw(a, "WITHOUT") and _kw(b, "ROWID") for a, b in pairwise(tail))
    # Only a text that spells DEFERRABLE can declare a deferrable key: the others skip the per-item scan.
    deferral = "DEFERRABLE" in sql.upper()
    for item in items:
        column = None if _kw(item[0], *_CONSTRAINT_STARTS) else item[0].text
        if deferral:
            _scan_deferral(item, column, out, what)
        pending_name: str | None = None
        k = 0 if column is None else 1
        n = len(item)
        while k < n:
            tok = item[k]
            kind = tok.token_type
            if kind is TokenType.L_PAREN:
                k = _closing(item, k, what) + 1
                continue
            # Each token's keyword text once (quoted identifiers and strings are never keywords).
            word = None if kind in _NOT_KEYWORDS else _keyword_text(tok.text)
            if word is None or word not in _SCAN_WORDS:
                k += 1
                continue
            nxt = item[k + 1] if k + 1 < n else None
            if word == "CONSTRAINT" and nxt is not None:
                pending_name = nxt.text
                k += 2
                continue
            if word == "CHECK" and nxt is not None and nxt.token_type is TokenType.L_PAREN:
                text, k = _inner_text(sql, item, k + 1, what)
                out.checks.append(Check(pending_name, text))
                pending_name = None
            elif column is not None and word == "AS" and nxt is not None and nxt.token_type is TokenType.L_PAREN:
                out.generated[column], k = _inner_text(sql, item, k + 1, what)
            elif column is not None and word == "AUTOINCREMENT":
                out.autoincrement.add(column)
            elif column is not None and word == "COLLATE" and nxt is not None:
                # ``COLLATE name``: the name is an identifier, quoted or not (the tokenizer drops the quotes).
                coll = nxt.text.upper()
                if coll == "BINARY":
                    out.collations.pop(column, None)
                else:
                    out.collations[column] = coll
                k += 2
                continue
            elif column is not None and word in _COLUMN_CONSTRAINTS:
                if word == "PRIMARY KEY" and nxt is not None and _kw(nxt, "DESC"):
                    out.pk_desc.add(column)
                pending_name = None
            k += 1
    return out


CONFLICT_PREFIX = "on_conflict."
"""Table-option keys of SQLite's constraint conflict clauses (:func:`scan_conflicts`)."""

CONFLICT_ACTIONS = frozenset(("rollback", "fail", "ignore", "replace"))
"""The conflict resolutions a constraint may declare besides the default ``ABORT`` (which is left out: a clause
``ON CONFLICT ABORT`` means the same as none). Source: https://www.sqlite.org/lang_conflict.html"""


def scan_conflicts(sql: str, table: str = "?") -> dict[str, str]:
    """The conflict clauses of a CREATE TABLE text, as table-option attributes.

    SQLite lets ``PRIMARY KEY``, ``UNIQUE`` and ``NOT NULL`` constraints (column or table level) name a conflict
    resolution (``ON CONFLICT ROLLBACK|ABORT|FAIL|IGNORE|REPLACE``; CHECK and FOREIGN KEY take none) that changes
    what an INSERT or UPDATE does on a violation (REPLACE deletes the conflicting rows). No pragma reports it.
    Source: https://www.sqlite.org/lang_conflict.html, https://www.sqlite.org/lang_createtable.html

    Args:
        sql: the statement as stored in ``sqlite_schema.sql``.
        table: the table's name, for error messages.

    Returns:
        ``{"on_conflict.primary_key": "fail", "on_conflict.not_null.<column>": "ignore",
        "on_conflict.unique.<col1>,<col2>": "replace"}``, lower-case resolutions, ``abort`` (the default) left
        out; column names as their definitions spell them; {} when the text says no ``CONFLICT``.

    Raises:
        InspectError: the text cannot be tokenized or its parentheses do not balance.
    """
    if "CONFLICT" not in sql.upper():
        return {}
    what = f"table {table!r}"
    tokens = _tokenize(sql, what)
    start = _first_paren(tokens)
    if start is None:
        return {}
    items, _ = _split_list(tokens, start, what)
    declared = {item[0].text.lower(): item[0].text for item in items if not _kw(item[0], *_CONSTRAINT_STARTS)}
    out: dict[str, str] = {}
    for item in items:
        column = None if _kw(item[0], *_CONSTRAINT_STARTS) else item[0].text
        owner: str | None = None  # the attribute key of the constraint a following ON CONFLICT belongs to
        k = 0 if column is None else 1
        while k < len(item):
            tok = item[k]
            if tok.token_type is TokenType.L_PAREN:
                close = _closing(item, k, what)
                if column is None and owner == "unique":
                    parts, _ = _split_list(item, k, what)
                    names = ",".join(declared.get(p[0].text.lower(), p[0].text) for p in parts if p)
                    owner = f"unique.{names}"
                k = close + 1
                continue
            if _kw(tok, "PRIMARY KEY"):
                owner = "primary_key"
            elif _kw(tok, "UNIQUE"):
                owner = f"unique.{column}" if column is not None else "unique"
            elif _kw(tok, "NOT") and k + 1 < len(item) and _kw(item[k + 1], "NULL") and column is not None:
                owner = f"not_null.{column}"
                k += 1
            elif _kw(tok, "ON") and k + 2 < len(item) and _kw(item[k + 1], "CONFLICT") and owner is not None:
                action = item[k + 2].text.lower()
                if action in CONFLICT_ACTIONS:
                    out[CONFLICT_PREFIX + owner] = action
                owner = None
                k += 3
                continue
            elif _kw(tok, "CHECK", "DEFAULT", "REFERENCES", "COLLATE", "GENERATED", "CONSTRAINT"):
                owner = None
            k += 1
    return out


def _scan_deferral(item: list[Token], column: str | None, out: TableDDL, what: str) -> None:
    """Record ``[NOT] DEFERRABLE [INITIALLY DEFERRED|IMMEDIATE]`` of the foreign key declared in ``item``."""
    ref = next((i for i, tok in enumerate(item) if _kw(tok, "REFERENCES")), None)
    if ref is None:
        return
    if column is not None:
        columns: tuple[str, ...] = (column,)
    else:
        start = next((i for i, tok in enumerate(item) if _kw(tok, "FOREIGN KEY")), None)
        if start is None or start + 1 >= len(item) or item[start + 1].token_type is not TokenType.L_PAREN:
            return
        sub, _ = _split_list(item, start + 1, what)
        columns = tuple(part[0].text for part in sub if part)
    words = [None if tok.token_type in _NOT_KEYWORDS else _keyword_text(tok.text) for tok in item[ref:]]
    deferrable = initially = False
    for k, word in enumerate(words):
        if word == "DEFERRABLE" and not (k > 0 and words[k - 1] == "NOT"):
            deferrable = True
        elif word == "INITIALLY" and k + 1 < len(words) and words[k + 1] == "DEFERRED":
            initially = True
    if deferrable:
        out.fk_deferral[tuple(c.lower() for c in columns)] = (True, initially)


def _element_text(sql: str, item: list[Token], what: str) -> str:
    end = len(item)
    if end > 1 and _kw(item[end - 1], "ASC", "DESC"):
        end -= 1
    if end > 2 and _kw(item[end - 2], "COLLATE"):
        end -= 2
    if item[0].token_type is TokenType.L_PAREN and _closing(item, 0, what) == end - 1:
        return sql[item[0].end + 1 : item[end - 1].start].strip()
    return sql[item[0].start : item[end - 1].end + 1].strip()


def scan_create_index(sql: str, index: str = "?") -> IndexDDL:
    """Read the indexed elements and the WHERE predicate from CREATE INDEX text.

    Args:
        sql: the statement as stored in ``sqlite_schema.sql``.
        index: the index's name, for error messages.

    Returns:
        An IndexDDL with source text for every element and the predicate (None without WHERE).

    Raises:
        InspectError: the text cannot be tokenized, has no element list, or its parentheses do not balance.
    """
    what = f"index {index!r}"
    tokens = _tokenize(sql, what)
    start = _first_paren(tokens)
    if start is None:
        raise InspectError(f"SQLite: no column list in the CREATE statement of {what}")
    items, close = _split_list(tokens, start, what)
    where = next((tok for tok in tokens[close + 1 :] if _kw(tok, "WHERE")), None)
    return IndexDDL(
        parts=[_element_text(sql, item, what) for item in items],
        where=sql[where.end + 1 :].strip().rstrip(";").strip() if where is not None else None,
    )


# --- assembly -----------------------------------------------------------------------------------------------


def _action(value: str, table: str) -> ReferentialAction:
    try:
        return ReferentialAction(" ".join(value.upper().split()))
    except ValueError:
        raise InspectError(f"SQLite: unknown referential action {value!r} on a foreign key of {table!r}") from None


def _is_shadow(name: str, virtual: set[str]) -> bool:
    head, sep, suffix = name.rpartition("_")
    return bool(sep) and head in virtual and suffix.lower() in SHADOW_SUFFIXES


def _needs_scan(sql: str, rows: list[Any]) -> bool:
    # Tokenize only when the text can hold something the pragmas miss: most tables need no scan at all.
    upper = sql.upper()
    return (
        "CHECK" in upper
        or "WITHOUT" in upper
        or "DESC" in upper
        or "AUTOINCREMENT" in upper
        or "DEFERRABLE" in upper
        or "COLLATE" in upper
        or any(r.hidden in (2, 3) for r in rows)
    )


_DOUBLE_QUOTED_RE = re.compile(r'^"((?:[^"]|"")*)"$', re.S)


def column_default(text: str | None) -> Default | None:
    """A column's default from ``pragma_table_xinfo.dflt_value`` (the DEFAULT clause's source text), or None.

    ``DEFAULT "dq"`` is the string ``'dq'``: a DEFAULT cannot name a column, and SQLite takes a double-quoted word
    that names no column as a string literal (its "double-quoted string literals" quirk; the value stored is the
    text, inner ``""`` read as ``"``). Everything else is read by :func:`schemaguard.normalize.parse_default`.
    Source: https://www.sqlite.org/quirks.html#double_quoted_string_literals_are_accepted
    """
    if text is not None:
        m = _DOUBLE_QUOTED_RE.match(text.strip())
        if m is not None:
            return Default.literal(m.group(1).replace('""', '"'))
    return parse_default(text, "sqlite")


def _not_rowid_type(declared: str, ctype: ColumnType) -> ColumnType:
    """The type of a lone primary-key column that is no rowid alias although its type maps to ``integer``:
    ``INT``/``MEDIUMINT`` (only the exact name ``INTEGER`` makes an alias) stay as declared, ``native(INT)``, so
    neither adapt() nor the renderer turns them into ``INTEGER PRIMARY KEY``, which would change what the key
    does (rowid values assigned, NULL refused). ``INTEGER`` in a WITHOUT ROWID table or with ``PRIMARY KEY DESC``
    keeps its kind. Source: https://www.sqlite.org/lang_createtable.html#rowid"""
    if " ".join(declared.upper().split()) == _ROWID_TYPE:
        return ctype
    return ColumnType(TypeKind.NATIVE, native=declared.strip())


def _build_columns(name: str, rows: list[Any], ddl: TableDDL) -> tuple[tuple[Column, ...], PrimaryKey | None]:
    pk_rows = sorted((r for r in rows if r.pk > 0), key=lambda r: r.pk)
    rowid_alias = (
        len(pk_rows) == 1
        and (pk_rows[0].type or "").upper() == _ROWID_TYPE
        and not ddl.without_rowid
        and pk_rows[0].name not in ddl.pk_desc
    )
    columns = []
    for r in rows:
        alias = rowid_alias and r.pk == 1
        ctype = column_type(r.type or "")
        if len(pk_rows) == 1 and r.pk == 1 and not alias and ctype.kind is TypeKind.INTEGER:
            ctype = _not_rowid_type(r.type or "", ctype)
        columns.append(
            Column(
                name=r.name,
                type=ctype,
                # A rowid alias can never hold NULL (inserting NULL assigns the next rowid), whatever notnull says.
                nullable=not (r.notnull or alias),
                default=None if alias else column_default(r.dflt_value),
                autoincrement=alias,
                strict_autoincrement=alias and r.name in ddl.autoincrement,
                generated=ddl.generated.get(r.name) if r.hidden in (2, 3) else None,
                # table_xinfo's hidden: 2 a VIRTUAL generated column, 3 a STORED one (https://www.sqlite.org/gencol.html)
                generated_virtual=r.hidden == 2,
            )
        )
    pk = PrimaryKey(tuple(r.name for r in pk_rows)) if pk_rows else None
    return tuple(columns), pk


def _collated(p: Any, collations: Mapping[str, str]) -> bool:
    """The index element uses another collation than its column's own (``BINARY`` unless the column declares
    one): an index on ``email`` of a ``COLLATE NOCASE`` column reports ``NOCASE`` and is a plain column index.
    Source: https://www.sqlite.org/datatype3.html#assigning_collating_sequences_from_sql"""
    if p.column_name is None:
        return False
    return (p.coll or "BINARY").upper() != collations.get(p.column_name.lower(), "BINARY")


def _column_part(p: Any, collations: Mapping[str, str]) -> IndexPart:
    # An element with a collation other than its column's (``name COLLATE BINARY`` on a NOCASE column) is another
    # index than the bare column: kept as the expression ``"name" COLLATE NOCASE``.
    if _collated(p, collations):
        return IndexPart(expression=f"{quote_ident(p.column_name)} COLLATE {p.coll}", descending=bool(p.desc))
    return IndexPart(column=p.column_name, descending=bool(p.desc))


def _unique_names(indexes: list[Index], derived: set[int]) -> list[Index]:
    # Names we derive (unique_name, for the constraints at positions ``derived``) can collide, e.g. UNIQUE (name)
    # and UNIQUE (name COLLATE NOCASE): a master with one name twice is refused by its loader, so a derived name
    # already taken (names in the database win) gets a numeric suffix.
    seen = {ix.name for i, ix in enumerate(indexes) if i not in derived}
    out = []
    for i, ix in enumerate(indexes):
        if i not in derived:
            out.append(ix)
            continue
        name, n = ix.name, 1
        while name in seen:
            name = f"{ix.name}{n}"
            n += 1
        seen.add(name)
        out.append(ix if name == ix.name else replace(ix, name=name))
    return out


def _build_indexes(
    table: str, rows: list[Any], index_sql: dict[str, str], collations: Mapping[str, str] | None = None
) -> tuple[Index, ...]:
    colls = {c.lower(): n for c, n in (collations or {}).items()}
    by_index: dict[str, list[Any]] = defaultdict(list)
    for r in rows:
        by_index[r.index_name].append(r)
    indexes = []
    for name, parts in by_index.items():
        first = parts[0]
        if first.origin == "pk":
            continue
        if first.origin == "u" and any(_collated(p, colls) for p in parts):
            # A unique constraint on a collated column: an equivalent unique index (a constraint has columns).
            indexes.append(
                Index(
                    name=unique_name(table, tuple(p.column_name for p in parts)),
                    parts=tuple(_column_part(p, colls) for p in parts),
                    unique=True,
                )
            )
            continue
        if first.origin == "u":
            cols = tuple(p.column_name for p in parts)
            indexes.append(
                Index(
                    name=unique_name(table, cols),
                    parts=tuple(IndexPart(column=p.column_name, descending=bool(p.desc)) for p in parts),
                    unique=True,
                    constraint=True,
                )
            )
            continue
        needs_text = bool(first.partial) or any(p.column_name is None for p in parts)
        sql = index_sql.get(name)
        if needs_text and sql is None:
            raise InspectError(f"SQLite: index {name!r} on {table!r} has expressions but no CREATE text")
        ddl = scan_create_index(sql, name) if needs_text and sql is not None else None
        elements = []
        for p in parts:
            if p.column_name is not None:
                elements.append(_column_part(p, colls))
            elif ddl is not None and p.seqno < len(ddl.parts):
                # cid -2 is an expression, cid -1 the rowid named explicitly: both only in the CREATE text.
                text = ddl.parts[p.seqno]
                if p.cid == -1:
                    elements.append(IndexPart(column=text, descending=bool(p.desc)))
                else:
                    elements.append(IndexPart(expression=text, descending=bool(p.desc)))
            else:
                raise InspectError(f"SQLite: cannot match element {p.seqno} of index {name!r} on {table!r}")
        indexes.append(
            Index(
                name=name,
                parts=tuple(elements),
                unique=bool(first.unique),
                where=ddl.where if ddl is not None and first.partial else None,
            )
        )
    derived = {i for i, ix in enumerate(indexes) if ix.name not in by_index}
    return tuple(sorted(_unique_names(indexes, derived), key=lambda ix: ix.name))


def _build_foreign_keys(
    table: str,
    rows: list[Any],
    primary_keys: dict[str, PrimaryKey | None],
    names: dict[str, str],
    deferral: dict[tuple[str, ...], tuple[bool, bool]] | None = None,
) -> tuple[ForeignKey, ...]:
    groups: dict[int, list[Any]] = defaultdict(list)
    for r in rows:
        groups[r.id].append(r)
    fks = []
    for parts in groups.values():  # query order: declaration order (SQLite numbers the last-declared FK 0)
        first = parts[0]
        # SQLite resolves the parent name case-insensitively; report the parent's actual spelling.
        ref_table = names.get(first.ref_table.lower(), first.ref_table)
        ref_columns: tuple[str, ...] = tuple(p.ref_column for p in parts if p.ref_column is not None)
        if len(ref_columns) != len(parts):
            # "REFERENCES parent" without columns means the parent's primary key.
            parent_pk = primary_keys.get(ref_table)
            ref_columns = parent_pk.columns if parent_pk is not None else ()
        columns = tuple(p.column_name for p in parts)
        deferrable, initially = (deferral or {}).get(tuple(c.lower() for c in columns), (False, False))
        fks.append(
            ForeignKey(
                name=None,
                columns=columns,
                ref_table=ref_table,
                ref_columns=ref_columns,
                on_delete=_action(first.on_delete, table),
                on_update=_action(first.on_update, table),
                deferrable=deferrable,
                initially_deferred=initially,
            )
        )
    return tuple(fks)


def _column_collations(built: Mapping[str, tuple[tuple[Column, ...], Any, TableDDL]]) -> dict[str, dict[str, str]]:
    """``{table: {column: collation}}`` for the columns declaring one, keyed by the columns' names as the pragmas
    spell them (the CREATE text may quote or case them otherwise: SQLite matches names case-insensitively)."""
    out: dict[str, dict[str, str]] = {}
    for table, (cols, _, ddl) in built.items():
        if ddl.collations:
            declared = {c.lower(): n for c, n in ddl.collations.items()}
            found = {c.name: declared[c.name.lower()] for c in cols if c.name.lower() in declared}
            if found:
                out[table] = found
    return out


def _run(conn: sa.Connection, query: str, schema: str, ns: str) -> list[Any]:
    try:
        return list(conn.execute(sa.text(query.format(schema=schema)), {"ns": ns}))
    except sa.exc.DBAPIError as exc:
        reason = str(exc.orig if exc.orig is not None else exc).splitlines()[0]
        raise InspectError(f"SQLite: reading the catalog of schema {ns!r} failed: {reason}") from None


def inspect_schema(conn: sa.Connection, namespace: str = "main") -> Schema:
    """Read the live schema of a SQLite database (read-only: only SELECTs on catalog and pragma functions).

    Args:
        conn: an open SQLAlchemy connection to the database (``mode=ro`` is fine).
        namespace: the attached schema to read: ``main``, ``temp`` or an ``ATTACH`` name.

    Returns:
        A Schema with the ordinary tables sorted by name (``sqlite_*`` internal tables, views, virtual tables
        and their shadow tables left out) and no enums. Per table: columns in definition order; the primary
        key (ordered, unnamed; None without one); indexes sorted by name (inline/table UNIQUE constraints named
        ``{table}_{cols}_key`` with ``constraint=True``, the PK's own index skipped); foreign keys in
        declaration order, unnamed, implicit parent columns resolved to the parent's PK; CHECKs in source order.
        A single-column PK declared ``INTEGER`` (the rowid alias) is ``autoincrement``, NOT NULL and has no
        default. Five statements are run whatever the number of tables.

    Raises:
        InspectError: the namespace does not exist, a catalog query fails, or stored DDL cannot be read.

    Source: https://www.sqlite.org/pragma.html#pragfunc, https://www.sqlite.org/lang_createtable.html#rowid
    """
    if not _run(conn, Q_DATABASE, "", namespace):
        raise InspectError(f"SQLite: no attached database named {namespace!r}; use 'main' or an ATTACH name")
    schema = quote_ident(namespace)
    objects = _run(conn, Q_OBJECTS, schema, namespace)
    table_sql = {o.name: o.sql for o in objects if o.type == "table"}
    index_sql = {o.name: o.sql for o in objects if o.type == "index"}
    virtual = {n for n, s in table_sql.items() if s.upper().startswith("CREATE VIRTUAL TABLE")}

    columns: dict[str, list[Any]] = defaultdict(list)
    for r in _run(conn, Q_COLUMNS, schema, namespace):
        columns[r.table_name].append(r)
    indexes: dict[str, list[Any]] = defaultdict(list)
    for r in _run(conn, Q_INDEXES, schema, namespace):
        indexes[r.table_name].append(r)
    foreign_keys: dict[str, list[Any]] = defaultdict(list)
    for r in _run(conn, Q_FOREIGN_KEYS, schema, namespace):
        foreign_keys[r.table_name].append(r)

    names = sorted(n for n in columns if not _is_shadow(n, virtual))
    built: dict[str, tuple[tuple[Column, ...], PrimaryKey | None, TableDDL]] = {}
    for name in names:
        sql = table_sql.get(name, "")
        ddl = scan_create_table(sql, name) if _needs_scan(sql, columns[name]) else TableDDL()
        cols, pk = _build_columns(name, columns[name], ddl)
        built[name] = (cols, pk, ddl)
    primary_keys = {name: pk for name, (_, pk, _) in built.items()}
    by_lower = {name.lower(): name for name in names}
    tables = tuple(
        Table(
            name=name,
            columns=cols,
            primary_key=pk,
            indexes=_build_indexes(name, indexes[name], index_sql, ddl.collations),
            foreign_keys=_build_foreign_keys(name, foreign_keys[name], primary_keys, by_lower, ddl.fk_deferral),
            checks=tuple(ddl.checks),
        )
        for name, (cols, pk, ddl) in built.items()
    )
    from schemaguard.dialects.sqlite import inspect_objects as io

    def run(query: str, params: Any = None) -> list[Any]:
        return _run(conn, query, schema, namespace) if params is None else list(conn.execute(sa.text(query), params))

    return Schema(
        tables=tables,
        enums=(),
        objects=tuple(io.inspect_objects(run, table_sql, names, _column_collations(built))),
        not_compared=tuple(io.not_compared(run, namespace, virtual)),
    )
