"""JSON reports (the CI contract: see README "JSON report")."""

from __future__ import annotations

import json
from typing import Any

from schemaguard.diff.changes import DiffReport


def _default(o: Any) -> Any:
    return str(o)


def render_diff_json(report: DiffReport) -> str:
    """``{"desired", "actual", "dialect", "drift", "changes": [...], "summary": {...}}`` (+ ``"sql"``)."""
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False, default=_default)
