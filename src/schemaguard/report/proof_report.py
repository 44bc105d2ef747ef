"""Proof reports of backfills: a table for people (in the style of seed 002's proof script), JSON and JUnit XML.

Input everywhere: ``list[tuple[backfill name, target label, list[ProofResult]]]``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from xml.etree import ElementTree as ET

if TYPE_CHECKING:
    from rich.console import Console

    from schemaguard.backfills.spec import ProofItem, ProofResult

ProofRun = tuple[str, str, list["ProofResult"]]

MAX_LISTED = 20
"""A per-group check lists every group up to this many; beyond that only the failing ones and a summary line."""


def all_passed(runs: list[ProofRun]) -> bool:
    """True if every check of every backfill passed."""
    return all(r.passed for _, _, results in runs for r in results)


def _line(item: ProofItem) -> str:
    mark = {True: "✓ ", False: "✗ ", None: ""}[item.passed]
    expected = f" (expected: {item.expected})" if item.expected is not None else ""
    return f"{mark}{item.label}: {item.value:,}{expected}"


def print_proofs(runs: list[ProofRun], console: Console, *, quiet: bool = False) -> None:
    """Human-readable proofs, e.g.::

    Front Desk Numbers Per Org:
      ✓ Org default: 1 (expected: 1)

    ✓ Threads Missing messageNumberId: 0 (expected: 0)

    Threads By Number Class:
      front_desk: 10

    ✅ All checks passed!
    """
    from rich.markup import escape

    for name, target, results in runs:
        console.print(f"[bold]{escape(name)}[/] proof on {escape(target)}\n")
        for r in results:
            if quiet and r.passed:
                continue
            if r.kind == "check" and r.items and r.items[0].label == r.name:
                # A count check: its lines stand alone ("Pool Numbers: 2 (expected: >= 1)").
                for i in r.items:
                    console.print(_style(i, escape(_line(i))))
            else:
                console.print(f"{escape(r.name)}:")
                items = list(r.items)
                if len(items) > MAX_LISTED:
                    ok = [i for i in items if i.passed is not False]
                    items = [i for i in items if i.passed is False]
                    if ok:
                        console.print(f"  ✓ {len(ok):,} of {len(r.items):,} as expected ({ok[0].expected or 'ok'})")
                if not r.items:
                    console.print("  (none)")
                for i in items:
                    console.print(f"  {_style(i, escape(_line(i)))}")
            console.print()
    failed = [(n, r) for n, _, results in runs for r in results if not r.passed]
    if failed:
        console.print(f"[red]❌ {len(failed)} check(s) failed: {escape(', '.join(r.name for _, r in failed))}[/]")
    else:
        console.print("[green]✅ All checks passed![/]")


def _style(item: ProofItem, text: str) -> str:
    return f"[red]{text}[/]" if item.passed is False else text


def render_proofs_json(runs: list[ProofRun]) -> str:
    """``{"passed": bool, "backfills": [{"name", "target", "passed", "checks": [{"name", "kind", "passed",
    "items": [{"label", "value", "expected", "passed"}]}]}]}``."""
    doc = {
        "passed": all_passed(runs),
        "backfills": [
            {
                "name": name,
                "target": target,
                "passed": all(r.passed for r in results),
                "checks": [
                    {
                        "name": r.name,
                        "kind": r.kind,
                        "passed": r.passed,
                        "items": [
                            {"label": i.label, "value": i.value, "expected": i.expected, "passed": i.passed}
                            for i in r.items
                        ],
                    }
                    for r in results
                ],
            }
            for name, target, results in runs
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False)


def render_proofs_junit(runs: list[ProofRun]) -> str:
    """JUnit XML: one ``<testsuite>`` per backfill, one ``<testcase>`` per check, ``<failure>`` listing the
    failing lines; informational checks carry their lines in ``<system-out>``."""
    suites = ET.Element("testsuites", name="schemaguard proof")
    total = failures = 0
    for name, target, results in runs:
        failed = sum(1 for r in results if not r.passed)
        suite = ET.SubElement(
            suites, "testsuite", name=name, tests=str(len(results)), failures=str(failed), errors="0",
            hostname=target,
        )  # fmt: skip
        total += len(results)
        failures += failed
        for r in results:
            case = ET.SubElement(suite, "testcase", classname=f"schemaguard.proof.{name}", name=r.name)
            bad = [i for i in r.items if i.passed is False]
            if bad:
                failure = ET.SubElement(case, "failure", message=_line(bad[0]), type="ProofCheckFailed")
                failure.text = "\n".join(_line(i) for i in bad)
            out = ET.SubElement(case, "system-out")
            out.text = "\n".join(_line(i) for i in r.items)
    suites.set("tests", str(total))
    suites.set("failures", str(failures))
    ET.indent(suites)
    from schemaguard.report.escape import xml_safe

    return xml_safe('<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n")
