"""Test helpers: build databases from a master, run the CLI in-process, plant drift on SQLite by rebuilding."""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

from schemaguard import api
from schemaguard.cli.app import main
from schemaguard.config import Config


def sqlite_file(url: str) -> str:
    """The file path of a ``sqlite:///path`` URL."""
    return url.split(":///", 1)[1]


def apply_statements(url: str, statements: list[str]) -> None:
    """Execute DDL statements on a database: PostgreSQL in one transaction; SQLite outside a transaction (so
    PRAGMA foreign_keys in a plan takes effect), as a user would run a ``--sql`` script."""
    if url.startswith("sqlite"):
        con = sqlite3.connect(sqlite_file(url), isolation_level=None)
        try:
            for s in statements:
                con.execute(s)
        finally:
            con.close()
    else:
        with psycopg.connect(url) as conn:
            for s in statements:
                conn.execute(s)


def build_from_master(url: str, master: str | Path) -> None:
    """Create the master's schema in an empty database via ``api.render``."""
    dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
    schema = api.load_master(Config(), master)
    apply_statements(url, api.render(schema, dialect))


def run_cli(args: list[str], capsys: Any) -> tuple[int, str, str]:
    """Run ``schemaguard ARGS`` in-process; returns (exit code, stdout, stderr)."""
    capsys.readouterr()
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def diff_json(args: list[str], capsys: Any) -> tuple[int, dict[str, Any]]:
    """Run ``schemaguard diff ... --format json`` and parse the report."""
    code, out, err = run_cli([*args, "--format", "json"], capsys)
    assert code in (0, 1), f"diff failed with {code}: {err}"
    return code, json.loads(out)


def sqlite_rebuild(url: str, table: str, transform: Callable[[str], str]) -> None:
    """Plant drift on SQLite the way SQLite itself documents schema changes: rebuild ``table`` from its
    CREATE TABLE text passed through ``transform``, copying rows and recreating its indexes.
    Source: https://www.sqlite.org/lang_altertable.html#otheralter"""
    con = sqlite3.connect(sqlite_file(url), isolation_level=None)
    try:
        (create,) = con.execute("SELECT sql FROM sqlite_schema WHERE type='table' AND name=?", (table,)).fetchone()
        indexes = [
            r[0]
            for r in con.execute(
                "SELECT sql FROM sqlite_schema WHERE type='index' AND tbl_name=? AND sql IS NOT NULL", (table,)
            )
        ]
        new_sql = transform(create)
        assert new_sql != create, "transform changed nothing"
        quoted = '"' + table.replace('"', '""') + '"'
        tmp = '"_plant_tmp"'
        tmp_sql = re.sub(r"^CREATE TABLE\s+(\"(?:[^\"]|\"\")*\"|\S+)", f"CREATE TABLE {tmp}", new_sql, count=1)
        cols_new = [r[1] for r in con.execute("SELECT * FROM pragma_table_info(?)", (table,))]
        con.execute("PRAGMA foreign_keys=OFF")
        con.execute("BEGIN")
        con.execute(tmp_sql)
        cols_tmp = {r[1] for r in con.execute("SELECT * FROM pragma_table_info('_plant_tmp')")}
        shared = ", ".join('"' + c.replace('"', '""') + '"' for c in cols_new if c in cols_tmp)
        con.execute(f"INSERT INTO {tmp} ({shared}) SELECT {shared} FROM {quoted}")
        con.execute(f"DROP TABLE {quoted}")
        con.execute(f"ALTER TABLE {tmp} RENAME TO {quoted}")
        for ix in indexes:
            with contextlib.suppress(sqlite3.OperationalError):  # an index on a column the transform removed
                con.execute(ix)
        con.execute("COMMIT")
    finally:
        con.close()


def pg_exec(url: str, sql: str) -> None:
    """Execute SQL on PostgreSQL with autocommit."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


def free_port() -> int:
    """A loopback TCP port nothing listens on (for connection-refused tests)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
