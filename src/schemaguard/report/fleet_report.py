"""Fleet reports: render the fleet JSON document (one run, or several shards merged) as JSON, a table,
Markdown or SQL, and merge shard documents into one.

Every renderer takes the JSON-shaped document of :meth:`schemaguard.fleet.FleetResult.to_dict` (or a
:class:`~schemaguard.fleet.FleetResult`, converted on entry), so a live fleet run and ``schemaguard report
merge`` of shard files print through the same code::

    {"desired": str, "workers": int, "seconds": float, "shards"?: int,
     "summary": {"targets": int, "ok": int, "drift": int, "error": int},
     "targets": [{"target": str, "status": "ok"|"drift"|"error", "seconds": float,
                  "error"?: str, "report"?: <DiffReport.to_dict()>}]}
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from schemaguard.errors import ConfigError

if TYPE_CHECKING:
    from rich.console import Console

STATUSES = ("ok", "drift", "error")
"""The status of one target, in the order the summary lists them."""


def as_document(result: Any) -> dict[str, Any]:
    """The fleet document of ``result`` (a FleetResult, or a document already)."""
    to_dict = getattr(result, "to_dict", None)
    doc: dict[str, Any] = to_dict() if callable(to_dict) else result
    return doc


def exit_code(doc: dict[str, Any]) -> int:
    """2 if any target failed, else 1 if any drifted, else 0 (the CLI's exit-code contract)."""
    summary = doc["summary"]
    if summary["error"]:
        return 2
    return 1 if summary["drift"] else 0


def render_fleet_json(result: Any) -> str:
    """The fleet JSON document, indented (``ensure_ascii=False``: names stay readable)."""
    return json.dumps(as_document(result), indent=2, ensure_ascii=False, default=str)


def _summary_line(doc: dict[str, Any]) -> str:
    s = doc["summary"]
    return f"{s['ok']} ok, {s['drift']} drifted, {s['error']} failed in {doc['seconds']:.2f}s"


def _counts(item: dict[str, Any]) -> list[str]:
    report = item.get("report")
    if report is None:
        return ["", "", ""]
    s = report.get("summary", {})
    return [str(s.get("error", 0)), str(s.get("warning", 0)), str(s.get("info", 0))]


def render_fleet_table(result: Any, console: Console) -> None:
    """Print one table (a row per target: status, errors/warnings/info counts, seconds, problem) and a totals
    line on ``console``. Target names are never cut: the problem column wraps instead."""
    from rich.table import Table
    from rich.text import Text

    doc = as_document(result)
    style = {"ok": "green", "drift": "bold red", "error": "bold magenta"}
    table = Table(show_header=True, header_style="bold", expand=False)
    for col in ("target", "status", "errors", "warnings", "info", "seconds", "problem"):
        table.add_column(
            col,
            no_wrap=col != "problem",
            overflow="fold",
            justify="right" if col in ("errors", "warnings", "info", "seconds") else "left",
        )
    for item in doc["targets"]:
        status = item["status"]
        # Text objects, never markup: a target or message is data (a "[/x]" in it must not be read as a tag).
        table.add_row(
            Text(item["target"]),
            Text(status, style=style.get(status, "")),
            *_counts(item),
            f"{item['seconds']:.3f}",
            Text(item.get("error") or ""),
        )
    shards = f"  shards: {doc['shards']}" if "shards" in doc else ""
    header = Text("desired: ")
    header.append(str(doc["desired"]), style="bold")
    header.append(f"  targets: {len(doc['targets'])}  workers: {doc['workers']}{shards}")
    console.print(header, highlight=False)
    console.print(table)
    console.print(Text(_summary_line(doc), style="bold red" if exit_code(doc) else "bold green"), highlight=False)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def _md(text: object) -> str:
    """Markdown-inert text for a table cell: HTML's ``& < >`` as entities (no tag or image), Markdown's
    punctuation backslash-escaped (no link, emphasis, code or column break: CommonMark lets any ASCII
    punctuation be escaped), ``@`` followed by a zero-width space (GitHub links mentions in rendered text, after
    escapes are gone), and a line break as a space."""
    flat = " ".join(str(text if text is not None else "").split())
    flat = re.sub(r"[&<>]", lambda m: _HTML[m.group(0)], flat)
    return _MD_SPECIAL.sub(r"\\\1", flat).replace("@", "@&#8203;")


def _fence(lines: Sequence[str]) -> list[str]:
    """A fenced SQL block whose fence is longer than any backtick run inside, so no statement can close it."""
    longest = max((len(m) for s in lines for m in re.findall(r"`+", s)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence + "sql", *lines, fence]


def render_fleet_markdown(result: Any) -> str:
    """A Markdown report fit for a pull-request or job summary: the verdict, a row per target, then each
    drifted target's changes (and SQL, when planned) in a collapsed section."""
    doc = as_document(result)
    s = doc["summary"]
    verdict = {0: "✅ no drift", 1: "❌ drift", 2: "❌ targets failed"}[exit_code(doc)]
    lines = [
        f"### Fleet drift: {_md(doc['desired'])} against {len(doc['targets'])} databases",
        "",
        f"**{verdict}** — {s['ok']} ok, {s['drift']} drifted, {s['error']} failed",
        "",
        "| target | status | errors | warnings | info | problem |",
        "|---|---|---:|---:|---:|---|",
    ]
    for item in doc["targets"]:
        counts = _counts(item)
        lines.append(
            f"| {_md(item['target'])} | {item['status']} | {counts[0]} | {counts[1]} | {counts[2]} "
            f"| {_md(item.get('error') or '')} |"
        )
    for item in doc["targets"]:
        report = item.get("report")
        if item["status"] != "drift" or report is None:
            continue
        lines += ["", f"<details><summary>{_md(item['target'])}</summary>", ""]
        lines += ["| kind | table | object | details |", "|---|---|---|---|"]
        for c in report.get("changes", []):
            lines.append(f"| {_md(c['kind'])} | {_md(c.get('table'))} | {_md(c.get('object'))} | {_md(c['message'])} |")
        if report.get("sql"):
            lines += ["", *_fence([stmt + ";" for stmt in report["sql"]])]
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def _sql_comment(text: str) -> str:
    # A label is data: control characters (a line break would end the comment) are replaced.
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def render_fleet_sql(result: Any) -> str:
    """The planned SQL of every drifted target, each under a ``-- target: LABEL`` comment line; statements end
    with ``;`` and are separated by a blank line. Empty when no target has SQL."""
    doc = as_document(result)
    out: list[str] = []
    for item in doc["targets"]:
        report = item.get("report")
        if not report or not report.get("sql"):
            continue
        out.append(f"-- target: {_sql_comment(item['target'])}")
        out += [stmt + ";\n" for stmt in report["sql"]]
    return "\n".join(out)


def _target_from_diff(doc: dict[str, Any]) -> dict[str, Any]:
    """A single-database ``diff --format json`` report as one fleet target."""
    status = "drift" if doc.get("drift") else "ok"
    return {"target": doc["actual"], "status": status, "seconds": 0.0, "report": doc}


def _check_target(item: Any, where: str) -> dict[str, Any]:
    if not isinstance(item, dict) or not isinstance(item.get("target"), str):
        raise ConfigError(f"{where}: a target entry without a 'target' name")
    if item.get("status") not in STATUSES:
        raise ConfigError(f"{where}: target {item['target']!r} has status {item.get('status')!r}")
    if not isinstance(item.get("seconds", 0.0), int | float):
        raise ConfigError(f"{where}: target {item['target']!r} has a non-numeric 'seconds'")
    return item


def merge_fleet_documents(docs: Sequence[tuple[str, Any]]) -> dict[str, Any]:
    """Merge fleet documents (shards of one run, from ``diff --targets-file F --shard K/N --format json``) into
    one: targets concatenated in the order given, summary recounted, ``workers`` summed, ``seconds`` the longest
    shard (shards run in parallel), ``shards`` the number of documents. A single-database ``diff --format json``
    report counts as one target.

    Args:
        docs: ``(name, parsed JSON)`` pairs; the name (a file path) is used in error messages only.

    Returns:
        The merged fleet document (shape in the module docstring).

    Raises:
        ConfigError: no document; a document of another shape; documents whose desired sides differ (shards of
            different runs must not be merged into one verdict).
    """
    if not docs:
        raise ConfigError("report merge needs at least one JSON report")
    desired: str | None = None
    targets: list[dict[str, Any]] = []
    workers = 0
    seconds = 0.0
    for name, doc in docs:
        if isinstance(doc, dict) and isinstance(doc.get("targets"), list) and "desired" in doc:
            items = [_check_target(t, name) for t in doc["targets"]]
            workers += int(doc.get("workers") or 0)
            seconds = max(seconds, float(doc.get("seconds") or 0.0))
        elif isinstance(doc, dict) and isinstance(doc.get("changes"), list) and "actual" in doc and "desired" in doc:
            items = [_target_from_diff(doc)]
        else:
            raise ConfigError(f"{name}: not a schemaguard fleet or diff JSON report")
        if desired is None:
            desired = str(doc["desired"])
        elif str(doc["desired"]) != desired:
            raise ConfigError(
                f"{name}: compares {doc['desired']!r}, but the reports before it compare {desired!r}; "
                "merge only the shards of one run"
            )
        targets += items
    counts = {s: sum(1 for t in targets if t["status"] == s) for s in STATUSES}
    return {
        "desired": desired,
        "workers": workers,
        "seconds": round(seconds, 4),
        "shards": len(docs),
        "summary": {"targets": len(targets), **counts},
        "targets": targets,
    }
