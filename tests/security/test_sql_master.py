"""16.11: a ``.sql`` master loads (SQLite DDL in memory; PostgreSQL DDL in a scratch database on dev_url) or is one
clear line with exit 2 -- it used to crash on a missing module. The script is data: it never writes a file and
never runs anything but schema DDL on the dev server."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from schemaguard.errors import SchemaError
from schemaguard.loaders import load_schema_file
from tests.conftest import PG_ADMIN_URL, _require_pg
from tests.helpers import run_cli

SQLITE_DDL = """-- a SQLite schema
CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE);
CREATE TABLE posts (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  title TEXT
);
CREATE INDEX posts_user ON posts (user_id);
"""
PG_DDL = """CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE TABLE people (id bigserial PRIMARY KEY, m mood NOT NULL, seen timestamptz DEFAULT now());
"""


def test_sqlite_ddl_loads_in_memory() -> None:
    schema = load_schema_file("schema.sql", SQLITE_DDL)
    assert [t.name for t in schema.tables] == ["posts", "users"]
    posts = schema.table("posts")
    assert posts is not None
    assert [(fk.columns, fk.ref_table) for fk in posts.foreign_keys] == [(("user_id",), "users")]
    assert any(ix.name == "posts_user" for ix in posts.indexes)


def test_postgresql_ddl_loads_through_dev_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    _require_pg()
    (tmp_path / "schemaguard.toml").write_text(
        f'master = "schema.sql"\ndialect = "postgresql"\ndev_url = "{PG_ADMIN_URL}"\n', encoding="utf-8"
    )
    (tmp_path / "schema.sql").write_text(PG_DDL, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(["render", "--dialect", "postgresql"], capsys)
    assert code == 0, err
    assert 'CREATE TYPE "mood" AS ENUM' in out and 'CREATE TABLE "people"' in out


def test_postgresql_ddl_without_dev_url_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "schemaguard.toml").write_text('master = "schema.sql"\n', encoding="utf-8")
    (tmp_path / "schema.sql").write_text(PG_DDL, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(["validate"], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert err.startswith("error: schema.sql:1: ") and "dev_url" in err and "Traceback" not in err


def test_sqlite_ddl_cannot_write_a_file(tmp_path: Path) -> None:
    target = tmp_path / "planted.db"
    for script in (
        f"ATTACH '{target}' AS x;\nCREATE TABLE x.t (a);\n",
        f"CREATE TABLE t (a);\nVACUUM INTO '{target}';\n",
    ):
        with pytest.raises(SchemaError, match=r"not authorized|authorization denied"):
            load_schema_file("evil.sql", script)
    assert not target.exists()


@pytest.mark.parametrize(
    "script",
    [
        "CREATE TABLE t (a int);\nCOPY t TO PROGRAM 'true';\n",
        "CREATE TABLE t (a int);\nCOPY t FROM '/etc/hostname';\n",
        "CREATE EXTENSION file_fdw;\n",
        "CREATE FUNCTION f() RETURNS int LANGUAGE c AS 'libc', 'abs';\n",
        "ALTER SYSTEM SET work_mem = '1GB';\n",
        "RESET ROLE;\nCOPY (SELECT 1) TO PROGRAM 'true';\n",
        "CREATE ROLE intruder SUPERUSER;\n",
    ],
)
def test_the_dev_server_runs_the_script_without_privileges(script: str) -> None:
    """On PostgreSQL the script runs as a throw-away role that owns only the scratch database: the server
    itself refuses what reaches outside it, and the role is gone afterwards."""
    _require_pg()
    with pytest.raises(SchemaError, match="PostgreSQL cannot run this DDL") as exc:
        load_schema_file("evil.sql", script, dev_url=PG_ADMIN_URL)
    assert exc.value.line is not None
    with psycopg.connect(PG_ADMIN_URL) as conn:
        left = conn.execute("SELECT rolname FROM pg_roles WHERE rolname LIKE 'sg_loader_%' OR rolname = 'intruder'")
        assert left.fetchall() == []


def test_pg_dump_ownership_lines_are_skipped() -> None:
    _require_pg()
    script = PG_DDL + "ALTER TABLE public.people OWNER TO postgres;\nALTER TYPE public.mood OWNER TO postgres;\n"
    schema = load_schema_file("dump.sql", script, dev_url=PG_ADMIN_URL)
    assert [t.name for t in schema.tables] == ["people"]
