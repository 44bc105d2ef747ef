"""Run Alembic operations in offline (``--sql``) mode and capture the statements they emit.

Alembic's ``Operations`` already knows how each dialect spells ALTER TABLE, ALTER COLUMN ... TYPE ... USING,
constraint drops and so on; in offline mode it writes each statement to an output buffer instead of executing
it. :class:`StatementCollector` is that buffer, keeping one list entry per statement.
"""

from __future__ import annotations

import importlib
from typing import Any

from alembic.migration import MigrationContext
from alembic.operations import Operations


class StatementCollector:
    """A write()-able buffer that records each statement Alembic emits (terminator stripped)."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def write(self, text: str) -> int:
        stmt = text.strip()
        if stmt.endswith(";"):
            stmt = stmt[:-1].rstrip()
        if stmt:
            self.statements.append(stmt)
        return len(text)

    def flush(self) -> None:  # file-like protocol
        return None


def offline_operations(dialect_name: str) -> tuple[Operations, StatementCollector]:
    """An Alembic ``Operations`` for ``dialect_name`` in offline mode and the collector it writes to.

    Args:
        dialect_name: ``"postgresql"`` or ``"sqlite"``.

    Returns:
        (operations, collector): call ``operations.add_column(...)`` etc.; read ``collector.statements``.
    """
    collector = StatementCollector()
    opts: dict[str, Any] = {"as_sql": True, "output_buffer": collector, "literal_binds": True}
    # DDL has no bind parameters: the "named" paramstyle keeps SQLAlchemy from doubling every % (the drivers'
    # format/pyformat styles would turn LIKE 'admin%' into 'admin%%' in the emitted text).
    dialect = importlib.import_module(f"sqlalchemy.dialects.{dialect_name}").dialect(paramstyle="named")
    ctx = MigrationContext.configure(dialect=dialect, opts=opts)
    return Operations(ctx), collector
