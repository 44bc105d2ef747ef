"""Issue 13.5: Prisma Migrate folders from the master (``--format prisma``), checked against what Prisma's own
schema engine recorded for the same files (fixtures/prisma_oracle, see its README), on real databases."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from schemaguard.db import sqlalchemy_url
from schemaguard.migrate import prisma_folder
from tests.conftest import PG_ADMIN_URL, ROOT, run_sql
from tests.helpers import run_cli
from tests.migrate.conftest import FIXTURES
from tests.migrate.test_baseline import demo_database

ORACLE = FIXTURES / "prisma_oracle"
ROWS = json.loads((ORACLE / "rows.json").read_text(encoding="utf-8"))
UUID_V4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def _scripts(kind: str, dialect: str) -> dict[str, str]:
    base = ORACLE / kind / dialect / "migrations"
    return {p.parent.name: p.read_bytes().decode("utf-8") for p in sorted(base.glob("*/migration.sql"))}


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
@pytest.mark.parametrize("kind", ["deploy", "resolve_applied"])
def test_checksums_are_the_ones_prismas_engine_recorded(kind: str, dialect: str) -> None:
    scripts = _scripts("deploy" if kind == "deploy" else "baseline", dialect)
    rows = ROWS[kind][dialect]
    assert sorted(scripts) == sorted(r["migration_name"] for r in rows)
    for row in rows:
        assert prisma_folder.checksum(scripts[row["migration_name"]]) == row["checksum"]
        crlf = scripts[row["migration_name"]].replace("\n", "\r\n")
        assert prisma_folder.checksum_matches(crlf, row["checksum"])  # a CRLF checkout still matches, as in Prisma
    assert (ORACLE / "deploy" / dialect / "migrations" / "migration_lock.toml").read_text() == (
        prisma_folder.LOCK_TEXT.format(provider=dialect)
    )


def _rows(url: str) -> list[dict]:
    engine = sa.create_engine(sqlalchemy_url(url))
    try:
        with engine.connect() as conn:
            if url.startswith("sqlite"):
                cols = [r[1] for r in conn.exec_driver_sql("PRAGMA table_info(_prisma_migrations)")]
                sel = ", ".join([*cols, *(f"typeof({c})" for c in cols)])
                out = []
                for r in conn.exec_driver_sql(f"SELECT {sel} FROM _prisma_migrations"):
                    out.append(
                        dict(zip(cols, r[: len(cols)], strict=True))
                        | {"types": dict(zip(cols, r[len(cols) :], strict=True))}
                    )
                return out
            return [dict(r._mapping) for r in conn.execute(sa.text("SELECT * FROM _prisma_migrations"))]
    finally:
        engine.dispose()


def test_resolve_applied_writes_the_row_prisma_writes(dialect_db) -> None:
    dialect, new_db = dialect_db
    url = new_db()
    run_sql(url, "CREATE TABLE t (id integer PRIMARY KEY)")
    script = _scripts("baseline", dialect)["0_init"]
    prisma_folder.mark_applied(url, "0_init", script)
    (ours,) = _rows(url)
    (theirs,) = ROWS["resolve_applied"][dialect]
    assert set(ours) == set(theirs)
    for key in ("checksum", "migration_name", "logs", "rolled_back_at", "applied_steps_count"):
        assert ours[key] == theirs[key], key
    assert UUID_V4.match(ours["id"]) and UUID_V4.match(theirs["id"])
    assert ours["started_at"] == ours["finished_at"]
    if dialect == "sqlite":
        assert ours["types"] == theirs["types"]
        stamp = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$")
        assert stamp.match(ours["started_at"]) and stamp.match(theirs["started_at"])
    else:
        assert ours["started_at"].microsecond % 1000 == 0  # milliseconds, as Prisma keeps them


@pytest.fixture
def prisma_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    shutil.copy(FIXTURES / "v2.yaml", root / "master.yaml")
    (root / "schemaguard.toml").write_text(
        'master = "master.yaml"\ndialect = "postgresql"\ndialects = ["sqlite", "postgresql"]\n'
        f'dev_url = "{PG_ADMIN_URL}"\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(root)
    return root


def test_status_reads_prismas_history(prisma_project, dialect_db, capsys) -> None:
    dialect, new_db = dialect_db
    url = new_db()
    root = prisma_project
    shutil.copytree(ORACLE / "deploy" / dialect, root / "prisma" / dialect)
    scripts = _scripts("deploy", dialect)
    for text in scripts.values():  # as prisma migrate deploy ran them
        _run_script(url, text)
    rows = ROWS["deploy"][dialect]
    run_sql(url, prisma_folder.CREATE_TABLE[dialect])
    for r in rows:
        run_sql(
            url,
            "INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, logs, started_at, "
            f"applied_steps_count) VALUES ('{r['id']}', '{r['checksum']}', '{r['finished_at']}', "
            f"'{r['migration_name']}', NULL, '{r['started_at']}', {r['applied_steps_count']})",
        )
    names = sorted(scripts)
    code, out, err = run_cli(["migrate", "status", "--url", url], capsys)
    assert code == 0, err
    assert f"applied: {', '.join(names)}" in out and "pending: (none)" in out
    assert run_cli(["diff", "--url", url], capsys)[0] == 0
    edited = root / "prisma" / dialect / "migrations" / names[-1] / "migration.sql"
    edited.write_text(edited.read_text() + "\n-- edited after it was applied\n")
    code, out, _ = run_cli(["migrate", "status", "--url", url], capsys)
    assert f"modified: {names[-1]}" in out
    run_sql(url, f"DELETE FROM _prisma_migrations WHERE migration_name = '{names[-1]}'")
    code, out, _ = run_cli(["migrate", "status", "--url", url], capsys)
    assert f"pending: {names[-1]}" in out


def _run_script(url: str, text: str) -> None:
    if url.startswith("sqlite"):
        con = sqlite3.connect(url.split(":///", 1)[1], isolation_level=None)
        try:
            con.executescript(text)
        finally:
            con.close()
    else:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(text.encode("utf-8"))


def test_generate_writes_both_providers_and_converges(prisma_project, dialect_db, capsys) -> None:
    dialect, new_db = dialect_db
    root = prisma_project
    shutil.copy(FIXTURES / "v1.yaml", root / "master.yaml")
    code, _, err = run_cli(["migrate", "generate", "-m", "init", "--format", "prisma"], capsys)
    assert code == 0, err
    shutil.copy(FIXTURES / "v2.yaml", root / "master.yaml")
    assert run_cli(["migrate", "generate", "-m", "read receipts", "--format", "prisma"], capsys)[0] == 0
    assert run_cli(["migrate", "generate", "-m", "nothing", "--format", "prisma"], capsys)[1].startswith("no changes")
    folders = {d: root / "prisma" / d / "migrations" for d in ("sqlite", "postgresql")}
    names = {d: sorted(p.name for p in f.iterdir() if p.is_dir()) for d, f in folders.items()}
    assert names["sqlite"] == names["postgresql"] and len(names["sqlite"]) == 2
    assert names["sqlite"][0].endswith("_init") and re.match(r"^\d{14}_read_receipts$", names["sqlite"][1])
    for d, f in folders.items():
        assert (f / "migration_lock.toml").read_text() == prisma_folder.LOCK_TEXT.format(provider=d)
    code, out, _ = run_cli(["migrate", "check", "--format", "prisma"], capsys)
    assert code == 0 and out.count("build exactly the master") == 2
    shutil.copy(FIXTURES / "v1.yaml", root / "master.yaml")  # the folders now go further than the master
    code, out, _ = run_cli(["migrate", "check", "--format", "prisma"], capsys)
    assert code == 1 and "ungenerated change (sqlite)" in out and "ungenerated change (postgresql)" in out
    shutil.copy(FIXTURES / "v2.yaml", root / "master.yaml")
    url = new_db()
    for name in names[dialect]:  # prisma migrate deploy: each script, in name order
        text = (folders[dialect] / name / "migration.sql").read_text(encoding="utf-8")
        _run_script(url, text)
        prisma_folder.mark_applied(url, name, text)
    assert run_cli(["diff", "--url", url], capsys)[0] == 0


def test_seed000_through_prisma_folders(tmp_path, monkeypatch, dialect_db, capsys) -> None:
    dialect, new_db = dialect_db
    url = new_db()
    demo_database(url)
    root = tmp_path / "proj"
    root.mkdir()
    shutil.copy(ROOT / "schemas" / "master.yaml", root / "master.yaml")
    (root / "schemaguard.toml").write_text(
        f'master = "master.yaml"\ndialect = "{dialect}"\ndev_url = "{PG_ADMIN_URL}"\n', encoding="utf-8"
    )
    monkeypatch.chdir(root)
    code, out, err = run_cli(["migrate", "baseline", "--url", url, "--format", "prisma"], capsys)
    assert code == 0, err
    init = root / "prisma" / "migrations" / "0_init" / "migration.sql"
    (row,) = prisma_folder.applied_migrations(url)
    assert row.name == "0_init" and row.checksum == prisma_folder.checksum(init.read_text(encoding="utf-8"))
    code, out, err = run_cli(["migrate", "generate", "-m", "to the master", "--format", "prisma"], capsys)
    assert code == 0, err
    assert "AssignmentWindow: create table" in out and "Organization: create table" not in out
    code, out, _ = run_cli(["migrate", "status", "--url", url], capsys)
    assert "applied: 0_init" in out and "_to_the_master" in out.split("pending:")[1]
    (new,) = [p for p in (root / "prisma" / "migrations").iterdir() if p.is_dir() and p.name != "0_init"]
    text = (new / "migration.sql").read_text(encoding="utf-8")
    _run_script(url, text)
    prisma_folder.mark_applied(url, new.name, text)
    code, out, err = run_cli(["diff", "--url", url, "--format", "json"], capsys)
    left = json.loads(out)["changes"]
    # Known planner gap (reported): the comment of an enum created by a migration is not written.
    assert [c for c in left if not (c["kind"] == "comment_changed" and "enum" in c["message"])] == [], left


def test_prisma_baseline_writes_nothing_when_it_fails(prisma_project, capsys) -> None:
    root = prisma_project
    code, _, err = run_cli(
        ["migrate", "baseline", "--url", "postgresql://nobody:hunter2@127.0.0.1:1/x", "--format", "prisma"], capsys
    )
    assert code == 2 and "hunter2" not in err
    assert not (root / "prisma").exists()


def test_gate_reads_prismas_history(prisma_project, dialect_db, capsys) -> None:
    dialect, new_db = dialect_db
    url = new_db()
    root = prisma_project
    shutil.copytree(ORACLE / "deploy" / dialect, root / "prisma" / dialect)
    scripts = _scripts("deploy", dialect)
    first, second = sorted(scripts)
    _run_script(url, scripts[first])
    prisma_folder.mark_applied(url, first, scripts[first])

    def gate() -> dict[str, dict]:
        code, out, err = run_cli(["gate", "--url", url, "--format", "json"], capsys)
        assert code in (0, 1), err
        return {c["name"]: c for c in json.loads(out)["checks"]}

    checks = gate()  # the second migration is pending: not drift, the deploy applies it
    assert checks["migrations"]["status"] == "pass" and "1 applied, 1 pending" in checks["migrations"]["reason"]
    assert checks["drift"]["status"] == "pass" and checks["drift"]["reason"].startswith("1 pending")
    _run_script(url, scripts[second])
    prisma_folder.mark_applied(url, second, scripts[second])
    checks = gate()
    assert checks["migrations"]["status"] == "pass" and checks["drift"]["status"] == "pass"
    applied = root / "prisma" / dialect / "migrations" / first / "migration.sql"
    applied.write_text(applied.read_text() + "\n-- edited after it was applied\n")
    checks = gate()
    assert checks["migrations"]["status"] == "fail"
    assert any(first in f["message"] and "edited" in f["message"] for f in checks["migrations"]["findings"])
