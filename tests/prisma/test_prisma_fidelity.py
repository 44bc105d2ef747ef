"""Prisma-master fidelity: phantom and missed drift a tester found, one test per defect, each failing before its
fix. The oracle is Prisma's own schema engine: ``tests/prisma/fixtures/pf/`` holds the DDL it prints for the
fixture schemas and what its ``db pull`` writes back (README there says how they were made); tests never run node.

1. ``Bytes @default("AQID")`` is base64: the engine writes ``'\\x010203'`` (PostgreSQL) and ``'010203'`` (SQLite).
2. A bare ``@db.Bit`` is ``bit(1)``, ``@db.VarBit`` is ``bit varying``.
3. ``@@map("audit.log")`` / ``@map("event.at")`` name one identifier holding a dot, never schema.table.
5. ``///`` doc comments create no ``COMMENT ON``, and ``db pull`` does not read comments back: a Prisma master says
   nothing about database comments, so they are listed as not compared, never drift.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from schemaguard import api
from schemaguard.config import Config
from schemaguard.model import ColumnType, Default, TypeKind
from schemaguard.prisma.loader import load_prisma, load_prisma_with_info
from schemaguard.prisma.writer import render_prisma
from tests.conftest import run_sql
from tests.helpers import apply_statements, diff_json, run_cli

FIXTURES = Path(__file__).parent / "fixtures" / "pf"
MASTERS = {"postgresql": FIXTURES / "bytes_bits.prisma", "sqlite": FIXTURES / "bytes_bits.sqlite.prisma"}
ENGINE_DDL = {"postgresql": FIXTURES / "bytes_bits.postgresql.sql", "sqlite": FIXTURES / "bytes_bits.sqlite.sql"}


def _engine_db(factory: Callable[[], str], dialect: str) -> str:
    """A fresh database built by the DDL Prisma's engine printed for the fixture of ``dialect``."""
    url = factory()
    run_sql(url, ENGINE_DDL[dialect].read_text(encoding="utf-8"))
    return url


def _changes(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    return sorted((c["kind"], c["table"] or "", c["object"]) for c in report["changes"])


@pytest.fixture(params=["postgresql", "sqlite"])
def dialect(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _factory(dialect: str, pg_factory: Callable[[], str], sqlite_factory: Callable[[], str]) -> Callable[[], str]:
    return pg_factory if dialect == "postgresql" else sqlite_factory


# --- 1. Bytes defaults -------------------------------------------------------------------------------------------
def test_bytes_default_is_decoded_from_base64_as_the_engine_writes_it(
    dialect: str, pg_factory: Callable[[], str], sqlite_factory: Callable[[], str], capsys: pytest.CaptureFixture[str]
) -> None:
    """The master's Bytes defaults equal the engine's: the diff against the database Prisma built reports none
    (it reported ``default '\\x010203', expected default 'AQID'`` before), and our DDL writes the same literal."""
    blob = load_prisma(MASTERS[dialect]).table("Blob")
    assert blob is not None
    defaults = {c.name: c.default for c in blob.columns if c.type.kind is TypeKind.BYTES}
    if dialect == "postgresql":
        assert defaults == {
            "data": Default.literal("\\x010203"),
            "empty": Default.literal("\\x"),
            "hello": Default.literal("\\x68656c6c6f20776f726c64"),  # b"hello world"
            "many": Default.literal(["\\x010203", "\\x6869"]),
        }
    else:  # the engine's SQLite quirk: the hex digits as a text literal, not X'010203'
        assert defaults == {
            "data": Default.literal("010203"),
            "empty": Default.literal(""),
            "hello": Default.literal("68656c6c6f20776f726c64"),
        }
    engine = _engine_db(_factory(dialect, pg_factory, sqlite_factory), dialect)
    _, report = diff_json(["diff", "--to", str(MASTERS[dialect]), "--url", engine], capsys)
    assert [c for c in _changes(report) if c[2] in defaults] == []
    statements = api.render(api.load_master(Config(), MASTERS[dialect]), dialect)
    blob_ddl = next(s for s in statements if s.startswith('CREATE TABLE "Blob"'))
    if dialect == "postgresql":
        assert "\"data\" BYTEA DEFAULT '\\x010203' NOT NULL" in blob_ddl
    else:
        assert "\"data\" BLOB DEFAULT '010203' NOT NULL" in blob_ddl


def test_invalid_base64_bytes_default_is_one_located_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The engine refuses ``@default("aGk")`` ("is not a valid base64 string": no padding) and ``"-_8="``
    (URL-safe alphabet); so do we, as one located line with exit 2."""
    for bad in ("aGk", "-_8=", "!!"):
        master = tmp_path / "bad.prisma"
        master.write_text(
            f'datasource db {{\n  provider = "postgresql"\n}}\n\nmodel A {{\n  id Int @id\n  b  Bytes @default("{bad}")\n}}\n'
        )
        code, out, err = run_cli(["validate", "--master", str(master)], capsys)
        assert code == 2 and out == "" and "Traceback" not in err, err
        assert err.strip().count("\n") == 0 and f"{master}:7:" in err and "not a valid base64 string" in err


# --- 2. @db.Bit / @db.VarBit --------------------------------------------------------------------------------------
def test_bare_bit_is_bit_1_and_varbit_is_bit_varying(
    pg_factory: Callable[[], str], capsys: pytest.CaptureFixture[str]
) -> None:
    """The engine writes ``BIT`` (PostgreSQL makes it bit(1)) and ``VARBIT``/``VARBIT(5)`` (bit varying): no
    column_type drift (there were three before), and ``db pull`` of that database writes ``@db.VarBit``."""
    blob = load_prisma(MASTERS["postgresql"]).table("Blob")
    assert blob is not None
    types = {c.name: c.type for c in blob.columns if c.name in ("vb", "vb5", "b", "b3")}
    assert types == {
        "vb": ColumnType(TypeKind.NATIVE, native="bit varying"),
        "vb5": ColumnType(TypeKind.NATIVE, native="bit varying(5)"),
        "b": ColumnType(TypeKind.NATIVE, native="bit(1)"),
        "b3": ColumnType(TypeKind.NATIVE, native="bit(3)"),
    }
    engine = _engine_db(pg_factory, "postgresql")
    _, report = diff_json(["diff", "--to", str(MASTERS["postgresql"]), "--url", engine], capsys)
    assert [c for c in _changes(report) if c[2] in types] == []


# --- 1 + 2 + 3: the whole fixture, both ways ----------------------------------------------------------------------
def test_master_equals_the_engines_database_and_our_ddl_builds_the_same(
    dialect: str,
    pg_factory: Callable[[], str],
    sqlite_factory: Callable[[], str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Master vs the database Prisma's engine built: no drift. Our render builds a database equal to it."""
    factory = _factory(dialect, pg_factory, sqlite_factory)
    engine, ours = _engine_db(factory, dialect), factory()
    master = str(MASTERS[dialect])
    code, report = diff_json(["diff", "--to", master, "--url", engine], capsys)
    assert (code, _changes(report)) == (0, [])
    apply_statements(ours, api.render(api.load_master(Config(), MASTERS[dialect]), dialect))
    code, report = diff_json(["diff", "--from", ours, "--to", engine], capsys)
    assert (code, _changes(report)) == (0, [])


# --- 3. names holding a dot ----------------------------------------------------------------------------------------
def test_dotted_mapped_name_is_one_identifier_in_the_default_schema(
    pg_factory: Callable[[], str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``@@map("audit.log")`` is the table "audit.log" in public (the engine: ``CREATE TABLE "audit.log"``). It was
    read as table ``log`` of schema ``audit``: our DDL built that, and a database holding ``audit.log`` instead
    of ``public."audit.log"`` compared clean (both keyed ``audit.log``). Keys split at the first dot, so the
    dotted name is keyed with its schema, ``public.audit.log``, by the loader and the inspector alike; a YAML
    master writes it the same way."""
    schema = load_prisma(MASTERS["postgresql"])
    assert sorted(t.name for t in schema.tables) == ["Blob", "public.audit.log"]
    log = schema.table("public.audit.log")
    assert log is not None and [c.name for c in log.columns] == ["id", "event.at", "blobId"]
    assert log.primary_key is not None and log.primary_key.name == "audit.log_pkey"
    statements = api.render(schema, "postgresql")
    assert any(s.startswith('CREATE TABLE "public"."audit.log" (') for s in statements)
    assert not any('"audit"."log"' in s for s in statements)
    # Missed drift before: the same table in a schema "audit" is not the master's table.
    wrong = pg_factory()
    ddl = ENGINE_DDL["postgresql"].read_text(encoding="utf-8").replace('"audit.log"', '"audit"."log"')
    run_sql(wrong, 'CREATE SCHEMA "audit";\n' + ddl)
    code, report = diff_json(["diff", "--to", str(MASTERS["postgresql"]), "--url", wrong], capsys)
    assert code == 1
    assert {("table_missing", "public.audit.log"), ("table_extra", "audit.log")} <= {
        (c["kind"], c["object"]) for c in report["changes"]
    }
    # The YAML master names it the same way (tests the documented rule in docs/master-format.md).
    engine = _engine_db(pg_factory, "postgresql")
    yaml = tmp_path / "inspected.yaml"
    code, _, err = run_cli(["inspect", "--url", engine, "-o", str(yaml)], capsys)
    assert code == 0, err
    assert "\n  public.audit.log:\n" in yaml.read_text(encoding="utf-8")
    code, report = diff_json(["diff", "--to", str(yaml), "--url", engine], capsys)
    assert (code, _changes(report)) == (0, [])


def test_default_constraint_names_of_a_dotted_table_are_postgresqls(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """PostgreSQL names the keys of table "t.x" ``t.x_pkey`` / ``t.x_code_key``; the master's default names for
    ``public.t.x`` were ``x_pkey`` / ``x_code_key`` (the key split at its last dot): two phantom differences."""
    run_sql(pg_url, 'CREATE TABLE "t.x" (id integer PRIMARY KEY, code text UNIQUE)')
    master = tmp_path / "dotted.yaml"
    master.write_text(
        "version: 1\ntables:\n  public.t.x:\n    columns:\n"
        "      id: {type: integer, primary_key: true}\n      code: {type: text, unique: true}\n",
        encoding="utf-8",
    )
    table = api.load_master(Config(), master).table("public.t.x")
    assert table is not None and table.primary_key is not None
    assert (table.primary_key.name, [ix.name for ix in table.indexes]) == ("t.x_pkey", ["t.x_code_key"])
    code, report = diff_json(["diff", "--to", str(master), "--url", pg_url], capsys)
    assert (code, _changes(report)) == (0, [])


# --- writer: `inspect --format prisma` writes what `db pull` writes -----------------------------------------------
def test_prisma_variant_of_the_engines_database_round_trips(
    dialect: str,
    pg_factory: Callable[[], str],
    sqlite_factory: Callable[[], str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The Prisma schema we write for the engine's database spells Bytes defaults, bit types and dotted names as
    the engine's ``db pull`` does (base64 on PostgreSQL, ``dbgenerated`` on SQLite), and loads back without
    drift."""
    engine = _engine_db(_factory(dialect, pg_factory, sqlite_factory), dialect)
    text = render_prisma(api.inspect_url(engine), dialect)
    if dialect == "postgresql":
        expected = [
            '@default("AQID")', '@default("")', '@default("aGVsbG8gd29ybGQ=")', '@default(["AQID", "aGk="])',
            "@db.VarBit\n", "@db.VarBit(5)", "@db.Bit(1)", '@@map("audit.log")',
        ]  # fmt: skip
        pulled = (FIXTURES / "bytes_bits.pulled.prisma").read_text(encoding="utf-8")
        assert all(e in pulled for e in expected)  # the oracle writes each of them
    else:
        expected = ["@default(dbgenerated(\"'010203'\"))", "@default(dbgenerated(\"''\"))", '@@map("audit.log")']
    missing = [e for e in expected if e not in text]
    assert missing == [], text
    assert "@@schema" not in text and "Unsupported" not in text
    variant = tmp_path / "variant.prisma"
    variant.write_text(text, encoding="utf-8")
    code, report = diff_json(["diff", "--to", str(variant), "--url", engine], capsys)
    assert (code, _changes(report)) == (0, [])


# --- 5. doc comments ----------------------------------------------------------------------------------------------
def test_doc_comments_create_no_database_comment_and_database_comments_are_not_compared(
    pg_factory: Callable[[], str], capsys: pytest.CaptureFixture[str]
) -> None:
    """The engine's DDL for a schema with ``///`` docs has no COMMENT ON, and its ``db pull`` of a database with
    comments writes no ``///`` for them (only a warning): Prisma does not manage comments. So the master holds
    none, and comments a database has are listed as not compared instead of reported (comment_changed before)."""
    assert "COMMENT" not in ENGINE_DDL["postgresql"].read_text(encoding="utf-8")
    loaded = load_prisma_with_info(MASTERS["postgresql"])
    assert loaded.info.models[0].doc  # the doc is kept at the Prisma level (the writer writes it back)...
    assert all(t.comment is None and all(c.comment is None for c in t.columns) for t in loaded.schema.tables)
    engine = _engine_db(pg_factory, "postgresql")
    run_sql(engine, """COMMENT ON TABLE "Blob" IS 'blobs'; COMMENT ON COLUMN "Blob".data IS 'payload'""")
    code, report = diff_json(["diff", "--to", str(MASTERS["postgresql"]), "--url", engine], capsys)
    assert (code, _changes(report)) == (0, [])
    entries = {e["what"]: e for e in report["coverage"]["not_compared"]}
    assert entries["comment"]["names"] == ["Blob", "Blob.data"] and entries["comment"]["side"] == "actual"


# --- 4. YAML master: a schema-qualified enum named as a column type -----------------------------------------------
SALES_YAML = """\
version: 1
schemas:
  sales: {}
enums:
  sales.state: [open, closed]
tables:
  sales.orders:
    columns:
      id: {type: integer, primary_key: true}
      state: {type: sales.state, default: open}
      history: {type: "sales.state[]", nullable: true}
"""


def test_yaml_column_type_names_a_schema_qualified_enum(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``type: sales.state`` names the declared enum ``sales.state`` as ``type: Status`` names ``Status`` (it was
    refused: "cannot read type"); the database built from it has no drift against it."""
    master = tmp_path / "sales.yaml"
    master.write_text(SALES_YAML, encoding="utf-8")
    orders = api.load_master(Config(), master).table("sales.orders")
    assert orders is not None
    assert {c.name: c.type for c in orders.columns if c.name != "id"} == {
        "state": ColumnType(TypeKind.ENUM, enum_name="sales.state"),
        "history": ColumnType(TypeKind.ENUM, enum_name="sales.state", array_dims=1),
    }
    apply_statements(pg_url, api.render(api.load_master(Config(), master), "postgresql"))
    code, report = diff_json(["diff", "--to", str(master), "--url", pg_url], capsys)
    assert (code, _changes(report)) == (0, [])
    master.write_text(SALES_YAML.replace("type: sales.state,", "type: sales.status,"), encoding="utf-8")
    code, _, err = run_cli(["validate", "--master", str(master)], capsys)
    assert code == 2 and "unknown type 'sales.status'" in err and err.strip().count("\n") == 0


# --- 6. public.f(x) equals PostgreSQL's deparsed f(x) ----------------------------------------------------------------
SEARCH_PATH_DB = """
CREATE FUNCTION public.next_id() RETURNS integer LANGUAGE sql AS 'SELECT 1';
CREATE FUNCTION public.code(n integer) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT repeat(''x'', n)';
CREATE TABLE "T" (id integer NOT NULL DEFAULT public.next_id() PRIMARY KEY, s text NOT NULL DEFAULT public.code(2));
CREATE INDEX "T_code_idx" ON "T" (public.code(id));
"""


def test_public_qualified_function_equals_the_deparsed_unqualified_form(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """PostgreSQL stores ``DEFAULT public.next_id()`` and ``(public.code(id))`` and deparses them without the
    schema (``next_id()``, ``code(id)``: public is on the search path). A master that keeps the qualifier (Prisma
    ``dbgenerated("public.next_id()")``, a YAML ``{sql: public.code(2)}`` or index expression) is no drift; it was
    column_default drift before. Another schema's qualifier still differs."""
    run_sql(pg_url, SEARCH_PATH_DB)
    prisma = tmp_path / "t.prisma"
    prisma.write_text(
        'datasource db {\n  provider = "postgresql"\n}\n\nmodel T {\n'
        '  id Int    @id @default(dbgenerated("public.next_id()"))\n'
        '  s  String @default(dbgenerated("public.code(2)"))\n\n'
        '  @@index([id], map: "T_code_idx")\n}\n',
        encoding="utf-8",
    )
    yaml = tmp_path / "t.yaml"
    yaml.write_text(
        "version: 1\ntables:\n  T:\n    columns:\n"
        '      id: {type: integer, primary_key: true, default: {sql: "public.next_id()"}}\n'
        '      s: {type: text, nullable: false, default: {sql: "\\"public\\".code(2)"}}\n'
        '    indexes:\n      - {name: T_code_idx, columns: [{expression: "public.code(id)"}]}\n',
        encoding="utf-8",
    )
    _, report = diff_json(["diff", "--to", str(yaml), "--url", pg_url], capsys)
    assert [c for c in _changes(report) if c[0].startswith(("column", "index"))] == []
    _, report = diff_json(["diff", "--to", str(prisma), "--url", pg_url], capsys)
    # Prisma cannot write an expression index: its plain @@index([id]) differs from the database's, nothing else.
    assert [c for c in _changes(report) if c[0].startswith(("column", "index"))] == [
        ("index_changed", "T", "T_code_idx")
    ]
    other = yaml.read_text(encoding="utf-8").replace('"public.next_id()"', '"audit.next_id()"')
    yaml.write_text(other, encoding="utf-8")
    _, report = diff_json(["diff", "--to", str(yaml), "--url", pg_url], capsys)
    assert [c for c in _changes(report) if c[0].startswith("column")] == [("column_default", "T", "id")]
