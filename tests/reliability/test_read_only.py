"""Read-only commands proven read-only: run as a PostgreSQL role that holds only CONNECT, USAGE on the schema and
SELECT on the tables, and on a SQLite file that is chmod 0444 in a 0555 directory (opened ``mode=ro``). Every
command succeeds, and a checksum of every table's rows and of the catalog is unchanged.

Commands: ``diff`` (all report formats, with ``--sql``), ``inspect`` (yaml/json/prisma), ``proof`` (table/json/
junit), ``backfill --list``, ``backfill --dry-run`` (before and after the ledger exists) and ``gate`` (every
format).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from schemaguard import api
from schemaguard.backfills.builtin.phase_1_4 import BACKFILL
from schemaguard.backfills.demo import seed_demo
from schemaguard.backfills.runner import RunOptions, run_backfill
from schemaguard.db import connect
from schemaguard.dialects import get_dialect
from tests.conftest import ROOT, run_sql
from tests.helpers import run_cli, sqlite_file
from tests.reliability._support import pg_catalog_checksum, pg_data_checksum, sqlite_checksum

CONFIG = str(ROOT / "schemaguard.toml")
MASTER = ROOT / "schemas" / "master.yaml"
DEMO = {"orgs": 2, "threads_per_org": 6, "seed": 3, "orgs_without_number": 0}


def _seed(url: str) -> None:
    seed_demo(url, schema=api.load_master(api.load_config(cwd=ROOT), MASTER), **DEMO)


def read_only_commands(url: str) -> list[tuple[list[str], tuple[int, ...]]]:
    """(argv, accepted exit codes): every command that must never write. ``diff``/``proof`` may find drift or a
    failed check (1), never an error (2)."""
    base = ["--config", CONFIG]
    cmds: list[tuple[list[str], tuple[int, ...]]] = []
    for fmt in ("table", "json", "markdown"):
        cmds.append(([*base, "diff", "--url", url, "--sql", "--format", fmt], (0, 1)))
    for fmt in ("yaml", "json", "prisma"):
        cmds.append(([*base, "inspect", "--url", url, "--format", fmt], (0,)))
    for fmt in ("table", "json", "junit"):
        cmds.append(([*base, "proof", "--url", url, "--format", fmt], (0, 1)))
    cmds.append(([*base, "backfill", "--list", "--url", url], (0,)))
    for fmt in ("table", "json", "markdown", "junit", "github"):
        cmds.append(([*base, "gate", "--url", url, "--format", fmt], (0, 1)))  # 1: a check failed, never 2
    cmds.append(([*base, "backfill", "phase-1-4", "--dry-run", "--url", url], (0, 1)))
    return cmds


def _run_all(url: str, capsys: pytest.CaptureFixture[str]) -> list[str]:
    failures = []
    for argv, ok in read_only_commands(url):
        code, out, err = run_cli(argv, capsys)
        if code not in ok or "Traceback" in out + err:
            failures.append(f"{' '.join(argv[2:5])}: exit {code}: {err.strip()[:300]}")
    return failures


# --- PostgreSQL -------------------------------------------------------------------------------------------------


@pytest.fixture
def select_only_role(pg_url: str) -> Iterator[tuple[str, str]]:
    """(admin URL, URL of a LOGIN role with only CONNECT + USAGE + SELECT) on a database holding demo data.

    PUBLIC's default rights are revoked first (CREATE on the schema, TEMP and CONNECT on the database), so the
    role has nothing it was not granted here."""
    _seed(pg_url)
    role = f"sg_ro_{uuid.uuid4().hex[:8]}"
    dbname = pg_url.rsplit("/", 1)[1]
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD 'ro-pass-123'").format(sql.Identifier(role)))
        conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(sql.Identifier(dbname)))
        conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        conn.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(dbname), sql.Identifier(role)))
        conn.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(sql.Identifier(role)))
        conn.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {}").format(sql.Identifier(role)))
    ro_url = pg_url.replace("postgres@", f"{role}:ro-pass-123@", 1)
    yield pg_url, ro_url
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def test_the_role_really_cannot_write(select_only_role: tuple[str, str]) -> None:
    """The premise: the role can read but not write, create, or even make a temporary table."""
    _, ro_url = select_only_role
    with psycopg.connect(ro_url, autocommit=True) as conn:
        assert conn.execute('SELECT count(*) FROM "Organization"').fetchone() == (DEMO["orgs"],)
        for stmt in (
            'UPDATE "Organization" SET name = name',
            "CREATE TABLE x (id int)",
            "CREATE TEMP TABLE y (id int)",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(stmt)


def _pg_state(url: str) -> tuple[dict[str, str], dict[str, str]]:
    return pg_data_checksum(url), pg_catalog_checksum(url)


def test_read_only_commands_as_a_select_only_role(
    select_only_role: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    admin_url, ro_url = select_only_role
    before = _pg_state(admin_url)
    # Before any backfill ran (no ledger yet)...
    assert _run_all(ro_url, capsys) == []
    assert _pg_state(admin_url) == before
    # Again after a real backfill (run by the admin), when the ledger exists and the proofs pass.
    run_backfill(BACKFILL, admin_url, RunOptions(batch_size=5))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {}").format(
                sql.Identifier(ro_url.split("//", 1)[1].split(":", 1)[0])
            )
        )
    middle = _pg_state(admin_url)
    assert middle[0] != before[0], "the backfill changed nothing: the second pass would prove little"
    assert _run_all(ro_url, capsys) == []
    code, _, err = run_cli(["--config", CONFIG, "proof", "--url", ro_url], capsys)
    assert code == 0, err
    assert _pg_state(admin_url) == middle


def test_schemaguard_sessions_refuse_writes_on_postgresql(pg_url: str) -> None:
    """Even as a superuser, the connection read-only commands use is READ ONLY: a write raises."""
    import sqlalchemy as sa

    with connect(pg_url) as conn:
        assert conn.execute(sa.text("SHOW default_transaction_read_only")).scalar() == "on"
        with pytest.raises(sa.exc.DBAPIError, match="read-only transaction"):
            conn.execute(sa.text("CREATE TABLE nope (id int)"))


def test_introspection_reads_one_snapshot_on_postgresql(pg_url: str) -> None:
    """A column added by another session after introspection began is invisible to every later catalog query
    of that introspection (REPEATABLE READ), so the constraints query cannot name a column the columns query
    did not return."""
    import sqlalchemy as sa

    run_sql(pg_url, "CREATE TABLE t (id int PRIMARY KEY)")
    with connect(pg_url) as conn:
        assert conn.execute(sa.text("SHOW transaction_isolation")).scalar() == "repeatable read"
        before = get_dialect("postgresql").inspect(conn, None)
        with psycopg.connect(pg_url, autocommit=True) as other:
            other.execute("SET lock_timeout = '5s'")  # a lock held by the introspection would fail, not hang
            other.execute("ALTER TABLE t ADD COLUMN late int UNIQUE")
        again = get_dialect("postgresql").inspect(conn, None)
    assert again == before
    assert [c.name for c in again.tables[0].columns] == ["id"]


# --- SQLite ------------------------------------------------------------------------------------------------------


def _file_state(path: Path) -> tuple[str, int, int, list[str]]:
    return (
        hashlib.sha256(path.read_bytes()).hexdigest(),
        path.stat().st_mtime_ns,
        stat.S_IMODE(path.stat().st_mode),
        sorted(p.name for p in path.parent.iterdir()),
    )


@pytest.fixture
def read_only_sqlite(tmp_path: Path) -> Iterator[Path]:
    """A demo database (backfilled, so the ledger exists) in its own directory; file 0444, directory 0555."""
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "demo.db"
    url = f"sqlite:///{path}"
    _seed(url)
    run_backfill(BACKFILL, url, RunOptions(batch_size=5))
    path.chmod(0o444)
    folder.chmod(0o555)
    yield path
    folder.chmod(0o755)
    path.chmod(0o644)


def test_read_only_commands_on_a_read_only_sqlite_file(
    read_only_sqlite: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{read_only_sqlite}"
    before = (sqlite_checksum(str(read_only_sqlite)), _file_state(read_only_sqlite))
    assert _run_all(url, capsys) == []
    assert (sqlite_checksum(str(read_only_sqlite)), _file_state(read_only_sqlite)) == before


def test_sqlite_sessions_are_mode_ro_even_for_root(sqlite_url: str) -> None:
    """The file's permissions do not stop root (tests may run as root); what stops writes is ``mode=ro``."""
    import sqlalchemy as sa

    _seed(sqlite_url)
    path = sqlite_file(sqlite_url)
    os.chmod(path, 0o444)
    if os.geteuid() == 0:  # root ignores the permission bits: a plain connection could still write
        con = sqlite3.connect(path)
        con.execute("CREATE TABLE root_can_write (id int)")
        con.execute("DROP TABLE root_can_write")
        con.commit()
        con.close()
    before = sqlite_checksum(path)
    with connect(sqlite_url) as conn, pytest.raises(sa.exc.OperationalError, match="readonly database"):
        conn.execute(sa.text('UPDATE "Organization" SET name = name'))
    assert sqlite_checksum(path) == before
