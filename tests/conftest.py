"""Shared fixtures: every PostgreSQL test gets its own freshly created database; SQLite tests use real files.

PostgreSQL comes from SCHEMAGUARD_TEST_PG_URL (default postgresql://postgres@127.0.0.1:5432/postgres). When it
cannot be reached the PostgreSQL tests are skipped locally, but under CI (CI=true) that is a failure.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from hypothesis import settings
from psycopg import sql

# Loaded-schema cache entries of the test run stay out of the user's cache (tests/test_cache.py tests the cache).
os.environ.setdefault(
    "SCHEMAGUARD_CACHE_DIR", os.path.join(tempfile.gettempdir(), f"schemaguard-test-cache-{os.getpid()}")
)

# Property tests: CI replays the same examples on every run (a red CI names a change, not a lucky draw); local
# runs explore new ones, and what they find becomes a regression test.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")

PG_ADMIN_URL = os.environ.get("SCHEMAGUARD_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
"""The vendored corpus of real public schemas (sources and licences in tests/corpus/SOURCES.md)."""
COPYLEFT = CORPUS / "copyleft"
"""AGPL-licensed corpus files, kept apart (tests/corpus/copyleft/README.md); same layout as CORPUS."""


def corpus_glob(folder: Path, pattern: str) -> list[Path]:
    """Sorted files matching ``pattern`` in a corpus folder.

    Raises FileNotFoundError when the folder is missing or nothing matches: a parametrised test over the corpus
    must fail at collection, never silently collect zero cases.
    """
    found = sorted(folder.glob(pattern))
    if not found:
        raise FileNotFoundError(f"corpus files missing: nothing matches {pattern!r} in {folder}")
    return found


def _pg_available() -> str | None:
    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=5):
            return None
    except psycopg.Error as exc:
        return str(exc).splitlines()[0]


_PG_PROBLEM = _pg_available()


def _require_pg() -> None:
    if _PG_PROBLEM is not None:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI but unreachable at {PG_ADMIN_URL}: {_PG_PROBLEM}")
        pytest.skip(f"PostgreSQL unreachable: {_PG_PROBLEM}")


def _with_db(url: str, dbname: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{dbname}"


class PgDatabases:
    """Creates fresh databases on the test server and drops them at teardown."""

    def __init__(self) -> None:
        self.created: list[str] = []

    def create(self, prefix: str = "sgtest") -> str:
        _require_pg()
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self.created.append(name)
        return _with_db(PG_ADMIN_URL, name)

    def drop_all(self) -> None:
        if not self.created:
            return
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            for name in self.created:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def pg_factory() -> Iterator[Callable[[], str]]:
    """Call it to get the URL of a new, empty PostgreSQL database (dropped after the test)."""
    dbs = PgDatabases()
    yield dbs.create
    dbs.drop_all()


@pytest.fixture
def pg_url(pg_factory: Callable[[], str]) -> str:
    """URL of a new, empty PostgreSQL database (``postgresql://...``)."""
    return pg_factory()


@pytest.fixture
def sqlite_factory(tmp_path: Path) -> Callable[[], str]:
    """Call it to get the URL of a new SQLite file (``sqlite:////tmp/.../dbN.sqlite``)."""
    counter = iter(range(1_000_000))

    def make() -> str:
        return f"sqlite:///{tmp_path / f'db{next(counter)}.sqlite'}"

    return make


@pytest.fixture
def sqlite_url(sqlite_factory: Callable[[], str]) -> str:
    """URL of a new SQLite database file (created on first connection)."""
    return sqlite_factory()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_factory(request: pytest.FixtureRequest, sqlite_factory: Callable[[], str], pg_factory: Callable[[], str]):
    """Parametrised over both dialects: call it for a fresh empty database URL of that dialect."""
    return sqlite_factory if request.param == "sqlite" else pg_factory


def run_sql(url: str, statements: str | list[str]) -> None:
    """Execute SQL on a test database (autocommit). A str may hold several ;-separated statements."""
    if url.startswith("sqlite"):
        import sqlite3

        path = url.split(":///", 1)[1]
        con = sqlite3.connect(path)
        try:
            if isinstance(statements, str):
                con.executescript(statements)
            else:
                for s in statements:
                    con.execute(s)
            con.commit()
        finally:
            con.close()
    else:
        with psycopg.connect(url, autocommit=True) as conn:
            if isinstance(statements, str):
                conn.execute(statements)  # psycopg runs multi-statement text
            else:
                for s in statements:
                    conn.execute(s)
