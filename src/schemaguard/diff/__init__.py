"""The differ: schemas in, typed changes out (pure: no I/O)."""

from schemaguard.diff.changes import Change, ChangeKind, DiffReport, Severity
from schemaguard.diff.differ import diff_schemas

__all__ = ["Change", "ChangeKind", "DiffReport", "Severity", "diff_schemas"]
