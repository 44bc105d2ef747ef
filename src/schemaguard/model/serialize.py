"""JSON-ready (plain dict) form of the model, and back. Used by ``inspect --format json`` and reports.

The form omits fields at their default value and writes types as their text spec (``varchar(255)``), so
it is compact and stable. :func:`schema_from_dict` inverts :func:`schema_to_dict` exactly.
"""

from __future__ import annotations

import dataclasses
from enum import Enum as _PyEnum
from typing import Any

from schemaguard.model.objects import DbObject, ObjectKind
from schemaguard.model.schema import (
    Check,
    Column,
    Default,
    DefaultKind,
    Enum,
    ForeignKey,
    Index,
    IndexPart,
    PrimaryKey,
    ReferentialAction,
    Schema,
    Table,
)
from schemaguard.model.types import ColumnType, parse_type

_SKIP = {"loc", "source", "not_compared"}


def to_plain(obj: Any) -> Any:
    """Convert a model object (or tuple/list of them) to plain JSON data, omitting default-valued fields."""
    if isinstance(obj, ColumnType):
        return obj.spec()
    if isinstance(obj, _PyEnum):
        return obj.value
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out: dict[str, Any] = {}
        for f in dataclasses.fields(obj):
            if f.name in _SKIP:
                continue
            value = getattr(obj, f.name)
            if f.default is not dataclasses.MISSING and value == f.default:
                continue
            out[f.name] = to_plain(value)
        return out
    if isinstance(obj, list | tuple):
        return [to_plain(v) for v in obj]
    return obj


def schema_to_dict(schema: Schema) -> dict[str, Any]:
    """The whole schema as ``{"tables": [...], "enums": [...], "objects": [...]}`` of plain data (``objects``
    only when there are any: views, functions, triggers..., see :mod:`schemaguard.model.objects`)."""
    out: dict[str, Any] = {"tables": to_plain(schema.tables), "enums": to_plain(schema.enums)}
    if schema.objects:
        out["objects"] = to_plain(schema.objects)
    return out


def object_from_dict(d: dict[str, Any]) -> DbObject:
    """Inverse of ``to_plain(db_object)``."""
    return DbObject(
        kind=ObjectKind(d["kind"]),
        name=d["name"],
        definition=d.get("definition"),
        attributes=tuple((str(k), str(v)) for k, v in d.get("attributes", ())),
        table=d.get("table"),
        comment=d.get("comment"),
    )


def _default(d: dict[str, Any] | None) -> Default | None:
    return None if d is None else Default(DefaultKind(d["kind"]), d.get("value"))


def column_from_dict(d: dict[str, Any]) -> Column:
    """Inverse of ``to_plain(column)``."""
    return Column(
        name=d["name"],
        type=parse_type(d["type"]),
        nullable=d.get("nullable", True),
        default=_default(d.get("default")),
        autoincrement=d.get("autoincrement", False),
        generated=d.get("generated"),
        comment=d.get("comment"),
        strict_autoincrement=d.get("strict_autoincrement", False),
        generated_virtual=d.get("generated_virtual", False),
        identity=d.get("identity"),
    )


def index_from_dict(d: dict[str, Any]) -> Index:
    """Inverse of ``to_plain(index)``."""
    return Index(
        name=d["name"],
        parts=tuple(IndexPart(**p) for p in d.get("parts", ())),
        unique=d.get("unique", False),
        where=d.get("where"),
        method=d.get("method"),
        constraint=d.get("constraint", False),
        deferrable=d.get("deferrable", False),
        initially_deferred=d.get("initially_deferred", False),
        include=tuple(d.get("include", ())),
        nulls_not_distinct=d.get("nulls_not_distinct", False),
    )


def foreign_key_from_dict(d: dict[str, Any]) -> ForeignKey:
    """Inverse of ``to_plain(foreign_key)``."""
    return ForeignKey(
        name=d.get("name"),
        columns=tuple(d["columns"]),
        ref_table=d["ref_table"],
        ref_columns=tuple(d["ref_columns"]),
        on_delete=ReferentialAction(d.get("on_delete", "NO ACTION")),
        on_update=ReferentialAction(d.get("on_update", "NO ACTION")),
        deferrable=d.get("deferrable", False),
        initially_deferred=d.get("initially_deferred", False),
        not_valid=d.get("not_valid", False),
    )


def table_from_dict(d: dict[str, Any]) -> Table:
    """Inverse of ``to_plain(table)``."""
    pk = d.get("primary_key")
    return Table(
        name=d["name"],
        columns=tuple(column_from_dict(c) for c in d.get("columns", ())),
        primary_key=PrimaryKey(tuple(pk["columns"]), pk.get("name")) if pk else None,
        indexes=tuple(index_from_dict(i) for i in d.get("indexes", ())),
        foreign_keys=tuple(foreign_key_from_dict(f) for f in d.get("foreign_keys", ())),
        checks=tuple(
            Check(
                c.get("name"),
                c["expression"],
                not_valid=c.get("not_valid", False),
                no_inherit=c.get("no_inherit", False),
            )
            for c in d.get("checks", ())
        ),
        comment=d.get("comment"),
    )


def schema_from_dict(d: dict[str, Any], source: str | None = None) -> Schema:
    """Inverse of :func:`schema_to_dict`.

    Raises:
        KeyError, ValueError: the dict is not in this form (callers loading user files validate first).
    """
    return Schema(
        tables=tuple(table_from_dict(t) for t in d.get("tables", ())),
        enums=tuple(Enum(e["name"], tuple(e["values"]), e.get("comment")) for e in d.get("enums", ())),
        source=source,
        objects=tuple(object_from_dict(o) for o in d.get("objects", ())),
    )
