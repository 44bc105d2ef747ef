"""House-rule validation (``schemaguard validate``): named, configurable rules with severities.

Usage::

    findings = validate_schema(schema, RulesConfig.from_mapping(cfg.get("rules")), info=prisma_info)

Rules that need Prisma information (field names next to column names) run only when ``info`` is given; the
others also apply to YAML masters and inspected databases.
"""

from __future__ import annotations

from schemaguard.model import Schema
from schemaguard.prisma.info import PrismaSchemaInfo
from schemaguard.rules.builtin import RULES, Rule, RuleContext
from schemaguard.rules.model import OFF, Finding, RulesConfig, Severity

__all__ = ["OFF", "RULES", "Finding", "Rule", "RuleContext", "RulesConfig", "Severity", "has_errors", "validate_schema"]


def validate_schema(
    schema: Schema, config: RulesConfig | None = None, info: PrismaSchemaInfo | None = None
) -> list[Finding]:
    """Run every enabled rule.

    Args:
        schema: the model to check.
        config: severities and options (default: every rule at its default severity).
        info: Prisma information from :func:`schemaguard.prisma.loader.load_prisma_with_info`; without it the
            Prisma-only rules are skipped.

    Returns:
        list[Finding] in rule order, then in schema order within a rule.
    """
    cfg = config or RulesConfig()
    ctx = RuleContext(schema, info, cfg)
    findings: list[Finding] = []
    for rule in RULES:
        if rule.prisma_only and info is None:
            continue
        severity = cfg.severity_for(rule.code, rule.name, rule.severity)
        if severity is None:
            continue
        for table, obj, message, loc in rule.check(ctx):
            findings.append(Finding(f"{rule.code} {rule.name}", severity, table, obj, message, loc))
    return findings


def has_errors(findings: list[Finding]) -> bool:
    """True when any finding is error-level (``validate`` then exits 1)."""
    return any(f.severity is Severity.ERROR for f in findings)
