"""16.10: names in Markdown, JUnit and GitHub outputs are data: no HTML, link, image or mention gets through."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from markdown_it import MarkdownIt

from schemaguard import api
from schemaguard.config import Config
from schemaguard.gate import GateCheck, GateFinding, GateReport, Status
from schemaguard.loaders.yaml_master import load_yaml_master
from schemaguard.report.escape import md_code, md_text
from schemaguard.report.gate_report import render_gate_github, render_gate_junit, render_gate_markdown
from schemaguard.report.markdown import render_diff_markdown

HOSTILE = "<img src=x onerror=alert(1)> @org/team [click](https://evil.example) ``a|b`` www.evil.example"
MASTER = "version: 1\ntables:\n  {name}:\n    columns:\n      id: {{type: integer, primary_key: true}}\n"


def _html(markdown: str) -> str:
    return MarkdownIt("commonmark").enable("table").render(markdown)


def _assert_inert(html: str) -> None:
    assert "<img" not in html and "<a " not in html and "onerror=alert(1)>" not in html
    # GitHub links no mention or bare URL inside <code>; outside, a zero-width space breaks them
    text = re.sub(r"<code[^>]*>.*?</code>", "", html, flags=re.S)
    assert "@org/team" not in text and "https://" not in text and "www.evil" not in text


def test_diff_markdown_keeps_a_hostile_table_name_inert() -> None:
    quoted = "'" + HOSTILE.replace("'", "''") + "'"
    desired = load_yaml_master("a.yaml", MASTER.format(name=quoted))
    empty = load_yaml_master("b.yaml", "version: 1\ntables: {}\n")
    report = api.diff_sources(
        api.Source(desired, "a.yaml", None, "postgresql"),
        api.Source(empty, "b.yaml", None, "postgresql"),
        Config(),
        dialect="postgresql",
        with_sql=True,
    )
    md = render_diff_markdown(report)
    html = _html(md)
    _assert_inert(html)
    rows = [line for line in md.splitlines() if line.startswith("| ❌") or line.startswith("| ⚠️")]
    assert rows and html.count("<tr>") == len(rows) + 1
    assert html.count("<td>") == 5 * len(rows)  # the '|' in the name did not add a cell


def test_gate_markdown_junit_and_github_keep_names_inert() -> None:
    finding = GateFinding("error", f"table {HOSTILE}\x01 is missing", "table_missing", HOSTILE + "\x07", "col\nx")
    report = GateReport("db", [GateCheck("drift", Status.FAIL, f"1 difference: {HOSTILE}", findings=[finding])])
    html = _html(render_gate_markdown(report))
    _assert_inert(html)
    assert html.count("<td>") == 5 + 5  # checks row + findings row, no extra cells
    root = ET.fromstring(render_gate_junit(report).split("\n", 1)[1])  # parses: no raw control character
    assert any(HOSTILE in (c.get("name") or "") for c in root.iter("testcase"))
    for line in render_gate_github(report).splitlines():
        assert line.startswith("::"), line  # a newline in a name cannot start a new workflow command


@pytest.mark.parametrize("text", ["a`b", "``", "`x`", "a|b", "x\ny"])
def test_code_spans_hold_any_text(text: str) -> None:
    html = MarkdownIt("commonmark").render(md_code(text))
    assert "<code>" in html and "`" * 4 not in html


def test_text_escaping_round_trips_through_a_renderer() -> None:
    html = MarkdownIt("commonmark").render(md_text("**bold** _x_ # h <b>t</b> & @me"))
    assert "<strong>" not in html and "<em>" not in html and "<b>" not in html and "<h1>" not in html
    assert "&lt;b&gt;" in html and "@\u200bme" in html
