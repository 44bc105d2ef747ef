"""SQLite DDL for virtual tables, views, triggers and table options (``STRICT``, ``WITHOUT ROWID``).

A view's or trigger's definition is its whole ``CREATE`` statement as SQLite stores it (``sqlite_schema.sql``),
so it is replayed as is, views in dependency order, triggers after every view (an ``INSTEAD OF`` trigger is on a
view). Table options are suffixes of ``CREATE TABLE``, which cannot be added later.

Source: https://www.sqlite.org/lang_createview.html, https://www.sqlite.org/lang_createtrigger.html,
https://www.sqlite.org/stricttables.html, https://www.sqlite.org/withoutrowid.html
"""

from __future__ import annotations

from dataclasses import replace

from schemaguard.dialects.sqla import quote_ident
from schemaguard.model import DbObject, ObjectKind, Schema
from schemaguard.model.objects import dependency_order


def table_suffixes(schema: Schema) -> dict[str, str]:
    """``{table: " STRICT, WITHOUT ROWID"}`` for the tables of ``schema`` with options."""
    out = {}
    for o in schema.objects:
        if o.kind is ObjectKind.TABLE_OPTIONS:
            words = [
                w for k, w in (("without_rowid", "WITHOUT ROWID"), ("strict", "STRICT")) if o.attribute(k) == "true"
            ]
            if words:
                out[o.name] = " " + ", ".join(words)
    return out


def render_objects(schema: Schema) -> list[str]:
    """``CREATE VIRTUAL TABLE``, ``CREATE VIEW`` and ``CREATE TRIGGER`` statements (without ``;``), to run after the
    tables and indexes (an FTS5 table's ``content=`` table exists by then; a trigger may write into the virtual
    table). Source: https://www.sqlite.org/lang_createvtab.html"""
    virtual = [o for o in schema.objects if o.kind is ObjectKind.VIRTUAL_TABLE and o.definition]
    views = [o for o in schema.objects if o.kind is ObjectKind.VIEW and o.definition]
    triggers = [o for o in schema.objects if o.kind is ObjectKind.TRIGGER and o.definition]
    return [(o.definition or "").strip().rstrip(";") for o in virtual + dependency_order(views) + triggers]


def create_sql(o: DbObject, schema: Schema) -> list[str]:
    """``CREATE VIRTUAL TABLE`` / ``CREATE VIEW`` / ``CREATE TRIGGER`` for ``o`` (for the planner); [] for table
    options (a rebuild)."""
    return render_objects(replace(schema, objects=(o,)))


def drop_sql(o: DbObject, schema: Schema) -> list[str]:
    """``DROP VIEW`` / ``DROP TRIGGER`` / ``DROP TABLE`` (a virtual table) for ``o``; [] for table options (a
    rebuild)."""
    if o.kind is ObjectKind.VIEW:
        return [f"DROP VIEW {quote_ident(o.name)}"]
    if o.kind is ObjectKind.TRIGGER:
        return [f"DROP TRIGGER {quote_ident(o.name)}"]
    if o.kind is ObjectKind.VIRTUAL_TABLE:
        return [f"DROP TABLE {quote_ident(o.name)}"]  # its shadow tables go with it
    return []


def comment_sql(o: DbObject) -> list[str]:
    """SQLite stores no comments."""
    return []


def table_comment_sql(table: str | None, column: str | None, enum: str | None, text: str | None) -> list[str]:
    """SQLite stores no comments."""
    return []


def alter_sql(d: DbObject, a: DbObject) -> list[str] | None:
    """SQLite alters no view or trigger in place: they are dropped and created again."""
    return None
