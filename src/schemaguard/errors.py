"""The exception hierarchy. Everything schemaguard raises on purpose derives from :class:`SchemaGuardError`.

The CLI turns these into exit codes in one place (``cli/app.py``): :class:`CheckFailed` (and its subclass
:class:`DriftDetected`) is exit 1, every other SchemaGuardError is exit 2.
"""

from __future__ import annotations

from typing import Any


class SchemaGuardError(Exception):
    """Root of every deliberate schemaguard error. ``str(err)`` is a complete, user-facing message."""

    exit_code = 2


class ConfigError(SchemaGuardError):
    """The configuration file or a command-line option is invalid."""


class SchemaError(SchemaGuardError):
    """A schema source (master file, SQL file) is malformed or inconsistent.

    Attributes:
        path: the file, or None for an in-memory source.
        line, column: 1-based position of the problem, or None when unknown.
        problem: the message without the location prefix.
    """

    def __init__(self, problem: str, path: str | None = None, line: int | None = None, column: int | None = None):
        self.problem = problem
        self.path = path
        self.line = line
        self.column = column
        super().__init__(self._format())

    def __reduce__(self) -> tuple[Any, tuple[str, str | None, int | None, int | None]]:
        # Pickled with its parts (the diff loads the master in a second process and re-raises its errors).
        return type(self), (self.problem, self.path, self.line, self.column)

    def _format(self) -> str:
        if self.path is None:
            return self.problem
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.problem}"


class ConnectionFailed(SchemaGuardError):
    """A database could not be reached or rejected the session; the message holds the password-masked URL."""


class InspectError(SchemaGuardError):
    """Introspection of a live database failed."""


class UnsupportedChange(SchemaGuardError):
    """A change cannot be expressed in a dialect; the message names the dialect and the workaround."""

    def __init__(self, message: str, change: Any = None, dialect: str | None = None):
        self.change = change
        self.dialect = dialect
        super().__init__(message)


class CheckFailed(SchemaGuardError):
    """A check ran and found a problem (exit code 1)."""

    exit_code = 1


class DriftDetected(CheckFailed):
    """The compared schemas differ. ``report`` holds the DiffReport."""

    def __init__(self, message: str, report: Any = None):
        self.report = report
        super().__init__(message)


def error_message(exc: BaseException) -> tuple[str, int]:
    """The one-line message and exit code the CLI prints for ``exc`` (unmasked: the caller masks it).

    Deliberate errors keep their own text and code. Errors from the layers below (a file that is not a
    database, a driver's refusal, an unwritable path, undecodable bytes, input nested too deeply) are bad input
    or a failed connection, so exit 2 with the layer's own reason. Anything else is a schemaguard bug: still
    one line and exit 2 (never 1, which CI reads as "drift"); ``SCHEMAGUARD_DEBUG=1`` shows the traceback.

    Args:
        exc: any exception that reached the CLI.

    Returns:
        ``(message, exit code)``; the message holds no newline.
    """
    import sys

    if isinstance(exc, SchemaGuardError):
        return str(exc), exc.exit_code
    text = _foreign_message(exc, sys.modules)
    if text is None:
        detail = _first_line(str(exc))
        text = f"internal error ({type(exc).__name__}{': ' + detail if detail else ''}); rerun with SCHEMAGUARD_DEBUG=1 for the traceback and report it"
    return " ".join(text.split("\n")), 2


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else ""


def _foreign_message(exc: BaseException, modules: dict[str, Any]) -> str | None:
    # Libraries are looked up in sys.modules: an exception of a library that was never imported cannot occur,
    # and importing one here (SQLAlchemy: ~0.1 s) just to test for it would slow every error.
    if isinstance(exc, RecursionError):
        return "input nested too deeply to process (a schema or configuration file with runaway nesting?)"
    if isinstance(exc, UnicodeDecodeError):
        return f"input is not UTF-8 text: byte 0x{exc.object[exc.start]:02x} at offset {exc.start}"
    if isinstance(exc, OSError) and not _is_db_error(exc, modules):
        where = f"{exc.filename}: " if exc.filename is not None else ""
        if exc.filename2 is not None:
            where = f"{exc.filename} -> {exc.filename2}: "
        return f"{where}{exc.strerror or _first_line(str(exc)) or type(exc).__name__}"
    tomllib = modules.get("tomllib")
    if tomllib is not None and isinstance(exc, tomllib.TOMLDecodeError):
        return f"invalid TOML: {_first_line(str(exc))}"
    sa_exc = getattr(modules.get("sqlalchemy"), "exc", None)
    if (sa_exc is not None and isinstance(exc, sa_exc.SQLAlchemyError)) or _is_db_error(exc, modules):
        orig = getattr(exc, "orig", None) or exc
        reason = _first_line(str(orig)) or type(orig).__name__
        db = modules.get("schemaguard.db")
        url = db.last_url() if db is not None else None
        return f"database {url}: {reason}" if url else f"database error: {reason}"
    yaml = modules.get("yaml")
    if yaml is not None and isinstance(exc, yaml.YAMLError):
        return f"invalid YAML: {_first_line(str(exc))}"
    pydantic = modules.get("pydantic")
    if pydantic is not None and isinstance(exc, pydantic.ValidationError):
        return f"invalid value: {_first_line(str(exc))}"
    return None


def _is_db_error(exc: BaseException, modules: dict[str, Any]) -> bool:
    sqlite3 = modules.get("sqlite3")
    psycopg = modules.get("psycopg")
    return (sqlite3 is not None and isinstance(exc, sqlite3.Error)) or (
        psycopg is not None and isinstance(exc, psycopg.Error)
    )
