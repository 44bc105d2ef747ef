"""Findings, severities and the rules configuration of ``schemaguard validate``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from schemaguard.errors import ConfigError
from schemaguard.model import SourceLocation


class Severity(StrEnum):
    """How serious a finding is. ``validate`` exits 1 when any finding is an error."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


OFF = "off"
"""The severity value that disables a rule in the configuration."""

RULE_IDS: tuple[tuple[str, str], ...] = (
    ("SG001", "camel-case-fields"),
    ("SG002", "snake-case-columns"),
    ("SG003", "snake-case-tables"),
    ("SG004", "required-fields"),
    ("SG005", "updated-at-managed"),
    ("SG006", "explicit-foreign-keys"),
    ("SG007", "indexed-foreign-keys"),
    ("SG008", "explicit-unique"),
    ("SG009", "postgres-only-features"),
    ("SG010", "list-fields"),
    ("SG011", "consistent-enum-values"),
)
"""(code, name) of every built-in rule, in order: what the configuration may name (``[rules.severity]``).
Kept here, apart from the rules themselves, so loading the configuration does not import them (sqlglot);
tests/rules/test_rule_ids.py checks it against ``RULES``."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule violation.

    Attributes:
        rule: the rule code and name, e.g. ``SG001``.
        severity: error, warning or info.
        table: the table (database name) concerned, or None for schema-wide findings.
        object: the column, index, relation field or enum concerned (Prisma field names where known).
        message: one human sentence with the fix.
        location: where the object is defined (``file:line:col``), when known.
    """

    rule: str
    severity: Severity
    table: str | None
    object: str | None
    message: str
    location: SourceLocation | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON form: rule, severity, table, object, message, location (``file:line:col`` or None)."""
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "table": self.table,
            "object": self.object,
            "message": self.message,
            "location": str(self.location) if self.location else None,
        }


@dataclass(frozen=True, slots=True)
class RulesConfig:
    """Which rules run, at which severity, with which options.

    Attributes:
        severities: rule code or name → ``error``/``warning``/``info``/``off``; rules not listed keep their
            default severity.
        required_fields: the fields every model must have (Prisma field names; for a plain schema, the column
            names in either camelCase or snake_case spelling).
        unique_candidates: field names that identify a row and so need an explicit unique constraint.
        exclude_tables: tables no rule looks at (``_prisma_migrations``, implicit many-to-many tables are
            always skipped by the rules that do not apply to them).
    """

    severities: Mapping[str, str] = field(default_factory=dict)
    required_fields: tuple[str, ...] = ("id", "createdAt", "updatedAt")
    unique_candidates: tuple[str, ...] = ("email", "slug", "username", "externalId")
    exclude_tables: tuple[str, ...] = ("_prisma_migrations",)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> RulesConfig:
        """Build from the ``rules:`` section of the configuration file.

        Args:
            data: ``{"severity": {"SG001": "warning", "snake-case-columns": "off"}, "required_fields": [...],
                "unique_candidates": [...], "exclude_tables": [...]}`` (every key optional).

        Raises:
            ConfigError: an unknown key or severity value.
        """
        if not data:
            return cls()
        known = {"severity", "required_fields", "unique_candidates", "exclude_tables"}
        unknown = set(data) - known
        if unknown:
            raise ConfigError(
                f"unknown key(s) in rules: {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}"
            )
        sev = dict(data.get("severity") or {})
        allowed = {s.value for s in Severity} | {OFF}
        known = {i for pair in RULE_IDS for i in pair}
        for k, v in sev.items():
            if k not in known:
                raise ConfigError(f"rules.severity: unknown rule {k!r}")
            if str(v).lower() not in allowed:
                raise ConfigError(f"rules.severity.{k} must be one of {', '.join(sorted(allowed))}, got {v!r}")
        base = cls()
        return cls(
            severities={k: str(v).lower() for k, v in sev.items()},
            required_fields=tuple(data.get("required_fields") or base.required_fields),
            unique_candidates=tuple(data.get("unique_candidates") or base.unique_candidates),
            exclude_tables=tuple(data.get("exclude_tables") or base.exclude_tables),
        )

    def severity_for(self, code: str, name: str, default: Severity) -> Severity | None:
        """The configured severity of a rule (None when it is turned off)."""
        value = self.severities.get(code, self.severities.get(name))
        if value is None:
            return default
        return None if value == OFF else Severity(value)
