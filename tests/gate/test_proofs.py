"""The ``proofs`` check: the example messaging master, demo data, and the built-in phase-1-4 backfill marked as
required, on real SQLite and PostgreSQL targets."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from schemaguard.backfills.builtin.phase_1_4 import BACKFILL
from schemaguard.backfills.runner import run_backfill
from tests.backfills.conftest import build_demo
from tests.conftest import ROOT
from tests.gate.conftest import GateProject, checks, statuses

# The repository's own severities for the example master (its Prisma-style names are not snake_case).
EXAMPLE_RULES = """
[rules.severity]
snake-case-columns = "info"
snake-case-tables = "info"
explicit-foreign-keys = "warning"
required-fields = "warning"
"""


@pytest.fixture
def messaging(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_factory: Callable[[], str]
) -> Callable[..., GateProject]:
    """``messaging(orgs_without_number=N, gate=TOML)`` → a project on the example master whose target holds demo
    data on which the phase-1-4 backfill has run."""

    def make(*, orgs_without_number: int, gate: str = '[gate]\nrequired_proofs = ["phase-1-4"]\n') -> GateProject:
        url = build_demo(db_factory(), orgs=4, threads_per_org=10, orgs_without_number=orgs_without_number)
        run_backfill(BACKFILL, url)
        root = tmp_path / "messaging"
        root.mkdir()
        shutil.copy(ROOT / "schemas" / "master.yaml", root / "master.yaml")
        monkeypatch.chdir(root)
        monkeypatch.delenv("DATABASE_URL", raising=False)
        dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
        p = GateProject(root, dialect, url)
        p.write_config(EXAMPLE_RULES + gate, render=False)
        return p

    return make


def test_failing_proof_fails_the_gate(
    messaging: Callable[..., GateProject], capsys: pytest.CaptureFixture[str]
) -> None:
    p = messaging(orgs_without_number=1)
    code, doc = p.report(capsys)
    assert code == 1
    assert statuses(doc) == {
        "master": "warn",
        "rendered": "skip",
        "migrations": "skip",
        "drift": "pass",
        "proofs": "fail",
    }
    proofs = checks(doc)["proofs"]
    # 15.6: the reason names every failed check, and a finding does not repeat its own title.
    assert proofs["reason"] == (
        "2 proof check(s) failed: phase-1-4: Front Desk Numbers Per Org; phase-1-4: Threads Missing messageNumberId"
    )
    messages = [f["message"] for f in proofs["findings"]]
    assert messages == [
        "Front Desk Numbers Per Org: Org org_0004: 0 (expected: 1)",
        "Threads Missing messageNumberId: 10 (expected: 0)",
    ]
    assert {f["code"] for f in proofs["findings"]} == {"phase-1-4"}


def test_passing_proof_and_strict(messaging: Callable[..., GateProject], capsys: pytest.CaptureFixture[str]) -> None:
    p = messaging(orgs_without_number=0)
    code, doc = p.report(capsys)
    assert code == 0
    assert checks(doc)["proofs"] == {**checks(doc)["proofs"], "status": "pass", "findings": []}
    assert checks(doc)["proofs"]["reason"] == "all proofs of phase-1-4 pass"
    # The example master carries house-rule warnings: --strict turns them into a no-go.
    assert checks(doc)["master"]["status"] == "warn"
    assert p.report(capsys, "--strict")[0] == 1


def test_advisory_proofs_warn(messaging: Callable[..., GateProject], capsys: pytest.CaptureFixture[str]) -> None:
    p = messaging(orgs_without_number=1, gate='[gate]\nrequired_proofs = ["phase-1-4"]\nadvisory = ["proofs"]\n')
    code, doc = p.report(capsys)
    assert code == 0
    proofs = checks(doc)["proofs"]
    assert (proofs["status"], proofs["advisory"]) == ("warn", True) and len(proofs["findings"]) == 2


def test_unknown_required_backfill_fails_the_check(
    messaging: Callable[..., GateProject], capsys: pytest.CaptureFixture[str]
) -> None:
    p = messaging(orgs_without_number=0, gate='[gate]\nrequired_proofs = ["nope"]\n')
    code, doc = p.report(capsys)
    assert code == 1
    proofs = checks(doc)["proofs"]
    assert proofs["status"] == "fail" and proofs["reason"].startswith("unknown backfill 'nope'")


def test_without_a_target_drift_and_proofs_fail(
    messaging: Callable[..., GateProject], capsys: pytest.CaptureFixture[str]
) -> None:
    p = messaging(orgs_without_number=0)
    config = (p.root / "schemaguard.toml").read_text()
    (p.root / "schemaguard.toml").write_text(config.replace('default_target = "ci"\n', ""))
    capsys.readouterr()
    # No target configured is a configuration error: the report is still printed, the exit code is 2.
    assert p.run("gate", "--format", "json") == 2
    import json

    doc = json.loads(capsys.readouterr().out)
    assert doc["target"] is None
    assert statuses(doc)["drift"] == "fail" and statuses(doc)["proofs"] == "fail"
    assert checks(doc)["drift"]["reason"] == checks(doc)["proofs"]["reason"]
