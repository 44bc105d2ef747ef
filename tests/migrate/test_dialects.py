"""Issue 13.1: one master, one migrations folder per dialect (``migrations/sqlite/``, ``migrations/postgresql/``),
written by one ``migrate generate``; every command picks the folder of its target's dialect; a dialect that no
folder serves is one clear line and exit 2, never a traceback; a failed command writes nothing.

The repository's own configuration (SQLite dev target, PostgreSQL prod target) is tested as a user runs it.
"""

from __future__ import annotations

import ast
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from schemaguard import api
from schemaguard.config import Config
from tests.conftest import PG_ADMIN_URL, ROOT
from tests.helpers import run_cli
from tests.migrate.conftest import FIXTURES


def _versions(root: Path, dialect: str) -> list[Path]:
    return sorted((root / "migrations" / dialect / "versions").glob("*.py"))


def _docstring(path: Path) -> str | None:
    return ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")), clean=False)


@pytest.fixture
def two_dialects(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "schemaguard.toml").write_text(
        f'master = "master.yaml"\ndialect = "postgresql"\ndialects = ["sqlite", "postgresql"]\ndev_url = "{PG_ADMIN_URL}"\n',
        encoding="utf-8",
    )
    shutil.copy(FIXTURES / "v1.yaml", root / "master.yaml")
    monkeypatch.chdir(root)
    return root


def test_one_generate_writes_every_dialect_and_commands_pick_theirs(two_dialects, sqlite_url, pg_factory, capsys):
    root = two_dialects
    pg_url = pg_factory()
    code, out, err = run_cli(["migrate", "generate", "-m", "initial"], capsys)
    assert code == 0, err
    shutil.copy(FIXTURES / "v2.yaml", root / "master.yaml")
    assert run_cli(["migrate", "generate", "-m", "read receipts"], capsys)[0] == 0
    for dialect in ("sqlite", "postgresql"):
        files = _versions(root, dialect)
        assert [f.name for f in files] == ["0001_initial.py", "0002_read_receipts.py"]
        assert [_docstring(f) for f in files] == ["initial", "read receipts"]
        assert all(f.read_text(encoding="utf-8").splitlines()[1] == f"# Dialect: {dialect}" for f in files)
    assert (
        "sa.Enum" in _versions(root, "postgresql")[0].read_text()
        or "ENUM" in _versions(root, "postgresql")[0].read_text()
    )
    assert not (root / "migrations" / "versions").exists()

    code, out, _ = run_cli(["migrate", "check"], capsys)
    assert code == 0
    assert "migrations/sqlite replay to exactly the master (sqlite)" in out
    assert "migrations/postgresql replay to exactly the master (postgresql)" in out

    for url, dialect in ((sqlite_url, "sqlite"), (pg_url, "postgresql")):
        code, out, err = run_cli(["migrate", "upgrade", "--url", url], capsys)
        assert code == 0, err
        assert f"migrations/{dialect})" in out and "to 0002" in out
        assert run_cli(["diff", "--url", url], capsys)[0] == 0
        code, out, _ = run_cli(["migrate", "status", "--url", url], capsys)
        assert f"migrations/{dialect}" in out and "current: 0002" in out
        assert run_cli(["migrate", "lint", "--url", url, "0002"], capsys)[0] in (0, 1)
        code, out, err = run_cli(["migrate", "downgrade", "-1", "--url", url], capsys)
        assert code == 0, err
        assert run_cli(["diff", "--url", url, "--to", str(FIXTURES / "v1.yaml")], capsys)[0] == 0

    # Plain Alembic runs each folder through its alembic.ini section.
    other = sqlite_url.replace(".sqlite", "_plain.sqlite")
    alembic = Path(sys.executable).parent / "alembic"
    proc = subprocess.run(
        [str(alembic), "-n", "sqlite", "-x", f"url={other}", "upgrade", "head"],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert run_cli(["diff", "--url", other], capsys)[0] == 0


def test_a_dialect_no_folder_serves_is_one_line_and_exit_2(make_project, pg_factory, capsys) -> None:
    p = make_project("sqlite")  # one folder, SQLite revisions
    p.master("v1.yaml")
    assert p.run("migrate", "generate", "-m", "initial") == 0
    pg_url = pg_factory()
    for args in (
        ["migrate", "status", "--url", pg_url],
        ["migrate", "upgrade", "--url", pg_url],
        ["migrate", "downgrade", "base", "--url", pg_url],
        ["migrate", "lint", "--url", pg_url],
        ["migrate", "check", "--dialect", "postgresql"],
    ):
        code, out, err = run_cli(args, capsys)
        assert code == 2, args
        assert "Traceback" not in out + err
        assert len(err.strip().splitlines()) == 1 and "are for sqlite, not postgresql" in err, err
    code, out, err = run_cli(["gate", "--url", pg_url], capsys)
    assert code == 2 and "Traceback" not in out + err
    assert "are for sqlite, not postgresql" in out + err


def test_failed_generate_writes_nothing(two_dialects, capsys) -> None:
    root = two_dialects
    toml = root / "schemaguard.toml"
    # the PostgreSQL folder needs a scratch server for its second revision: the SQLite folder gets nothing either
    assert run_cli(["migrate", "generate", "-m", "initial"], capsys)[0] == 0
    toml.write_text(toml.read_text().replace(f'dev_url = "{PG_ADMIN_URL}"\n', ""), encoding="utf-8")
    shutil.copy(FIXTURES / "v2.yaml", root / "master.yaml")
    before = sorted(p.relative_to(root) for p in root.rglob("*") if "__pycache__" not in p.parts)
    code, _, err = run_cli(["migrate", "generate", "-m", "second"], capsys)
    assert code == 2 and "needs a scratch server" in err
    assert sorted(p.relative_to(root) for p in root.rglob("*") if "__pycache__" not in p.parts) == before

    # a master that does not load, an unknown dialect: no migrations/, no alembic.ini, no changelog/
    for bad_toml, bad_master in (
        ('master = "master.yaml"\ndialects = ["sqlite", "oracle"]\n', None),
        ('master = "master.yaml"\ndialect = "sqlite"\n', "version: 1\ntables: {t: {columns: {id: {type: nope}}}}\n"),
    ):
        for name in ("migrations", "changelog"):
            shutil.rmtree(root / name, ignore_errors=True)
        (root / "alembic.ini").unlink(missing_ok=True)
        toml.write_text(bad_toml, encoding="utf-8")
        if bad_master:
            (root / "master.yaml").write_text(bad_master, encoding="utf-8")
        code, out, err = run_cli(["migrate", "generate", "-m", "x"], capsys)
        assert code == 2 and "Traceback" not in out + err
        assert not (root / "migrations").exists() and not (root / "alembic.ini").exists()
        assert not (root / "changelog").exists()


def _repository_project(tmp: Path, monkeypatch: pytest.MonkeyPatch, prod_url: str) -> Path:
    """The repository's own configuration and master in a scratch folder, with the demo database built as
    scripts/demo.sh builds it (examples/demo/master_v1.yaml rendered, then examples/demo/pushed.sql)."""
    root = tmp / "repo"
    root.mkdir()
    shutil.copy(ROOT / "schemaguard.toml", root / "schemaguard.toml")
    shutil.copytree(ROOT / "schemas", root / "schemas")
    shutil.copytree(ROOT / "examples", root / "examples")
    (root / ".demo").mkdir()
    con = sqlite3.connect(root / ".demo" / "dev.db")
    try:
        schema = api.load_master(Config(), ROOT / "examples" / "demo" / "master_v1.yaml")
        for statement in api.render(schema, "sqlite"):
            con.execute(statement)
        con.executescript((ROOT / "examples" / "demo" / "pushed.sql").read_text(encoding="utf-8"))
        con.commit()
    finally:
        con.close()
    monkeypatch.setenv("DATABASE_URL", prod_url)
    monkeypatch.chdir(root)
    return root


def test_repository_configuration_dev_sqlite_prod_postgresql(tmp_path, monkeypatch, pg_factory, capsys) -> None:
    """`migrate generate -m init && gate --target dev` crashed with CompileError (ARRAY on SQLite)."""
    root = _repository_project(tmp_path, monkeypatch, pg_factory())
    code, out, err = run_cli(["migrate", "generate", "-m", "init"], capsys)
    assert code == 0, err
    assert [f.name for f in _versions(root, "sqlite")] == ["0001_init.py"]
    assert [f.name for f in _versions(root, "postgresql")] == ["0001_init.py"]
    assert "ARRAY" not in _versions(root, "sqlite")[0].read_text()
    for target in ("dev", "prod"):
        code, out, err = run_cli(["migrate", "lint", "--target", target], capsys)
        assert code == 0, err
        assert "0 error(s) in 0001" in out
        code, out, err = run_cli(["gate", "--target", target], capsys)
        assert "Traceback" not in out + err and "internal error" not in out + err
        # dev: the db-pushed database has no revision applied (adoption is `migrate baseline`); prod: no dev_url
        assert code in (1, 2), out + err
    code, out, err = run_cli(["gate", "--target", "prod"], capsys)
    assert code == 2 and "needs a scratch server" in out + err  # configuration, not a verdict

    # With a scratch server configured, prod is upgraded and passes the gate's migrations and drift checks.
    toml = root / "schemaguard.toml"
    toml.write_text(f'dev_url = "{PG_ADMIN_URL}"\n' + toml.read_text(encoding="utf-8"), encoding="utf-8")
    assert run_cli(["migrate", "upgrade", "--target", "prod"], capsys)[0] == 0
    code, out, err = run_cli(["gate", "--target", "prod", "--format", "json"], capsys)
    import json

    checks = {c["name"]: c for c in json.loads(out)["checks"]}
    # Table and enum comments are not planned yet (the planner has no COMMENT ON step): those, and only those,
    # may remain; everything else converges.
    for name in ("migrations", "drift"):
        left = [f for f in checks[name]["findings"] if "comment" not in (f["message"] + str(f["code"])).lower()]
        assert not [f for f in left if f["severity"] == "error"], (name, left)
    if not any(f for c in checks.values() for f in c["findings"] if "comment" in f["message"].lower()):
        assert checks["migrations"]["status"] in ("pass", "warn") and checks["drift"]["status"] == "pass", out
