"""Loader for a ``.sql`` master: DDL, loaded by running it in a private database and introspecting the result.

SQLite first: the script runs in an in-memory SQLite database (no file is attached or written: ATTACH and
VACUUM INTO are denied by an authorizer) and the SQLite inspector reads it back. DDL SQLite does not accept
(PostgreSQL's) runs in a scratch database created on the configured ``dev_url`` and dropped afterwards, then read
by the PostgreSQL inspector. The file is data, and the dev server runs it: there it runs as a throw-away role
that owns the scratch database and nothing else, so the server itself refuses COPY to/from files or programs,
untrusted languages and extensions, ALTER SYSTEM and role changes (pg_dump's ``OWNER TO`` lines are dropped: owners
are not part of the model).

The one exception: an extension the server has installed (listed in ``pg_available_extensions``) but does not mark
trusted (pgstattuple, pg_stat_statements, dblink, postgres_fdw...) can only be created by a superuser, and real
``structure.sql`` / pg_dump files create them. A ``CREATE EXTENSION [IF NOT EXISTS] name [WITH] [SCHEMA s]
[VERSION v]`` statement of exactly that shape, for an available extension, is rebuilt from quoted identifiers and
run as the ``dev_url`` user, at its place in the script (and the ``COMMENT ON EXTENSION`` of such an extension, which
only its owner may set); everything else still runs as the throw-away role. The server runs its own install script
for it (https://www.postgresql.org/docs/15/sql-createextension.html: "trusted" extensions aside, CREATE EXTENSION
needs superuser).
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


class DevDatabaseNeeded(SchemaError):
    """A ``.sql`` file SQLite cannot run was given without ``dev_url``: if it is PostgreSQL DDL it loads only in a
    scratch database on a PostgreSQL server. A caller that knows the comparison is in PostgreSQL (a dialect named, a
    PostgreSQL database on the other side) says that instead of the SQLite error."""


def load_sql_file(path: str, text: str, *, dev_url: str | None = None) -> Schema:
    """Load DDL from ``text`` into the model.

    Args:
        path: the label used in errors and as the schema's ``source``.
        text: the SQL script (statements separated by ``;``).
        dev_url: a PostgreSQL server where schemaguard may CREATE DATABASE, for DDL SQLite does not run.

    Raises:
        DevDatabaseNeeded: SQLite cannot run it and there is no ``dev_url``.
        SchemaError: ``path:line`` of the first statement neither SQLite nor (with ``dev_url``) PostgreSQL accepts,
            or the statement kind refused on PostgreSQL.
        ConnectionFailed: the dev server cannot be reached.
    """
    try:
        return replace(_via_sqlite(path, text), source=path)
    except SchemaError as sqlite_error:
        if not dev_url:
            raise DevDatabaseNeeded(
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


_IDENT = r'(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)'
_STRING = r"'(?:[^']|'')*'"
_LEAD = re.compile(r"(?:\s|--[^\n]*|/\*.*?\*/)*", re.S)
_CREATE_EXTENSION = re.compile(
    rf"CREATE\s+EXTENSION\s+(?P<ine>IF\s+NOT\s+EXISTS\s+)?(?P<name>{_IDENT})(?:\s+WITH)?"
    rf"(?:\s+SCHEMA\s+(?P<schema>{_IDENT}))?(?:\s+VERSION\s+(?:(?P<version>{_IDENT})|(?P<vstring>{_STRING})))?\s*;\s*",
    re.I,
)
_COMMENT_ON_EXTENSION = re.compile(
    rf"COMMENT\s+ON\s+EXTENSION\s+(?P<name>{_IDENT})\s+IS\s+(?:(?P<text>{_STRING})|NULL)\s*;\s*", re.I
)


def _ident(token: str) -> str:
    """The name a SQL identifier token stands for: quoted as written, unquoted folded to lower case."""
    return token[1:-1].replace('""', '"') if token.startswith('"') else token.lower()


def _literal(token: str) -> str:
    """The text of a standard ``'...'`` string literal."""
    return token[1:-1].replace("''", "'")


def _privileged_statements(admin: Any, script: str) -> dict[int, tuple[int, str, Any]]:
    """``{statement offset: (offset of its first keyword, extension name, statement)}`` for the script's
    statements that run as the ``dev_url`` user: each ``CREATE EXTENSION`` of the accepted shape whose extension is
    in ``pg_available_extensions``, and the ``COMMENT ON EXTENSION`` of those. The statement is rebuilt with
    ``psycopg.sql`` from quoted identifiers and literals: no text of the script is sent as written."""
    from psycopg import sql

    out: dict[int, tuple[int, str, Any]] = {}
    created: set[str] = set()
    for offset, statement in _pg_statements(script):
        lead = _LEAD.match(statement)
        start = lead.end() if lead else 0
        body = statement[start:]
        if m := _CREATE_EXTENSION.fullmatch(body):
            name = _ident(m["name"])
            if admin.execute("SELECT 1 FROM pg_available_extensions WHERE name = %s", (name,)).fetchone() is None:
                continue
            parts: list[sql.Composable] = [
                sql.SQL("CREATE EXTENSION IF NOT EXISTS" if m["ine"] else "CREATE EXTENSION")
            ]
            parts.append(sql.Identifier(name))
            if m["schema"]:
                parts += [sql.SQL("SCHEMA"), sql.Identifier(_ident(m["schema"]))]
            if m["version"] or m["vstring"]:
                version = _ident(m["version"]) if m["version"] else _literal(m["vstring"])
                parts += [sql.SQL("VERSION"), sql.Literal(version)]
            out[offset] = (offset + start, name, sql.SQL(" ").join(parts))
            created.add(name)
        elif (m := _COMMENT_ON_EXTENSION.fullmatch(body)) and _ident(m["name"]) in created:
            text = sql.Literal(_literal(m["text"])) if m["text"] else sql.SQL("NULL")
            name = _ident(m["name"])
            out[offset] = (
                offset + start,
                name,
                sql.SQL("COMMENT ON EXTENSION {} IS {}").format(sql.Identifier(name), text),
            )
    return out


def _run_privileged(path: str, script: str, admin: Any, conn: Any, at: int, name: str, statement: Any) -> None:
    """Run one rebuilt extension statement as the ``dev_url`` user, with the script session's ``search_path``
    (where an extension without SCHEMA goes).

    Raises:
        SchemaError: located at the statement; the ``dev_url`` user may not create the extension either (not a
            superuser) says which extension and what to do.
    """
    import psycopg

    (search_path,) = conn.execute("SELECT current_setting('search_path')").fetchone()
    admin.execute("SELECT set_config('search_path', %s, false)", (search_path,))
    try:
        admin.execute(statement)
    except psycopg.errors.InsufficientPrivilege:
        raise SchemaError(
            f'extension "{name}" needs a superuser to create it: set dev_url to a superuser\'s URL, or install '
            "it in the dev server's template1 database (the scratch databases are copies of it)",
            path,
            *_at(script, at),
        ) from None
    except psycopg.Error as exc:
        raise _refusal(path, script, at, exc) from None


def _replay(path: str, script: str, scratch_url: str, *, one_by_one: bool) -> Exception | None:
    """Run ``script`` in the scratch database: as the throw-away role, except the statements
    :func:`_privileged_statements` picks, run in their place as the ``dev_url`` user. Whole stretches of the script
    go in one round trip each, unless ``one_by_one`` (to locate an error PostgreSQL gives no position for).

    Returns the error PostgreSQL gave without a position (``one_by_one`` False), else None.

    Raises:
        SchemaError: the located statement PostgreSQL refused.
    """
    import psycopg

    with psycopg.connect(scratch_url, autocommit=True) as admin:
        privileged = _privileged_statements(admin, script)
        with _unprivileged(scratch_url) as url, _connect_as(path, url) as conn:
            chunks: list[tuple[int, str]] = []
            start = 0
            for offset, statement in _pg_statements(script):
                if offset in privileged or one_by_one:
                    chunks.append((start, script[start:offset]))
                    chunks.append((offset, statement))
                    start = offset + len(statement)
            chunks.append((start, script[start:]))
            for offset, chunk in chunks:
                if offset in privileged:
                    _run_privileged(path, script, admin, conn, *privileged[offset])
                    continue
                if not _LEAD.fullmatch(chunk):
                    try:
                        conn.execute(chunk.encode("utf-8"))  # no parameters: the simple protocol runs it all
                    except psycopg.Error as exc:
                        if exc.diag.statement_position:  # 1-based, into the chunk
                            raise _refusal(path, script, offset + int(exc.diag.statement_position) - 1, exc) from None
                        if not one_by_one:
                            return exc
                        lead = _LEAD.match(chunk)
                        raise _refusal(path, script, offset + (lead.end() if lead else 0), exc) from None
    return None


def _via_postgresql(path: str, text: str, dev_url: str) -> Schema:
    from schemaguard.api import inspect_url
    from schemaguard.dialects import get_dialect
    from schemaguard.migrate.replay import scratch_database

    pg = get_dialect("postgresql")
    script = _OWNER_TO.sub("", text)
    with scratch_database(pg, dev_url) as scratch:
        assert scratch.url is not None
        failure = _replay(path, script, scratch.url, one_by_one=False)
        if failure is None:
            return inspect_url(scratch.url, None)
    # No position: find the statement by running them one at a time in a fresh database (only on this error path:
    # one round trip per statement is several times slower than the whole script at once).
    with scratch_database(pg, dev_url) as scratch:
        assert scratch.url is not None
        _replay(path, script, scratch.url, one_by_one=True)
    raise _refusal(path, script, 0, failure)
