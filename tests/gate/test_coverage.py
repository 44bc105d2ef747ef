"""Issue 14 §5 for the gate: the report carries the drift check's coverage as a structured ``coverage`` object
(JSON, validated against docs/gate-report.schema.json; Markdown section; JUnit properties), and
``--strict-coverage`` / ``gate.strict_coverage = true`` fails the drift check with exit 1 when something present
was not compared. Real SQLite files and real PostgreSQL databases."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
import xmlschema

from tests.gate.conftest import XSD_PATH, GateProject, checks

# The v1 master (tests/gate/fixtures/v1.yaml): 2 tables, 11 columns, 1 index, 1 foreign key, 1 enum.
_V1_COUNTS = {"table": 2, "column": 11, "index": 1, "foreign_key": 1, "enum": 1}


def _plant_uncompared(project: GateProject) -> tuple[str, str, str]:
    """Give one side an object the comparison leaves out; returns (side, what, name) as coverage names it.

    SQLite compares every object type a SQLite database holds (virtual tables included since h7 finding 01), so
    the master gets what SQLite cannot hold: a PostgreSQL storage option (``fillfactor``), desired side.
    PostgreSQL: a grant on the target (privileges are compared only on request)."""
    if project.dialect == "sqlite":
        master = project.root / "master.yaml"
        text = master.read_text(encoding="utf-8")
        master.write_text(text + '\ntable_options:\n  account: {fillfactor: "70"}\n', encoding="utf-8")
        assert project.run("render", "--all") == 0
        return "desired", "table option", "account.fillfactor"
    project.execute(["GRANT SELECT ON account TO PUBLIC"])
    return "actual", "privileges", "public.account"


def test_green_report_carries_the_counts(project: GateProject, capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = project.report(capsys)  # validated against the published schema
    assert code == 0
    assert doc["schema_version"] == 2 and doc["strict_coverage"] is False
    cov = doc["coverage"]
    assert cov["not_compared"] == [] and cov["not_compared_total"] == 0
    for kind, n in _V1_COUNTS.items():
        if kind == "enum" and project.dialect == "sqlite":
            continue  # SQLite holds the enum as a CHECK on the column, not a type
        assert cov["compared"][kind] == {"desired": n, "actual": n}, kind
    # The reason line and the structured object say the same thing.
    assert "nothing left uncompared" in checks(doc)["drift"]["reason"]


def test_skipped_drift_check_has_no_coverage(project: GateProject, capsys: pytest.CaptureFixture[str]) -> None:
    project.write_config('[gate]\nskip = ["drift"]')
    code, doc = project.report(capsys)
    assert code == 0 and doc["coverage"] is None


def test_uncompared_object_is_reported_and_fails_under_strict_coverage(
    project: GateProject, capsys: pytest.CaptureFixture[str]
) -> None:
    side, what, name = _plant_uncompared(project)
    code, doc = project.report(capsys)
    assert code == 0  # not strict: reported, not failed
    entry = {"side": side, "what": what, "count": 1, "names": [name]}
    assert [{k: e[k] for k in entry} for e in doc["coverage"]["not_compared"]] == [entry]
    assert doc["coverage"]["not_compared_total"] == 1
    assert checks(doc)["drift"]["status"] == "pass"

    code, doc = project.report(capsys, "--strict-coverage")
    assert code == 1 and doc["strict_coverage"] is True and doc["passed"] is False
    drift = checks(doc)["drift"]
    assert drift["status"] == "fail"
    assert "1 object(s) not compared (strict coverage)" in drift["reason"]
    assert [(f["severity"], f["code"], f["object"]) for f in drift["findings"]] == [("error", "not_compared", what)]
    assert name in drift["findings"][0]["message"]

    # The configuration key does the same as the option.
    project.write_config("[gate]\nstrict_coverage = true")
    code, doc = project.report(capsys)
    assert code == 1 and checks(doc)["drift"]["status"] == "fail" and doc["strict_coverage"] is True

    # Markdown: a coverage section with the entry; JUnit: properties and a failing case per entry.
    code, md = project.gate(capsys, fmt="markdown")
    assert code == 1
    section = md.split("#### coverage\n", 1)[1]
    assert "NOT compared: 1 " in section
    assert re.search(rf"^\| {side} \| {what} \| 1 \| .+ \| `{name}` \|$", section, re.M), section
    code, xml = project.gate(capsys, fmt="junit")
    assert code == 1
    xmlschema.XMLSchema(XSD_PATH).validate(xml)
    suite = ET.fromstring(xml).find("testsuite")
    assert suite is not None
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["coverage.not_compared_total"] == "1"
    assert props["coverage.compared.table"] == "2/2"
    failing = [
        c
        for c in suite.findall("testcase")
        if c.get("classname") == "schemaguard.gate.drift" and c.find("failure") is not None
    ]
    assert len(failing) == 1 and "not_compared" in (failing[0].get("name") or "")


def test_strict_coverage_must_be_a_boolean(project: GateProject, capsys: pytest.CaptureFixture[str]) -> None:
    project.write_config('[gate]\nstrict_coverage = "yes"')
    capsys.readouterr()
    assert project.run("gate") == 2
    err = capsys.readouterr().err
    assert "gate.strict_coverage must be true or false" in err and "Traceback" not in err
