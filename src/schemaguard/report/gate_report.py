"""Gate report renderers: rich table, JSON, Markdown (pull-request comment), JUnit XML, GitHub annotations."""

from __future__ import annotations

import json
import socket
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from schemaguard.gate import GateCheck, GateFinding, GateReport, Status

_STYLE = {Status.PASS: "green", Status.WARN: "yellow", Status.FAIL: "bold red", Status.SKIP: "dim"}
_SYMBOL = {Status.PASS: "✓", Status.WARN: "!", Status.FAIL: "✗", Status.SKIP: "-"}
_ICON = {Status.PASS: "✅", Status.WARN: "⚠️", Status.FAIL: "❌", Status.SKIP: "⏭️"}


def _verdict(report: GateReport) -> str:
    return "GO" if report.passed else "NO-GO"


def print_gate(report: GateReport, console: Console, *, quiet: bool = False, verbose: bool = False) -> None:
    """One row per check (status, name, reason, seconds), the error and warning findings of the checks that
    failed or warned (info findings counted; ``verbose`` lists every finding), and a verdict line."""
    table = Table(header_style="bold")
    table.add_column("")
    table.add_column("check")
    table.add_column("status")
    table.add_column("reason")
    table.add_column("time", justify="right")
    for c in report.checks:
        if quiet and c.status is not Status.FAIL:
            continue
        st = _STYLE[c.status]
        table.add_row(
            f"[{st}]{_SYMBOL[c.status]}[/]", c.name, f"[{st}]{c.status.value}[/]", escape(c.reason), f"{c.seconds:.2f}s"
        )
    if table.row_count:
        console.print(table)
    for c in report.checks:
        if not (c.status is Status.FAIL or (c.status is Status.WARN and not quiet)):
            continue
        # Errors and warnings are listed (with --quiet too: a drift check fails on warnings, so they
        # stay); info findings are counted unless --verbose.
        levels = {"error", "warning", "info"} if verbose else {"error", "warning"}
        listed = [f for f in c.findings if f.severity in levels]
        limit = len(listed) if verbose else 50
        for f in listed[:limit]:
            where = f" ({f.location})" if f.location else ""
            colour = {"error": "red", "warning": "yellow"}.get(f.severity, "cyan")
            # Reasons and messages quote config keys like [[render.outputs]]: never parse them as markup.
            console.print(f"  {c.name}: [{colour}]{f.severity}[/] {escape(f.message + where)}", highlight=False)
        if len(listed) > limit:
            console.print(f"  {c.name}: ... and {len(listed) - limit} more (--verbose lists all)", highlight=False)
        hidden = len(c.findings) - len(listed)
        if hidden:
            console.print(f"  {c.name}: {hidden} info finding(s) not shown (--verbose lists them)", highlight=False)
    s = report.to_dict()["summary"]
    colour = "green" if report.passed else "red"
    console.print(
        f"[bold {colour}]{_verdict(report)}[/]: {s['pass']} passed, {s['warn']} warnings, {s['fail']} failed, "
        f"{s['skip']} skipped" + (f" — target {report.target}" if report.target else ""),
        highlight=False,
    )


def render_gate_json(report: GateReport) -> str:
    """The stable JSON report (docs/gate-report.schema.json)."""
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False)


def _md(text: object) -> str:
    from schemaguard.report.escape import md_text

    return md_text(text)  # names and messages are data: never HTML, links or mentions (issue 16.10)


def _code(text: object) -> str:
    from schemaguard.report.escape import md_code

    return md_code(text)


def render_gate_markdown(report: GateReport) -> str:
    """A pull-request comment: verdict, the checks table, the findings of each failing or warning check, and
    the drift check's coverage (issue 14 §5): one line of what was compared, and a table of what was present
    but not compared (side, type, count, reason, the first names)."""
    lines = [f"### schemaguard gate: **{_verdict(report)}**", ""]
    if report.target:
        lines += [f"Target: {_code(report.target)}", ""]
    lines += ["| | check | status | reason | time |", "|---|---|---|---|---|"]
    for c in report.checks:
        lines.append(f"| {_ICON[c.status]} | {c.name} | {c.status.value} | {_md(c.reason)} | {c.seconds:.2f}s |")
    for c in report.checks:
        if c.findings and c.status in (Status.FAIL, Status.WARN):
            lines += [
                "",
                f"#### {c.name}",
                "",
                "| severity | code | table | object | message |",
                "|---|---|---|---|---|",
            ]
            for f in c.findings:
                lines.append(
                    f"| {f.severity} | {_code(f.code)} | {_code(f.table)} | {_code(f.object)} | {_md(f.message)} |"
                )
    lines += _markdown_coverage(report)
    return "\n".join(lines) + "\n"


def _markdown_coverage(report: GateReport) -> list[str]:
    cov = report.coverage
    if cov is None:
        return []
    lines = ["", "#### coverage", "", _md(cov.summary_line())]
    if cov.not_compared:
        strict = " (strict coverage: each fails the drift check)" if report.strict_coverage else ""
        lines += [
            "",
            f"Present but not compared{strict}:",
            "",
            "| side | type | count | reason | names |",
            "|---|---|---|---|---|",
        ]
        for side, e in cov.not_compared:
            names = ", ".join(_code(n) for n in e.names[:10]) + (
                f" and {len(e.names) - 10} more" if len(e.names) > 10 else ""
            )
            lines.append(f"| {side} | {_md(e.what)} | {len(e.names)} | {_md(e.reason)} | {names} |")
    return lines


def _finding_case(suite: ET.Element, check: GateCheck, f: GateFinding, index: int) -> None:
    name = f"{check.name}: {f.code or f.severity} {'.'.join(x for x in (f.table, f.object) if x) or index}"
    case = ET.SubElement(suite, "testcase", name=name, classname=f"schemaguard.gate.{check.name}", time="0")
    if f.severity == "error" and check.status is Status.FAIL:
        el = ET.SubElement(case, "failure", message=f.message, type=f.code or "finding")
        el.text = f"{f.message}\n{f.location}" if f.location else f.message
    else:
        ET.SubElement(case, "system-out").text = f"{f.severity}: {f.message}"


def render_gate_junit(report: GateReport) -> str:
    """JUnit XML: one ``<testsuite>``, one ``<testcase>`` per check and one per finding, so CI systems
    (Jenkins, GitLab, GitHub test reporters) show them natively. Warnings are passing cases with output.

    The drift check's coverage is in suite properties: ``coverage`` (the one-line summary),
    ``coverage.not_compared_total`` and ``coverage.compared.<type>`` (``desired/actual`` counts); with strict
    coverage each not-compared entry is also a failing finding case."""
    total_time = sum(c.seconds for c in report.checks)
    root = ET.Element("testsuites", name="schemaguard gate", time=f"{total_time:.3f}")
    suite = ET.SubElement(
        root,
        "testsuite",
        name="schemaguard gate",
        timestamp=datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds"),
        hostname=socket.gethostname() or "localhost",
        time=f"{total_time:.3f}",
    )
    props = ET.SubElement(suite, "properties")
    ET.SubElement(props, "property", name="target", value=report.target or "")
    if report.coverage is not None:
        cov = report.coverage
        ET.SubElement(props, "property", name="coverage", value=cov.summary_line())
        ET.SubElement(props, "property", name="coverage.not_compared_total", value=str(cov.not_compared_total))
        for kind, (d, a) in cov.compared.items():
            ET.SubElement(props, "property", name=f"coverage.compared.{kind}", value=f"{d}/{a}")
    for c in report.checks:
        case = ET.SubElement(suite, "testcase", name=c.name, classname="schemaguard.gate", time=f"{c.seconds:.3f}")
        if c.status is Status.FAIL:
            ET.SubElement(case, "failure", message=c.reason, type=c.name).text = c.reason
        elif c.status is Status.SKIP:
            ET.SubElement(case, "skipped", message=c.reason)
        else:
            ET.SubElement(case, "system-out").text = f"{c.status.value}: {c.reason}"
        for i, f in enumerate(c.findings):
            _finding_case(suite, c, f, i)
    cases = suite.findall("testcase")
    counts = {
        "tests": len(cases),
        "failures": sum(1 for t in cases if t.find("failure") is not None),
        "errors": 0,
        "skipped": sum(1 for t in cases if t.find("skipped") is not None),
    }
    for k, v in counts.items():
        suite.set(k, str(v))
        root.set(k, str(v))
    ET.indent(root)
    from schemaguard.report.escape import xml_safe

    return xml_safe('<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n")


def _gh_escape(text: str, prop: bool = False) -> str:
    # Workflow command escaping: https://github.com/actions/toolkit/blob/main/packages/core/src/command.ts
    out = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        out = out.replace(":", "%3A").replace(",", "%2C")
    return out


def render_gate_github(report: GateReport) -> str:
    """GitHub Actions workflow commands: ``::error file=...,line=...,col=...,title=...::message`` per finding
    (pointing at the master schema line where one is known), one per failing check, and a notice verdict.
    Source: https://docs.github.com/actions/reference/workflow-commands-for-github-actions"""
    lines = []
    for c in report.checks:
        level = {Status.FAIL: "error", Status.WARN: "warning"}.get(c.status)
        if level is None:
            continue
        lines.append(f"::{level} title={_gh_escape('schemaguard gate: ' + c.name, True)}::{_gh_escape(c.reason)}")
        for f in c.findings:
            flevel = (
                "error"
                if f.severity == "error" and c.status is Status.FAIL
                else "warning"
                if f.severity != "info"
                else "notice"
            )
            props = []
            if f.location:
                props += [
                    f"file={_gh_escape(f.location.path, True)}",
                    f"line={f.location.line}",
                    f"col={f.location.column}",
                ]
            props.append(f"title={_gh_escape(f'{c.name}: {f.code or f.severity}', True)}")
            lines.append(f"::{flevel} {','.join(props)}::{_gh_escape(f.message)}")
    lines.append(f"::notice title=schemaguard gate::{_verdict(report)}")
    return "\n".join(lines) + "\n"
