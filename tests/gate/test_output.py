"""15.6: ``validate`` and ``gate`` list errors and warnings and count info findings (``--verbose`` lists them)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT
from tests.gate.conftest import GateProject
from tests.helpers import run_cli

CONFIG = str(ROOT / "schemaguard.toml")


def _rows(out: str, severity: str) -> int:
    return len(re.findall(rf"^│ {severity}\b", out, re.M))


def test_validate_counts_info_and_verbose_lists_it(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["--config", CONFIG, "validate"], capsys)
    assert code == 0
    summary = re.search(r"(\d+) errors, (\d+) warnings, (\d+) info", out)
    assert summary is not None
    warnings, info = int(summary.group(2)), int(summary.group(3))
    assert info > 100 and warnings > 0  # the example master: 198 info, 24 warnings
    assert _rows(out, "info") == 0 and _rows(out, "warning") == warnings
    assert f"{info} info finding(s) not shown: SG002 snake-case-columns (" in out and "--verbose" in out
    code, out, _ = run_cli(["--config", CONFIG, "validate", "--verbose"], capsys)
    assert code == 0 and _rows(out, "info") == info and "not shown" not in out
    code, out, _ = run_cli(["--config", CONFIG, "--quiet", "validate"], capsys)
    assert _rows(out, "warning") == 0 and "not shown" not in out


@pytest.mark.parametrize("project", ["sqlite"], indirect=True)
def test_gate_hides_info_findings_unless_verbose(project: GateProject, capsys: pytest.CaptureFixture[str]) -> None:
    # Drift with info-level differences next to an error: a dropped column, and an index on the side.
    project.execute(["ALTER TABLE message DROP COLUMN score", "CREATE INDEX extra_idx ON account (id)"])
    capsys.readouterr()
    project.run("gate", "--format", "json")
    doc = __import__("json").loads(capsys.readouterr().out)
    drift = next(c for c in doc["checks"] if c["name"] == "drift")
    severities = [f["severity"] for f in drift["findings"]]
    assert drift["status"] == "fail" and "error" in severities
    code = project.run("gate")
    out = capsys.readouterr().out
    assert code == 1
    listed = [line for line in out.splitlines() if line.startswith("  drift: ")]
    info = severities.count("info")
    shown = [line for line in listed if re.match(r"  drift: (error|warning) ", line)]
    assert len(shown) == len(severities) - info
    assert info, severities  # the extra index is an info-level difference
    assert f"  drift: {info} info finding(s) not shown (--verbose lists them)" in listed
    project.run("gate", "--verbose")
    out = capsys.readouterr().out
    assert len([line for line in out.splitlines() if re.match(r"  drift: (error|warning|info) ", line)]) == len(
        severities
    )
