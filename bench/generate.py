"""Synthetic schemas and planted drift for the benchmarks (PostgreSQL and SQLite).

:func:`synthetic_schema` builds N tables, each with 12 columns of a realistic mix (bigint identity key, varchar,
text, an enum, integer, decimal, boolean, timestamptz, timestamp, jsonb, a foreign key column, uuid), a primary
key, two indexes (one plain, one composite with a DESC part), a unique constraint, a foreign key and a named
check. Table ``i`` references table ``i // 2`` (table 0 references itself), so every table in the upper half
is a leaf nobody references: those can be dropped or lose their primary key without cascading.

:func:`plant_drift` takes K differences of every kind the differ reports (cycling through :data:`DRIFT_KINDS`)
on distinct tables and returns the drifted schema plus what was planted. Both the clean and the drifted schema
are materialised with schemaguard's own renderer (:func:`create_database`); the diff under test never sees the
model, only the live catalog, so this does not make the comparison circular.

Run as a script to build a pair of databases by hand::

    python bench/generate.py --dialect postgresql --tables 500 --drift 20 --name demo
"""

from __future__ import annotations

import argparse
import random
import sqlite3
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from schemaguard.api import render
from schemaguard.loaders.yaml_master import dump_yaml_master
from schemaguard.model import (
    Check,
    Column,
    ColumnType,
    Default,
    Enum,
    ForeignKey,
    Index,
    IndexPart,
    PrimaryKey,
    ReferentialAction,
    Schema,
    Table,
    TypeKind,
)
from schemaguard.model.naming import check_name, foreign_key_name, index_name, primary_key_name, unique_name

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
ENUM_VALUES = ("active", "paused", "archived")
TABLES_PER_ENUM = 100


def table_name(i: int) -> str:
    """The name of synthetic table ``i``: ``t00042``."""
    return f"t{i:05d}"


def enum_name(i: int) -> str:
    """The enum type used by table ``i`` (one enum per :data:`TABLES_PER_ENUM` tables)."""
    return f"status_{i // TABLES_PER_ENUM}"


def _table(i: int) -> Table:
    name = table_name(i)
    parent = table_name(i // 2)
    ct = ColumnType
    columns = (
        Column("id", ct(TypeKind.BIGINT), nullable=False, autoincrement=True),
        Column("code", ct(TypeKind.STRING, length=32), nullable=False),
        Column("name", ct(TypeKind.STRING, length=200), nullable=False),
        Column("description", ct(TypeKind.TEXT)),
        Column("status", ct(TypeKind.ENUM, enum_name=enum_name(i)), nullable=False, default=Default.literal("active")),
        Column("quantity", ct(TypeKind.INTEGER), nullable=False, default=Default.literal(0)),
        Column("price", ct(TypeKind.DECIMAL, precision=12, scale=2), nullable=False, default=Default.literal(0)),
        Column("is_active", ct(TypeKind.BOOLEAN), nullable=False, default=Default.literal(True)),
        Column(
            "created_at",
            ct(TypeKind.DATETIME, timezone=True),
            nullable=False,
            default=Default.expression("CURRENT_TIMESTAMP"),
        ),
        Column("updated_at", ct(TypeKind.DATETIME)),
        Column("payload", ct(TypeKind.JSON)),
        Column("parent_id", ct(TypeKind.BIGINT)),
    )
    return Table(
        name=name,
        columns=columns,
        primary_key=PrimaryKey(("id",), primary_key_name(name)),
        indexes=(
            Index(unique_name(name, ["code"]), (IndexPart(column="code"),), unique=True, constraint=True),
            Index(index_name(name, ["name"]), (IndexPart(column="name"),)),
            Index(
                index_name(name, ["parent_id", "created_at"]),
                (IndexPart(column="parent_id"), IndexPart(column="created_at", descending=True)),
            ),
        ),
        foreign_keys=(
            ForeignKey(
                foreign_key_name(name, ["parent_id"]),
                ("parent_id",),
                parent,
                ("id",),
                on_delete=ReferentialAction.SET_NULL,
            ),
        ),
        checks=(Check(check_name(name, ["price"]), "price >= 0"),),
    )


def synthetic_schema(n_tables: int) -> Schema:
    """A schema of ``n_tables`` synthetic tables and ``ceil(n / 100)`` enums (see the module docstring).

    Args:
        n_tables: number of tables (>= 2).

    Returns:
        The Schema, tables sorted by name.
    """
    n_enums = (n_tables + TABLES_PER_ENUM - 1) // TABLES_PER_ENUM
    enums = tuple(Enum(f"status_{k}", ENUM_VALUES) for k in range(n_enums))
    return Schema(tables=tuple(_table(i) for i in range(n_tables)), enums=enums)


@dataclass(frozen=True)
class Planted:
    """One planted difference, as the differ should report it.

    Attributes:
        kind: the expected ``ChangeKind`` value (``column_missing``...).
        table: the table concerned (None for an enum).
        object: the column, index, constraint, table or enum name the change names.
        names: identifiers a peer's output must mention to be credited with finding it (a foreign key by its
            table and column: SQLite keeps no foreign key names).
    """

    kind: str
    table: str | None
    object: str
    names: tuple[str, ...]


DRIFT_KINDS: tuple[str, ...] = (
    "column_missing",
    "column_extra",
    "column_type",
    "column_nullable",
    "column_default",
    "index_missing",
    "index_extra",
    "index_changed",
    "unique_missing",
    "foreign_key_missing",
    "foreign_key_changed",
    "check_missing",
    "check_extra",
    "table_missing",
    "table_extra",
    "primary_key",
    "enum_values",
)
"""Every kind of difference the planter can make; ``unique_missing`` is reported as ``index_missing``.
``primary_key`` and ``enum_values`` are PostgreSQL only (SQLite keeps no PK name and has no enum types)."""

SQLITE_SKIP = frozenset({"primary_key", "enum_values"})


def _replace_col(t: Table, name: str, **changes: Any) -> Table:
    return replace(t, columns=tuple(replace(c, **changes) if c.name == name else c for c in t.columns))


def _mutate(kind: str, t: Table, schema: Schema) -> tuple[Table | None, list[Table], Planted, Schema]:
    """Apply one drift of ``kind`` to table ``t``; returns (table or None if dropped, new tables, planted, schema)."""
    n = t.name
    if kind == "column_missing":
        cols = tuple(c for c in t.columns if c.name != "description")
        return replace(t, columns=cols), [], Planted(kind, n, "description", (n, "description")), schema
    if kind == "column_extra":
        cols = (*t.columns, Column("extra_note", ColumnType(TypeKind.TEXT)))
        return replace(t, columns=cols), [], Planted(kind, n, "extra_note", (n, "extra_note")), schema
    if kind == "column_type":
        # timestamp -> date: a change SQLite's type families see too (varchar lengths are not enforced there).
        t2 = _replace_col(t, "updated_at", type=ColumnType(TypeKind.DATE))
        return t2, [], Planted(kind, n, "updated_at", (n, "updated_at")), schema
    if kind == "column_nullable":
        t2 = _replace_col(t, "description", nullable=False)
        return t2, [], Planted(kind, n, "description", (n, "description")), schema
    if kind == "column_default":
        t2 = _replace_col(t, "quantity", default=Default.literal(1))
        return t2, [], Planted(kind, n, "quantity", (n, "quantity")), schema
    if kind == "index_missing":
        ix = index_name(n, ["name"])
        return replace(t, indexes=tuple(i for i in t.indexes if i.name != ix)), [], Planted(kind, n, ix, (ix,)), schema
    if kind == "index_extra":
        ix = index_name(n, ["quantity"])
        new_index = Index(ix, (IndexPart(column="quantity"),))
        return replace(t, indexes=(*t.indexes, new_index)), [], Planted(kind, n, ix, (ix,)), schema
    if kind == "index_changed":
        ix = index_name(n, ["name"])
        idx = tuple(
            replace(i, parts=(IndexPart(column="code"), IndexPart(column="name"))) if i.name == ix else i
            for i in t.indexes
        )
        return replace(t, indexes=idx), [], Planted(kind, n, ix, (ix,)), schema
    if kind == "unique_missing":
        uq = unique_name(n, ["code"])
        idx = tuple(i for i in t.indexes if i.name != uq)
        return replace(t, indexes=idx), [], Planted("index_missing", n, uq, (uq,)), schema
    if kind == "foreign_key_missing":
        fk = foreign_key_name(n, ["parent_id"])
        return replace(t, foreign_keys=()), [], Planted(kind, n, fk, (n, "parent_id")), schema
    if kind == "foreign_key_changed":
        fk = foreign_key_name(n, ["parent_id"])
        fks = tuple(replace(f, on_delete=ReferentialAction.CASCADE) for f in t.foreign_keys)
        return replace(t, foreign_keys=fks), [], Planted(kind, n, fk, (n, "parent_id")), schema
    if kind == "check_missing":
        ck = check_name(n, ["price"])
        return replace(t, checks=()), [], Planted(kind, n, ck, (ck,)), schema
    if kind == "check_extra":
        ck = check_name(n, ["quantity"])
        return replace(t, checks=(*t.checks, Check(ck, "quantity >= 0"))), [], Planted(kind, n, ck, (ck,)), schema
    if kind == "table_missing":
        return None, [], Planted(kind, n, n, (n,)), schema
    if kind == "table_extra":
        extra = f"{n}_extra"
        new = Table(
            extra,
            (Column("id", ColumnType(TypeKind.BIGINT), nullable=False), Column("note", ColumnType(TypeKind.TEXT))),
            PrimaryKey(("id",), primary_key_name(extra)),
        )
        return t, [new], Planted(kind, extra, extra, (extra,)), schema
    if kind == "primary_key":
        # Dropped with ALTER TABLE afterwards (see plant_drift): re-rendering the table without a key would
        # also turn its bigserial into an identity column, a second difference.
        pk = primary_key_name(n)
        return t, [], Planted(kind, n, pk, (pk,)), schema
    if kind == "enum_values":
        en = enum_name(int(n[1:]))
        enums = tuple(replace(e, values=(*e.values, "deleted")) if e.name == en else e for e in schema.enums)
        return t, [], Planted(kind, None, en, (en,)), replace(schema, enums=enums)
    raise ValueError(f"unknown drift kind {kind!r}")


def plant_drift(schema: Schema, k: int, *, dialect: str, seed: int = 7) -> tuple[Schema, list[Planted], list[str]]:
    """Plant ``k`` differences into a copy of ``schema``, cycling through every kind the dialect supports.

    Args:
        schema: a schema from :func:`synthetic_schema`.
        k: number of differences (each on its own table; kinds that drop a table or its primary key only pick
            leaf tables, so nothing cascades; enum changes pick distinct enums).
        dialect: ``postgresql`` or ``sqlite``.
        seed: random seed (the same seed gives the same drift).

    Returns:
        (drifted schema, planted differences, SQL to run on the drifted database once it is created).

    Raises:
        ValueError: more differences asked for than there are tables (or enums) to put them on.
    """
    kinds = [kd for kd in DRIFT_KINDS if not (dialect == "sqlite" and kd in SQLITE_SKIP)]
    rng = random.Random(seed)
    n = len(schema.tables)
    leaves = [i for i in range(n // 2 + 1, n)]
    others = [i for i in range(1, n // 2 + 1)]
    rng.shuffle(leaves)
    rng.shuffle(others)
    used_enums: set[str] = set()
    by_index = {int(t.name[1:]): t for t in schema.tables}
    new_tables: list[Table] = []
    planted: list[Planted] = []
    post_sql: list[str] = []
    for j in range(k):
        kind = kinds[j % len(kinds)]
        if kind in ("table_missing", "primary_key"):
            candidates = leaves
        elif kind == "enum_values":
            candidates = [i for i in others + leaves if enum_name(i) not in used_enums]
        else:
            candidates = others or leaves
        if not candidates:
            raise ValueError(f"cannot plant {k} differences of {len(kinds)} kinds on {n} tables")
        i = candidates[-1]
        for pool in (leaves, others):
            if i in pool:
                pool.remove(i)
        if kind == "enum_values":
            used_enums.add(enum_name(i))
        t2, extra, p, schema = _mutate(kind, by_index[i], schema)
        if t2 is None:
            del by_index[i]
        else:
            by_index[i] = t2
        new_tables += extra
        planted.append(p)
        if kind == "primary_key":
            post_sql.append(f'ALTER TABLE "{p.table}" DROP CONSTRAINT "{p.object}"')
    tables = sorted([*by_index.values(), *new_tables], key=lambda t: t.name)
    return replace(schema, tables=tuple(tables)), planted, post_sql


# --- materialising --------------------------------------------------------------------------------------------


def pg_url(dbname: str, driver: str = "") -> str:
    """URL of database ``dbname`` on the benchmark server (``driver`` e.g. ``+psycopg2`` for migra)."""
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", f"postgresql{driver}://", 1)
    return f"{base}/{dbname}"


def create_database(schema: Schema, dialect: str, target: str, post_sql: list[str] | None = None) -> str:
    """Create a fresh database holding ``schema`` (rendered by schemaguard) and return its URL.

    Args:
        schema: the schema to materialise.
        dialect: ``postgresql`` or ``sqlite``.
        target: the PostgreSQL database name (dropped first if it exists) or the SQLite file path (replaced).
        post_sql: statements to run after the schema is created (the drift planter's ALTERs).

    Returns:
        ``postgresql://.../target`` or ``sqlite:///target``.
    """
    statements = render(schema, dialect) + list(post_sql or ())
    if dialect == "sqlite":
        path = Path(target)
        path.unlink(missing_ok=True)
        con = sqlite3.connect(path)
        try:
            con.executescript(";\n".join(statements) + ";")
            con.commit()
        finally:
            con.close()
        return f"sqlite:///{path}"
    import psycopg
    from psycopg import sql

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(target)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(target)))
    url = pg_url(target)
    # Committed in batches: thousands of CREATEs in one transaction exhaust max_locks_per_transaction.
    with psycopg.connect(url) as conn:
        for start in range(0, len(statements), 500):
            conn.execute(";\n".join(statements[start : start + 500]).encode())
            conn.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")
    return url


def drop_pg_database(name: str) -> None:
    """Drop benchmark database ``name`` if it exists."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def write_master(schema: Schema, path: Path) -> Path:
    """Write ``schema`` as a YAML master file (what a user keeps in the repository); returns the path."""
    path.write_text(dump_yaml_master(schema), encoding="utf-8")
    return path


def main() -> None:
    """CLI: build a master YAML, a clean database and a drifted database."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dialect", choices=("postgresql", "sqlite"), default="postgresql")
    ap.add_argument("--tables", type=int, default=100)
    ap.add_argument("--drift", type=int, default=20)
    ap.add_argument("--name", default="sgbench")
    ap.add_argument("--dir", default="/tmp/sgbench")
    args = ap.parse_args()
    out = Path(args.dir)
    out.mkdir(parents=True, exist_ok=True)
    schema = synthetic_schema(args.tables)
    drifted, planted, post_sql = plant_drift(schema, args.drift, dialect=args.dialect)
    master = write_master(schema, out / f"{args.name}.yaml")
    if args.dialect == "sqlite":
        clean = create_database(schema, "sqlite", str(out / f"{args.name}_master.sqlite"))
        target = create_database(drifted, "sqlite", str(out / f"{args.name}_drift.sqlite"), post_sql)
    else:
        clean = create_database(schema, "postgresql", f"{args.name}_master")
        target = create_database(drifted, "postgresql", f"{args.name}_drift", post_sql)
    print(f"master file: {master}\nclean db: {clean}\ndrifted db: {target}")
    for p in planted:
        print(f"  planted {p.kind:22} {p.table or '-':14} {p.object}")


if __name__ == "__main__":
    main()
