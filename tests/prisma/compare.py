"""Comparison of two models the way drift is judged: through the dialect's adapt() and type_key, and
normalize.default_key / canonical_expression, so that spelling differences do not count.

Returns human-readable differences (empty when the schemas match), so a failing test says what differs.
"""

from __future__ import annotations

from typing import Any

from schemaguard.dialects.registry import get_dialect
from schemaguard.model import Schema, Table
from schemaguard.normalize import canonical_expression, default_key


def _table_key(
    t: Table, dialect_name: str, default_opclasses: frozenset[tuple[str, str]] = frozenset()
) -> dict[str, Any]:
    dialect = get_dialect(dialect_name)
    cols = {
        c.name: (
            dialect.type_key(c.type),
            c.nullable,
            default_key(c.default, c.type, dialect_name),
            c.autoincrement,
            canonical_expression(c.generated, dialect_name) if c.generated else None,
        )
        for c in t.columns
    }
    named = dialect.named_constraints
    pk = (t.primary_key.columns, t.primary_key.name if named else None) if t.primary_key else None
    indexes = {
        ix.name: (
            tuple(
                (
                    p.column,
                    canonical_expression(p.expression, dialect_name) if p.expression else None,
                    p.descending,
                    # A default operator class named explicitly equals none (PostgreSQL does not keep it), as the
                    # differ judges it: defaults learned from the catalog (IndexPart.default_opclass).
                    None if (ix.method or "btree", p.opclass) in default_opclasses else p.opclass,
                )
                for p in ix.parts
            ),
            ix.unique,
            canonical_expression(ix.where, dialect_name) if ix.where else None,
            ix.method,
        )
        for ix in t.indexes
        if not dialect.is_generated_index_name(ix.name)
    }
    fks = {
        (fk.name if named else None, fk.columns): (fk.ref_table, fk.ref_columns, fk.on_delete, fk.on_update)
        for fk in t.foreign_keys
    }
    checks = sorted(canonical_expression(c.expression, dialect_name) for c in t.checks)
    return {"columns": cols, "pk": pk, "indexes": indexes, "fks": fks, "checks": checks}


def schema_differences(expected: Schema, actual: Schema, dialect_name: str) -> list[str]:
    """Differences between two schemas after adapting both to ``dialect_name`` (empty list: no drift)."""
    dialect = get_dialect(dialect_name)
    a, b = dialect.adapt(expected), dialect.adapt(actual)
    out: list[str] = []
    ta = {t.name: t for t in a.tables}
    tb = {t.name: t for t in b.tables}
    for name in sorted(set(ta) - set(tb)):
        out.append(f"table {name}: only in expected")
    for name in sorted(set(tb) - set(ta)):
        out.append(f"table {name}: only in actual")
    defaults = frozenset(
        (ix.method or "btree", p.default_opclass)
        for s in (a, b)
        for t in s.tables
        for ix in t.indexes
        for p in ix.parts
        if p.default_opclass
    )
    for name in sorted(set(ta) & set(tb)):
        ka, kb = _table_key(ta[name], dialect_name, defaults), _table_key(tb[name], dialect_name, defaults)
        for part in ("columns", "indexes", "fks"):
            da, db = ka[part], kb[part]
            for k in sorted(set(da) | set(db), key=repr):
                if da.get(k) != db.get(k):
                    out.append(f"{name} {part} {k}: expected {da.get(k)} actual {db.get(k)}")
        for part in ("pk", "checks"):
            if ka[part] != kb[part]:
                out.append(f"{name} {part}: expected {ka[part]} actual {kb[part]}")
    ea = {e.name: e.values for e in a.enums}
    eb = {e.name: e.values for e in b.enums}
    if ea != eb:
        for k in sorted(set(ea) | set(eb)):
            if ea.get(k) != eb.get(k):
                out.append(f"enum {k}: expected {ea.get(k)} actual {eb.get(k)}")
    return out
