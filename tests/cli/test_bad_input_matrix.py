"""15.3: every command x every bad input is one line on stderr, exit 2, no traceback, no password.

Rows (issue 15, item 3): a non-database and a truncated SQLite file given to ``proof``, ``backfill --dry-run``,
``gate``, ``migrate status`` and ``demo seed``; ``demo seed`` twice, on an unreachable server and on a
read-only file; a non-UTF-8 ``.prisma`` master with ``render`` and ``validate``; a binary
``schemaguard.toml``; ``--out`` to a missing folder or to a directory for ``render``, ``inspect``, ``proof``,
``gate`` and ``changelog`` (which must write nothing); ``backfill --lock-timeout -5 --dry-run`` on PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.helpers import build_from_master, free_port, run_cli

MASTER = ROOT / "schemas" / "master.yaml"
PASSWORD = "Matrix-Pw@9:x/y"  # unencoded "@", ":" and "/": trust auth accepts it, nothing may print it


@dataclass
class Project:
    root: Path
    good_db: str  # sqlite URL of a database built from the master
    not_db: str  # a file of text
    truncated: str  # a real database cut after its header page


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Project]:
    root = tmp_path / "proj"
    root.mkdir()
    # The repository's own house-rule severities: the example master passes them.
    rules = (ROOT / "schemaguard.toml").read_text(encoding="utf-8").split("[rules.severity]", 1)[1]
    rules = "[rules.severity]" + rules.split("[[render.outputs]]", 1)[0]
    (root / "master.yaml").write_bytes(MASTER.read_bytes())
    (root / "schemaguard.toml").write_text(f'master = "master.yaml"\ndialect = "sqlite"\n{rules}', encoding="utf-8")
    good = root / "good.db"
    build_from_master(f"sqlite:///{good}", MASTER)
    not_db = root / "notes.db"
    not_db.write_text("these are meeting notes, not a database\n" * 20, encoding="utf-8")
    truncated = root / "cut.db"
    truncated.write_bytes(good.read_bytes()[:1500])
    monkeypatch.chdir(root)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    yield Project(root, f"sqlite:///{good}", f"sqlite:///{not_db}", f"sqlite:///{truncated}")


def _assert_one_line_exit_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    code, out, err = run_cli(args, capsys)
    lines = err.strip().splitlines()
    assert code == 2, f"{args}: exit {code}\n{out}\n{err}"
    assert len(lines) == 1, f"{args}: stderr is not one line:\n{err}"
    assert lines[0].startswith("error:"), err
    assert "Traceback" not in out + err
    for piece in (PASSWORD, "Matrix-Pw", "9:x/y"):
        assert piece not in out + err, f"{args}: password leaked:\n{out}{err}"
    return lines[0]


BAD_FILE_COMMANDS = [
    ["proof", "--url", "{url}"],
    ["backfill", "phase-1-4", "--dry-run", "--url", "{url}"],
    ["gate", "--url", "{url}"],
    ["demo", "seed", "--url", "{url}"],
    ["inspect", "--url", "{url}"],
    ["diff", "--url", "{url}"],
]


@pytest.mark.parametrize("kind", ["not_db", "truncated"])
@pytest.mark.parametrize("args", BAD_FILE_COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_bad_sqlite_file(kind: str, args: list[str], project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    url = getattr(project, kind)
    path = Path(url.split(":///", 1)[1])
    before = path.read_bytes()
    line = _assert_one_line_exit_2([a.replace("{url}", url) for a in args], capsys)
    assert "not a database" in line or "malformed" in line or "could not run" in line, line
    assert path.read_bytes() == before  # nothing was written to it


def test_bad_sqlite_file_migrate_status(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["migrate", "generate", "-m", "initial", "--dialect", "sqlite"], capsys)[0] == 0
    for url in (project.not_db, project.truncated):
        line = _assert_one_line_exit_2(["migrate", "status", "--url", url], capsys)
        assert "not a database" in line or "malformed" in line, line


def test_demo_seed_twice_unreachable_and_read_only(
    pg_url: str, project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    url = pg_url.replace("postgres@", f"postgres:{PASSWORD}@", 1)
    assert run_cli(["demo", "seed", "--url", url, "--orgs", "2", "--threads-per-org", "2"], capsys)[0] == 0
    _assert_one_line_exit_2(["demo", "seed", "--url", url, "--orgs", "2", "--threads-per-org", "2"], capsys)
    _assert_one_line_exit_2(
        ["demo", "seed", "--url", f"postgresql://postgres:{PASSWORD}@127.0.0.1:{free_port()}/db"], capsys
    )
    ro = project.root / "ro.db"
    shutil.copy(project.good_db.split(":///", 1)[1], ro)
    ro.chmod(0o444)
    # root writes a 0444 file anyway: then SQLite's own read-only mode stands in for the file mode.
    ro_url = f"sqlite:///file:{ro}?mode=ro&uri=true" if os.access(ro, os.W_OK) else f"sqlite:///{ro}"
    try:
        line = _assert_one_line_exit_2(["demo", "seed", "--url", ro_url], capsys)
        assert "readonly" in line or "read-only" in line, line
    finally:
        ro.chmod(0o644)


@pytest.mark.parametrize("suffix", ["prisma", "yaml"])
@pytest.mark.parametrize("command", [["render"], ["validate"], ["diff", "--url", "{good}"]], ids=lambda a: a[0])
def test_non_utf8_master(suffix: str, command: list[str], project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    master = project.root / f"schema.{suffix}"
    text = {
        "prisma": b"model User {\n  id Int @id\n  name String // caf\xe9 in Latin-1\n}\n",
        "yaml": b"version: 1\ntables:\n  t:\n    columns:\n      caf\xe9: {type: int}\n",
    }[suffix]
    master.write_bytes(text)
    (project.root / "schemaguard.toml").write_text(f'master = "schema.{suffix}"\n', encoding="utf-8")
    line = _assert_one_line_exit_2([a.replace("{good}", project.good_db) for a in command], capsys)
    assert f"schema.{suffix}" in line and "UTF-8" in line, line


@pytest.mark.parametrize(
    "command",
    [
        ["validate"],
        ["render"],
        ["diff"],
        ["inspect"],
        ["gate"],
        ["proof"],
        ["backfill", "--list"],
        ["demo", "seed"],
        ["migrate", "status"],
        ["changelog"],
    ],
    ids=lambda a: " ".join(a),
)
def test_binary_configuration(command: list[str], project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    (project.root / "schemaguard.toml").write_bytes(bytes(range(256)) * 4)
    line = _assert_one_line_exit_2(command, capsys)
    assert "schemaguard.toml" in line, line


OUT_COMMANDS = [
    ["render", "--dialect", "sqlite"],
    ["inspect", "--url", "{good}"],
    ["proof", "--url", "{good}", "--format", "json"],
    ["gate", "--url", "{good}", "--format", "json"],
    ["changelog"],
]


@pytest.mark.parametrize("where", ["missing_folder", "directory"])
@pytest.mark.parametrize("command", OUT_COMMANDS, ids=lambda a: a[0])
def test_out_to_missing_folder_or_directory(
    where: str, command: list[str], project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    target = project.root / ("no" / Path("such") / "report.txt") if where == "missing_folder" else project.root
    before = sorted(p.relative_to(project.root) for p in project.root.rglob("*"))
    args = [a.replace("{good}", project.good_db) for a in command] + ["--out", str(target)]
    line = _assert_one_line_exit_2(args, capsys)
    assert str(target) in line, line
    assert sorted(p.relative_to(project.root) for p in project.root.rglob("*")) == before


def test_negative_lock_timeout_on_postgres(pg_url: str, project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    build_from_master(pg_url, MASTER)
    url = pg_url.replace("postgres@", f"postgres:{PASSWORD}@", 1)
    line = _assert_one_line_exit_2(["backfill", "phase-1-4", "--dry-run", "--lock-timeout", "-5", "--url", url], capsys)
    assert "lock" in line, line


@pytest.mark.parametrize(
    "args",
    [
        ["proof", "--url", "{not_db}"],
        ["demo", "seed", "--url", f"postgresql://postgres:{PASSWORD}@127.0.0.1:{{port}}/db"],
        ["render", "--out", "{root}/missing/x.sql"],
    ],
    ids=["proof", "demo seed", "render --out"],
)
def test_rows_in_a_real_process(args: list[str], project: Project) -> None:
    """As a user runs it: interpreter warnings or "Exception ignored" lines would also reach stderr."""
    import subprocess
    import sys

    argv = [
        a.replace("{not_db}", project.not_db).replace("{port}", str(free_port())).replace("{root}", str(project.root))
        for a in args
    ]
    done = subprocess.run(
        [sys.executable, "-m", "schemaguard", *argv], cwd=project.root, capture_output=True, text=True, check=False
    )
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and done.stderr.startswith("error:"), done.stderr
    assert "Traceback" not in done.stdout + done.stderr and "Matrix-Pw" not in done.stdout + done.stderr


MALFORMED_SQL = {
    "default": ("      b: {type: int, default: {sql: 'now('}}\n", "bad.yaml:6:", "invalid SQL in default 'now('"),
    "check": (
        "      b: {type: int}\n    checks:\n      - {name: c1, expression: 'b >>>= 1 AND'}\n",
        "bad.yaml:8:",
        "invalid SQL in check 'b >>>= 1 AND'",
    ),
}


@pytest.mark.parametrize("fragment", sorted(MALFORMED_SQL))
@pytest.mark.parametrize(
    "command",
    [["render"], ["validate"], ["diff", "--url", "{good}"], ["migrate", "generate", "-m", "x"]],
    ids=lambda a: " ".join(a[:2]),
)
def test_malformed_sql_in_the_master(
    fragment: str, command: list[str], project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    """Malformed SQL used to render invalid DDL with exit 0; every fragment is parsed when the master loads."""
    text, where, needle = MALFORMED_SQL[fragment]
    (project.root / "bad.yaml").write_text(
        "version: 1\ntables:\n  t:\n    columns:\n      id: {type: int, primary_key: true}\n" + text, encoding="utf-8"
    )
    (project.root / "schemaguard.toml").write_text('master = "bad.yaml"\ndialect = "sqlite"\n', encoding="utf-8")
    before = sorted(p.name for p in project.root.iterdir())
    line = _assert_one_line_exit_2([a.replace("{good}", project.good_db) for a in command], capsys)
    assert line.startswith(f"error: {where}") and needle in line, line
    assert sorted(p.name for p in project.root.iterdir()) == before
