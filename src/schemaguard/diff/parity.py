"""Dev/prod parity: compare a SQLite database with a PostgreSQL database through the logical model.

Both are meant to be renderings of one master (SQLite in development, PostgreSQL in production, the seed-003
situation). Their catalogs spell the same schema differently — enum types vs TEXT, ``timestamp(3)`` vs
``DATETIME``, GIN indexes, named constraints — so comparing them object by object in either dialect would
report spelling. Instead the PostgreSQL side is lowered to what SQLite can hold, exactly as a master is adapted
before it is rendered for SQLite (:meth:`Dialect.adapt`), and the two are compared with SQLite's rules (type
families by affinity, no constraint names). What is left is what matters to an application running on both: a
missing table or column, a different nullability, type family or default, a missing or different index, unique
constraint, foreign key or check.

Not compared (reported in the coverage section): what SQLite cannot hold — enum types as types (their values
are compared where the SQLite side guards them with a CHECK), index access methods and operator classes,
array element types, constraint names, SQLite's ``AUTOINCREMENT`` keyword, and the database objects other than
tables (views, functions, triggers, sequences...).
"""

from __future__ import annotations

from dataclasses import replace

from schemaguard.dialects import Dialect
from schemaguard.diff.changes import Change
from schemaguard.model import NotCompared, Schema, Table, TypeKind

NOT_COMPARED = NotCompared(
    "PostgreSQL-only detail",
    "dev/prod parity compares through the logical model: enum types, index methods and operator classes, array "
    "element types, constraint names, AUTOINCREMENT and non-table objects are dialect spelling",
)


def lower_to(schema: Schema, dialect: Dialect) -> Schema:
    """``schema`` (introspected from PostgreSQL) as ``dialect`` (SQLite) would hold it: the adaptation a master
    goes through before it is rendered there, without enum CHECKs (compared separately, see
    :func:`parity_changes`) and without objects other than tables.

    Returns:
        the adapted Schema, its ``not_compared`` carrying :data:`NOT_COMPARED`.
    """
    # not_stored: a default SQLite cannot evaluate (gen_random_uuid()) is dropped, and reported as not compared.
    lowered = dialect.adapt(dialect.not_stored(replace(schema, enum_checks=False, objects=())))
    return replace(lowered, tables=tuple(_plain_autoincrement(t) for t in lowered.tables))


def _plain_autoincrement(t: Table) -> Table:
    if not any(c.strict_autoincrement for c in t.columns):
        return t
    return replace(t, columns=tuple(replace(c, strict_autoincrement=False) for c in t.columns))


def _without_enum_checks(sqlite: Schema, postgres: Schema) -> Schema:
    """Drop the SQLite side's CHECKs that only emulate an enum of the PostgreSQL side (``col IN (...)`` with
    exactly the enum's values): the enum's values are compared through them, nothing else."""
    enums = {e.name: set(e.values) for e in postgres.enums}
    by_name = {t.name.lower(): t for t in postgres.tables}
    tables = []
    for t in sqlite.tables:
        pg = by_name.get(t.name.lower())
        enum_cols: dict[str, set[str]] = {}
        if pg is not None:
            for c in pg.columns:
                if c.type.kind is TypeKind.ENUM and not c.type.is_array and c.type.enum_name in enums:
                    enum_cols[c.name.lower()] = enums[c.type.enum_name]
        kept = tuple(ck for ck in t.checks if not _emulates(ck.expression, enum_cols))
        tables.append(t if len(kept) == len(t.checks) else replace(t, checks=kept))
    return replace(sqlite, tables=tuple(tables), objects=())


def _emulates(expression: str, enum_cols: dict[str, set[str]]) -> bool:
    import sqlglot
    from sqlglot import exp

    from schemaguard.normalize import SQLGLOT_FAILURES

    try:
        node = sqlglot.parse_one(expression, read="sqlite")
    except SQLGLOT_FAILURES:
        return False
    while isinstance(node, exp.Paren):
        node = node.this
    if not isinstance(node, exp.In) or not isinstance(node.this, exp.Column):
        return False
    values = enum_cols.get(node.this.name.lower())
    if values is None:
        return False
    literals = node.expressions
    return all(isinstance(v, exp.Literal) and v.is_string for v in literals) and {v.this for v in literals} == values


def parity_changes(
    desired: Schema, actual: Schema, desired_dialect: Dialect, actual_dialect: Dialect
) -> tuple[list[Change], Schema, Schema, Dialect]:
    """The differences that matter between a SQLite and a PostgreSQL database.

    Args:
        desired, actual: the two introspected schemas (either may be the PostgreSQL one).
        desired_dialect, actual_dialect: their dialects (one ``sqlite``, one ``postgresql``).

    Returns:
        ``(changes, desired as compared, actual as compared, the dialect compared in)``: changes as
        :func:`~schemaguard.diff.differ.diff_schemas` gives them, in SQLite's terms.

    Raises:
        ValueError: the two dialects are not one SQLite and one PostgreSQL.
    """
    from schemaguard.diff.differ import diff_schemas

    names = {desired_dialect.name, actual_dialect.name}
    if names != {"sqlite", "postgresql"}:
        raise ValueError(f"parity compares SQLite with PostgreSQL, not {sorted(names)}")
    # Both sides are compared in the terms of the dialect that emulates what the other stores natively (SQLite:
    # enums as TEXT + CHECK, arrays as JSON text); the native side is lowered into them as a master would be.
    desired_native = desired_dialect.native_enums
    sqlite = actual_dialect if desired_native else desired_dialect
    pg_schema, sqlite_schema = (desired, actual) if desired_native else (actual, desired)
    lowered = lower_to(pg_schema, sqlite)
    plain = _without_enum_checks(lower_to(sqlite_schema, sqlite), pg_schema)
    d, a = (lowered, plain) if desired_native else (plain, lowered)
    d = replace(d, not_compared=(*d.not_compared, NOT_COMPARED))
    changes = diff_schemas(
        d,
        a,
        sqlite,
        desired_syntax=desired_dialect.name,
        actual_syntax=actual_dialect.name,
    )
    return changes, d, a, sqlite
