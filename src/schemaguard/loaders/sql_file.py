"""Loader for a ``.sql`` master: DDL, loaded by running it in a private database and introspecting the result.

SQLite first: the script runs in an in-memory SQLite database (no file is attached or written: ATTACH and
VACUUM INTO are denied by an authorizer) and the SQLite inspector reads it back. DDL SQLite does not accept
(PostgreSQL's) runs in a scratch database created on the configured ``dev_url`` and dropped afterwards, then read
by the PostgreSQL inspector. The file is data: on PostgreSQL only schema statements are accepted (CREATE, ALTER,
COMMENT, SET, ``SELECT pg_catalog.set_config`` as pg_dump writes them), never COPY, DO, CALL, data changes,
extensions or functions in untrusted languages, because the dev server runs them with the dev_url's rights.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace

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


_ALLOWED_PG = {"CREATE", "ALTER", "COMMENT", "SET", "SELECT", "BEGIN", "COMMIT", "START", "END"}
_REFUSED_WORDS = {"EXTENSION", "PROGRAM", "COPY", "SERVER", "SUBSCRIPTION", "PUBLICATION", "ROLE", "USER"}
_TRUSTED_LANGUAGES = {"SQL", "PLPGSQL"}


def _check_pg_statements(path: str, text: str) -> None:
    """Refuse what is not schema DDL before anything reaches the server (see the module docstring).

    Raises:
        SchemaError: ``path:line:col`` of the refused word.
    """
    from sqlglot.errors import TokenError
    from sqlglot.tokens import Tokenizer, TokenType

    try:
        tokens = Tokenizer(dialect="postgres").tokenize(text)
    except TokenError as exc:
        raise SchemaError(f"cannot read the SQL: {' '.join(str(exc).split())[:200]}", path) from None
    first = True
    for i, tok in enumerate(tokens):
        if tok.token_type == TokenType.SEMICOLON:
            first = True
            continue
        if tok.token_type in (TokenType.STRING, TokenType.IDENTIFIER):
            first = False
            continue
        word = tok.text.upper()
        refused = None
        if first and word not in _ALLOWED_PG:
            refused = f"only schema DDL is loaded from a .sql master, not {word}"
        elif word in _REFUSED_WORDS:
            refused = f"{word} is not loaded from a .sql master"
        elif word == "LANGUAGE" and i + 1 < len(tokens) and tokens[i + 1].text.upper() not in _TRUSTED_LANGUAGES:
            refused = f"functions in LANGUAGE {tokens[i + 1].text} are not loaded from a .sql master"
        elif first and word == "SELECT" and "SET_CONFIG" not in " ".join(t.text.upper() for t in tokens[i : i + 4]):
            refused = "only SELECT pg_catalog.set_config(...) is accepted in a .sql master"
        if refused:
            raise SchemaError(refused, path, tok.line, max(1, tok.col - len(tok.text) + 1))  # col: the token's end
        first = False


def _via_postgresql(path: str, text: str, dev_url: str) -> Schema:
    import psycopg

    from schemaguard.api import inspect_url
    from schemaguard.dialects import get_dialect
    from schemaguard.migrate.replay import scratch_database

    _check_pg_statements(path, text)
    with scratch_database(get_dialect("postgresql"), dev_url) as scratch:
        assert scratch.url is not None
        try:
            with psycopg.connect(scratch.url, autocommit=True) as conn:
                conn.execute(text.encode("utf-8"))  # no parameters: the simple protocol runs the whole script
        except psycopg.Error as exc:
            diag = exc.diag
            line = col = None
            if diag.statement_position:  # 1-based character offset into the script
                at = int(diag.statement_position) - 1
                line, col = text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1
            reason = diag.message_primary or str(exc).splitlines()[0]
            raise SchemaError(f"PostgreSQL cannot run this DDL: {reason}", path, line, col) from None
        return inspect_url(scratch.url, None)
