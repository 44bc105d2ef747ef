"""The bulk-query inspectors (7 catalog queries on PostgreSQL, 5 on SQLite, whatever the number of tables) give
exactly the model that SQLAlchemy's per-table Inspector gives, on the corpus schemas and on synthetic ones."""

from __future__ import annotations

import re
import sqlite3
import sys
from collections.abc import Callable

import psycopg
import pytest

from schemaguard.db import connect
from schemaguard.dialects import get_dialect
from tests.conftest import CORPUS, ROOT, run_sql
from tests.perf.sa_reference import canonical, reference_inspect

sys.path.insert(0, str(ROOT / "bench"))
from generate import plant_drift, synthetic_schema

from schemaguard.api import render

SQL = CORPUS / "sql"


def _both(url: str, dialect_name: str) -> tuple[dict, dict, int]:
    dialect = get_dialect(dialect_name)
    with connect(url) as conn:
        fast = dialect.inspect(conn, None)
        slow = reference_inspect(conn, dialect_name)
    return canonical(fast, dialect), canonical(slow, dialect), len(fast.tables)


def _assert_same(fast: dict, slow: dict) -> None:
    assert fast.keys() == slow.keys()
    for key in fast:
        assert fast[key] == slow[key], key


def _strip_db_commands(text: str) -> str:
    return "\n".join(
        line for line in text.splitlines() if not re.match(r"^\s*(DROP DATABASE|CREATE DATABASE|\\c)\b", line, re.I)
    )


@pytest.mark.parametrize(("name", "tables"), [("chinook.postgres.sql", 11), ("northwind.postgres.sql", 14)])
def test_postgres_corpus_matches_reference(name: str, tables: int, pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(_strip_db_commands((SQL / name).read_text(encoding="utf-8")))
    fast, slow, n = _both(pg_url, "postgresql")
    assert n == tables
    _assert_same(fast, slow)


def test_sqlite_corpus_matches_reference(sqlite_url: str) -> None:
    con = sqlite3.connect(sqlite_url.split(":///", 1)[1])
    con.executescript((SQL / "chinook.sqlite.sql").read_text(encoding="utf-8-sig"))
    con.close()
    fast, slow, n = _both(sqlite_url, "sqlite")
    assert n == 11
    _assert_same(fast, slow)


@pytest.mark.parametrize("dialect_name", ["postgresql", "sqlite"])
@pytest.mark.parametrize("drifted", [False, True])
def test_synthetic_matches_reference(
    dialect_name: str, drifted: bool, pg_factory: Callable[[], str], sqlite_factory: Callable[[], str]
) -> None:
    url = pg_factory() if dialect_name == "postgresql" else sqlite_factory()
    schema = synthetic_schema(60)
    post: list[str] = []
    if drifted:
        schema, _, post = plant_drift(schema, 17, dialect=dialect_name)  # every kind once
    run_sql(url, render(schema, dialect_name) + post)
    fast, slow, n = _both(url, dialect_name)
    assert n == len(schema.tables)
    _assert_same(fast, slow)
