"""Dev/prod parity (issue 13, item 6): a SQLite and a PostgreSQL database built from the same master compare
equal through the logical model; a difference planted in one is reported, and only it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from schemaguard import api
from schemaguard.config import Config
from schemaguard.errors import ConfigError
from tests.helpers import apply_statements, build_from_master, pg_exec, run_cli, sqlite_rebuild

ROOT = Path(__file__).resolve().parent.parent
MASTERS = {
    "yaml": ROOT / "schemas" / "master.yaml",
    "prisma": ROOT / "schemas" / "master.prisma",
}


def _parity(dev: str, prod: str) -> list[str]:
    report = api.diff(Config(), desired=prod, actual=dev)
    assert report.dialect == "sqlite (parity)"
    return sorted(f"{c.kind.value}:{c.table}.{c.object}" for c in report.changes)


@pytest.mark.parametrize("master", sorted(MASTERS))
def test_same_master_on_both_dialects_is_no_drift(master: str, sqlite_url: str, pg_url: str) -> None:
    build_from_master(sqlite_url, MASTERS[master])
    build_from_master(pg_url, MASTERS[master])
    assert _parity(sqlite_url, pg_url) == []
    assert _parity(pg_url, sqlite_url) == []  # either way round


def test_planted_differences_are_reported_exactly(sqlite_url: str, pg_url: str) -> None:
    master = MASTERS["yaml"]
    build_from_master(sqlite_url, master)
    build_from_master(pg_url, master)
    # Production lost an index and a column became nullable; development lacks a column.
    pg_exec(pg_url, 'DROP INDEX "MessageThread_org_recent_idx"')
    pg_exec(pg_url, 'ALTER TABLE "Organization" ALTER COLUMN "name" DROP NOT NULL')
    sqlite_rebuild(sqlite_url, "Client", lambda sql: sql.replace('\t"phone" TEXT, \n', ""))
    assert _parity(sqlite_url, pg_url) == [
        "column_missing:Client.phone",
        "column_nullable:Organization.name",
        "index_extra:MessageThread.MessageThread_org_recent_idx",
    ]


def test_enum_values_are_compared_through_the_sqlite_check(sqlite_url: str, pg_url: str) -> None:
    master = MASTERS["yaml"]
    build_from_master(sqlite_url, master)
    build_from_master(pg_url, master)
    apply_statements(pg_url, ["ALTER TYPE \"MessageStatus\" ADD VALUE 'ARCHIVED'"])
    kinds = _parity(sqlite_url, pg_url)
    assert kinds and all(k.startswith("check_") for k in kinds), kinds


def test_cli_diff_between_dialects(sqlite_url: str, pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    build_from_master(sqlite_url, MASTERS["yaml"])
    build_from_master(pg_url, MASTERS["yaml"])
    code, out, err = run_cli(["diff", "--from", sqlite_url, "--to", pg_url, "--format", "json"], capsys)
    assert code == 0, err
    report = json.loads(out)
    assert report["drift"] is False and report["dialect"] == "sqlite (parity)"
    with pytest.raises(ConfigError):
        api.diff(Config(), desired=pg_url, actual=sqlite_url, with_sql=True)
