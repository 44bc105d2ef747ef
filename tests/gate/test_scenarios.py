"""One scenario per gate outcome, on real SQLite and PostgreSQL targets, through the CLI (``--format json``).

Every gate run goes through :meth:`GateProject.gate`, which also proves the target was left unchanged.
"""

from __future__ import annotations

import pytest

from schemaguard import api
from schemaguard.config import load_config
from tests.gate.conftest import GateProject, checks, statuses

GREEN = {"master": "pass", "rendered": "pass", "migrations": "pass", "drift": "pass", "proofs": "skip"}
ROWS = [
    "INSERT INTO account (id, name) VALUES ('a1', 'Acme')",
    "INSERT INTO message (id, account_id, body, score) VALUES ('m1', 'a1', 'hello', 3)",
]


def test_all_green(project: GateProject, capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = project.report(capsys)
    assert code == 0 and doc["passed"] is True and doc["strict"] is False
    assert statuses(doc) == GREEN
    by_name = checks(doc)
    assert by_name["master"]["reason"] == "master loads (2 tables) and passes the house rules"
    assert by_name["rendered"]["reason"] == "3 rendered files up to date"
    assert by_name["migrations"]["reason"] == "complete and intact; 0 unapplied revision(s) linted, clean"
    # The reason also says what was compared (issue 14: coverage in every report).
    reason = by_name["drift"]["reason"]
    assert (
        reason.startswith(f"no drift ({project.dialect}); compared: 2 tables, ") and "nothing left uncompared" in reason
    )
    assert doc["summary"] == {"pass": 4, "warn": 0, "fail": 0, "skip": 1}
    assert doc["target"].startswith(project.dialect)
    assert all(c["findings"] == [] for c in doc["checks"])


def test_drift_on_the_target_fails(project: GateProject, capsys: pytest.CaptureFixture[str]) -> None:
    project.execute(["ALTER TABLE message ADD COLUMN nickname text"])
    code, doc = project.report(capsys)
    assert code == 1 and doc["passed"] is False
    assert statuses(doc) == {**GREEN, "drift": "fail"}
    drift = checks(doc)["drift"]
    assert drift["reason"].startswith("1 differences against master.yaml")
    (finding,) = drift["findings"]
    assert (finding["code"], finding["table"], finding["object"]) == ("column_extra", "message", "nickname")
    # A column only the database has points at its table in the master (where the loader locates the table).
    table = api.load_master(load_config()).table("message")
    assert table is not None and table.loc is not None
    assert (finding["file"], finding["line"], finding["column"]) == ("master.yaml", table.loc.line, table.loc.column)
    assert 13 <= table.loc.line <= 14  # "  message:" / its "columns:" in fixtures/v1.yaml


def test_pending_revisions_are_not_drift(project: GateProject, capsys: pytest.CaptureFixture[str]) -> None:
    project.set_master("v2.yaml")
    project.generate("read receipts")  # revision 0002, NOT applied to the target
    code, doc = project.report(capsys)
    assert code == 0, doc
    assert statuses(doc) == GREEN
    by_name = checks(doc)
    assert by_name["drift"]["reason"].startswith("1 pending revision(s), no drift")
    assert by_name["drift"]["findings"] == []
    assert by_name["migrations"]["reason"] == "complete and intact; 1 unapplied revision(s) linted, clean"

    # Drift on top of pending revisions is still drift, measured against the target's own revision.
    project.execute(["ALTER TABLE account ADD COLUMN nickname text"])
    code, doc = project.report(capsys)
    assert code == 1
    drift = checks(doc)["drift"]
    assert drift["status"] == "fail" and drift["reason"].startswith("1 pending revision(s), 1 differences")
    assert [(f["code"], f["object"]) for f in drift["findings"]] == [("column_extra", "nickname")]
    assert "revisions at 0001" in drift["reason"]
    # The replayed state has no source lines: the finding still points at its table in the master.
    assert drift["findings"][0]["file"] == "master.yaml" and drift["findings"][0]["line"] in (6, 7)


def test_after_upgrade_the_pending_revision_is_gone(project: GateProject, capsys: pytest.CaptureFixture[str]) -> None:
    project.set_master("v2.yaml")
    project.generate("read receipts")
    project.upgrade()
    code, doc = project.report(capsys)
    reason = checks(doc)["drift"]["reason"]
    assert code == 0 and reason.startswith(f"no drift ({project.dialect}); compared: ")


@pytest.mark.parametrize("damage", ["edited", "deleted"])
def test_stale_rendered_file_fails(project: GateProject, damage: str, capsys: pytest.CaptureFixture[str]) -> None:
    rendered = project.root / "rendered" / "schema.prisma"
    if damage == "edited":
        rendered.write_text(rendered.read_text() + "\n// edited by hand\n")
    else:
        rendered.unlink()
    code, doc = project.report(capsys)
    assert code == 1
    assert statuses(doc) == {**GREEN, "rendered": "fail"}
    rendered_check = checks(doc)["rendered"]
    assert rendered_check["reason"] == "1 of 3 rendered files out of date"
    status = "stale" if damage == "edited" else "missing"
    assert [(f["message"], f["object"]) for f in rendered_check["findings"]] == [
        (f"schema.prisma is {status}: run `schemaguard render --all`", "rendered/schema.prisma")
    ]
    # The fix the finding names makes the gate green again.
    assert project.run("render", "--all") == 0
    assert project.report(capsys)[0] == 0


def test_unhashed_hand_edited_revision_fails(project: GateProject, capsys: pytest.CaptureFixture[str]) -> None:
    (rev,) = project.revisions()
    rev.write_text(rev.read_text() + "\n# tweaked by hand after review\n")
    code, doc = project.report(capsys)
    assert code == 1
    assert statuses(doc) == {**GREEN, "migrations": "fail"}
    migrations = checks(doc)["migrations"]
    assert migrations["reason"].startswith("migrate check failed: ")
    assert "0001_initial.py" in migrations["reason"]
    assert [f["code"] for f in migrations["findings"]] == ["migrate-check"]
    # Re-hashing is the reviewed acceptance of the edit.
    assert project.run("migrate", "hash") == 0
    assert project.report(capsys)[0] == 0


def test_lint_error_fails_unless_allowed(project: GateProject, capsys: pytest.CaptureFixture[str]) -> None:
    project.execute(ROWS)
    project.set_master("v3.yaml")  # drops message.body
    rev = project.generate("drop body")
    code, doc = project.report(capsys)
    assert code == 1
    assert statuses(doc) == {**GREEN, "migrations": "fail"}
    migrations = checks(doc)["migrations"]
    assert migrations["reason"].startswith("1 lint errors; 1 unapplied revision(s) linted")
    errors = [f for f in migrations["findings"] if f["severity"] == "error"]
    assert [(f["code"], f["message"]) for f in errors] == [
        ("DS103", "0002: column message.body is dropped with its data")
    ]
    assert checks(doc)["drift"]["reason"].startswith("1 pending revision(s), no drift")

    rev.write_text(rev.read_text() + "\n# schemaguard:allow DS103 -- body moved to message_body in 0001\n")
    assert project.run("migrate", "hash") == 0
    code, doc = project.report(capsys)
    assert code == 0, doc
    migrations = checks(doc)["migrations"]
    assert migrations["status"] in ("pass", "warn")
    assert all(f["code"] != "DS103" for f in migrations["findings"])


def test_allow_comment_without_rehash_still_fails(project: GateProject, capsys: pytest.CaptureFixture[str]) -> None:
    project.set_master("v3.yaml")
    rev = project.generate("drop body")
    rev.write_text(rev.read_text() + "\n# schemaguard:allow DS103\n")
    code, doc = project.report(capsys)
    assert code == 1
    migrations = checks(doc)["migrations"]
    assert migrations["status"] == "fail" and "0002_drop_body.py" in migrations["reason"]


def test_advisory_turns_a_failure_into_a_warning(project: GateProject, capsys: pytest.CaptureFixture[str]) -> None:
    project.write_config('[gate]\nadvisory = ["migrations"]\n')
    (rev,) = project.revisions()
    rev.write_text(rev.read_text() + "\n# tweaked by hand\n")
    code, doc = project.report(capsys)
    assert code == 0 and doc["passed"] is True
    migrations = checks(doc)["migrations"]
    assert (migrations["status"], migrations["advisory"]) == ("warn", True)
    assert migrations["reason"].endswith("(advisory)")
    assert doc["summary"]["warn"] == 1

    code, doc = project.report(capsys, "--strict")
    assert code == 1 and doc["passed"] is False and doc["strict"] is True
    assert checks(doc)["migrations"]["status"] == "warn"


def test_strict_fails_on_a_warning_from_the_checks(project: GateProject, capsys: pytest.CaptureFixture[str]) -> None:
    # An extra nullable column is a warning-severity difference; the drift check still fails on it, so use a
    # house-rule warning (snake-case-tables is a warning by default) for a check that *warns*.
    master = (project.root / "master.yaml").read_text()
    (project.root / "master.yaml").write_text(master.replace("\n  message:\n", "\n  Message:\n"))
    project.write_config('[gate]\nskip = ["rendered", "migrations", "drift"]\n')
    code, doc = project.report(capsys)
    assert code == 0
    assert statuses(doc) == {
        "master": "warn",
        "rendered": "skip",
        "migrations": "skip",
        "drift": "skip",
        "proofs": "skip",
    }
    assert [f["code"] for f in checks(doc)["master"]["findings"]] == ["SG003"]
    assert checks(doc)["rendered"]["reason"] == "skipped by configuration (gate.skip)"
    assert project.report(capsys, "--strict")[0] == 1


def test_invalid_master_fails_with_its_location(project: GateProject, capsys: pytest.CaptureFixture[str]) -> None:
    master = project.root / "master.yaml"
    master.write_text(master.read_text().replace("type: account_status", "type: no_such_enum"))
    code, doc = project.report(capsys)
    assert code == 1
    master_check = checks(doc)["master"]
    assert master_check["status"] == "fail"
    assert master_check["findings"] and master_check["findings"][0]["file"].endswith("master.yaml")
    assert isinstance(master_check["findings"][0]["line"], int)


@pytest.mark.parametrize(
    ("gate_table", "message"),
    [
        ('skip = ["drfit"]', "gate.skip: unknown check(s) drfit"),
        ('advisory = "proofs"', "gate.advisory must be a list of check names"),
        ('required_proofs = "phase-1-4"', "gate.required_proofs must be a list of backfill names"),
    ],
)
@pytest.mark.parametrize("project", ["sqlite"], indirect=True)
def test_bad_gate_configuration_is_a_usage_error(
    project: GateProject, gate_table: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write_config(f"[gate]\n{gate_table}\n")
    capsys.readouterr()
    assert project.run("gate", "--format", "json") == 2
    captured = capsys.readouterr()
    assert captured.out == "" and message in captured.err
