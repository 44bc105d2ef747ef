"""Canonical forms of SQL fragments, so that only real differences are reported.

Databases hand back SQL in their own spelling: PostgreSQL writes ``'x'::text``, ``(0)::numeric``,
``status = ANY (ARRAY['a'::text, 'b'::text])`` and ``now()``; SQLite keeps the text as written. These
functions parse fragments with sqlglot and rewrite them into one canonical spelling.

- :func:`canonical_expression` — a boolean/scalar expression (CHECK, partial-index predicate, index
  expression, generated column) as canonical text for comparison.
- :func:`parse_default` — a column default's SQL text into a :class:`~schemaguard.model.Default`.
- :func:`default_key` — a hashable comparison key for a Default in the context of a column type.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

import sqlglot
from sqlglot import exp

from schemaguard.model.schema import Default, DefaultKind, Schema
from schemaguard.model.types import ColumnType, TypeKind

SQLGLOT_FAILURES: tuple[type[BaseException], ...] = (
    sqlglot.errors.ParseError,
    sqlglot.errors.TokenError,
    ValueError,
    TypeError,
    RecursionError,
)
"""What sqlglot raises on text it cannot read: its parse and token errors, and the ValueError/TypeError of its
parser's own assertions on malformed input (``0?`` in the postgres dialect is a TypeError), or RecursionError
on deep nesting. Every caller treats them alike: the text is not an expression sqlglot understands."""

_CANONICAL = "postgres"
"""Canonical forms are written in PostgreSQL syntax (sqlglot's name), the master format's expression syntax."""

_SQLGLOT_DIALECT = {"postgresql": _CANONICAL, "sqlite": "sqlite", None: _CANONICAL}

_NOW_FUNCS = {"NOW", "CURRENT_TIMESTAMP", "LOCALTIMESTAMP", "TRANSACTION_TIMESTAMP", "CURRENTTIMESTAMP"}


_CONSTANT_NODES = (exp.Literal, exp.Array, exp.Null, exp.Boolean, exp.BitString, exp.HexString, exp.Column)


def _cast_is_noise(n: exp.Cast | exp.TryCast) -> bool:
    """A cast PostgreSQL writes itself (``'x'::text``, ``(0)::numeric``, ``(name)::text`` on a varchar column,
    ``ARRAY[...]::text[]``): its operand is a constant or a column. A cast of anything else was written by the
    user and can change the value (``CURRENT_TIMESTAMP::date::text``), so it is kept."""
    inner = n.this
    # Not through another cast: ('now'::text)::date converts at run time (the classic "today" default).
    while isinstance(inner, exp.Paren | exp.Neg):
        inner = inner.this
    return isinstance(inner, _CONSTANT_NODES)


_KEYWORD_FUNCS: dict[type[exp.Expr], str] = {
    exp.CurrentTime: "CURRENT_TIME",
    exp.CurrentDate: "CURRENT_DATE",
    exp.Localtime: "LOCALTIME",
    exp.Localtimestamp: "LOCALTIMESTAMP",
}
"""SQL-standard value functions that take no parentheses (``CURRENT_TIME()`` is a syntax error in PostgreSQL).
Source: https://www.postgresql.org/docs/15/functions-datetime.html#FUNCTIONS-DATETIME-CURRENT"""


def _keywords(n: exp.Expr) -> exp.Expr:
    """sqlglot prints some argument-less value functions with parentheses; spell them as keywords."""
    word = _KEYWORD_FUNCS.get(type(n))
    if word is not None and not n.args.get("this"):
        return exp.Var(this=word)
    return n


def _at_time_zone(n: exp.Expr) -> exp.Expr:
    """``x AT TIME ZONE z`` is ``timezone(z, x)``: PostgreSQL up to 15 stores the latter for the former.
    Source: https://www.postgresql.org/docs/15/functions-datetime.html#FUNCTIONS-DATETIME-ZONECONVERT"""
    if isinstance(n, exp.AtTimeZone):
        return exp.Anonymous(this="TIMEZONE", expressions=[n.args["zone"], n.this])
    return n


def pg_text(node: exp.Expr) -> str:
    """PostgreSQL text of a parsed expression, with value functions spelled as keywords (no casts removed)."""
    return node.transform(_keywords, copy=True).sql(dialect="postgres")


def _strip(node: exp.Expr) -> exp.Expr:
    """Remove the spelling noise that carries no meaning for comparison."""

    def fix(n: exp.Expr) -> exp.Expr:
        if isinstance(n, exp.Cast | exp.TryCast):
            return n.this if _cast_is_noise(n) else n
        if isinstance(n, exp.Paren):
            return n.this
        if isinstance(n, exp.AtTimeZone):
            return _at_time_zone(n)
        # x = ANY (ARRAY[a, b])  ->  x IN (a, b)   (PostgreSQL's rewrite of IN lists)
        if isinstance(n, exp.EQ) and isinstance(n.expression, exp.Any):
            inner = n.expression.this
            while isinstance(inner, exp.Paren | exp.Cast):
                inner = inner.this
            if isinstance(inner, exp.Array):
                return exp.In(this=n.this, expressions=list(inner.expressions))
        # x <> ALL (ARRAY[a, b])  ->  NOT x IN (a, b)
        if isinstance(n, exp.NEQ) and isinstance(n.expression, exp.All):
            inner = n.expression.this
            while isinstance(inner, exp.Paren | exp.Cast):
                inner = inner.this
            if isinstance(inner, exp.Array):
                return exp.Not(this=exp.In(this=n.this, expressions=list(inner.expressions)))
        if isinstance(n, exp.CurrentTimestamp | exp.Anonymous) and _is_now(n):
            return exp.CurrentTimestamp()
        if isinstance(n, exp.Boolean):
            return n
        return n

    prev = None
    out = node
    # Rewrites can expose new Paren/Cast nodes; iterate to a fixed point (bounded).
    for _ in range(5):
        out = out.transform(fix, copy=True)
        text = out.sql(dialect="postgres")
        if text == prev:
            break
        prev = text
    return out


def _is_now(n: exp.Expr) -> bool:
    if isinstance(n, exp.CurrentTimestamp):
        return True
    return isinstance(n, exp.Anonymous) and str(n.this).upper() in _NOW_FUNCS and not n.expressions


_SEARCH_PATH_SCHEMAS = frozenset(("public", "pg_catalog"))
"""Schemas PostgreSQL's deparser leaves out of a function or type name when they are on the search path:
``pg_get_expr`` / ``pg_get_indexdef`` print ``f(x)`` for ``public.f(x)`` (a name is qualified only when it is not
visible: https://www.postgresql.org/docs/current/functions-info.html#FUNCTIONS-INFO-CATALOG, ``pg_get_expr``), and
``pg_catalog`` is always searched (https://www.postgresql.org/docs/current/ddl-schemas.html#DDL-SCHEMAS-PATH)."""


def _search_path_name(n: exp.Expr) -> bool:
    if not isinstance(n, exp.Identifier):
        return False
    name = str(n.this)
    return (name if n.quoted else name.lower()) in _SEARCH_PATH_SCHEMAS


def _unqualify(n: exp.Expr) -> exp.Expr:
    """``public.f(x)`` → ``f(x)`` and ``x::public.t`` → ``x::t``: the deparsed form of a name on the search path."""
    if isinstance(n, exp.Dot) and _search_path_name(n.this) and isinstance(n.expression, exp.Func):
        return n.expression
    if isinstance(n, exp.DataType) and isinstance(n.args.get("kind"), exp.Dot):
        kind = n.args["kind"]
        if _search_path_name(kind.this) and isinstance(kind.expression, exp.Identifier):
            return exp.DataType(this=n.this, kind=kind.expression)
    return n


@lru_cache(maxsize=65536)
def canonical_expression(sql: str, dialect: str | None = None) -> str:
    """Canonical text of an SQL expression, for comparison only (never executed).

    Args:
        sql: the expression, with or without a leading ``CHECK`` and outer parentheses.
        dialect: ``"postgresql"`` or ``"sqlite"``: the dialect the text was written in.

    Returns:
        A canonical PostgreSQL-flavoured spelling with casts and redundant parentheses removed, ``ANY(ARRAY)``
        turned into ``IN``, a ``public.``/``pg_catalog.`` qualifier of a function or type dropped (as
        PostgreSQL's deparser drops it, :data:`_SEARCH_PATH_SCHEMAS`), identifiers unquoted and keywords
        upper-cased. If sqlglot cannot parse the text, the
        text itself with whitespace collapsed (so unparseable but identical text still compares equal).
    """
    text = sql.strip()
    if text[:5].upper() == "CHECK":
        text = text[5:].strip()
    read = _SQLGLOT_DIALECT.get(dialect, "postgres")
    try:
        node = sqlglot.parse_one(text, read=read)
    except SQLGLOT_FAILURES:
        return re.sub(r"\s+", " ", text)
    if node is None:
        return re.sub(r"\s+", " ", text)
    node = _strip(node.transform(_unqualify, copy=True))

    def unquote(n: exp.Expr) -> exp.Expr:
        if isinstance(n, exp.Identifier):
            return exp.Identifier(this=n.this, quoted=False)
        return n

    node = node.transform(unquote, copy=False).transform(_keywords, copy=False)
    return node.sql(dialect="postgres", normalize_functions="upper")


def _literal_value(node: exp.Expr) -> tuple[bool, Any]:
    """(True, python value) if ``node`` is a constant, else (False, None)."""
    while isinstance(node, exp.Paren | exp.Cast):
        node = node.this
    if isinstance(node, exp.Neg):
        ok, v = _literal_value(node.this)
        if ok and isinstance(v, int | float | Decimal):
            return True, -v
        return False, None
    if isinstance(node, exp.Literal):
        if node.is_string:
            return True, node.this
        return True, _number(node.this)
    if isinstance(node, exp.Boolean):
        return True, bool(node.this)
    if isinstance(node, exp.Array):
        values = []
        for e in node.expressions:
            ok, v = _literal_value(e)
            if not ok:
                return False, None
            values.append(v)
        return True, values
    if isinstance(node, exp.Null):
        return True, None
    return False, None


def _typed_string(value: str, to: exp.DataType) -> Any:
    """A string literal cast to an array or numeric type becomes a list or a number: ``'{}'::text[]`` → [],
    ``'-5'::integer`` → -5 (PostgreSQL spells negative defaults that way)."""
    if to.is_type(exp.DataType.Type.ARRAY) or to.args.get("nested") or to.sql().endswith("[]"):
        parsed = _pg_array_literal(value)
        return parsed if parsed is not None else value
    if to.is_type(*exp.DataType.NUMERIC_TYPES):
        try:
            return _number(value.strip())
        except ValueError:
            return value
    return value


def _number(text: str) -> int | float:
    # Plain int/float keep the model JSON-serialisable; comparison goes through Decimal(str(v)) anyway.
    try:
        return int(text)
    except ValueError:
        return float(text)


def _pg_array_literal(text: str) -> list[Any] | None:
    """Parse PostgreSQL's ``'{a,b}'`` array text form, nested arrays included (``{{1,2},{3,4}}`` → nested
    lists). Elements stay strings (the column type coerces them); an unquoted ``NULL`` is None.
    None when the text is not an array literal.
    Source: https://www.postgresql.org/docs/15/arrays.html#ARRAYS-IO"""
    t = text.strip()
    if not (t.startswith("{") and t.endswith("}")):
        return None
    pos = 0

    def parse() -> list[Any]:  # at "{"
        nonlocal pos
        pos += 1
        items: list[Any] = []
        expect_item = True
        while pos < len(t):
            ch = t[pos]
            if ch == "}":
                pos += 1
                return items
            if ch == "," or ch.isspace():
                pos += 1
                expect_item = expect_item or ch == ","
                continue
            if not expect_item:
                raise ValueError("missing delimiter")
            expect_item = False
            if ch == "{":
                items.append(parse())
            elif ch == '"':
                pos += 1
                buf = []
                while pos < len(t) and t[pos] != '"':
                    if t[pos] == "\\" and pos + 1 < len(t):
                        pos += 1
                    buf.append(t[pos])
                    pos += 1
                pos += 1
                items.append("".join(buf))
            else:
                m = re.compile(r'[^,{}"]+').match(t, pos)
                assert m is not None
                raw = m.group(0).strip()
                pos = m.end()
                items.append(None if raw.upper() == "NULL" else raw)
        raise ValueError("unterminated array literal")

    try:
        out = parse()
    except ValueError:
        return None
    return out if pos == len(t) else None


@lru_cache(maxsize=65536)
def _parse_default_cached(sql: str, dialect: str | None) -> Default:
    text = sql.strip()
    read = _SQLGLOT_DIALECT.get(dialect, "postgres")
    try:
        node = sqlglot.parse_one(text, read=read)
    except SQLGLOT_FAILURES:
        return Default.expression(re.sub(r"\s+", " ", text))
    if node is None:
        return Default.expression(text)
    inner = node
    # Only casts that keep a timestamp a timestamp are looked through: CURRENT_TIMESTAMP::date::text is a
    # different value (a string of the date) and stays an expression with its casts.
    while isinstance(inner, exp.Paren) or (isinstance(inner, exp.Cast) and inner.to.is_type(*_TIMESTAMP_TYPES)):
        inner = inner.this
    if _is_now(inner) or (isinstance(inner, exp.Column) and inner.name.upper() == "CURRENT_TIMESTAMP"):
        return Default.expression("CURRENT_TIMESTAMP")
    if isinstance(inner, exp.CurrentDate) or (isinstance(inner, exp.Column) and inner.name.upper() == "CURRENT_DATE"):
        return Default.expression("CURRENT_DATE")
    if isinstance(inner, exp.Column) and inner.name.upper() in ("TRUE", "FALSE") and not inner.table:
        return Default.literal(inner.name.upper() == "TRUE")
    bits = _bit_string(node)
    if bits is not None:
        return Default.expression(bits)
    if _cast_of_cast(node):
        # ('now'::text)::date is evaluated on every insert; 'now'::date would be frozen when the table is made.
        return Default.expression(pg_text(node))
    ok, value = _literal_value(node)
    if ok:
        if isinstance(value, str) and isinstance(node, exp.Cast):
            value = _typed_string(value, node.to)
        return Default.literal(value)
    if read != _CANONICAL and _lossy_in_postgres(text, read):
        # A function of the source dialect sqlglot cannot carry through PostgreSQL spelling and back
        # (SQLite's strftime('%s', 'now') would come back as STRFTIME('%s', DATETIME('now'))): kept as written.
        return Default.expression(re.sub(r"\s+", " ", text))
    # The text is kept (casts and all) in PostgreSQL spelling, so it can be rendered again; comparison goes
    # through canonical_expression.
    return Default.expression(pg_text(node))


@lru_cache(maxsize=4096)
def _lossy_in_postgres(text: str, read: str) -> bool:
    """True when ``text`` (an expression in sqlglot dialect ``read``) does not survive a trip through its
    PostgreSQL spelling: read as ``read``, written as PostgreSQL, read back as PostgreSQL and written as ``read``.
    Such a default is held as written (native to its database), and compared as written."""
    try:
        node = sqlglot.parse_one(text, read=read)
        back = sqlglot.transpile(pg_text(node), read="postgres", write=read)
    except SQLGLOT_FAILURES:
        return False
    return len(back) != 1 or back[0] != node.sql(dialect=read)


def _cast_of_cast(node: exp.Expr) -> bool:
    while isinstance(node, exp.Paren):
        node = node.this
    if not isinstance(node, exp.Cast):
        return False
    inner = node.this
    while isinstance(inner, exp.Paren):
        inner = inner.this
    return isinstance(inner, exp.Cast) and not _cast_is_noise(node)


_TIMESTAMP_TYPES = (exp.DataType.Type.TIMESTAMP, exp.DataType.Type.TIMESTAMPTZ, exp.DataType.Type.TIMESTAMPLTZ)


def _bit_string(node: exp.Expr) -> str | None:
    """A bit-string constant as PostgreSQL's ``B'0101'`` text: ``b'0101'``, ``x'1F'`` (4 bits per hex digit) and
    the ``'0101'::"bit"`` form PostgreSQL stores all agree; None for anything else.
    Source: https://www.postgresql.org/docs/15/sql-syntax-lexical.html#SQL-SYNTAX-BIT-STRINGS"""
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.BitString):
        return f"B'{node.this}'"
    if isinstance(node, exp.HexString):
        digits = str(node.this)
        if re.fullmatch(r"[0-9A-Fa-f]*", digits):
            return "B'" + "".join(format(int(d, 16), "04b") for d in digits) + "'"
        return None
    if (
        isinstance(node, exp.Cast)
        and node.to.is_type(exp.DataType.Type.BIT)
        and isinstance(node.this, exp.Literal)
        and node.this.is_string
        and re.fullmatch(r"[01]*", node.this.this)
    ):
        return f"B'{node.this.this}'"
    if isinstance(node, exp.Cast) and node.to.is_type(exp.DataType.Type.BIT):
        return _bit_string(node.this)
    return None


def parse_default(sql: str | None, dialect: str | None = None) -> Default | None:
    """Turn a default's SQL text, as a database reports it, into a Default.

    Args:
        sql: e.g. ``'ACTIVE'::text``, ``0``, ``now()``, ``CURRENT_TIMESTAMP``, ``'{}'::text[]``,
            ``gen_random_uuid()``; None for no default.
        dialect: ``"postgresql"`` or ``"sqlite"``.

    Returns:
        A LITERAL Default for constants (casts dropped; ``'{}'``-style array text becomes a list), the
        canonical ``CURRENT_TIMESTAMP``/``CURRENT_DATE`` expression for "now", otherwise an EXPRESSION with the
        canonical text; None if ``sql`` is None or ``NULL``.
    """
    if sql is None:
        return None
    d = _parse_default_cached(sql, dialect)
    if d.kind is DefaultKind.LITERAL and d.value is None:
        return None
    return d


def _coerce(value: Any, ctype: ColumnType) -> Any:
    """Bring a literal to one spelling per type: 't'/1/'true' are all True for a boolean, and so on."""
    if ctype.is_array:
        if isinstance(value, str):
            parsed = _pg_array_literal(value)
            if parsed is None:
                try:
                    parsed = json.loads(value)
                except ValueError:
                    return ("str", value)
            value = parsed
        if isinstance(value, list):
            el = ctype.element()
            # A nested list is a sub-array (PostgreSQL arrays are rectangular, any number of dimensions).
            return ("list", tuple(_coerce(v, ctype if isinstance(v, list) else el) for v in value))
        return ("raw", repr(value))
    k = ctype.kind
    if k is TypeKind.BOOLEAN:
        if isinstance(value, bool):
            return ("bool", value)
        if isinstance(value, int | Decimal | float):
            return ("bool", value != 0)
        if isinstance(value, str) and value.strip().lower() in ("t", "true", "1", "y", "yes", "on"):
            return ("bool", True)
        if isinstance(value, str) and value.strip().lower() in ("f", "false", "0", "n", "no", "off"):
            return ("bool", False)
    if k in (TypeKind.SMALLINT, TypeKind.INTEGER, TypeKind.BIGINT, TypeKind.DECIMAL, TypeKind.FLOAT, TypeKind.DOUBLE):
        try:
            if isinstance(value, bool):
                return ("num", Decimal(int(value)))
            return ("num", Decimal(str(value)).normalize())
        except InvalidOperation:
            pass
    if k is TypeKind.JSON and isinstance(value, str):
        try:
            return ("json", json.dumps(json.loads(value), sort_keys=True))
        except ValueError:
            pass
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int | float | Decimal):
        return ("str", str(value))
    return ("str", value)


def default_key(default: Default | None, ctype: ColumnType, dialect: str | None = None) -> Any:
    """A hashable key that is equal for two defaults exactly when they mean the same thing for ``ctype``.

    Args:
        default: the Default (or None).
        ctype: the column's type (used to coerce literals: ``'0'`` equals ``0`` for an integer column).
        dialect: dialect the expression text was written in (for expression canonicalisation).
    """
    if default is None:
        return None
    if default.kind is DefaultKind.LITERAL:
        if default.value is None:
            return None
        return ("lit", _coerce(default.value, ctype))
    raw = str(default.value)
    read = _SQLGLOT_DIALECT.get(dialect, "postgres")
    if read != _CANONICAL and _lossy_in_postgres(raw.strip(), read):
        # Held as written by parse_default (and so written to a master, which is read as PostgreSQL): compared
        # the way the master's copy will be read.
        dialect = "postgresql"
    text = canonical_expression(raw, dialect)
    return ("expr", text.upper() if text.upper() in ("CURRENT_TIMESTAMP", "CURRENT_DATE") else text)


def to_master_syntax(schema: Schema, dialect: str) -> Schema:
    """``schema`` with its expressions (checks, index expressions and predicates, generated columns) rewritten from
    ``dialect``'s SQL into PostgreSQL syntax, the master format's rule (a master written by ``inspect`` from a
    SQLite database must read back as it was: ``[Discount]>=(0)`` becomes ``"Discount" >= (0)``, not an array).

    Identifiers are quoted on the way (``identify``), so their case survives PostgreSQL's folding. Text sqlglot
    cannot parse is kept as written. Defaults are already held in PostgreSQL spelling (:func:`parse_default`).
    """
    if _SQLGLOT_DIALECT.get(dialect, _CANONICAL) == _CANONICAL:
        return schema
    read = _SQLGLOT_DIALECT[dialect]

    def tx(sql: str | None) -> str | None:
        if sql is None:
            return None
        try:
            out = sqlglot.transpile(sql, read=read, write="postgres", identify=True)
        except SQLGLOT_FAILURES:
            return sql
        return out[0] if len(out) == 1 else sql

    tables = []
    for t in schema.tables:
        tables.append(
            replace(
                t,
                columns=tuple(replace(c, generated=tx(c.generated)) if c.generated else c for c in t.columns),
                indexes=tuple(
                    replace(
                        ix,
                        where=tx(ix.where),
                        parts=tuple(replace(p, expression=tx(p.expression)) if p.expression else p for p in ix.parts),
                    )
                    for ix in t.indexes
                ),
                checks=tuple(replace(ck, expression=tx(ck.expression) or ck.expression) for ck in t.checks),
            )
        )
    return replace(schema, tables=tuple(tables))
