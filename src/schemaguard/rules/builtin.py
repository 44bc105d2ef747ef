"""The built-in house rules (seed 003, "Schema Validation Rules"), one small function each.

A rule takes a :class:`RuleContext` and yields ``(table, object, message, location)`` tuples; the registry
:data:`RULES` gives each its code, name, default severity and whether it needs Prisma information (rules that
do are skipped for a plain Schema, e.g. a YAML master).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from schemaguard.model import Schema, SourceLocation, Table, TypeKind
from schemaguard.normalize import canonical_expression
from schemaguard.prisma.conventions import CAMEL_RE, SNAKE_RE, to_camel, to_snake
from schemaguard.prisma.info import ModelInfo, PrismaSchemaInfo
from schemaguard.rules.model import RulesConfig, Severity

Hit = tuple[str | None, str | None, str, SourceLocation | None]


@dataclass(frozen=True, slots=True)
class RuleContext:
    """What a rule looks at: the model, the Prisma information (None for a plain Schema) and the configuration."""

    schema: Schema
    info: PrismaSchemaInfo | None
    config: RulesConfig

    def tables(self) -> Iterator[tuple[Table, ModelInfo | None]]:
        """Tables the rules apply to (excluded and implicit many-to-many tables left out), with their model."""
        for t in self.schema.tables:
            if t.name in self.config.exclude_tables or _is_join_table(t):
                continue
            yield t, (self.info.model_for_table(t.name) if self.info else None)


def _is_join_table(t: Table) -> bool:
    # Prisma's implicit many-to-many tables (_AToB with columns A, B) follow Prisma's naming, not the house's.
    return t.name.startswith("_") and [c.name for c in t.columns] == ["A", "B"]


def camel_case_fields(ctx: RuleContext) -> Iterator[Hit]:
    """Prisma field names are camelCase (``createdAt``, not ``created_at``)."""
    for t, m in ctx.tables():
        if m is None:
            continue
        for f in m.fields:
            if not CAMEL_RE.match(f.name):
                yield t.name, f.name, f"{m.name}.{f.name}: use a camelCase field name ({to_camel(f.name)})", f.loc


def snake_case_columns(ctx: RuleContext) -> Iterator[Hit]:
    """Database column names are snake_case; in Prisma, through ``@map("snake_case")`` on camelCase fields."""
    for t, m in ctx.tables():
        for c in t.columns:
            if SNAKE_RE.match(c.name):
                continue
            if m is not None:
                f = m.field_for_column(c.name)
                name = f.name if f else c.name
                fix = f'add @map("{to_snake(name)}") to {m.name}.{name}'
                yield t.name, name, f"column {t.name}.{c.name} is not snake_case: {fix}", f.loc if f else c.loc
            else:
                yield (
                    t.name,
                    c.name,
                    f"column {t.name}.{c.name} is not snake_case (rename it {to_snake(c.name)})",
                    c.loc,
                )


def snake_case_tables(ctx: RuleContext) -> Iterator[Hit]:
    """Table names are snake_case; in Prisma, through ``@@map("snake_case")`` on PascalCase models."""
    for t, m in ctx.tables():
        if SNAKE_RE.match(t.name):
            continue
        fix = f'add @@map("{to_snake(m.name)}") to model {m.name}' if m else f"rename it {to_snake(t.name)}"
        yield t.name, None, f"table {t.name} is not snake_case: {fix}", m.loc if m else t.loc


def required_fields(ctx: RuleContext) -> Iterator[Hit]:
    """Every model has the required fields (default ``id``, ``createdAt``, ``updatedAt``)."""
    for t, m in ctx.tables():
        if ctx.info is not None and m is None:
            continue
        for want in ctx.config.required_fields:
            if m is not None:
                present = m.field(want) is not None
            else:
                present = any(c.name in (want, to_snake(want)) for c in t.columns)
            if not present:
                owner = f"model {m.name}" if m else f"table {t.name}"
                yield t.name, want, f"{owner} has no {want} field", m.loc if m else t.loc


def updated_at_managed(ctx: RuleContext) -> Iterator[Hit]:
    """An ``updatedAt`` field carries ``@updatedAt`` so Prisma maintains it (Prisma only)."""
    for t, m in ctx.tables():
        if m is None:
            continue
        f = m.field("updatedAt")
        if f is not None and f.kind == "scalar" and not f.updated_at:
            yield t.name, f.name, f"{m.name}.updatedAt has no @updatedAt, so nothing keeps it current", f.loc


_FOREIGN_SYSTEM_IDS = {"externalid", "providerid", "providermessageid", "integrationid"}
"""Column names (lower case, underscores removed) that hold another system's identifier, never a reference."""


def explicit_foreign_keys(ctx: RuleContext) -> Iterator[Hit]:
    """Relations are backed by database foreign keys.

    In Prisma: every relation's owning side names ``fields``/``references`` and the datasource does not use
    ``relationMode = "prisma"`` (which creates no foreign keys). In a plain schema: a column named like a
    reference (``*_id``/``*Id``) has a foreign key.
    """
    if ctx.info is not None:
        for t, m in ctx.tables():
            if m is None:
                continue
            for f in m.fields:
                if f.relation is None or not f.relation.fields:
                    continue
                if ctx.info.relation_mode == "prisma":
                    yield (
                        t.name,
                        f.name,
                        (f'{m.name}.{f.name}: relationMode = "prisma" creates no foreign key in the database'),
                        f.loc,
                    )
        return
    for t, _ in ctx.tables():
        fk_cols = {c for fk in t.foreign_keys for c in fk.columns}
        pk_cols = set(t.primary_key.columns) if t.primary_key else set()
        for c in t.columns:
            # An id issued by another system (externalId, provider_id) names no row of this schema.
            if c.name.lower().replace("_", "") in _FOREIGN_SYSTEM_IDS:
                continue
            looks_like_ref = c.name.endswith("_id") or (c.name.endswith("Id") and len(c.name) > 2)
            if looks_like_ref and c.name not in fk_cols and c.name not in pk_cols:
                yield t.name, c.name, f"{t.name}.{c.name} looks like a reference but has no foreign key", c.loc


def indexed_foreign_keys(ctx: RuleContext) -> Iterator[Hit]:
    """Every foreign key's columns are the leading columns of an index (or the primary key)."""
    for t, m in ctx.tables():
        prefixes = [ix.columns for ix in t.indexes if not ix.where]
        if t.primary_key:
            prefixes.append(t.primary_key.columns)
        fks: list[tuple[tuple[str, ...], str, SourceLocation | None]] = [
            (fk.columns, fk.name or ",".join(fk.columns), fk.loc) for fk in t.foreign_keys
        ]
        if m is not None and ctx.info is not None and ctx.info.relation_mode == "prisma":
            for f in m.fields:
                if f.relation and f.relation.fields:
                    cols = tuple((sf.column or n) if (sf := m.field(n)) else n for n in f.relation.fields)
                    fks.append((cols, f.name, f.loc))
        for cols, name, loc in fks:
            if any(p[: len(cols)] == cols for p in prefixes):
                continue
            fields = ", ".join(_field_names(m, cols))
            fix = f"add @@index([{fields}]) to model {m.name}" if m else f"add an index on ({', '.join(cols)})"
            yield t.name, name, f"foreign key {name} on {t.name}({', '.join(cols)}) has no index: {fix}", loc


def _field_names(m: ModelInfo | None, cols: tuple[str, ...]) -> list[str]:
    if m is None:
        return list(cols)
    return [(f.name if (f := m.field_for_column(c)) else c) for c in cols]


def explicit_unique(ctx: RuleContext) -> Iterator[Hit]:
    """Identifying fields (``email``, ``slug``, ``externalId``... configurable) have an explicit unique constraint
    (alone or in a compound ``@@unique``)."""
    wanted = {w.lower() for w in ctx.config.unique_candidates} | {to_snake(w) for w in ctx.config.unique_candidates}
    for t, m in ctx.tables():
        unique_cols = {c for ix in t.indexes if ix.unique for c in ix.columns}
        if t.primary_key:
            unique_cols |= set(t.primary_key.columns)
        for c in t.columns:
            f = m.field_for_column(c.name) if m else None
            name = f.name if f else c.name
            if (name.lower() in wanted or c.name.lower() in wanted) and c.name not in unique_cols:
                yield (
                    t.name,
                    name,
                    (
                        f"{m.name if m else t.name}.{name} identifies a row but has no unique constraint: declare "
                        "@unique or a compound @@unique explicitly"
                    ),
                    f.loc if f else c.loc,
                )


_PORTABLE = {"CURRENT_TIMESTAMP", "CURRENT_DATE", "CURRENT_TIME"}


def postgres_only_features(ctx: RuleContext) -> Iterator[Hit]:
    """Nothing PostgreSQL-only without a SQLite alternative: native types outside the portable families, GIN/GiST
    index methods and operator classes, default expressions calling PostgreSQL functions."""
    for t, m in ctx.tables():
        for c in t.columns:
            f = m.field_for_column(c.name) if m else None
            name = f.name if f else c.name
            loc = f.loc if f else c.loc
            if c.type.kind in (TypeKind.NATIVE, TypeKind.INTERVAL):
                native = c.type.native or c.type.kind.value
                yield t.name, name, f"{t.name}.{name} uses PostgreSQL type {native}, which SQLite lacks", loc
            d = c.default
            if d is not None and d.kind.value == "expression":
                text = canonical_expression(str(d.value), "postgresql").upper()
                if text not in _PORTABLE:
                    yield (
                        t.name,
                        name,
                        (f"{t.name}.{name} defaults to PostgreSQL expression {d.value}; SQLite gets no default"),
                        loc,
                    )
        for ix in t.indexes:
            ops = [p.opclass for p in ix.parts if p.opclass]
            if ix.method or ops:
                what = ", ".join(filter(None, [ix.method and f"USING {ix.method}", *ops]))
                yield t.name, ix.name, f"index {ix.name} uses {what}; SQLite gets a plain index instead", ix.loc


def list_fields(ctx: RuleContext) -> Iterator[Hit]:
    """Array (list) columns become JSON text on SQLite: flagged so the application reads them as JSON there."""
    for t, m in ctx.tables():
        for c in t.columns:
            if c.type.is_array:
                f = m.field_for_column(c.name) if m else None
                name = f.name if f else c.name
                yield (
                    t.name,
                    name,
                    (f"{t.name}.{name} is a list ({c.type.spec()}); on SQLite it is a String holding JSON"),
                    f.loc if f else c.loc,
                )


def consistent_enum_values(ctx: RuleContext) -> Iterator[Hit]:
    """Enum values use one case convention across the schema (all UPPER_CASE or all lower case)."""
    styles: dict[str, list[str]] = {}
    for e in ctx.schema.enums:
        einfo = ctx.info.enum_for_db_name(e.name) if ctx.info else None
        names = [p for p, _ in einfo.values] if einfo else list(e.values)
        if all(v.upper() == v for v in names):
            styles.setdefault("UPPER_CASE", []).append(e.name)
        elif all(v.lower() == v for v in names):
            styles.setdefault("lower case", []).append(e.name)
        else:
            styles.setdefault("mixed", []).append(e.name)
    if len(styles) <= 1 and "mixed" not in styles:
        return
    majority = max(styles, key=lambda s: len(styles[s]))
    for style, enums in styles.items():
        if style == majority and style != "mixed":
            continue
        for name in enums:
            found = ctx.info.enum_for_db_name(name) if ctx.info else None
            loc = found.loc if found else next((e.loc for e in ctx.schema.enums if e.name == name), None)
            yield None, name, f"enum {name} uses {style} values while most enums use {majority}", loc


@dataclass(frozen=True, slots=True)
class Rule:
    """A registered rule: code, kebab-case name, default severity, whether it needs Prisma info, and its check."""

    code: str
    name: str
    severity: Severity
    prisma_only: bool
    check: Callable[[RuleContext], Iterator[Hit]]


RULES: tuple[Rule, ...] = (
    Rule("SG001", "camel-case-fields", Severity.ERROR, True, camel_case_fields),
    Rule("SG002", "snake-case-columns", Severity.ERROR, False, snake_case_columns),
    Rule("SG003", "snake-case-tables", Severity.WARNING, False, snake_case_tables),
    Rule("SG004", "required-fields", Severity.ERROR, False, required_fields),
    Rule("SG005", "updated-at-managed", Severity.WARNING, True, updated_at_managed),
    Rule("SG006", "explicit-foreign-keys", Severity.ERROR, False, explicit_foreign_keys),
    Rule("SG007", "indexed-foreign-keys", Severity.WARNING, False, indexed_foreign_keys),
    Rule("SG008", "explicit-unique", Severity.WARNING, False, explicit_unique),
    Rule("SG009", "postgres-only-features", Severity.ERROR, False, postgres_only_features),
    Rule("SG010", "list-fields", Severity.INFO, False, list_fields),
    Rule("SG011", "consistent-enum-values", Severity.WARNING, False, consistent_enum_values),
)
"""Every built-in rule, in code order."""
