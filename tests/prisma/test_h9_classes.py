"""Prisma defects a tester found on real schemas (H9 findings F3, F4, F7, F8, F9): one test per class, each
failing before its fix.

Fixtures (tests/prisma/fixtures/h9/README.md): ``edge1.prisma`` (multiSchema, extensions, a view in a schema) with
``edge1.oracle.postgresql.sql``, the DDL Prisma's own schema engine prints for it; ``edge2.prisma`` (a view block).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from schemaguard import api
from schemaguard.model import ObjectKind
from schemaguard.prisma.loader import load_prisma
from tests.conftest import run_sql
from tests.helpers import apply_statements, diff_json, run_cli

FIXTURES = Path(__file__).parent / "fixtures" / "h9"
EDGE1 = FIXTURES / "edge1.prisma"
EDGE2 = FIXTURES / "edge2.prisma"


def _kinds(report: dict) -> list[tuple[str, str]]:
    return sorted((c["kind"], c["object"]) for c in report["changes"])


def _not_compared(report: dict) -> dict[str, list[str]]:
    return {e["what"]: e["names"] for e in report["coverage"]["not_compared"]}


def test_view_block_declares_a_view_compared_by_presence(pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """F9: a `view X {}` block is the view X: absent is view_missing, present (any body) is no drift, and its
    body is listed as not compared."""
    apply_statements(pg_url, api.render(load_prisma(EDGE2), "postgresql"))
    code, report = diff_json(["diff", "--to", str(EDGE2), "--url", pg_url], capsys)
    assert code == 1 and _kinds(report) == [("view_missing", "UserStats")]
    run_sql(
        pg_url,
        'CREATE VIEW "UserStats" AS SELECT u.id, count(p.*)::int AS posts FROM "User" u '
        'LEFT JOIN "Post" p ON p."userId" = u.id GROUP BY u.id',
    )
    code, report = diff_json(["diff", "--to", str(EDGE2), "--url", pg_url], capsys)
    assert code == 0 and report["changes"] == []
    assert _not_compared(report)["view body"] == ["UserStats"]


def test_multischema_models_enums_and_extensions_land_where_prisma_puts_them(
    pg_factory, capsys: pytest.CaptureFixture[str]
) -> None:
    """F3 + F4: @@schema puts models and enums in their schema, `schemas`/`extensions` are created first; the
    database Prisma's own engine builds (vendored DDL) and the one our render builds match the master and each
    other."""
    prisma_db, ours_db = pg_factory(), pg_factory()
    oracle = (FIXTURES / "edge1.oracle.postgresql.sql").read_text()
    run_sql(prisma_db, oracle)
    rendered = api.render(load_prisma(EDGE1), "postgresql")
    assert rendered[:4] == [
        'CREATE SCHEMA IF NOT EXISTS "base"',
        'CREATE SCHEMA IF NOT EXISTS "transactional"',
        'CREATE EXTENSION IF NOT EXISTS "citext" SCHEMA "public"',
        'CREATE EXTENSION IF NOT EXISTS "pgcrypto" SCHEMA "public"',
    ]
    apply_statements(ours_db, rendered)  # failed before: type "citext" does not exist
    view = 'CREATE VIEW base."UserSummary" AS SELECT id, email::text FROM base.users'
    for url in (prisma_db, ours_db):
        run_sql(url, view)
        code, report = diff_json(["diff", "--to", str(EDGE1), "--url", url], capsys)
        assert (code, report["changes"]) == (0, []), report["changes"]
    code, report = diff_json(["diff", "--from", ours_db, "--to", prisma_db], capsys)
    assert (code, report["changes"]) == (0, [])
    schema = load_prisma(EDGE1)
    assert sorted(t.name for t in schema.tables) == ["base.users", "transactional.order"]
    assert [e.name for e in schema.enums] == ["base.role_kind"]
    assert schema.table("transactional.order").foreign_keys[0].ref_table == "base.users"  # type: ignore[union-attr]


def test_extensions_of_a_master_without_extensions_are_not_compared(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """F4: Prisma ignores extensions unless the datasource lists them, so the database's are listed as not compared,
    never drift; a master that lists them compares them (a missing one is drift)."""
    apply_statements(pg_url, api.render(load_prisma(EDGE2), "postgresql"))
    run_sql(pg_url, ["CREATE EXTENSION pg_trgm", 'CREATE VIEW "UserStats" AS SELECT id, 1 AS posts FROM "User"'])
    code, report = diff_json(["diff", "--to", str(EDGE2), "--url", pg_url], capsys)
    assert code == 0 and report["changes"] == []
    assert _not_compared(report)["extension"] == ["pg_trgm"]
    listed = EDGE2.read_text().replace('url      = env("DATABASE_URL")', "extensions = [citext]")
    master = tmp_path / "listed.prisma"
    master.write_text(listed)
    code, report = diff_json(["diff", "--to", str(master), "--url", pg_url], capsys)
    assert code == 1
    assert _kinds(report) == [("extension_extra", "pg_trgm"), ("extension_missing", "citext")]


def test_unsupported_type_is_the_database_type_it_names(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """F7: Unsupported("interval") is PostgreSQL's interval, normalised like the inspector's (no phantom
    column_type drift); types without a model family stay native."""
    run_sql(pg_url, "CREATE TABLE bans (id int PRIMARY KEY, duration interval NOT NULL, p point, t tsvector)")
    text = (
        'datasource db {\n  provider = "postgresql"\n}\n'
        'model bans {\n  id Int @id\n  duration Unsupported("interval")\n  p Unsupported("point")?\n'
        '  t Unsupported("tsvector")?\n}\n'
    )
    master = tmp_path / "r7.prisma"
    master.write_text(text)
    code, report = diff_json(["diff", "--to", str(master), "--url", pg_url], capsys)
    assert (code, report["changes"]) == (0, [])


@pytest.mark.parametrize("dialect", ["postgresql", "sqlite"])
def test_schema_without_datasource_takes_the_known_dialect(
    dialect: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """F8: Prisma 7 projects and multi-file parts have no datasource block: --dialect (or the URL's) decides."""
    master = tmp_path / "nods.prisma"
    master.write_text("model A {\n  id Int @id\n  name String\n}\n")
    code, out, err = run_cli(["render", "--master", str(master), "--dialect", dialect], capsys)
    assert code == 0, err
    assert 'CREATE TABLE "A"' in out
    db = tmp_path / "a.db"
    url = f"sqlite:///{db}"
    apply_statements(url, api.render(load_prisma(master), "sqlite"))
    code, report = diff_json(["diff", "--to", str(master), "--url", url], capsys)
    assert (code, report["changes"]) == (0, [])


def test_view_objects_are_declared_in_their_schema() -> None:
    schema = load_prisma(EDGE1)
    views = [o for o in schema.objects if o.kind is ObjectKind.VIEW]
    assert [(v.name, v.definition) for v in views] == [("base.UserSummary", None)]
    assert not any("VIEW" in s for s in api.render(schema, "postgresql"))  # Prisma's migrate creates no view


def test_sqlite_provider_implicit_m2m_rendered_for_postgresql_as_prisma_does(
    pg_factory, capsys: pytest.CaptureFixture[str]
) -> None:
    """H5 note (a): a SQLite-provider master rendered for PostgreSQL keys `_AToB` by PRIMARY KEY `_AToB_AB_pkey`
    (Prisma's PostgreSQL DDL for the same schema, vendored), not by SQLite's unique index."""
    master = FIXTURES / "m2m.sqlite.prisma"
    prisma_db, ours_db = pg_factory(), pg_factory()
    run_sql(prisma_db, (FIXTURES / "m2m.sqlite.oracle.postgresql.sql").read_text())
    rendered = api.render(load_prisma(master), "postgresql")
    assert not any("_AB_unique" in s for s in rendered)
    apply_statements(ours_db, rendered)
    code, report = diff_json(["diff", "--from", ours_db, "--to", prisma_db], capsys)
    assert (code, report["changes"]) == (0, [])
    code, report = diff_json(["diff", "--to", str(master), "--url", prisma_db], capsys)
    assert (code, report["changes"]) == (0, [])


def test_postgresql_provider_int_ids_on_sqlite_agree_with_prisma(
    sqlite_factory, capsys: pytest.CaptureFixture[str]
) -> None:
    """H5 note (b): `Int @id` without @default(autoincrement()) in a PostgreSQL-provider master becomes INTEGER
    PRIMARY KEY AUTOINCREMENT on SQLite, as Prisma builds our SQLite variant of it (vendored DDL); our SQLite SQL
    agrees."""
    master = FIXTURES / "int_ids.postgresql.prisma"
    prisma_db, ours_db = sqlite_factory(), sqlite_factory()
    run_sql(prisma_db, (FIXTURES / "int_ids.variant.sqlite.sql").read_text())
    rendered = api.render(load_prisma(master), "sqlite")
    assert sum("PRIMARY KEY AUTOINCREMENT" in s for s in rendered) == 2
    apply_statements(ours_db, rendered)
    code, report = diff_json(["diff", "--from", ours_db, "--to", prisma_db], capsys)
    assert (code, report["changes"]) == (0, [])
    code, report = diff_json(["diff", "--to", str(master), "--url", prisma_db], capsys)
    assert (code, report["changes"]) == (0, [])


def test_view_block_on_sqlite_is_compared_by_presence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """F9 on the sqlite provider: the view block declares the view there too."""
    master = tmp_path / "v.prisma"
    master.write_text(
        'datasource db {\n  provider = "sqlite"\n}\nmodel A {\n  id Int @id\n}\nview V {\n  id Int @unique\n}\n'
    )
    url = f"sqlite:///{tmp_path / 'v.db'}"
    apply_statements(url, api.render(load_prisma(master), "sqlite"))
    code, report = diff_json(["diff", "--to", str(master), "--url", url], capsys)
    assert code == 1 and _kinds(report) == [("view_missing", "V")]
    run_sql(url, 'CREATE VIEW "V" AS SELECT id FROM "A"')
    code, report = diff_json(["diff", "--to", str(master), "--url", url], capsys)
    assert (code, report["changes"]) == (0, [])
    assert _not_compared(report)["view body"] == ["V"]


@pytest.mark.parametrize("fixture", ["edge1.prisma", "edge2.prisma"])
@pytest.mark.parametrize("with_info", [True, False], ids=["with-info", "plain"])
def test_written_prisma_keeps_views_schemas_and_extensions(fixture: str, with_info: bool) -> None:
    """The Prisma writer (`inspect`/`render --format prisma`) writes view blocks, @@schema + `schemas` (never a
    dotted @@map, which Prisma reads as one name) and `extensions`, so the text loads back to the same model."""
    from schemaguard.prisma.loader import load_prisma_with_info
    from schemaguard.prisma.writer import render_prisma

    loaded = load_prisma_with_info(FIXTURES / fixture)
    text = render_prisma(loaded.schema, "postgresql", info=loaded.info if with_info else None)
    assert load_prisma("written.prisma", text=text) == loaded.schema
    assert '@@map("base.' not in text


def test_plan_for_a_missing_prisma_view_says_why_it_cannot(pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A missing view whose body the master lacks cannot be planned: one clear line, exit 2."""
    code, out, err = run_cli(["diff", "--to", str(EDGE2), "--url", pg_url, "--sql"], capsys)
    assert out == ""  # a failed command writes nothing
    assert code == 2 and "Traceback" not in err
    assert "view UserStats has no definition in the master (a Prisma view block holds none)" in err
