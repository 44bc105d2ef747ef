"""The example master as Prisma: ``schemas/master.prisma`` and the dev/production variants stay loadable and
agree with the YAML master on everything Prisma can express."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from schemaguard import api
from schemaguard.config import load_config
from schemaguard.dialects import get_dialect
from schemaguard.diff import diff_schemas
from schemaguard.diff.objects import scope_uncompared
from schemaguard.loaders import load_schema_file
from tests.conftest import ROOT
from tests.helpers import apply_statements, diff_json

YAML = ROOT / "schemas" / "master.yaml"
PRISMA = ROOT / "schemas" / "master.prisma"
DEV = ROOT / "schemas" / "rendered" / "schema.dev.prisma"
PROD = ROOT / "schemas" / "rendered" / "schema.production.prisma"


def test_committed_prisma_variants_are_current() -> None:
    results = api.check_rendered(load_config(ROOT / "schemaguard.toml"))
    assert {r.path.name: r.status for r in results} == {
        "master.sqlite.sql": "ok",
        "master.postgresql.sql": "ok",
        "schema.dev.prisma": "ok",
        "schema.production.prisma": "ok",
        "master.prisma": "ok",
    }


def test_prisma_master_differs_from_yaml_only_where_prisma_cannot_express_it() -> None:
    yaml_master = load_schema_file(YAML)
    prisma_master = load_schema_file(PRISMA)
    changes = diff_schemas(yaml_master, prisma_master, get_dialect("postgresql"))
    # Prisma has no CHECK constraints and no partial indexes, and creates list columns without NOT NULL.
    lists = {(t.name, c.name) for t in yaml_master.tables for c in t.columns if c.type.is_array}
    checks = {(t.name, ck.name) for t in yaml_master.tables for ck in t.checks}
    partial = {(t.name, ix.name) for t in yaml_master.tables for ix in t.indexes if ix.where}
    # Nor UNIQUE constraints: @@unique / @unique are unique indexes (the engine writes CREATE UNIQUE INDEX), and the
    # YAML master's table-level `unique:` lists are constraints, which ON CONFLICT ON CONSTRAINT can name.
    constraints = {(t.name, ix.name) for t in yaml_master.tables for ix in t.indexes if ix.constraint}
    # Nor database comments: Prisma's /// documentation stays in the client, its engine writes no COMMENT ON and
    # its db pull reads none back, so the Prisma master marks comments as not compared (tests/prisma/
    # test_prisma_fidelity.py): the YAML master's comments are listed as such, never reported as changes.
    comments = {t.name for t in yaml_master.tables if t.comment} | {
        f"{t.name}.{c.name}" for t in yaml_master.tables for c in t.columns if c.comment
    }
    comments |= {e.name for e in yaml_master.enums if e.comment}
    found = {(c.kind.value, c.table, c.object) for c in changes}
    expected = (
        {("column_nullable", t, c) for t, c in lists}
        | {("check_missing", t, n) for t, n in checks}
        | {("index_missing", t, n) for t, n in partial}
        | {("index_changed", t, n) for t, n in constraints}
    )
    assert found == expected
    assert lists and checks and partial and comments and constraints
    listed, _ = scope_uncompared(yaml_master, prisma_master)
    assert {n for e in listed.not_compared if e.what == "comment" for n in e.names} == comments


def test_dev_and_production_variants_load_and_match_the_master(
    sqlite_factory: Callable[[], str], pg_factory: Callable[[], str], capsys: pytest.CaptureFixture[str]
) -> None:
    prisma_master = load_schema_file(PRISMA)
    assert diff_schemas(prisma_master, load_schema_file(PROD), get_dialect("postgresql")) == []
    pg = pg_factory()
    apply_statements(pg, api.render(load_schema_file(PROD), "postgresql"))
    code, report = diff_json(["diff", "--to", str(PRISMA), "--url", pg], capsys)
    assert report["changes"] == [] and code == 0

    # The dev variant builds a SQLite database that differs from the YAML master rendered for SQLite only by
    # what a Prisma schema cannot carry: CHECK constraints (enum emulation included) and partial indexes.
    yaml_master = load_schema_file(YAML)
    dev = sqlite_factory()
    apply_statements(dev, api.render(load_schema_file(DEV), "sqlite"))
    code, report = diff_json(["diff", "--to", str(YAML), "--url", dev], capsys)
    adapted = get_dialect("sqlite").adapt(yaml_master)
    expected = {("check_missing", t.name, ck.name) for t in adapted.tables for ck in t.checks} | {
        ("index_missing", t.name, ix.name) for t in adapted.tables for ix in t.indexes if ix.where
    }
    assert {(c["kind"], c["table"], c["object"]) for c in report["changes"]} == expected
    code, report = diff_json(["diff", "--to", str(DEV), "--url", dev], capsys)
    assert report["changes"] == [] and code == 0
