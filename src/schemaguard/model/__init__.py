"""The schema model: dialect-neutral tables, columns, types and constraints (imports no driver or dialect)."""

from schemaguard.model.objects import DbObject, NotCompared, ObjectKind, make_object
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
    SourceLocation,
    Table,
)
from schemaguard.model.types import ColumnType, TypeKind, TypeSpecError, parse_type

__all__ = [
    "Check",
    "Column",
    "ColumnType",
    "DbObject",
    "Default",
    "DefaultKind",
    "Enum",
    "ForeignKey",
    "Index",
    "IndexPart",
    "NotCompared",
    "ObjectKind",
    "PrimaryKey",
    "ReferentialAction",
    "Schema",
    "SourceLocation",
    "Table",
    "TypeKind",
    "TypeSpecError",
    "make_object",
    "parse_type",
]
