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
