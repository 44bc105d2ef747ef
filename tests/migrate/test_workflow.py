"""generate → upgrade → diff → change the master → check → generate → upgrade → diff → downgrade, on both dialects."""

from __future__ import annotations

import sqlalchemy as sa

from schemaguard.db import sqlalchemy_url
from tests.conftest import run_sql


def _rows(url: str, sql: str) -> list[tuple]:
    engine = sa.create_engine(sqlalchemy_url(url))
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql))]
    finally:
        engine.dispose()


def test_generate_upgrade_change_downgrade(make_project, dialect_db) -> None:
    dialect, new_db = dialect_db
    p = make_project(dialect)
    url = new_db()
    p.master("v1.yaml")
    assert p.run("migrate", "check") == 1  # nothing generated yet: the whole master is ungenerated
    assert p.run("migrate", "generate", "-m", "initial") == 0
    assert [f.name for f in p.revisions()] == ["0001_initial.py"]
    assert p.run("migrate", "upgrade", "--url", url) == 0
    assert p.run("diff", "--url", url) == 0
    assert p.run("migrate", "check") == 0
    run_sql(
        url,
        [
            "INSERT INTO \"Account\" (id, name) VALUES ('a1', 'Acme')",
            "INSERT INTO \"Message\" (id, \"accountId\", score) VALUES ('m1', 'a1', 7)",
        ],
    )

    # v2: enum value added, column added, index added, type changed (integer → bigint), table dropped.
    p.master("v2.yaml")
    assert p.run("migrate", "check") == 1
    assert p.run("migrate", "generate", "-m", "read receipts") == 0
    assert len(p.revisions()) == 2
    assert p.run("migrate", "check") == 0
    assert p.run("migrate", "upgrade", "--url", url) == 0
    assert p.run("diff", "--url", url) == 0
    assert _rows(url, 'SELECT id, "accountId", score FROM "Message"') == [("m1", "a1", 7)]
    assert p.run("migrate", "generate", "-m", "nothing") == 0
    assert len(p.revisions()) == 2  # no changes, no revision

    assert p.run("migrate", "downgrade", "0001", "--url", url) == 0
    assert p.run("diff", "--url", url, "--to", str(p.root.parent.parent / "x")) == 2  # missing file → error
    from tests.migrate.conftest import FIXTURES

    assert p.run("diff", "--url", url, "--to", str(FIXTURES / "v1.yaml")) == 0
    assert _rows(url, 'SELECT id, name FROM "Account"') == [("a1", "Acme")]


def test_offline_sql_and_status(make_project, dialect_db, capsys) -> None:
    dialect, new_db = dialect_db
    p = make_project(dialect)
    url = new_db()
    p.master("v1.yaml")
    assert p.run("migrate", "generate", "-m", "initial") == 0
    capsys.readouterr()
    assert p.run("migrate", "upgrade", "--url", url, "--sql") == 0
    out = capsys.readouterr().out
    assert 'CREATE TABLE "Account"' in out
    run_sql(url, "CREATE TABLE probe (x integer)")  # status reads an existing database (SQLite: the file must exist)
    assert p.run("migrate", "status", "--url", url) == 0
    assert "pending: 0001" in capsys.readouterr().out


def test_check_reports_hand_edit_until_rehashed(make_project) -> None:
    p = make_project("sqlite")
    p.master("v1.yaml")
    assert p.run("migrate", "generate", "-m", "initial") == 0
    assert p.run("migrate", "check") == 0
    rev = p.revisions()[0]
    rev.write_text(rev.read_text() + "\n# tweaked by hand\n")
    assert p.run("migrate", "check") == 1
    assert p.run("migrate", "generate", "-m", "more") == 2  # refuses to build on an unreviewed edit
    assert p.run("migrate", "hash") == 0
    assert p.run("migrate", "check") == 0
    extra = rev.parent / "0009_manual.py"
    extra.write_text(
        rev.read_text()
        .replace("revision = '0001'", "revision = '0009'")
        .replace("down_revision = None", "down_revision = '0001'")
    )
    assert p.run("migrate", "check") == 1


def test_plain_alembic_runs_the_folder(make_project, sqlite_url) -> None:
    import subprocess
    import sys
    from pathlib import Path

    p = make_project("sqlite")
    p.master("v1.yaml")
    assert p.run("migrate", "generate", "-m", "initial") == 0
    alembic = Path(sys.executable).parent / "alembic"
    proc = subprocess.run(
        [str(alembic), "-x", f"url={sqlite_url}", "upgrade", "head"], cwd=p.root, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert p.run("diff", "--url", sqlite_url) == 0


def test_rename_is_offered_not_guessed(make_project, sqlite_url, capsys) -> None:
    p = make_project("sqlite")
    p.master("v1.yaml")
    assert p.run("migrate", "generate", "-m", "initial") == 0
    assert p.run("migrate", "upgrade", "--url", sqlite_url) == 0
    run_sql(
        sqlite_url,
        "INSERT INTO \"Account\" (id, name) VALUES ('a1', 'Acme'); INSERT INTO \"Message\" (id, \"accountId\", body) VALUES ('m1', 'a1', 'hello')",
    )
    p.master((p.root / "master.yaml").read_text().replace("body:", "text:"))
    assert p.run("migrate", "generate", "-m", "guess") == 0
    assert "--rename Message.body:text" in capsys.readouterr().err
    p.revisions()[-1].unlink()
    assert p.run("migrate", "hash") == 0
    assert p.run("migrate", "generate", "-m", "rename body", "--rename", "Message.body:text") == 0
    text = p.revisions()[-1].read_text()
    assert "rename_column" in text or "new_column_name" in text or "RENAME COLUMN" in text
    assert p.run("migrate", "upgrade", "--url", sqlite_url) == 0
    assert p.run("diff", "--url", sqlite_url) == 0
    assert _rows(sqlite_url, 'SELECT id, text FROM "Message"') == [("m1", "hello")]


def test_changelog_lists_every_revision(make_project, capsys) -> None:
    p = make_project("sqlite")
    p.master("v1.yaml")
    assert p.run("migrate", "generate", "-m", "initial") == 0
    p.master("v2.yaml")
    assert p.run("migrate", "generate", "-m", "read receipts") == 0
    entries = sorted((p.root / "changelog").glob("*.yaml"))
    assert [e.name for e in entries] == ["0001_initial.yaml", "0002_read_receipts.yaml"]
    capsys.readouterr()
    assert p.run("changelog") == 0
    md = capsys.readouterr().out
    assert md.index("## 0002 — read receipts") < md.index("## 0001 — initial")
    assert "- Message: add column readAt (datetime(3), nullable)" in md
    assert "- Legacy: drop table" in md


def test_upgrade_refuses_an_unhashed_revision(make_project, dialect_db, capsys) -> None:
    """What runs on a database is what was reviewed: an edit after generation blocks ``upgrade`` until
    ``migrate hash`` (or an explicit ``--allow-unhashed``), and the database is left as it was."""
    dialect, new_db = dialect_db
    p = make_project(dialect)
    url = new_db()
    run_sql(url, "CREATE TABLE probe (x integer)")
    p.master("v1.yaml")
    assert p.run("migrate", "generate", "-m", "initial") == 0
    rev = p.revisions()[0]
    rev.write_text(rev.read_text() + "\n# tweaked by hand\n")
    capsys.readouterr()
    assert p.run("migrate", "upgrade", "--url", url) == 2
    err = capsys.readouterr().err
    assert "refusing to upgrade" in err and "0001" in err and "migrate hash" in err
    # status imports the revisions: it too refuses an unhashed folder (issue 16.4, load nothing unverified)
    assert p.run("migrate", "status", "--url", url) == 2
    assert "migrate hash" in capsys.readouterr().err
    assert p.run("migrate", "upgrade", "--url", url, "--allow-unhashed", "--sql") == 0
    assert p.run("migrate", "hash") == 0
    capsys.readouterr()
    assert p.run("migrate", "status", "--url", url) == 0
    assert "pending: 0001" in capsys.readouterr().out  # nothing was applied
    assert p.run("migrate", "upgrade", "--url", url) == 0
    run_sql(url, "DROP TABLE probe")
    assert p.run("diff", "--to", "master.yaml", "--url", url) == 0
