"""Expressions and generated SQL, one test per bug class found on real schemas (issue 12, section 2).

Every test builds real databases (a fresh PostgreSQL database, a SQLite file) and goes through the public API:
render the master, apply the DDL as a user would, introspect, diff.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from schemaguard import api
from schemaguard.config import Config
from schemaguard.model import Column, ColumnType, ForeignKey, PrimaryKey, Schema, Table, TypeKind
from schemaguard.normalize import canonical_expression, parse_default
from tests.helpers import apply_statements, sqlite_file


def _master(tmp_path: Path, text: str) -> Schema:
    path = tmp_path / "master.yaml"
    path.write_text(text, encoding="utf-8")
    return api.load_master(Config(), path)


def _diff(desired: Schema, url: str, with_sql: bool = False) -> api.DiffReport:  # type: ignore[name-defined]
    actual = api.load_source(url, Config())
    return api.diff_sources(api.Source(desired, "master", None, "postgresql"), actual, Config(), with_sql=with_sql)


def _kinds(report: object) -> list[str]:
    return [f"{c.kind.value}:{c.object}" for c in report.changes]  # type: ignore[attr-defined]


# --- AT TIME ZONE is timezone() -----------------------------------------------------------------------------


def test_at_time_zone_equals_timezone_call_in_checks_indexes_and_defaults(tmp_path: Path, pg_url: str) -> None:
    """PostgreSQL 15 stores ``x AT TIME ZONE 'utc'`` as ``timezone('utc'::text, x)`` in a CHECK; a master written
    either way matches, and the DEFAULT needs parentheses (a bare AT TIME ZONE is a syntax error there)."""
    schema = _master(
        tmp_path,
        """
version: 1
tables:
  ev:
    columns:
      id: {type: integer, primary_key: true}
      ts: {type: timestamptz}
      at_utc: {type: datetime, default: {sql: "CURRENT_TIMESTAMP AT TIME ZONE 'utc'"}}
    indexes:
      - {name: ev_utc_idx, columns: [{expression: "ts AT TIME ZONE 'utc'"}]}
    checks:
      - {name: ev_after_2020, expression: "ts AT TIME ZONE 'utc' > '2020-01-01 00:00:00'::timestamp"}
""",
    )
    statements = api.render(schema, "postgresql")
    assert any("DEFAULT (CURRENT_TIMESTAMP AT TIME ZONE 'utc')" in s for s in statements), statements
    apply_statements(pg_url, statements)
    assert _kinds(_diff(schema, pg_url)) == []
    # The other spelling on the database side: still no drift.
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE ev DROP CONSTRAINT ev_after_2020")
        conn.execute(
            "ALTER TABLE ev ADD CONSTRAINT ev_after_2020 CHECK (timezone('utc', ts) > '2020-01-01'::timestamp)"
        )
    assert _kinds(_diff(schema, pg_url)) == []
    assert canonical_expression("timezone('utc'::text, ts)") == canonical_expression("ts AT TIME ZONE 'utc'")


# --- literal defaults: bit strings, nested arrays, CURRENT_TIME, value-changing casts --------------------------


def test_bit_nested_array_current_time_and_casts_render_and_round_trip(tmp_path: Path, pg_url: str) -> None:
    schema = _master(
        tmp_path,
        """
version: 1
tables:
  lit:
    columns:
      id: {type: integer, primary_key: true}
      b: {type: "native(bit(4))", default: {sql: "b'0101'"}}
      x: {type: "native(bit varying(8))", default: {sql: "x'1F'"}}
      grid: {type: "integer[]", default: {sql: "ARRAY[ARRAY[1,2],ARRAY[3,4]]"}}
      t: {type: time, default: {sql: CURRENT_TIME}}
      day_text: {type: text, default: {sql: "CURRENT_TIMESTAMP::date::text"}}
""",
    )
    ddl = api.render(schema, "postgresql")[0]
    assert "CURRENT_TIME()" not in ddl and "DEFAULT CURRENT_TIME" in ddl
    assert "B'0101'" in ddl and "B'00011111'" in ddl  # bit strings stay bit strings
    assert "{{" in ddl and "[1, 2]" not in ddl  # a nested array literal stays nested
    assert "AS DATE" in ddl.upper() and "AS TEXT" in ddl.upper()  # the casts that change the value are kept
    apply_statements(pg_url, [ddl])
    assert _kinds(_diff(schema, pg_url)) == []
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("INSERT INTO lit (id) VALUES (1)")
        row = conn.execute("SELECT b::text, x::text, grid, day_text = CURRENT_DATE::text FROM lit").fetchone()
    assert row == ("0101", "00011111", [[1, 2], [3, 4]], True)
    # Removing the casts changes the value: that is drift.
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE lit ALTER COLUMN day_text SET DEFAULT CURRENT_TIMESTAMP")
    assert _kinds(_diff(schema, pg_url)) == ["column_default:day_text"]


def test_parse_default_keeps_value_changing_casts_and_bit_strings() -> None:
    assert parse_default("((CURRENT_TIMESTAMP)::date)::text", "postgresql").value != "CURRENT_TIMESTAMP"
    assert parse_default("now()::timestamp(3)", "postgresql").value == "CURRENT_TIMESTAMP"
    assert parse_default("'0101'::\"bit\"", "postgresql") == parse_default("b'0101'", "postgresql")
    assert parse_default("x'1F'", "postgresql") == parse_default("B'00011111'", "postgresql")
    assert parse_default("'{{1,2},{3,4}}'::integer[]", "postgresql").value == [["1", "2"], ["3", "4"]]


# --- % in DDL -----------------------------------------------------------------------------------------------


def test_percent_is_never_doubled_in_ddl(tmp_path: Path, db_factory: Callable[[], str]) -> None:
    schema = _master(
        tmp_path,
        """
version: 1
tables:
  acct:
    columns:
      id: {type: integer, primary_key: true}
      login: {type: text}
    checks:
      - {name: acct_admin, expression: "login LIKE 'admin%'"}
    indexes:
      - {name: acct_pct_idx, columns: [login], where: "login LIKE '%x'"}
""",
    )
    url = db_factory()
    dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
    statements = api.render(schema, dialect)
    assert not any("%%" in s for s in statements), statements
    apply_statements(url, statements)
    assert _kinds(_diff(schema, url)) == []
    # The constraint means what it says: 'adminX' passes, 'root' fails.
    insert = "INSERT INTO acct (id, login) VALUES (1, 'adminX')"
    bad = "INSERT INTO acct (id, login) VALUES (2, 'root')"
    apply_statements(url, [insert])
    with pytest.raises((sqlite3.IntegrityError, psycopg.errors.CheckViolation)):
        apply_statements(url, [bad])


# --- operator classes ---------------------------------------------------------------------------------------


def test_expression_opclass_kept_and_default_opclass_is_not_drift(tmp_path: Path, pg_url: str) -> None:
    schema = _master(
        tmp_path,
        """
version: 1
tables:
  doc:
    columns:
      id: {type: integer, primary_key: true}
      name: {type: "varchar(40)"}
      tags: {type: "text[]"}
    indexes:
      - {name: doc_lower_idx, columns: [{expression: "lower(name)", opclass: text_pattern_ops, order: desc}]}
      - {name: doc_tags_idx, method: gin, columns: [{column: tags, opclass: array_ops}]}
""",
    )
    statements = api.render(schema, "postgresql")
    assert any("(lower(name)) text_pattern_ops DESC" in s for s in statements), statements
    apply_statements(pg_url, statements)
    with psycopg.connect(pg_url) as conn:
        (indexdef,) = conn.execute("SELECT pg_get_indexdef('doc_lower_idx'::regclass)").fetchone()  # type: ignore[misc]
    assert "text_pattern_ops" in indexdef
    # array_ops is GIN's default class for arrays (pg_opclass.opcdefault): PostgreSQL does not print it.
    assert _kinds(_diff(schema, pg_url)) == []
    # A non-default class that the database lacks is still drift.
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("DROP INDEX doc_lower_idx")
        conn.execute("CREATE INDEX doc_lower_idx ON doc ((lower(name)) DESC)")
    assert _kinds(_diff(schema, pg_url)) == ["index_changed:doc_lower_idx"]


# --- SQLite names are case-insensitive ----------------------------------------------------------------------


def test_sqlite_table_and_column_names_match_case_insensitively(tmp_path: Path, sqlite_url: str) -> None:
    apply_statements(
        sqlite_url,
        ["CREATE TABLE USERS (ID INTEGER PRIMARY KEY, Email TEXT NOT NULL)", "CREATE INDEX users_e ON USERS (EMAIL)"],
    )
    schema = _master(
        tmp_path,
        """
version: 1
tables:
  users:
    columns:
      id: {type: integer, primary_key: true}
      email: {type: text, nullable: false}
    indexes:
      - {name: users_e, columns: [email]}
""",
    )
    report = _diff(schema, sqlite_url, with_sql=True)
    assert _kinds(report) == [] and not report.sql


# --- PostgreSQL: deferrable unique constraints, check names -------------------------------------------------


def test_unique_deferrable_and_check_names_are_compared(tmp_path: Path, pg_url: str) -> None:
    schema = _master(
        tmp_path,
        """
version: 1
tables:
  slot:
    columns:
      id: {type: integer, primary_key: true}
      pos: {type: integer}
      a: {type: integer}
    checks:
      - {name: a_positive, expression: "a > 0"}
""",
    )
    apply_statements(pg_url, api.render(schema, "postgresql"))
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE slot ADD CONSTRAINT slot_pos_key UNIQUE (pos) DEFERRABLE INITIALLY DEFERRED")
        conn.execute("ALTER TABLE slot RENAME CONSTRAINT a_positive TO slot_a_check")
    inspected = api.inspect_url(pg_url)
    (uq,) = inspected.tables[0].indexes
    assert uq.deferrable and uq.initially_deferred
    # The desired side has the same unique constraint but not deferrable: drift, and a check under another name.
    desired = _master(
        tmp_path,
        """
version: 1
tables:
  slot:
    columns:
      id: {type: integer, primary_key: true}
      pos: {type: integer, unique: true}
      a: {type: integer}
    checks:
      - {name: a_positive, expression: "a > 0"}
""",
    )
    kinds = sorted(_kinds(_diff(desired, pg_url)))
    assert kinds == ["check_extra:slot_a_check", "check_missing:a_positive", "index_changed:slot_pos_key"]


# --- SQLite AUTOINCREMENT -----------------------------------------------------------------------------------


def _pk_table(strict: bool) -> Schema:
    cols = (
        Column("id", ColumnType(TypeKind.INTEGER), False, autoincrement=True, strict_autoincrement=strict),
        Column("v", ColumnType(TypeKind.TEXT)),
    )
    return Schema((Table("t", cols, PrimaryKey(("id",))),))


def test_sqlite_autoincrement_differs_from_plain_rowid_alias(sqlite_factory: Callable[[], str]) -> None:
    strict_url, plain_url = sqlite_factory(), sqlite_factory()
    strict_ddl = api.render(_pk_table(True), "sqlite")
    assert "PRIMARY KEY AUTOINCREMENT" in strict_ddl[0]
    apply_statements(strict_url, strict_ddl)
    apply_statements(plain_url, api.render(_pk_table(False), "sqlite"))
    assert api.inspect_url(strict_url).tables[0].columns[0].strict_autoincrement
    assert not api.inspect_url(plain_url).tables[0].columns[0].strict_autoincrement
    assert _kinds(_diff(_pk_table(True), strict_url)) == []
    assert _kinds(_diff(_pk_table(True), plain_url)) == ["column_default:id"]
    # What it means: without AUTOINCREMENT SQLite reuses the largest deleted rowid.
    for url in (strict_url, plain_url):
        con = sqlite3.connect(sqlite_file(url))
        con.execute("INSERT INTO t (v) VALUES ('a')")
        con.execute("DELETE FROM t")
        con.execute("INSERT INTO t (v) VALUES ('b')")
        con.commit()
        (rowid,) = con.execute("SELECT id FROM t").fetchone()
        con.close()
        assert rowid == (2 if url == strict_url else 1)


def test_sqlite_autoincrement_is_not_drift_on_postgresql(pg_url: str) -> None:
    apply_statements(pg_url, api.render(_pk_table(True), "postgresql"))
    assert _kinds(_diff(_pk_table(True), pg_url)) == []


# --- deferrable foreign keys (both dialects; SQLite's pragma does not report it) -----------------------------


def _fk_schema(deferred: bool) -> Schema:
    parent = Table("parent", (Column("id", ColumnType(TypeKind.INTEGER), False),), PrimaryKey(("id",), "parent_pkey"))
    fk = ForeignKey("child_pid_fkey", ("pid",), "parent", ("id",), deferrable=deferred, initially_deferred=deferred)
    child = Table(
        "child",
        (Column("id", ColumnType(TypeKind.INTEGER), False), Column("pid", ColumnType(TypeKind.INTEGER))),
        PrimaryKey(("id",), "child_pkey"),
        foreign_keys=(fk,),
    )
    return Schema((parent, child))


def test_deferrable_foreign_keys_are_read_and_compared(db_factory: Callable[[], str]) -> None:
    url = db_factory()
    dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
    statements = api.render(_fk_schema(True), dialect)
    assert any("DEFERRABLE INITIALLY DEFERRED" in s for s in statements), statements
    apply_statements(url, statements)
    (fk,) = next(t for t in api.inspect_url(url).tables if t.name == "child").foreign_keys
    assert fk.deferrable and fk.initially_deferred
    assert _kinds(_diff(_fk_schema(True), url)) == []
    assert _kinds(_diff(_fk_schema(False), url)) == ["foreign_key_changed:child_pid_fkey"]


def test_execute_ddl_keeps_percent_and_colons(db_factory: Callable[[], str]) -> None:
    """exec_driver_sql passes an empty parameter list: psycopg would read ``%'`` as a placeholder."""
    import sqlalchemy as sa

    from schemaguard.db import sqlalchemy_url
    from schemaguard.dialects.sqla import execute_ddl

    url = db_factory()
    engine = sa.create_engine(sqlalchemy_url(url))
    try:
        with engine.begin() as conn:
            execute_ddl(conn, "CREATE TABLE pct (x TEXT CHECK (x LIKE 'admin%' OR x = 'a:b'))")
    finally:
        engine.dispose()
    (check,) = api.inspect_url(url).tables[0].checks
    assert "'admin%'" in check.expression and "'a:b'" in check.expression


# --- Prisma: ops: ArrayOps on GIN, autoincrement on SQLite (DDL printed by Prisma's own schema engine) --------
# Printed by @prisma/schema-engine-wasm 7.10.0 (`migrate diff --from-empty --to-schema S --script`), one statement
# per entry, the "CREATE SCHEMA" line left out.
PRISMA_PG = """
datasource db {
  provider = "postgresql"
}
model Post {
  id    Int      @id @default(autoincrement())
  tags  String[]
  meta  Json
  @@index([tags(ops: ArrayOps)], type: Gin)
  @@index([meta(ops: JsonbOps)], type: Gin)
}
"""
PRISMA_PG_DDL = [
    'CREATE TABLE "Post" ("id" SERIAL NOT NULL, "tags" TEXT[], "meta" JSONB NOT NULL, '
    'CONSTRAINT "Post_pkey" PRIMARY KEY ("id"))',
    'CREATE INDEX "Post_tags_idx" ON "Post" USING GIN ("tags" array_ops)',
    'CREATE INDEX "Post_meta_idx" ON "Post" USING GIN ("meta" jsonb_ops)',
]
PRISMA_SQLITE = """
datasource db {
  provider = "sqlite"
}
model A {
  id   Int    @id @default(autoincrement())
  name String
}
model B {
  id   BigInt @id @default(autoincrement())
  name String
}
"""
PRISMA_SQLITE_DDL = [
    'CREATE TABLE "A" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "name" TEXT NOT NULL)',
    'CREATE TABLE "B" ("id" BIGINT NOT NULL PRIMARY KEY, "name" TEXT NOT NULL)',
]


def _prisma_master(tmp_path: Path, text: str) -> Schema:
    path = tmp_path / "schema.prisma"
    path.write_text(text, encoding="utf-8")
    return api.load_master(Config(), path)


def test_prisma_default_opclasses_match_prismas_database(tmp_path: Path, pg_url: str) -> None:
    apply_statements(pg_url, PRISMA_PG_DDL)
    assert _kinds(_diff(_prisma_master(tmp_path, PRISMA_PG), pg_url)) == []


def test_prisma_sqlite_autoincrement_as_prisma_renders_it(tmp_path: Path, sqlite_factory: Callable[[], str]) -> None:
    prisma_db, ours = sqlite_factory(), sqlite_factory()
    apply_statements(prisma_db, PRISMA_SQLITE_DDL)
    schema = _prisma_master(tmp_path, PRISMA_SQLITE)
    apply_statements(ours, api.render(schema, "sqlite"))
    assert _kinds(_diff(schema, prisma_db)) == []
    report = api.diff_sources(api.load_source(prisma_db, Config()), api.load_source(ours, Config()), Config())
    assert _kinds(report) == []
    a, b = (t.columns[0] for t in api.inspect_url(ours).tables)
    assert (a.strict_autoincrement, b.type.kind, b.autoincrement) == (True, TypeKind.BIGINT, False)


def test_today_default_keeps_its_run_time_cast(pg_url: str) -> None:
    """``DEFAULT ('now'::text)::date`` (sakila) converts on every insert; read as the literal 'now' it was
    rendered ``DEFAULT 'now'``, which PostgreSQL freezes into the day the table was made."""
    apply_statements(pg_url, ["CREATE TABLE d (id integer PRIMARY KEY, day date DEFAULT ('now'::text)::date)"])
    schema = api.inspect_url(pg_url)
    (ddl,) = [s for s in api.render(schema, "postgresql") if s.startswith("CREATE TABLE")]
    assert "DEFAULT 'now'" not in ddl and "AS DATE" in ddl.upper()
    assert _kinds(_diff(schema, pg_url)) == []


def test_sqlite_expressions_are_written_to_a_master_in_postgresql_syntax(
    tmp_path: Path, sqlite_factory: Callable[[], str], pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """``inspect`` of a SQLite database writes a master, whose expressions are PostgreSQL SQL: ``[Discount]>=(0)``
    read as PostgreSQL is an array."""
    from tests.helpers import run_cli

    url = sqlite_factory()
    apply_statements(url, ['CREATE TABLE "Line" (id INTEGER PRIMARY KEY, [Discount] REAL CHECK ([Discount]>=(0)))'])
    out = tmp_path / "inspected.yaml"
    code, _, err = run_cli(["inspect", "--url", url, "--out", str(out)], capsys)
    assert code == 0, err
    master = api.load_master(Config(), out)
    assert master.tables[0].checks[0].expression == '"Discount" >= (0)'
    for target in (sqlite_factory(), pg_url):
        apply_statements(target, api.render(master, "sqlite" if target.startswith("sqlite") else "postgresql"))
        assert _kinds(_diff(master, target)) == []
