"""SQLite introspection of views, triggers, virtual tables and table options (``STRICT``, ``WITHOUT ROWID``,
constraint conflict clauses), and of what is present but not compared (other attached databases). One catalog query for the objects, one
for the attached databases, whatever their number.

SQLite keeps each object's ``CREATE`` statement as written (``sqlite_schema.sql``); that text is the definition,
compared after whitespace and case normalisation (:func:`~schemaguard.model.objects.normalize_definition`).

Source: https://www.sqlite.org/schematab.html, https://www.sqlite.org/stricttables.html,
https://www.sqlite.org/withoutrowid.html
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from schemaguard.model import DbObject, NotCompared, ObjectKind, make_object

Q_VIEWS_TRIGGERS = """
SELECT m.type, m.name, m.tbl_name, m.sql
FROM {schema}.sqlite_schema AS m
WHERE m.type IN ('view', 'trigger') AND m.sql IS NOT NULL
ORDER BY m.type, m.name
"""

Q_DATABASES = "SELECT name FROM pragma_database_list WHERE name NOT IN (:ns, 'temp') ORDER BY name"

_OPTIONS_RE = re.compile(r"\)\s*((?:(?:STRICT|WITHOUT\s+ROWID)\s*,?\s*)+);?\s*$", re.IGNORECASE)


def table_options(create_sql: str, table: str = "?") -> dict[str, str]:
    """``{"strict": "true", "without_rowid": "true"}`` (only those present) from a ``CREATE TABLE`` text, with
    its constraints' conflict clauses (``on_conflict.*``: :func:`~schemaguard.dialects.sqlite.inspect.scan_conflicts`).

    Raises:
        InspectError: a text that says ``CONFLICT`` cannot be tokenized.
    """
    from schemaguard.dialects.sqlite.inspect import scan_conflicts  # inspect imports this module

    out = scan_conflicts(create_sql, table)
    m = _OPTIONS_RE.search(create_sql)
    if m is None:
        return out
    words = m.group(1).upper()
    if "STRICT" in words:
        out["strict"] = "true"
    if "ROWID" in words:
        out["without_rowid"] = "true"
    return out


def is_virtual(create_sql: str) -> bool:
    """True for the stored text of a virtual table (``CREATE VIRTUAL TABLE ...``; https://www.sqlite.org/vtab.html)."""
    return create_sql[:64].upper().split()[:3] == ["CREATE", "VIRTUAL", "TABLE"]


def inspect_objects(
    run: Callable[[str], Iterable[Any]],
    table_sql: Mapping[str, str],
    tables: Iterable[str],
    collations: Mapping[str, Mapping[str, str]] | None = None,
) -> list[DbObject]:
    """Views, triggers, the table options and the column collations of ``tables``.

    Args:
        run: runs one catalog query (``{schema}`` already bound) and returns its rows.
        table_sql: ``CREATE TABLE`` text by table name.
        tables: the names of the tables in the model.
        collations: ``{table: {column: collation}}`` read from the CREATE text (non-``BINARY`` ones, upper-case).

    Returns:
        Objects sorted by key: VIRTUAL_TABLE (name; its ``CREATE VIRTUAL TABLE`` text, found in ``table_sql``; its
        shadow tables are not in ``tables``), VIEW (name), TRIGGER (name, on its table), TABLE_OPTIONS (table), COLLATION (table;
        attributes ``column → collation``, the shape PostgreSQL's inspector uses).
    """
    out: list[DbObject] = []
    for name, sql in table_sql.items():
        if is_virtual(sql):
            # The statement as stored (SQLite drops IF NOT EXISTS): module and arguments are the definition.
            out.append(make_object(ObjectKind.VIRTUAL_TABLE, name, sql))
    for r in run(Q_VIEWS_TRIGGERS):
        if r.type == "view":
            out.append(make_object(ObjectKind.VIEW, r.name, r.sql))
        else:
            out.append(make_object(ObjectKind.TRIGGER, r.name, r.sql, table=r.tbl_name))
    for name in tables:
        options = table_options(table_sql.get(name, ""), name)
        if options:
            out.append(make_object(ObjectKind.TABLE_OPTIONS, name, None, options))
        if collations and collations.get(name):
            out.append(make_object(ObjectKind.COLLATION, name, None, collations[name]))
    return sorted(out, key=lambda o: o.key)


def not_compared(
    run: Callable[[str, Mapping[str, Any]], Iterable[Any]], namespace: str, virtual: Iterable[str]
) -> list[NotCompared]:
    """The other attached databases (out of scope). Virtual tables are compared (:func:`inspect_objects`):
    ``virtual`` is accepted for the callers' sake and lists nothing."""
    out = []
    others = tuple(r.name for r in run(Q_DATABASES, {"ns": namespace}))
    if others:
        out.append(NotCompared("attached database", f"only the {namespace!r} database is inspected", others))
    return out
