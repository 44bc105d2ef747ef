"""The gate's report formats on real failing and passing runs: JSON against docs/gate-report.schema.json,
JUnit against tests/gate/junit.xsd, GitHub annotations pointing at master lines, the Markdown comment, the
table, and ``--out``."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import xmlschema

from tests.gate.conftest import SCHEMA_PATH, XSD_PATH, GateProject, checks

CHECK_NAMES = ["master", "rendered", "migrations", "drift", "proofs"]


def _master_line(project: GateProject, prefix: str) -> int:
    """1-based line number of the first master line starting with ``prefix``."""
    lines = (project.root / "master.yaml").read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.startswith(prefix))


def _break_three_checks(project: GateProject) -> None:
    """Drift (a column dropped and one added by hand), a stale rendered file and a hand-edited revision."""
    project.execute(["ALTER TABLE message DROP COLUMN score", "ALTER TABLE account ADD COLUMN nickname text"])
    prisma = project.root / "rendered" / "schema.prisma"
    prisma.write_text(prisma.read_text() + "\n// stale\n")
    (rev,) = project.revisions()
    rev.write_text(rev.read_text() + "\n# edited\n")


def test_json_schema_is_strict() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    check: dict[str, Any] = {
        "name": "master",
        "status": "pass",
        "reason": "ok",
        "seconds": 0.1,
        "advisory": False,
        "findings": [],
    }
    checks_ok: list[dict[str, Any]] = [{**check, "name": n} for n in CHECK_NAMES]
    good: dict[str, Any] = {
        "schema_version": 2,
        "target": None,
        "passed": True,
        "strict": False,
        "strict_coverage": False,
        "summary": {"pass": 5, "warn": 0, "fail": 0, "skip": 0},
        "checks": checks_ok,
        "coverage": None,
    }
    jsonschema.validate(good, schema)
    finding = {
        "severity": "error",
        "message": "m",
        "code": None,
        "table": None,
        "object": None,
        "file": "master.yaml",
        "line": 3,
        "column": 1,
    }
    bad_docs = [
        {**good, "extra": 1},  # unknown top-level key
        {**good, "checks": checks_ok[:4]},  # a check missing
        {**good, "checks": list(reversed(checks_ok))},  # wrong order
        {**good, "checks": [{**checks_ok[0], "status": "ok"}, *checks_ok[1:]]},  # status enum
        {**good, "checks": [{**checks_ok[0], "advisory": True}, *checks_ok[1:]]},  # advisory must warn
        {**good, "checks": [{**check, "findings": [{**finding, "severity": "fatal"}]}, *checks_ok[1:]]},
        {**good, "checks": [{**check, "findings": [{**finding, "line": None}]}, *checks_ok[1:]]},
        {**good, "summary": {"pass": 5, "warn": 0, "fail": 0}},
        {k: v for k, v in good.items() if k != "coverage"},  # coverage is always present (null or an object)
        {**good, "coverage": {"compared": {}, "not_compared": []}},  # not_compared_total missing
    ]
    covered = {"compared": {"table": {"desired": 2, "actual": 2}}, "not_compared": [], "not_compared_total": 0}
    jsonschema.validate({**good, "coverage": covered}, schema)
    for doc in bad_docs:
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(doc, schema)


def test_junit_validates_and_has_a_case_per_check_and_finding(
    project: GateProject, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = xmlschema.XMLSchema(XSD_PATH)
    code, green = project.gate(capsys, fmt="junit")
    assert code == 0
    schema.validate(green)
    _break_three_checks(project)
    code, doc = project.report(capsys)
    assert code == 1
    code, xml = project.gate(capsys, fmt="junit")
    assert code == 1
    schema.validate(xml)

    suite = ET.fromstring(xml).find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    n_findings = sum(len(c["findings"]) for c in doc["checks"])
    assert len(cases) == len(CHECK_NAMES) + n_findings
    check_cases = {c.get("name"): c for c in cases if c.get("classname") == "schemaguard.gate"}
    assert list(check_cases) == CHECK_NAMES
    failed = [n for n, c in check_cases.items() if c.find("failure") is not None]
    assert failed == ["rendered", "migrations", "drift"]
    skipped = check_cases["proofs"].find("skipped")
    assert skipped is not None and skipped.get("message") == checks(doc)["proofs"]["reason"]
    assert suite.get("tests") == str(len(cases))
    assert suite.get("failures") == str(sum(1 for c in cases if c.find("failure") is not None))
    assert suite.get("skipped") == "1" and suite.get("errors") == "0"
    drift_cases = [c for c in cases if c.get("classname") == "schemaguard.gate.drift"]
    assert len(drift_cases) == len(checks(doc)["drift"]["findings"]) == 2
    missing = next(c for c in drift_cases if "column_missing" in (c.get("name") or ""))
    failure = missing.find("failure")
    assert failure is not None and failure.get("type") == "column_missing"
    assert f"master.yaml:{_master_line(project, '      score:')}" in (failure.text or "")
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    cov = doc["coverage"]
    assert props == {
        "target": doc["target"],
        "coverage": checks(doc)["drift"]["reason"].split("; ", 1)[1],
        "coverage.not_compared_total": str(cov["not_compared_total"]),
        **{f"coverage.compared.{k}": f"{v['desired']}/{v['actual']}" for k, v in cov["compared"].items()},
    }


def test_junit_xsd_rejects_what_ci_readers_reject() -> None:
    schema = xmlschema.XMLSchema(XSD_PATH)
    suite = (
        '<testsuites><testsuite name="s" tests="1" failures="0" errors="0" skipped="0" time="0.5" '
        'timestamp="2026-01-19T09:00:00" hostname="ci"{extra}>{body}</testsuite></testsuites>'
    )
    case = '<testcase name="t" classname="c" time="0.1">{}</testcase>'
    assert schema.is_valid(suite.format(extra="", body=case.format('<failure message="m" type="x">details</failure>')))
    invalid = [
        suite.format(extra="", body=case.format("<skipped/><failure/>")),  # skipped and failed at once
        suite.format(extra="", body=case.format("<system-out/><failure/>")),  # outcome after output
        suite.format(extra="", body=case.format("") + case.format("")),  # duplicate test case
        suite.format(extra="", body='<testcase name="t" time="1"/>'),  # no classname
        suite.format(extra=' bogus="1"', body=""),  # unknown attribute
        suite.replace('time="0.5"', 'time="-1"').format(extra="", body=""),  # negative time
        suite.replace("T09:00:00", "T09:00:00+02:00").format(extra="", body=""),  # zoned timestamp
        suite.replace(' hostname="ci"', "").format(extra="", body=""),  # no hostname
        "<testsuite/>",  # not a testsuites root
    ]
    for doc in invalid:
        assert not schema.is_valid(doc), doc


def test_github_annotations_point_at_master_lines(project: GateProject, capsys: pytest.CaptureFixture[str]) -> None:
    _break_three_checks(project)
    code, out = project.gate(capsys, fmt="github")
    assert code == 1
    lines = out.splitlines()
    assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines)
    assert "::error title=schemaguard gate%3A drift::2 differences against master.yaml" in out
    score = _master_line(project, "      score:")
    located = [line for line in lines if "title=drift%3A column_missing" in line]
    assert len(located) == 1
    assert re.match(rf"::error file=master\.yaml,line={score},col=\d+,title=drift%3A column_missing::", located[0])
    assert located[0].endswith("column message.score (integer) is missing")
    # The hand-added column points at its table, also a master line.
    extra = next(line for line in lines if "column_extra" in line)
    assert re.match(r"::(error|warning) file=master\.yaml,line=\d+,col=\d+,", extra)
    assert "::error title=schemaguard gate%3A rendered::1 of 3 rendered files out of date" in out
    assert lines[-1] == "::notice title=schemaguard gate::NO-GO"


def test_markdown_has_the_checks_and_drift_tables(project: GateProject, capsys: pytest.CaptureFixture[str]) -> None:
    code, md = project.gate(capsys, fmt="markdown")
    assert code == 0
    assert md.startswith("### schemaguard gate: **GO**\n")
    assert "| | check | status | reason | time |\n|---|---|---|---|---|\n" in md
    for name in CHECK_NAMES:
        assert re.search(rf"^\| \S+ \| {name} \| (pass|skip) \| .+ \| \d+\.\d\ds \|$", md, re.M), name
    assert "#### drift" not in md

    _break_three_checks(project)
    code, md = project.gate(capsys, fmt="markdown")
    assert code == 1 and md.startswith("### schemaguard gate: **NO-GO**\n")
    drift = md.split("#### drift\n", 1)[1]
    assert drift.startswith("\n| severity | code | table | object | message |\n|---|---|---|---|---|\n")
    # names are code spans (issue 16.10: a name is never Markdown, HTML or a mention)
    assert "| error | `column_missing` | `message` | `score` | column message.score (integer) is missing |" in drift
    assert "`column_extra` | `account` | `nickname` |" in drift
    assert "#### rendered" in md and "#### migrations" in md


def test_table_output_and_out_file(project: GateProject, capsys: pytest.CaptureFixture[str]) -> None:
    project.write_config(render=False)
    out_file = project.root / "gate.json"
    capsys.readouterr()
    code = project.run("--no-color", "gate", "--out", str(out_file))
    text = capsys.readouterr().out
    assert code == 0
    # Config keys in brackets are printed as text, not swallowed as console markup.
    assert "no rendered files configured ([[render.outputs]])" in text
    assert re.search(r"GO: 3 passed, 0 warnings, 0 failed, 2 skipped — target \S+", text)
    doc = json.loads(Path(out_file).read_text())
    jsonschema.validate(doc, json.loads(SCHEMA_PATH.read_text()))
    assert checks(doc)["rendered"]["status"] == "skip"

    junit_file = project.root / "gate.xml"
    code, xml = project.gate(capsys, "--out", str(junit_file), fmt="junit")
    assert junit_file.read_text() == xml


def test_quiet_prints_only_failures(project: GateProject, capsys: pytest.CaptureFixture[str]) -> None:
    project.execute(["ALTER TABLE account ADD COLUMN nickname text"])
    capsys.readouterr()
    assert project.run("--no-color", "--quiet", "gate") == 1
    text = capsys.readouterr().out
    assert " drift " in text and "nickname" in text  # the failing check and the finding that failed it
    assert " master " not in text and " rendered " not in text
    assert "NO-GO: 3 passed, 0 warnings, 1 failed, 1 skipped" in text


def test_documented_samples_match_the_contracts() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "gate.md").read_text(encoding="utf-8")
    blocks = dict(re.findall(r"```(json|xml)\n(.*?)```", doc, re.S))
    jsonschema.validate(json.loads(blocks["json"]), json.loads(SCHEMA_PATH.read_text()))
    xmlschema.XMLSchema(XSD_PATH).validate(blocks["xml"])
    for name in CHECK_NAMES:
        assert f"| {name} |" in doc or f"`{name}`" in doc
