"""Markdown reports, fit for a pull-request comment.

Names are written as code spans and free text escaped (:mod:`schemaguard.report.escape`): a name from a schema
file or a database is never HTML, a link or a mention in the comment.
"""

from __future__ import annotations

from schemaguard.diff.changes import DiffReport
from schemaguard.report.escape import BACKTICKS, md_code, md_text

_ICON = {"error": "❌", "warning": "⚠️", "info": "💬"}


def _cell(text: object) -> str:
    return md_text(text)


def render_diff_markdown(report: DiffReport) -> str:
    """A heading with the verdict, a summary line, the changes as a table, and the SQL in a fenced block."""
    lines = [f"### Schema drift: {md_code(report.desired)} vs {md_code(report.actual)} ({md_text(report.dialect)})", ""]
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
                f"| {_ICON[c.severity.value]} | {md_code(c.kind.value)} | {md_code(c.table)} | {md_code(c.object)} "
                f"| {_cell(c.message)} |"
            )
    if report.sql:
        body = "\n".join(s + ";" for s in report.sql)
        fence = "`" * max(3, max((len(m) for m in BACKTICKS.findall(body)), default=0) + 1)
        # A fenced block ends only at a fence as long as its opening; inside it nothing is Markdown or HTML.
        # The </details> that follows cannot be closed early: the block is not HTML.
        lines += ["", "<details><summary>SQL to reconcile</summary>", "", f"{fence}sql", body, fence, "", "</details>"]
    return "\n".join(lines) + "\n"
