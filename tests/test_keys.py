"""Object keys that cannot be misread (h7 finding 05) and foreign keys into schemas a master does not hold
(finding 11), on real PostgreSQL.

A key splits at its first dot; a schema part holding a dot or a double quote is written as a PostgreSQL quoted
identifier (``"my.s".t``), so schema "my.s" + table t and schema "my" + table "s.t" are different keys
(https://www.postgresql.org/docs/15/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS). A foreign key may reference a
table of a schema that is not inspected or compared (Supabase's ``auth.users``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest

from schemaguard import api
from schemaguard.config import Config
from schemaguard.model.naming import key_name, key_schemas, make_object_name, qualify, split_key
from tests.conftest import run_sql
from tests.helpers import apply_statements, diff_json, run_cli


def _changes(report: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((c["kind"], c["object"]) for c in report["changes"])


def _relations(url: str) -> set[tuple[str, str, str]]:
    """``(schema, name, relkind)`` of every user relation, straight from pg_class."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT n.nspname, c.relname, c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND c.relkind IN ('r', 'v')"
        ).fetchall()
    return {(r[0], r[1], r[2]) for r in rows}


# --- the key functions ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "name", "key"),
    [
        ("public", "t", "t"),  # the default schema: bare
        ("sales", "orders", "sales.orders"),
        ("public", "audit.log", "public.audit.log"),  # a dotted name always carries its schema (0ba8e23's rule)
        ("my.s", "t", '"my.s".t'),  # a dotted schema is quoted
        ("my.s", "a.b", '"my.s".a.b'),
        ('we"ird', "t", '"we""ird".t'),  # a quote in a schema is doubled
        ("sales", '"q', 'sales."q'),
        ("public", '"q', 'public."q'),  # a bare '"q' is fine too, but a leading quote is always qualified
    ],
)
def test_qualify_and_split_key_are_inverse(schema: str, name: str, key: str) -> None:
    assert qualify(schema, name, "public") == key
    expected = (None, name) if key == name else (schema, name)
    assert split_key(key) == expected
    assert key_name(key) == name


def test_split_key_keeps_existing_keys_and_reads_odd_ones_as_bare_names() -> None:
    # Keys written before this change (and by every master so far) split as they did.
    assert split_key("sales.orders") == ("sales", "orders")
    assert split_key("public.t.x") == ("public", "t.x")
    # A leading quote that is not a complete quoted schema followed by a dot is part of a bare name.
    assert split_key('"x') == (None, '"x')
    assert split_key('"x"') == (None, '"x"')
    assert split_key('"x".') == (None, '"x".')
    with pytest.raises(ValueError, match="holds a dot"):
        qualify(None, "a.b")


def test_default_names_and_schemas_named_by_keys() -> None:
    # PostgreSQL names the key of relation t in schema "my.s" t_pkey, never s.t_pkey.
    assert make_object_name('"my.s".t', (), "pkey") == "t_pkey"
    assert make_object_name("public.t.x", ("id",), "key") == "t.x_id_key"
    certain, maybe = key_schemas(['"my.s".t', "public.audit.log", "t", "sales.f(x other.money)"])
    assert (certain, maybe) == ({"my.s", "sales"}, {"public"})


# --- finding 05: dotted schema and relation names on PostgreSQL -----------------------------------------------

_DOTTED = [
    'CREATE TABLE "app.log" (id integer PRIMARY KEY)',
    'CREATE SCHEMA "my.s"',
    "CREATE TYPE \"my.s\".\"mood.x\" AS ENUM ('a', 'b')",
    'CREATE COLLATION "my.s"."c.x" (locale = \'C\')',
    'CREATE TABLE "my.s".t (id integer PRIMARY KEY, m "my.s"."mood.x", app_id integer REFERENCES "app.log",'
    ' label text COLLATE "my.s"."c.x")',
    'CREATE VIEW "my.s"."v.w" AS SELECT id, m FROM "my.s".t',
    'CREATE FUNCTION "my.s".f(x integer) RETURNS integer LANGUAGE sql AS $$ SELECT x + 1 $$',
]


def test_db_vs_db_diff_tells_dotted_schema_from_dotted_table(
    pg_factory: Callable[[], str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Schema "my.s" + table t against schema my + table "s.t" (and public."app.log" against app.log): both used
    to be keyed my.s.t / app.log, and diff said no drift."""
    a, b = pg_factory(), pg_factory()
    run_sql(a, ['CREATE SCHEMA "my.s"', 'CREATE TABLE "my.s".t (id integer)', 'CREATE TABLE "app.log" (id integer)'])
    run_sql(b, ["CREATE SCHEMA my", 'CREATE TABLE my."s.t" (id integer)', "CREATE SCHEMA app"])
    run_sql(b, ["CREATE TABLE app.log (id integer)"])
    code, report = diff_json(["diff", "--from", b, "--to", a], capsys)
    assert code == 1
    assert _changes(report) == [
        ("schema_extra", "app"),
        ("schema_extra", "my"),
        ("schema_missing", "my.s"),
        ("table_extra", "app.log"),
        ("table_extra", "my.s.t"),
        ("table_missing", '"my.s".t'),
        ("table_missing", "public.app.log"),
    ]
    # The plan builds the right relations: after it, b holds a's (and still its own, which it drops).
    _, out, _ = run_cli(["diff", "--from", b, "--to", a, "--sql"], capsys)
    assert 'CREATE TABLE "my"."s.t"' not in out and 'CREATE SCHEMA IF NOT EXISTS "my";' not in out, out
    apply_statements(b, [s for s in out.split(";\n") if s.strip() and not s.lstrip().startswith("--")])
    assert _relations(b) == _relations(a)
    code, report = diff_json(["diff", "--from", b, "--to", a], capsys)
    assert (code, _changes(report)) == (0, [])


def test_inspect_render_fresh_database_diff_zero_with_dotted_names(
    pg_factory: Callable[[], str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Dotted schema, table, enum, collation, view and function names survive inspect → render → fresh database →
    diff, and nothing is left uncompared."""
    source, fresh = pg_factory(), pg_factory()
    run_sql(source, _DOTTED)
    master = tmp_path / "dotted.yaml"
    code, _, err = run_cli(["inspect", "--url", source, "-o", str(master)], capsys)
    assert code == 0, err
    text = master.read_text(encoding="utf-8")
    assert "'\"my.s\".t':" in text and "public.app.log:" in text, text
    schema = api.load_master(Config(), master)
    assert schema.table('"my.s".t') is not None and schema.table("public.app.log") is not None
    statements = api.render(schema, "postgresql")
    ddl = "\n".join(statements)
    assert 'CREATE TABLE "my.s"."t"' in ddl and 'CREATE TABLE "public"."app.log"' in ddl, ddl
    assert '"my"."s' not in ddl and 'SCHEMA IF NOT EXISTS "my"' not in ddl, ddl
    apply_statements(fresh, statements)
    assert _relations(fresh) == _relations(source)
    code, report = diff_json(["diff", "--to", str(master), "--url", fresh], capsys)
    assert (code, _changes(report)) == (0, [])
    code, report = diff_json(["diff", "--from", fresh, "--to", source], capsys)
    assert (code, _changes(report)) == (0, [])
    assert report["coverage"]["not_compared"] == []


def test_yaml_master_dotted_table_and_undeclared_schema_render_and_apply(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A YAML master writes a dotted table name with its schema (public.app.log) and may use a schema it does not
    declare (sales.x, "my.s".t): render creates each schema used, and the DDL applies to an empty database."""
    master = tmp_path / "m.yaml"
    master.write_text(
        "version: 1\ntables:\n"
        "  public.app.log:\n    columns:\n      id: {type: integer, primary_key: true}\n"
        "  sales.x:\n    columns:\n      id: {type: integer, primary_key: true}\n"
        "      log_id: {type: integer, references: public.app.log.id}\n"
        "  '\"my.s\".t':\n    columns:\n      id: {type: integer}\n"
        "      x_id: {type: integer, references: sales.x.id}\n",
        encoding="utf-8",
    )
    statements = api.render(api.load_master(Config(), master), "postgresql")
    ddl = "\n".join(statements)
    assert 'CREATE TABLE "public"."app.log"' in ddl and 'CREATE SCHEMA IF NOT EXISTS "sales"' in ddl, ddl
    assert 'CREATE SCHEMA IF NOT EXISTS "my.s"' in ddl and 'CREATE TABLE "my.s"."t"' in ddl, ddl
    apply_statements(pg_url, statements)
    assert {("public", "app.log", "r"), ("sales", "x", "r"), ("my.s", "t", "r")} <= _relations(pg_url)
    code, report = diff_json(["diff", "--to", str(master), "--url", pg_url], capsys)
    assert (code, _changes(report)) == (0, [])


# --- finding 11: a foreign key into a schema outside the selection ------------------------------------------

_SUPABASE = [
    "CREATE SCHEMA auth",
    "CREATE TABLE auth.users (id uuid PRIMARY KEY)",
    "CREATE TABLE public.profiles (id uuid PRIMARY KEY REFERENCES auth.users ON DELETE CASCADE, name text)",
]


def test_master_of_public_only_keeps_a_foreign_key_to_auth_users(
    pg_factory: Callable[[], str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """schemas = ["public"]: inspect writes the FK to auth.users, the master loads, diff = 0, render keeps the FK."""
    url = pg_factory()
    run_sql(url, _SUPABASE)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "schemaguard.toml").write_text('master = "master.yaml"\nschemas = ["public"]\n', encoding="utf-8")
    code, _, err = run_cli(["inspect", "--url", url, "-o", "master.yaml"], capsys)
    assert code == 0, err
    assert "auth.users" in (tmp_path / "master.yaml").read_text(encoding="utf-8")
    # The master loads (its consistency checks ran: "references missing table 'auth.users'" before).
    code, out, err = run_cli(["render", "-d", "postgresql", "-o", "check.sql"], capsys)
    assert code == 0, err + out
    code, report = diff_json(["diff", "--url", url], capsys)
    assert (code, _changes(report)) == (0, [])
    (fk,) = api.load_master(Config(), tmp_path / "master.yaml").table("profiles").foreign_keys  # type: ignore[union-attr]
    assert (fk.ref_table, fk.ref_columns, fk.on_delete.value) == ("auth.users", ("id",), "CASCADE")
    code, out, err = run_cli(["render", "-d", "postgresql"], capsys)
    assert code == 0, err
    assert 'REFERENCES "auth"."users" ("id") ON DELETE CASCADE' in out, out
    # The DDL applies where auth.users exists (as it does in every Supabase project), and converges.
    fresh = pg_factory()
    run_sql(fresh, _SUPABASE[:2])
    apply_statements(fresh, api.render(api.load_master(Config(), tmp_path / "master.yaml"), "postgresql"))
    code, report = diff_json(["diff", "--url", fresh], capsys)
    assert (code, _changes(report)) == (0, [])
    # A changed reference is drift still: compared, not skipped.
    run_sql(fresh, ["ALTER TABLE profiles DROP CONSTRAINT profiles_id_fkey"])
    code, report = diff_json(["diff", "--url", fresh], capsys)
    assert (code, _changes(report)) == (1, [("foreign_key_missing", "profiles_id_fkey")])


def test_master_still_requires_a_target_in_its_own_schemas(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    master = tmp_path / "m.yaml"
    master.write_text(
        "version: 1\ntables:\n  sales.a:\n    columns:\n      id: {type: integer}\n"
        "  b:\n    columns:\n      a_id: {type: integer, references: sales.nope.id}\n"
        "      c_id: {type: integer, references: missing.id}\n",
        encoding="utf-8",
    )
    code, out, err = run_cli(["validate", "--master", str(master)], capsys)
    assert code == 2
    assert "references missing table 'sales.nope'" in err + out


def test_diff_schema_option_scopes_the_comparison(
    pg_factory: Callable[[], str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = pg_factory()
    run_sql(url, _SUPABASE)
    master = tmp_path / "pub.yaml"
    code, _, err = run_cli(["inspect", "--url", url, "--schema", "public", "-o", str(master)], capsys)
    assert code == 0, err
    # Unscoped, the database's auth schema is drift against a master of public only ...
    code, report = diff_json(["diff", "--url", url, "--to", str(master)], capsys)
    assert (code, _changes(report)) == (1, [("schema_extra", "auth"), ("table_extra", "auth.users")])
    # ... --schema public compares public only, and says what it left out.
    code, report = diff_json(["diff", "--url", url, "--to", str(master), "--schema", "public"], capsys)
    assert (code, _changes(report)) == (0, [])
    assert "auth.users" in str(report["coverage"])
    # --schema scopes both databases of a db-vs-db diff.
    other = pg_factory()
    run_sql(other, [*_SUPABASE[:2], "CREATE TABLE auth.sessions (id integer)", _SUPABASE[2]])
    code, report = diff_json(["diff", "--from", other, "--to", url, "--schema", "public"], capsys)
    assert (code, _changes(report)) == (0, [])
    code, report = diff_json(["diff", "--from", other, "--to", url, "--schema", "auth"], capsys)
    assert (code, _changes(report)) == (1, [("table_extra", "sessions")])  # one schema: its names are bare
    code, _, err = run_cli(["diff", "--url", url, "--to", str(master), "--schema", " , "], capsys)
    assert code == 2 and "--schema" in err


def _in_dotted_schema(master: str) -> str:
    """tests/migrate/test_planner_schemas.py's master with schema sales renamed "my.s" (keys quoted as documented)."""
    master = re.sub(r"^(\s+)sales\.(\w+):", r"""\1'"my.s".\2':""", master, flags=re.MULTILINE)
    master = master.replace('"enum(sales.state)"', "'enum(\"my.s\".state)'")
    return master.replace("references: sales.customers.id", """references: '"my.s".customers.id'""")


def test_every_planned_change_in_a_dotted_schema_converges(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each change kind the planner has for a table (columns, index, FK, check, renamed key, unique, enum values,
    a table created and one dropped) in schema "my.s": the plan names "my.s"."orders", never "my"."s.orders", it
    applies, and the database then matches the master."""
    from tests.migrate.test_planner_schemas import V1, V2

    v1, v2 = tmp_path / "v1.yaml", tmp_path / "v2.yaml"
    v1.write_text(_in_dotted_schema(V1), encoding="utf-8")
    v2.write_text(_in_dotted_schema(V2), encoding="utf-8")
    assert "sales" not in v1.read_text(encoding="utf-8") + v2.read_text(encoding="utf-8")
    apply_statements(pg_url, api.render(api.load_master(Config(), v1), "postgresql"))
    run_sql(pg_url, ["INSERT INTO \"my.s\".customers VALUES (1, 'a@example.com')"])
    run_sql(pg_url, ["INSERT INTO \"my.s\".orders (id, customer, state, total) VALUES (1, 1, 'paid', 5)"])
    code, report = diff_json(["diff", "--to", str(v1), "--url", pg_url], capsys)
    assert (code, _changes(report)) == (0, [])
    code, sql, err = run_cli(["diff", "--to", str(v2), "--url", pg_url, "--sql"], capsys)
    assert code == 1, err
    assert '"my"' not in sql and '"s.' not in sql, sql
    assert '"my.s"."orders"' in sql and '"my.s"."state"' in sql, sql
    run_sql(pg_url, [sql])
    code, report = diff_json(["diff", "--to", str(v2), "--url", pg_url], capsys)
    assert (code, _changes(report)) == (0, [])
