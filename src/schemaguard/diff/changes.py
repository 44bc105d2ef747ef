"""Typed change objects: what the differ finds and every report and planner consumes.

``_missing`` means present in the desired schema but not in the actual one; ``_extra`` the reverse. The
``kind`` values and the JSON shape of :meth:`DiffReport.to_dict` are the CI contract: keep them stable.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from schemaguard.model.serialize import to_plain


class ChangeKind(StrEnum):
    """Every kind of difference the differ reports."""

    TABLE_MISSING = "table_missing"
    TABLE_EXTRA = "table_extra"
    COLUMN_MISSING = "column_missing"
    COLUMN_EXTRA = "column_extra"
    COLUMN_TYPE = "column_type"
    COLUMN_NULLABLE = "column_nullable"
    COLUMN_DEFAULT = "column_default"
    PRIMARY_KEY = "primary_key"
    INDEX_MISSING = "index_missing"
    INDEX_EXTRA = "index_extra"
    INDEX_CHANGED = "index_changed"
    FOREIGN_KEY_MISSING = "foreign_key_missing"
    FOREIGN_KEY_EXTRA = "foreign_key_extra"
    FOREIGN_KEY_CHANGED = "foreign_key_changed"
    CHECK_MISSING = "check_missing"
    CHECK_EXTRA = "check_extra"
    CHECK_CHANGED = "check_changed"
    ENUM_MISSING = "enum_missing"
    ENUM_EXTRA = "enum_extra"
    ENUM_VALUES = "enum_values"
    # Objects beyond tables and enums (diff/objects.py): <kind>_missing / _extra / _changed, and for table
    # properties <kind>_changed. The kind names are ObjectKind values.
    SCHEMA_MISSING = "schema_missing"
    SCHEMA_EXTRA = "schema_extra"
    SCHEMA_CHANGED = "schema_changed"
    EXTENSION_MISSING = "extension_missing"
    EXTENSION_EXTRA = "extension_extra"
    EXTENSION_CHANGED = "extension_changed"
    COMPOSITE_TYPE_MISSING = "composite_type_missing"
    COMPOSITE_TYPE_EXTRA = "composite_type_extra"
    COMPOSITE_TYPE_CHANGED = "composite_type_changed"
    DOMAIN_MISSING = "domain_missing"
    DOMAIN_EXTRA = "domain_extra"
    DOMAIN_CHANGED = "domain_changed"
    SEQUENCE_MISSING = "sequence_missing"
    SEQUENCE_EXTRA = "sequence_extra"
    SEQUENCE_CHANGED = "sequence_changed"
    VIRTUAL_TABLE_MISSING = "virtual_table_missing"
    VIRTUAL_TABLE_EXTRA = "virtual_table_extra"
    VIRTUAL_TABLE_CHANGED = "virtual_table_changed"
    VIEW_MISSING = "view_missing"
    VIEW_EXTRA = "view_extra"
    VIEW_CHANGED = "view_changed"
    MATERIALIZED_VIEW_MISSING = "materialized_view_missing"
    MATERIALIZED_VIEW_EXTRA = "materialized_view_extra"
    MATERIALIZED_VIEW_CHANGED = "materialized_view_changed"
    FUNCTION_MISSING = "function_missing"
    FUNCTION_EXTRA = "function_extra"
    FUNCTION_CHANGED = "function_changed"
    PROCEDURE_MISSING = "procedure_missing"
    PROCEDURE_EXTRA = "procedure_extra"
    PROCEDURE_CHANGED = "procedure_changed"
    AGGREGATE_MISSING = "aggregate_missing"
    AGGREGATE_EXTRA = "aggregate_extra"
    AGGREGATE_CHANGED = "aggregate_changed"
    TRIGGER_MISSING = "trigger_missing"
    TRIGGER_EXTRA = "trigger_extra"
    TRIGGER_CHANGED = "trigger_changed"
    RULE_MISSING = "rule_missing"
    RULE_EXTRA = "rule_extra"
    RULE_CHANGED = "rule_changed"
    POLICY_MISSING = "policy_missing"
    POLICY_EXTRA = "policy_extra"
    POLICY_CHANGED = "policy_changed"
    EXCLUSION_CONSTRAINT_MISSING = "exclusion_constraint_missing"
    COLLATION_DEFINITION_MISSING = "collation_definition_missing"
    COLLATION_DEFINITION_EXTRA = "collation_definition_extra"
    COLLATION_DEFINITION_CHANGED = "collation_definition_changed"
    EXCLUSION_CONSTRAINT_EXTRA = "exclusion_constraint_extra"
    EXCLUSION_CONSTRAINT_CHANGED = "exclusion_constraint_changed"
    PARTITION_MISSING = "partition_missing"
    PARTITION_EXTRA = "partition_extra"
    PARTITION_CHANGED = "partition_changed"
    ROW_SECURITY_CHANGED = "row_security_changed"
    INHERITANCE_CHANGED = "inheritance_changed"
    PARTITIONING_CHANGED = "partitioning_changed"
    TABLE_OPTIONS_CHANGED = "table_options_changed"
    COLLATION_CHANGED = "collation_changed"
    COMMENT_CHANGED = "comment_changed"
    PRIVILEGES_CHANGED = "privileges_changed"


class Severity(StrEnum):
    """How serious a change is: error (the application will break or data integrity is unprotected),
    warning (behaviour or performance differs), info (cosmetic: a name, an unused extra)."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Change:
    """One difference between the desired and the actual schema.

    Attributes:
        kind: what differs.
        table: the table concerned (None for enums).
        object: the column, index, constraint or enum name (the table name for table-level changes).
        desired: the model object on the desired side (Table, Column, Index, ForeignKey, Check, Enum,
            PrimaryKey) or None when absent.
        actual: the model object on the actual side, or None when absent.
        severity: error, warning or info.
        message: one human sentence.
        aspects: for column changes with several facets, which ones differ (e.g. ``("nullable",)``); for
            ``*_changed`` object changes the attributes that differ, ``definition`` and/or ``comment``.
    """

    kind: ChangeKind
    table: str | None
    object: str | None
    desired: Any
    actual: Any
    severity: Severity
    message: str
    aspects: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """JSON form: ``{"kind", "table", "object", "desired", "actual", "severity", "message"}``."""
        return {
            "kind": self.kind.value,
            "table": self.table,
            "object": self.object,
            "desired": to_plain(self.desired) if self.desired is not None else None,
            "actual": to_plain(self.actual) if self.actual is not None else None,
            "severity": self.severity.value,
            "message": self.message,
        }


@dataclass(frozen=True)
class DiffReport:
    """The result of comparing two schemas.

    Attributes:
        desired: label of the desired side (a file path or masked URL).
        actual: label of the actual side.
        dialect: the dialect the comparison was made in.
        changes: the differences, grouped by table, enums first.
        sql: statements that turn actual into desired (only when asked for).
        ignored: table names left out by ignore patterns.
        coverage: what was compared on each side and what was not (:class:`~schemaguard.diff.coverage.Coverage`),
            or None for a report built without it.
    """

    desired: str
    actual: str
    dialect: str
    changes: tuple[Change, ...]
    sql: tuple[str, ...] | None = None
    ignored: tuple[str, ...] = ()
    coverage: Any = None

    @property
    def drift(self) -> bool:
        """True when there is at least one change."""
        return bool(self.changes)

    def summary(self) -> dict[str, int]:
        """Counts per severity: ``{"error": n, "warning": n, "info": n}``."""
        counts = Counter(c.severity.value for c in self.changes)
        return {s.value: counts.get(s.value, 0) for s in Severity}

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON report (see README, "JSON report")."""
        out: dict[str, Any] = {
            "desired": self.desired,
            "actual": self.actual,
            "dialect": self.dialect,
            "drift": self.drift,
            "changes": [c.to_dict() for c in self.changes],
            "summary": self.summary(),
        }
        if self.sql is not None:
            out["sql"] = list(self.sql)
        if self.coverage is not None:
            out["coverage"] = self.coverage.to_dict()
        return out
