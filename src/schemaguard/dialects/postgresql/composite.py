"""PostgreSQL composite types (``CREATE TYPE name AS (attr type, ...)``) changed in place.

A composite type that columns, functions or views use cannot be dropped and created again (``DROP TYPE`` is
refused under them), so a changed one is altered attribute by attribute with ``ALTER TYPE ... DROP ATTRIBUTE``,
``ADD ATTRIBUTE`` and ``ALTER ATTRIBUTE ... TYPE`` (https://www.postgresql.org/docs/15/sql-altertype.html).
``ADD ATTRIBUTE`` appends at the end and nothing reorders attributes; ``ALTER ATTRIBUTE ... TYPE`` is refused
while a table column has the type ("cannot alter type ... because column ... uses it"). Such changes raise
:class:`CompositeChangeImpossible` with the reason.
"""

from __future__ import annotations

import re

from schemaguard.dialects.postgresql.render_objects import qualified
from schemaguard.dialects.sqla import quote_ident, sql_string
from schemaguard.model import DbObject

_ALIASES = {
    "int": "integer",
    "int4": "integer",
    "int8": "bigint",
    "int2": "smallint",
    "bool": "boolean",
    "float8": "double precision",
    "float4": "real",
    "varchar": "character varying",
    "char": "character",
    "timestamptz": "timestamp with time zone",
    "timestamp": "timestamp without time zone",
    "timetz": "time with time zone",
    "time": "time without time zone",
    "decimal": "numeric",
}
_WORD = re.compile(r'\s*("(?:[^"]|"")+"|[^\s"]+)\s*(.*)', re.DOTALL)


class CompositeChangeImpossible(ValueError):
    """The change cannot be made with ALTER TYPE; the message says why."""


def _split(definition: str) -> list[str]:
    """The attribute definitions of ``(a text, b numeric(10, 2))``: split at top-level commas, outside quotes."""
    text = definition.strip()
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1]
    out: list[str] = []
    depth, quoted, start = 0, False, 0
    for i, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
        elif not quoted and depth == 0 and ch == ",":
            out.append(text[start:i])
            start = i + 1
    out.append(text[start:])
    return [part.strip() for part in out if part.strip()]


def attributes(definition: str | None) -> list[tuple[str, str]]:
    """``[(name as the catalog spells it, type text)]`` of a composite type's definition, in order.

    Args:
        definition: ``(street text, "Zip" integer COLLATE "C")`` as inspect writes it (or the master).

    Returns:
        Names unquoted (quoted exact, unquoted folded to lower case) and the rest of each attribute's text.
    """
    out: list[tuple[str, str]] = []
    for part in _split(definition or ""):
        m = _WORD.match(part)
        if m is None:
            continue
        name, rest = m.group(1), m.group(2).strip()
        name = name[1:-1].replace('""', '"') if name.startswith('"') else name.lower()
        out.append((name, rest))
    return out


def _type_key(text: str) -> str:
    """A type's text compared loosely: case and spacing, and the usual short names (``int`` = ``integer``)."""
    words = " ".join(text.split()).lower()
    head, sep, tail = words.partition("(")
    base = head.strip()
    return _ALIASES.get(base, base) + (sep + tail.replace(" ", "") if sep else "")


def composite_alter_sql(d: DbObject, a: DbObject, used_by_column: bool) -> list[str]:
    """Statements turning composite type ``a`` into ``d`` in place.

    Args:
        d: the desired composite type object (its definition lists the attributes).
        a: the actual one, same name.
        used_by_column: whether a table column has the type (``ALTER ATTRIBUTE ... TYPE`` is then refused).

    Returns:
        ``ALTER TYPE`` statements: drops of the attributes ``d`` lacks, type changes, additions (appended, in
        ``d``'s order); empty when the attributes are the same.

    Raises:
        CompositeChangeImpossible: the attributes would end in another order than ``d``'s (PostgreSQL cannot
            reorder them), or an attribute's type changes while a column uses the type.
    """
    want, have = attributes(d.definition), attributes(a.definition)
    wanted = dict(want)
    name = qualified(d.name)
    kept = [n for n, _ in have if n in wanted]
    added = [n for n, _ in want if n not in dict(have)]
    if kept + added != [n for n, _ in want]:
        raise CompositeChangeImpossible(
            f"composite type {d.name}: its attributes would end as ({', '.join(kept + added)}), not in the "
            f"order ({', '.join(n for n, _ in want)}); ALTER TYPE ... ADD ATTRIBUTE only appends and nothing "
            "reorders attributes: create a new type and convert the columns in a migration of your own"
        )
    out = [f"ALTER TYPE {name} DROP ATTRIBUTE {quote_ident(n)}" for n, _ in have if n not in wanted]
    for n, old in have:
        new = wanted.get(n)
        if new is None or _type_key(new) == _type_key(old):
            continue
        if used_by_column:
            raise CompositeChangeImpossible(
                f"composite type {d.name}: attribute {n} changes type ({old} -> {new}) while a table column has "
                "the type, which ALTER TYPE ... ALTER ATTRIBUTE refuses; convert it in a migration of your own"
            )
        out.append(f"ALTER TYPE {name} ALTER ATTRIBUTE {quote_ident(n)} TYPE {new}")
    out += [f"ALTER TYPE {name} ADD ATTRIBUTE {quote_ident(n)} {wanted[n]}" for n in added]
    return out


def refusal_sql(reason: str) -> list[str]:
    """One statement that fails with ``reason`` when run (a ``DO`` block raising it): the undo of a change whose
    reverse ALTER TYPE cannot make, so that a downgrade stops with the reason instead of leaving the type in
    another shape (https://www.postgresql.org/docs/15/plpgsql-errors-and-messages.html)."""
    text = sql_string(reason.replace("$", "").replace("%", "%%"))
    return [f"DO $sg$ BEGIN RAISE EXCEPTION {text}; END $sg$"]
