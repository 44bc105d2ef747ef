"""Loader for a ``.sql`` master: DDL, loaded by running it in a private database and introspecting the result.

SQLite first: the script runs in an in-memory SQLite database (no file is attached or written: ATTACH and
VACUUM INTO are denied by an authorizer) and the SQLite inspector reads it back. DDL SQLite does not accept
(PostgreSQL's) runs in a scratch database created on the configured ``dev_url`` and dropped afterwards, then read
by the PostgreSQL inspector. The file is data, and the dev server runs it: there it runs as a throw-away role
that owns the scratch database and nothing else, so the server itself refuses COPY to/from files or programs,
untrusted languages and extensions, ALTER SYSTEM and role changes (pg_dump's ``OWNER TO`` lines are dropped: owners
are not part of the model).
"""

from __future__ import annotations

import re
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from schemaguard.errors import SchemaError
from schemaguard.model import Schema

_DENIED_SQLITE = {sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH}


def load_sql_file(path: str, text: str, *, dev_url: str | None = None) -> Schema:
    """Load DDL from ``text`` into the model.

    Args:
        path: the label used in errors and as the schema's ``source``.
        text: the SQL script (statements separated by ``;``).
        dev_url: a PostgreSQL server where schemaguard may CREATE DATABASE, for DDL SQLite does not run.

    Raises:
        SchemaError: ``path:line`` of the first statement neither SQLite nor (with ``dev_url``) PostgreSQL accepts,
            or the statement kind refused on PostgreSQL.
        ConnectionFailed: the dev server cannot be reached.
    """
    try:
        return replace(_via_sqlite(path, text), source=path)
    except SchemaError as sqlite_error:
        if not dev_url:
            raise SchemaError(
                f"{sqlite_error.problem}; if this is PostgreSQL DDL, set dev_url in the configuration (a server "
                "where schemaguard may CREATE DATABASE) to load it there",
                path,
                sqlite_error.line,
            ) from None
    return replace(_via_postgresql(path, text, dev_url), source=path)


def _statements(text: str) -> list[tuple[int, str]]:
    """``(line, statement)`` for each complete SQLite statement (``sqlite3.complete_statement`` decides)."""
    out: list[tuple[int, str]] = []
    buf: list[str] = []
    start = 1
    for n, line in enumerate(text.splitlines(keepends=True), 1):
        if not buf and not line.strip():
            continue
        if not buf:
            start = n
        buf.append(line)
        joined = "".join(buf)
        if sqlite3.complete_statement(joined):
            out.append((start, joined))
            buf = []
    if buf and "".join(buf).strip():
        out.append((start, "".join(buf)))
    return out


def _authorize(action: int, *_args: object) -> int:
    return sqlite3.SQLITE_DENY if action in _DENIED_SQLITE else sqlite3.SQLITE_OK


def _via_sqlite(path: str, text: str) -> Schema:
    import sqlalchemy as sa
    from sqlalchemy.pool import StaticPool

    from schemaguard.dialects import get_dialect

    raw = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    raw.set_authorizer(_authorize)
    try:
        for line, statement in _statements(text):
            try:
                raw.execute(statement)
            except (sqlite3.Error, sqlite3.Warning) as exc:
                raise SchemaError(f"SQLite cannot run this statement: {exc}", path, line) from None
        engine = sa.create_engine("sqlite://", creator=lambda: raw, poolclass=StaticPool)
        try:
            with engine.connect() as conn:
                return get_dialect("sqlite").inspect(conn, None)
        finally:
            engine.dispose()
    finally:
        raw.close()


# pg_dump's ownership lines: owners are not part of the model, and the unprivileged role cannot set them.
_OWNER_TO = re.compile(r"^[ \t]*ALTER[ \t][^;\n]*[ \t]OWNER[ \t]+TO[ \t][^;\n]*;[ \t]*$", re.M | re.I)


@contextmanager
def _unprivileged(scratch_url: str) -> Iterator[str]:
    """A URL of the scratch database for a throw-away role that owns it and nothing else (no superuser, no
    CREATEROLE/CREATEDB, not a member of any role), created when the dev_url user is a superuser and dropped after.
    As that role COPY to/from files or programs, untrusted languages and extensions, ALTER SYSTEM and role changes
    are refused by the server itself. A dev_url user that is not a superuser runs the script as itself.

    Raises:
        SchemaError: the server refused a connection as the temporary role (pg_hba.conf).
    """
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import make_conninfo

    database = scratch_url.rsplit("/", 1)[1].split("?", 1)[0]
    with psycopg.connect(scratch_url, autocommit=True) as admin:
        row = admin.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
        if not (row and row[0]):
            yield scratch_url
            return
        role = f"sg_loader_{secrets.token_hex(6)}"
        password = secrets.token_urlsafe(24)
        admin.execute(
            sql.SQL(
                "CREATE ROLE {} LOGIN PASSWORD {} NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
            ).format(sql.Identifier(role), sql.Literal(password))
        )
        try:
            admin.execute(
                sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(database), sql.Identifier(role))
            )
            admin.execute(sql.SQL("ALTER SCHEMA public OWNER TO {}").format(sql.Identifier(role)))
            yield make_conninfo(scratch_url, user=role, password=password)
        finally:
            admin.execute(sql.SQL("REASSIGN OWNED BY {} TO current_user").format(sql.Identifier(role)))
            admin.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
            admin.execute(sql.SQL("ALTER DATABASE {} OWNER TO current_user").format(sql.Identifier(database)))
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


_PG_TOKEN = re.compile(
    r"""--[^\n]*|/\*.*?\*/|'(?:[^']|'')*'|"(?:[^"]|"")*"|(\$[A-Za-z_0-9]*\$).*?\1|;""",
    re.S,
)


def _pg_statements(script: str) -> list[tuple[int, str]]:
    """``(offset, statement)`` for each statement of a PostgreSQL script, split at ``;`` outside comments, quoted
    strings and identifiers and dollar-quoted bodies (PostgreSQL 4.1 Lexical Structure). Statements that are
    only comments or blank are left out."""
    out: list[tuple[int, str]] = []
    start = 0
    for m in _PG_TOKEN.finditer(script):
        if m.group() == ";":
            out.append((start, script[start : m.end()]))
            start = m.end()
    out.append((start, script[start:]))
    blank = re.compile(r"(?:\s|--[^\n]*|/\*.*?\*/|;)*", re.S)
    return [(at, st) for at, st in out if not blank.fullmatch(st)]


def _at(script: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of a 0-based character offset."""
    return script.count("\n", 0, offset) + 1, offset - (script.rfind("\n", 0, offset) + 1) + 1


def _connect_as(path: str, url: str) -> Any:
    import psycopg

    try:
        return psycopg.connect(url, autocommit=True)
    except psycopg.OperationalError as exc:
        reason = " ".join(str(exc).split())
        raise SchemaError(f"cannot connect to the scratch database as a temporary role: {reason}", path) from None


def _refusal(path: str, script: str, offset: int, exc: Any) -> SchemaError:
    diag = exc.diag
    reason = diag.message_primary or str(exc).splitlines()[0]
    return SchemaError(f"PostgreSQL cannot run this DDL: {reason}", path, *_at(script, offset))


def _via_postgresql(path: str, text: str, dev_url: str) -> Schema:
    import psycopg

    from schemaguard.api import inspect_url
    from schemaguard.dialects import get_dialect
    from schemaguard.migrate.replay import scratch_database

    pg = get_dialect("postgresql")
    script = _OWNER_TO.sub("", text)
    failure: psycopg.Error | None = None
    with scratch_database(pg, dev_url) as scratch:
        assert scratch.url is not None
        with _unprivileged(scratch.url) as url, _connect_as(path, url) as conn:
            try:
                conn.execute(script.encode("utf-8"))  # no parameters: the simple protocol runs the whole script
            except psycopg.Error as exc:
                if exc.diag.statement_position:  # 1-based, into the whole script
                    raise _refusal(path, script, int(exc.diag.statement_position) - 1, exc) from None
                failure = exc
        if failure is None:
            return inspect_url(scratch.url, None)
    # No position: find the statement by running them one at a time in a fresh database (only on this error path:
    # one round trip per statement is several times slower than the whole script at once).
    with scratch_database(pg, dev_url) as scratch:
        assert scratch.url is not None
        with _unprivileged(scratch.url) as url, _connect_as(path, url) as conn:
            for offset, statement in _pg_statements(script):
                try:
                    conn.execute(statement.encode("utf-8"))
                except psycopg.Error as exc:
                    inside = int(exc.diag.statement_position or 1) - 1
                    if not exc.diag.statement_position:
                        inside = len(statement) - len(statement.lstrip())
                    raise _refusal(path, script, offset + inside, exc) from None
    raise _refusal(path, script, 0, failure)
