"""Issue 15.13 / 15.3: ``demo seed`` reports progress, refuses a second seeding unless ``--reset``, and turns an
unreachable, read-only or non-database target into one line, exit 2 (password masked, nothing written)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from schemaguard import api
from schemaguard.backfills.builtin.phase_1_4 import BACKFILL
from schemaguard.backfills.demo import TABLES, seed_demo
from schemaguard.backfills.runner import run_backfill
from schemaguard.cli.app import main
from tests.backfills.conftest import MASTER, checksum, ledger_rows
from tests.conftest import ROOT
from tests.helpers import free_port


def test_seed_twice_is_refused_and_reset_reseeds(
    db_factory: Callable[[], str], capsys: pytest.CaptureFixture[str]
) -> None:
    url = db_factory()
    assert main(["demo", "seed", "--url", url]) == 0
    first = checksum(url)
    capsys.readouterr()

    assert main(["demo", "seed", "--url", url]) == 2
    err = capsys.readouterr().err
    assert "already holds demo data (5 organizations): pass --reset" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert checksum(url) == first

    run_backfill(BACKFILL, url)
    assert ledger_rows(url)
    assert main(["demo", "seed", "--url", url, "--reset"]) == 0
    assert checksum(url) == first  # the same rows again, the backfill's changes gone
    assert ledger_rows(url) == []


def test_seed_reports_progress_per_table(sqlite_url: str) -> None:
    seen: dict[str, tuple[int, int]] = {}
    schema = api.load_master(api.load_config(cwd=ROOT), MASTER)
    summary = seed_demo(
        sqlite_url, schema=schema, on_rows=lambda table, done, total: seen.update({table: (done, total)})
    )
    assert list(seen) == list(TABLES)
    assert {t: done for t, (done, _) in seen.items()} == summary.rows


@pytest.mark.parametrize("kind", ["unreachable", "read-only", "not-a-database"])
def test_bad_targets_give_one_line_and_exit_2(kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if kind == "unreachable":
        url = f"postgresql://postgres:Sup3r@S3cret@127.0.0.1:{free_port()}/db"
    elif kind == "read-only":
        path = tmp_path / "ro.db"
        assert main(["demo", "seed", "--url", f"sqlite:///{path}"]) == 0
        capsys.readouterr()
        # Opened read-only (a chmod would not stop root, which CI containers often are).
        url = f"sqlite:///file:{path}?mode=ro&uri=true"
    else:
        path = tmp_path / "junk.db"
        path.write_bytes(b"\x00\x01not a database\xff" * 64)
        url = f"sqlite:///{path}"
    assert main(["demo", "seed", "--url", url, "--reset"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("error: ") and "Traceback" not in err
    assert "S3cret" not in err and "Sup3r" not in err


@pytest.mark.parametrize(
    "args",
    [
        ["backfill", "phase-1-4", "--dry-run"],
        ["backfill", "phase-1-4", "--yes"],
        ["backfill", "phase-1-4", "--rollback-sql"],
        ["backfill", "phase-1-4", "--rollback", "--dry-run"],
        ["proof", "phase-1-4"],
        ["demo", "seed"],
    ],
)
@pytest.mark.parametrize("content", [b"\x00\x01not a database\xff" * 64, b"SQLite format 3\x00" + b"\x10" * 40])
def test_backfill_commands_on_a_broken_sqlite_file(
    args: list[str], content: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "broken.db"
    path.write_bytes(content)  # not a database, or a truncated one
    assert main([*args, "--url", f"sqlite:///{path}"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and err.startswith("error: ") and "Traceback" not in err, err
    assert path.read_bytes() == content


def test_negative_lock_timeout_is_a_usage_error(pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    url = pg_url.replace("postgres@", "postgres:Sup3r@S3cret@", 1)
    for extra in (["--dry-run"], ["--yes"]):
        assert main(["backfill", "phase-1-4", "--lock-timeout", "-5", *extra, "--url", url]) == 2
        err = capsys.readouterr().err
        assert err.strip() == "error: --lock-timeout must be 0 or more seconds (got -5)", err


def test_failed_seed_leaves_no_table_behind(sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    import sqlite3

    path = sqlite_url.split(":///", 1)[1]
    with sqlite3.connect(path) as con:
        con.execute('CREATE TABLE "MessageThread" (id TEXT PRIMARY KEY)')  # the master's CREATE TABLE fails on it
    assert main(["demo", "seed", "--url", sqlite_url]) == 2
    assert "Traceback" not in capsys.readouterr().err
    with sqlite3.connect(path) as con:
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    assert names == ["MessageThread"]
