"""Errors of the migrations workflow."""

from __future__ import annotations

from schemaguard.errors import CheckFailed, ConfigError, SchemaGuardError


class MigrationError(SchemaGuardError):
    """The migrations folder or an Alembic operation cannot be used as asked (exit 2); the message says why
    and what to do."""


class MigrationCheckFailed(CheckFailed):
    """``migrate check`` or ``migrate lint`` found a problem (exit 1). ``problems`` lists one line each."""

    def __init__(self, message: str, problems: list[str] | None = None):
        self.problems = problems or []
        super().__init__(message)


class MigrationsConfigError(MigrationError, ConfigError):
    """The project's configuration cannot serve the command (exit 2, and a gate check that could not run): no
    migrations folder for the target's dialect, or PostgreSQL revisions to replay without a ``dev_url``."""
