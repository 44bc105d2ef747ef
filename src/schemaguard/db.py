"""Database connections: URL handling, password masking, read-only sessions, clear connection errors.

Every connection schemaguard opens goes through :func:`connect`. URLs are accepted as users write them
(``postgresql://user:pw@host/db``, ``postgres://...``, ``sqlite:///path.db``, or a bare ``path.db``) and
normalised to SQLAlchemy URLs with the psycopg 3 driver.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from schemaguard.errors import ConfigError, ConnectionFailed

if TYPE_CHECKING:
    import sqlalchemy as sa

MASK = "***"

# A URL written in a message: ``scheme://user:password@host...``. The password runs to the last "@" of the
# whitespace-free token, so an unencoded "@", ":" or "/" in it stays inside the mask.
_URL_PASSWORD_RE = re.compile(r"(?P<pre>[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*:)(?P<pw>\S*)(?P<post>@)")
_URL_TOKEN_RE = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://\S*")
_KV_PASSWORD_RE = re.compile(r"(?i)(password\s*=\s*)('[^']*'|\S+)")

_url_passwords: set[str] = set()
"""Passwords of URLs this invocation was given, masked where they stand in a URL (``:PASSWORD@``)."""
_secrets: set[str] = set()
"""Other secret values (decoded passwords, ``${VAR}`` values), masked as whole words outside URLs."""


def register_secret(value: str | None) -> None:
    """Remember a secret (a password taken from a URL or an environment variable) so :func:`mask` hides it
    wherever it appears as a whole word outside a URL, including inside driver error messages."""
    if value and len(value) >= 3:
        _secrets.add(value)


def forget_secrets() -> None:
    """Forget every registered secret. One CLI invocation is one masking scope: an in-process caller that runs
    many (tests, embedding tools) must not mask one run's output with another run's password pieces."""
    global _last_url
    _secrets.clear()
    _url_passwords.clear()
    _last_url = None


_last_url: str | None = None


def last_url() -> str | None:
    """The URL of the last engine this invocation created (masked), for errors raised far from it."""
    return mask_url(_last_url) if _last_url else None


def mask(text: str) -> str:
    """``text`` with every password replaced by ``***``; safe to call on any message before printing it.

    Masked: the password field of each URL (the URLs this run was given, whose passwords may hold spaces, and
    any ``scheme://user:password@host`` written in the text), ``password=`` pairs, and registered secrets
    where they stand as whole words outside URLs. Nothing else of a URL changes: the password ``postgres``
    leaves ``postgresql://postgres:***@host/postgres``.
    """
    out = text
    for pw in sorted(_url_passwords, key=len, reverse=True):
        out = out.replace(f":{pw}@", f":{MASK}@")
    out = _URL_PASSWORD_RE.sub(lambda m: m.group("pre") + MASK + m.group("post"), out)
    out = _KV_PASSWORD_RE.sub(lambda m: m.group(1) + MASK, out)
    if _secrets:
        words = re.compile(
            r"(?<![A-Za-z0-9_])(?:"
            + "|".join(re.escape(s) for s in sorted(_secrets, key=len, reverse=True))
            + r")(?![A-Za-z0-9_])"
        )
        pieces, last = [], 0
        for m in _URL_TOKEN_RE.finditer(out):  # URLs are masked field by field above, never word by word
            pieces.append(words.sub(MASK, out[last : m.start()]))
            pieces.append(m.group())
            last = m.end()
        pieces.append(words.sub(MASK, out[last:]))
        out = "".join(pieces)
    return out


def mask_url(url: str) -> str:
    """The URL with its password field replaced by ``***`` (``postgresql://app:***@host/db``); the password
    may hold unencoded ``@``, ``:``, ``/`` or spaces."""
    _remember_url_password(url)
    return mask(url)


def split_url(url: str) -> tuple[str, str | None, str | None, str] | None:
    """``(scheme, user, password, rest)`` of ``scheme://user:password@rest``; user and password are None when
    absent, the whole thing None when ``url`` has no ``scheme://``.

    The userinfo ends at the last "@" (RFC 3986 forbids "@" after it, and users paste passwords with unencoded
    "@", ":" or "/"); the user ends at the first ":".
    """
    m = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://", url)
    if not m:
        return None
    body = url[m.end() :]
    if "@" not in body:
        return m.group(1), None, None, body
    userinfo, rest = body.rsplit("@", 1)
    user, colon, password = userinfo.partition(":")
    return m.group(1), user, (password if colon else None), rest


def _remember_url_password(url: str) -> None:
    parts = split_url(url)
    if parts is None or not parts[2]:
        return
    from urllib.parse import unquote

    pw = parts[2]
    _url_passwords.add(pw)
    decoded = unquote(pw)
    if decoded != pw:
        _url_passwords.add(decoded)
    # A plain password is masked in the URL's password field only: masked as a word too, "postgres" would
    # also hide a user or database called postgres in a driver's message. Spellings a driver can echo outside
    # the URL are words to mask: the decoded form of an encoded password, and the pieces of one holding "@" or
    # spaces (a driver that splits it there reports a piece as a host name).
    if decoded != pw:
        register_secret(decoded)
    if re.search(r"[@\s]", decoded):
        register_secret(decoded)
        for piece in re.split(r"[@\s]", decoded):
            register_secret(piece)


SQLITE_HEADER = b"SQLite format 3\x00"
"""The first 16 bytes of every SQLite database file. Source: https://www.sqlite.org/fileformat.html#the_database_header"""


def is_sqlite_file(path: str | Path) -> bool:
    """True if ``path`` is a file that starts with the SQLite header (an existing SQLite database)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except (OSError, ValueError):
        return False


def is_database(spec: str) -> bool:
    """The one rule every command uses to tell a database from a schema file: a URL (``scheme://``), or a file
    that starts with the SQLite header. Anything else is a schema file."""
    return is_url(spec) or is_sqlite_file(spec)


def database_url(spec: str) -> str:
    """``spec`` as a URL: a bare SQLite file path becomes ``sqlite:///path``; URLs are returned unchanged."""
    return spec if is_url(spec) else "sqlite:///" + spec


def is_url(text: str) -> bool:
    """True if ``text`` looks like a database URL (has a ``scheme://``)."""
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", text))


def sqlalchemy_url(url: str) -> str:
    """Normalise a user URL for SQLAlchemy: ``postgres://`` and ``postgresql://`` get the psycopg 3 driver; a
    bare file path becomes ``sqlite:///path``.

    Raises:
        ConfigError: a scheme other than sqlite/postgresql.
    """
    _remember_url_password(url)
    if not is_url(url):
        if Path(url).is_file() and Path(url).stat().st_size and not is_sqlite_file(url):
            raise ConfigError(
                f"{url} is not a database: it does not start with the SQLite header (a schema file goes to --from/--to"
                " or --master)"
            )
        return "sqlite:///" + url
    scheme = url.split("://", 1)[0]
    base = scheme.split("+", 1)[0]
    if base in ("postgres", "postgresql"):
        driver = scheme.split("+", 1)[1] if "+" in scheme else "psycopg"
        return f"postgresql+{driver}://{_encoded_netloc(url)}"
    if base == "sqlite":
        return url
    raise ConfigError(f"unsupported database URL scheme {scheme!r} in {mask(url)}; use sqlite:/// or postgresql://")


def _encoded_netloc(url: str) -> str:
    # The driver splits userinfo at the first "@" and ":" (an unencoded "Sup3r@S3cret" became the host
    # "S3cret@127.0.0.1"): hand it the user and password percent-encoded, as RFC 3986 wants them.
    from urllib.parse import quote, unquote

    parts = split_url(url)
    assert parts is not None
    _, user, password, rest = parts
    if user is None:
        return rest
    userinfo = quote(unquote(user), safe="")
    if password is not None:
        userinfo += ":" + quote(unquote(password), safe="")
    return f"{userinfo}@{rest}"


def sqlite_path(url: str) -> str | None:
    """The file path of a SQLite URL (None for in-memory or non-SQLite URLs)."""
    u = sqlalchemy_url(url)
    if not u.startswith("sqlite"):
        return None
    path = u.split(":///", 1)[1] if ":///" in u else ""
    path = path.split("?", 1)[0]
    if path in ("", ":memory:"):
        return None
    return path


def missing_sqlite_file(url: str) -> bool:
    """True when ``url`` names a SQLite file that does not exist (so it has no history to read; opening it
    read-only would fail). False for servers and in-memory databases."""
    path = sqlite_path(url)
    return path is not None and not Path(path).exists()


def dialect_name(url: str) -> str:
    """``"sqlite"`` or ``"postgresql"`` for a URL."""
    return "sqlite" if sqlalchemy_url(url).startswith("sqlite") else "postgresql"


def create_engine(url: str, *, read_only: bool = False, connect_timeout: int = 10) -> sa.Engine:
    """A SQLAlchemy engine for ``url``.

    Args:
        url: a database URL (see module docstring).
        read_only: open SQLite files with ``mode=ro`` (the file must exist); on PostgreSQL every transaction
            is made READ ONLY (``default_transaction_read_only``) and REPEATABLE READ (one snapshot).
        connect_timeout: seconds to wait for a PostgreSQL connection.

    Raises:
        ConfigError: unsupported scheme.
        ConnectionFailed: a read-only SQLite file that does not exist.
    """
    import sqlalchemy as sa
    from sqlalchemy.pool import NullPool

    global _last_url
    _last_url = url
    u = sqlalchemy_url(url)
    if u.startswith("sqlite"):
        path = sqlite_path(url)
        if read_only:
            if path is None or not Path(path).exists():
                raise ConnectionFailed(f"cannot open SQLite database {mask(url)}: file does not exist")
            from urllib.parse import quote

            target = "file:" + quote(str(Path(path).resolve())) + "?mode=ro&uri=true"
            return sa.create_engine(f"sqlite:///{target}", poolclass=NullPool)
        return sa.create_engine(u, poolclass=NullPool)
    connect_args: dict[str, object] = {"connect_timeout": connect_timeout}
    if read_only:
        # REPEATABLE READ: every catalog query of one introspection sees the same snapshot, so a concurrent
        # ALTER TABLE cannot make one query's columns disagree with the next query's constraints.
        # Source: https://www.postgresql.org/docs/15/transaction-iso.html#XACT-REPEATABLE-READ
        connect_args["options"] = (
            "-c default_transaction_read_only=on -c default_transaction_isolation=repeatable\\ read"
        )
    return sa.create_engine(u, poolclass=NullPool, connect_args=connect_args)


@contextmanager
def connect(url: str, *, read_only: bool = True) -> Iterator[sa.Connection]:
    """Open a connection (in a transaction) to ``url``; read-only by default.

    On PostgreSQL the session sets ``default_transaction_read_only`` so nothing can be written; on SQLite the
    file is opened with ``mode=ro``. The transaction is rolled back on exit when read-only.

    Raises:
        ConnectionFailed: the server refused or could not be reached; the message holds the masked URL and
            the driver's (masked) reason.
    """
    import sqlalchemy as sa

    engine = create_engine(url, read_only=read_only)
    try:
        try:
            conn = engine.connect()
        except sa.exc.DBAPIError as exc:
            raise ConnectionFailed(f"cannot connect to {mask_url(url)}: {mask(_reason(exc))}") from None
        try:
            with conn.begin() as txn:
                yield conn
                if read_only:
                    txn.rollback()
        except sa.exc.OperationalError as exc:
            raise ConnectionFailed(f"database {mask_url(url)} failed: {mask(_reason(exc))}") from None
        finally:
            conn.close()
    finally:
        engine.dispose()


def _reason(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def env_url(name: str = "DATABASE_URL") -> str | None:
    """The URL in environment variable ``name`` (registered as a secret-bearing URL), or None."""
    value = os.environ.get(name)
    if value:
        _remember_url_password(value)
    return value or None
