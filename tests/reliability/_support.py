"""Shared helpers for the reliability suite: a per-case time bound, fuzz-case counters, content checksums."""

from __future__ import annotations

import hashlib
import json
import signal
import sqlite3
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import psycopg

FUZZ_CASES: Counter[str] = Counter()
"""Cases run per fuzz target in this session; printed by the suite's terminal summary (tests/reliability/conftest.py)."""


class Hang(BaseException):
    """Raised by :func:`deadline` when a case runs too long. A BaseException so no ``except Exception`` in the code
    under test can swallow it."""


@contextmanager
def deadline(seconds: float, what: str) -> Iterator[None]:
    """Bound the body to ``seconds`` of wall time with SIGALRM (main thread only); raises :class:`Hang`."""

    def _fire(signum: int, frame: FrameType | None) -> None:
        raise Hang(f"{what} ran longer than {seconds}s")

    previous = signal.signal(signal.SIGALRM, _fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _digest(obj: object) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


def pg_quote(name: str) -> str:
    """A PostgreSQL identifier in double quotes (embedded quotes doubled)."""
    return '"' + name.replace('"', '""') + '"'


def pg_data_checksum(url: str, namespace: str = "public") -> dict[str, str]:
    """sha256 of every table's rows (sorted by their text form) in ``namespace``, by table name. Read as the
    server's admin role so the fingerprint does not depend on the role under test."""
    out: dict[str, str] = {}
    with psycopg.connect(url, autocommit=True) as conn:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') ORDER BY 1",
                (namespace,),
            )
        ]
        for name in names:
            rows = conn.execute(f"SELECT t::text FROM {pg_quote(namespace)}.{pg_quote(name)} t ORDER BY 1").fetchall()
            out[name] = _digest([r[0] for r in rows])
    return out


CATALOG_QUERIES = {
    "pg_class": "SELECT c.relname, c.relkind, c.relnatts, c.relhasindex, c.relpersistence, c.relacl::text "
    "FROM pg_class c WHERE c.relnamespace = %(ns)s::regnamespace ORDER BY 1",
    "pg_attribute": "SELECT c.relname, a.attnum, a.attname, a.atttypid::regtype::text, a.attnotnull, "
    "a.atthasdef, a.attisdropped FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
    "WHERE c.relnamespace = %(ns)s::regnamespace ORDER BY 1, 2",
    "pg_constraint": "SELECT conname, contype, conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint "
    "WHERE connamespace = %(ns)s::regnamespace ORDER BY 1, 3",
    "pg_index": "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
    "JOIN pg_class c ON c.oid = i.indrelid WHERE c.relnamespace = %(ns)s::regnamespace ORDER BY 1",
    "pg_type": "SELECT typname, typtype FROM pg_type WHERE typnamespace = %(ns)s::regnamespace ORDER BY 1",
    "pg_enum": "SELECT t.typname, e.enumsortorder, e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid "
    "WHERE t.typnamespace = %(ns)s::regnamespace ORDER BY 1, 2",
}
"""Catalog rows describing every object of one namespace (relations, columns, constraints, indexes, types)."""


def pg_catalog_checksum(url: str, namespace: str = "public") -> dict[str, str]:
    """sha256 of each catalog's rows for ``namespace`` (see :data:`CATALOG_QUERIES`), plus the database's object
    count in pg_class, by catalog name."""
    out: dict[str, str] = {}
    with psycopg.connect(url, autocommit=True) as conn:
        for name, query in CATALOG_QUERIES.items():
            out[name] = _digest(conn.execute(query, {"ns": namespace}).fetchall())
        out["objects"] = _digest(conn.execute("SELECT count(*) FROM pg_class").fetchall())
    return out


def sqlite_checksum(path: str) -> dict[str, str]:
    """sha256 of ``sqlite_schema`` and of every table's rows, read through a ``mode=ro`` connection."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        out = {
            "sqlite_schema": _digest(
                con.execute("SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY 2").fetchall()
            )
        }
        for (name,) in con.execute("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY 1").fetchall():
            quoted = '"' + name.replace('"', '""') + '"'
            rows = con.execute(f"SELECT * FROM {quoted}").fetchall()
            out[name] = _digest(sorted(repr(r) for r in rows))
        return out
    finally:
        con.close()
