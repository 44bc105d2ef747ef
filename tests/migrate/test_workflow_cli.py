"""Issue 13.7 / 15.6: the rename advice works as printed, ``downgrade -1`` (its own help's example) works,
``upgrade``/``downgrade`` say what they did, a missing ``dev_url`` is exit 2 — on real databases."""

from __future__ import annotations

import re

import pytest

from tests.conftest import run_sql
from tests.helpers import run_cli
from tests.migrate.test_workflow import _rows


def test_rename_advice_works_as_printed(make_project, sqlite_url, capsys) -> None:
    p = make_project("sqlite")
    p.master("v1.yaml")
    assert p.run("migrate", "generate", "-m", "initial") == 0
    assert p.run("migrate", "upgrade", "--url", sqlite_url) == 0
    run_sql(
        sqlite_url,
        "INSERT INTO \"Account\" (id, name) VALUES ('a1', 'Acme'); "
        "INSERT INTO \"Message\" (id, \"accountId\", body) VALUES ('m1', 'a1', 'hello')",
    )
    p.master((p.root / "master.yaml").read_text().replace("body:", "text:"))
    code, _, err = run_cli(["migrate", "generate", "-m", "guess"], capsys)
    assert code == 0
    advice = re.search(r"run `(schemaguard migrate discard \S+)` and generate again with (--rename \S+)", err)
    assert advice, err
    assert advice.group(2) == "--rename Message.body:text"

    # Before following the advice, the rename is refused with what to do (not "name the table").
    code, _, err = run_cli(["migrate", "generate", "-m", "rename body", *advice.group(2).split()], capsys)
    assert code == 2 and "migrate discard" in err and "name the table" not in err

    # The advice, word for word: discard (refused while the target has it applied? it has not) and generate.
    discard = advice.group(1).split()[1:]
    code, out, _ = run_cli([*discard, "--url", sqlite_url], capsys)
    assert code == 0 and "0002_guess.py" in out
    assert [f.name for f in p.revisions()] == ["0001_initial.py"]
    assert not list((p.root / "changelog").glob("0002_*"))
    assert p.run("migrate", "check") == 1  # the rename is not generated yet, but the folder is intact
    assert p.run("migrate", "generate", "-m", "rename body", *advice.group(2).split()) == 0
    assert p.run("migrate", "check") == 0
    assert p.run("migrate", "upgrade", "--url", sqlite_url) == 0
    assert p.run("diff", "--url", sqlite_url) == 0
    assert _rows(sqlite_url, 'SELECT id, text FROM "Message"') == [("m1", "hello")]

    # discard refuses a revision the target has applied.
    code, _, err = run_cli(["migrate", "discard", "--url", sqlite_url], capsys)
    assert code == 2 and "applied" in err and "downgrade" in err
    assert len(p.revisions()) == 2


def test_hand_deleted_revision_names_the_command_that_recovers(make_project, capsys) -> None:
    p = make_project("sqlite")
    p.master("v1.yaml")
    assert p.run("migrate", "generate", "-m", "initial") == 0
    p.master("v2.yaml")
    assert p.run("migrate", "generate", "-m", "second") == 0
    p.revisions()[-1].unlink()
    code, _, err = run_cli(["migrate", "generate", "-m", "again"], capsys)
    assert code == 2 and "0002_second.py" in err and "`schemaguard migrate hash`" in err
    assert p.run("migrate", "hash") == 0
    assert p.run("migrate", "generate", "-m", "again") == 0
    assert [f.name for f in p.revisions()] == ["0001_initial.py", "0002_again.py"]


def test_upgrade_downgrade_say_what_they_did(make_project, dialect_db, capsys) -> None:
    dialect, new_db = dialect_db
    p = make_project(dialect)
    url = new_db()
    p.master("v1.yaml")
    assert p.run("migrate", "generate", "-m", "initial") == 0
    p.master("v2.yaml")
    assert p.run("migrate", "generate", "-m", "second") == 0

    code, out, _ = run_cli(["migrate", "upgrade", "--url", url], capsys)
    assert code == 0
    m = re.search(r"upgraded \S+ from base to 0002: 2 revision\(s\) applied \(0001, 0002\), (\d+) statement\(s\)", out)
    assert m, out
    assert int(m.group(1)) >= 5  # three tables, an index, then v2's changes
    code, out, _ = run_cli(["migrate", "upgrade", "--url", url], capsys)
    assert code == 0 and "already at 0002: nothing to do" in out

    # `downgrade -1`, the example of its own help
    code, out, err = run_cli(["migrate", "downgrade", "-1", "--url", url], capsys)
    assert code == 0, err
    m = re.search(r"downgraded \S+ from 0002 to 0001: 1 revision\(s\) reverted \(0002\), (\d+) statement\(s\)", out)
    assert m and int(m.group(1)) >= 1, out
    assert p.run("diff", "--url", url, "--to", "master.yaml") == 1
    from tests.migrate.conftest import FIXTURES

    assert p.run("diff", "--url", url, "--to", str(FIXTURES / "v1.yaml")) == 0
    code, out, _ = run_cli(["migrate", "status", "--url", url], capsys)
    assert "current: 0001" in out and "pending: 0002" in out
    code, out, _ = run_cli(["migrate", "downgrade", "-1", "--url", url, "--sql"], capsys)
    # offline, -1 counts back from where the database is (read-only), as the online command does
    assert code == 0 and "Running downgrade 0001 -> \n" in out and 'DROP TABLE "Account"' in out
    code, out, _ = run_cli(["migrate", "downgrade", "-1", "--url", url], capsys)
    assert code == 0 and "from 0001 to base" in out
    code, _, err = run_cli(["migrate", "downgrade", "-1", "--url", url], capsys)
    assert code == 2 and "no revision applied" in err


def test_missing_dev_url_is_a_configuration_error(make_project, capsys) -> None:
    """PostgreSQL revisions replay on a scratch server; without one it is exit 2 (configuration), never 1."""
    p = make_project("postgresql")
    (p.root / "schemaguard.toml").write_text('master = "master.yaml"\ndialect = "postgresql"\n', encoding="utf-8")
    p.master("v1.yaml")
    assert p.run("migrate", "generate", "-m", "initial") == 0  # nothing to replay yet
    p.master("v2.yaml")
    for args in (["migrate", "check"], ["migrate", "generate", "-m", "second"]):
        code, _, err = run_cli(args, capsys)
        assert code == 2, args
        assert "needs a scratch server" in err and "--dev-url" in err
    assert len(p.revisions()) == 1


@pytest.mark.parametrize("bad", ["0009", "base"])
def test_discard_refuses_what_it_cannot_remove(make_project, bad, capsys) -> None:
    p = make_project("sqlite")
    p.master("v1.yaml")
    assert p.run("migrate", "generate", "-m", "initial") == 0
    code, _, err = run_cli(["migrate", "discard", bad], capsys)
    assert code == 2 and err.startswith("error:")
    assert len(p.revisions()) == 1
