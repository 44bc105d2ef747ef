"""migra's own diff test cases (PostgreSQL): for every case whose objects the model covers, ``diff --sql`` from
a to b applied to a leaves zero drift against b."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from tests.conftest import CORPUS, PG_ADMIN_URL
from tests.helpers import apply_statements, diff_json

CASES_DIR = CORPUS / "diffcases" / "migra"

LEFT_OUT: dict[str, str] = {}
"""Cases left out, with the reason (also listed in the README's limitations)."""

ALL_CASES = sorted(p.name for p in CASES_DIR.iterdir() if p.is_dir())  # a missing folder fails collection
CASES = [c for c in ALL_CASES if c not in LEFT_OUT]


@pytest.fixture(scope="module", autouse=True)
def _test_role() -> None:
    # migra's fixtures grant to this role (its test suite creates it before loading a.sql).
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute("DO $$BEGIN CREATE ROLE schemainspect_test_role; EXCEPTION WHEN duplicate_object THEN NULL; END$$")


def test_every_case_is_run_or_documented() -> None:
    assert len(ALL_CASES) == 26
    assert set(LEFT_OUT) <= set(ALL_CASES)


def _load(url: str, path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    if text.strip():
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(text)  # type: ignore[arg-type]


@pytest.mark.parametrize("case", CASES)
def test_migra_case(case: str, pg_factory: Callable[[], str], capsys: pytest.CaptureFixture[str]) -> None:
    a, b = pg_factory(), pg_factory()
    _load(a, CASES_DIR / case / "a.sql")
    _load(b, CASES_DIR / case / "b.sql")
    # Extensions are not modelled: create those b needs in a, as migra's expected output does first.
    for ext in re.findall(
        r'create extension\s+(?:if not exists\s+)?"?(\w+)"?', (CASES_DIR / case / "b.sql").read_text(), re.I
    ):
        apply_statements(a, [f'CREATE EXTENSION IF NOT EXISTS "{ext}"'])
    code, report = diff_json(["diff", "--from", a, "--to", b, "--sql"], capsys)
    assert code == (1 if report["changes"] else 0)
    apply_statements(a, report["sql"])
    code, after = diff_json(["diff", "--from", a, "--to", b], capsys)
    assert after["changes"] == [], (report["sql"], after["changes"])
    assert code == 0
