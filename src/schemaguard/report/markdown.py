"""Markdown reports, fit for a pull-request comment."""

from __future__ import annotations

from schemaguard.diff.changes import DiffReport

_ICON = {"error": "❌", "warning": "⚠️", "info": "💬"}


def _cell(text: object) -> str:
    return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")


def render_diff_markdown(report: DiffReport) -> str:
    """A heading with the verdict, a summary line, the changes as a table, and the SQL in a fenced block."""
    lines = [f"### Schema drift: `{report.desired}` vs `{report.actual}` ({report.dialect})", ""]
    if not report.drift:
        lines.append("✅ No drift: the database matches the desired schema.")
    else:
        s = report.summary()
        lines.append(
            f"**{len(report.changes)} differences** — {s['error']} errors, {s['warning']} warnings, {s['info']} info"
        )
        lines += ["", "| | kind | table | object | details |", "|---|---|---|---|---|"]
        for c in report.changes:
            lines.append(
                f"| {_ICON[c.severity.value]} | `{c.kind.value}` | {_cell(c.table)} | {_cell(c.object)} | {_cell(c.message)} |"
            )
    if report.sql:
        lines += ["", "<details><summary>SQL to reconcile</summary>", "", "```sql"]
        lines += [s + ";" for s in report.sql]
        lines += ["```", "", "</details>"]
    return "\n".join(lines) + "\n"
