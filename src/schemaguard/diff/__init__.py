"""The differ: schemas in, typed changes out (pure: no I/O)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from schemaguard.diff.changes import Change, ChangeKind, DiffReport, Severity

if TYPE_CHECKING:
    from schemaguard.diff.differ import diff_schemas

__all__ = ["Change", "ChangeKind", "DiffReport", "Severity", "diff_schemas"]


def __getattr__(name: str) -> Any:
    # The differ pulls in sqlglot (about 0.1 s); importing the change types (reports, the CLI) must not.
    if name == "diff_schemas":
        from schemaguard.diff.differ import diff_schemas

        return diff_schemas
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
