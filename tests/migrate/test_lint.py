"""Each lint rule: a revision that triggers it, and the safe form that keeps it quiet."""

from __future__ import annotations

import pytest

from schemaguard.config import load_config
from schemaguard.migrate.lint import lint_revisions
from tests.conftest import run_sql

BASE = """version: 1
enums:
  Kind: [A, B, C]
tables:
  T:
    columns:
      id:   {type: text, primary_key: true}
      name: {type: text}
      n:    {type: integer}
      kind: {type: Kind}
  U:
    columns:
      id: {type: text, primary_key: true}
"""

_T_END = "      kind: {type: Kind}\n"

CASES = {
    # code: (dialect, changed master (trigger), safe master (quiet), rows inserted before linting)
    "DS102": (
        "sqlite",
        BASE.split("  U:")[0],
        BASE + "  V:\n    columns:\n      id: {type: text, primary_key: true}\n",
    ),
    "DS103": (
        "sqlite",
        BASE.replace("      name: {type: text}\n", ""),
        BASE.replace(_T_END, _T_END + "      extra: {type: text}\n"),
    ),
    "MF101": (
        "sqlite",
        BASE.replace(_T_END, _T_END + "    indexes:\n      - {columns: [name], unique: true}\n"),
        BASE + "  V:\n    columns:\n      id: {type: text, primary_key: true}\n      a: {type: text, unique: true}\n",
    ),
    "MF103": (
        "postgresql",
        BASE.replace(_T_END, _T_END + "      req: {type: text, nullable: false}\n"),
        BASE.replace(_T_END, _T_END + "      req: {type: text, nullable: false, default: ''}\n"),
    ),
    "MF104": (
        "postgresql",
        BASE.replace("name: {type: text}", "name: {type: text, nullable: false}"),
        BASE.replace("name: {type: text}", "name: {type: text, default: x}"),
    ),
    "SG101": (
        "sqlite",
        BASE.replace("name: {type: text}", "name: {type: text, nullable: false}"),
        BASE.replace(_T_END, _T_END + "      extra: {type: text}\n"),
    ),
    "PG101": (
        "postgresql",
        BASE.replace(_T_END, _T_END + "    indexes:\n      - {columns: [name]}\n"),
        BASE
        + "  V:\n    columns:\n      id: {type: text, primary_key: true}\n      a: {type: text}\n    indexes:\n      - {columns: [a]}\n",
    ),
    "PG301": (
        "postgresql",
        BASE.replace("n:    {type: integer}", "n:    {type: bigint}"),
        BASE.replace(_T_END, _T_END + "      m: {type: bigint}\n"),
    ),
    "adding-foreign-key-constraint": (
        "postgresql",
        BASE.replace(
            _T_END,
            _T_END
            + "      uId: {type: text}\n    foreign_keys:\n      - {columns: [uId], references: U(id)}\n    indexes:\n      - {columns: [uId]}\n",
        ),
        BASE
        + "  V:\n    columns:\n      id: {type: text, primary_key: true}\n      uId: {type: text, references: U.id}\n    indexes:\n      - {columns: [uId]}\n",
    ),
    "SG102": ("postgresql", BASE.replace("[A, B, C]", "[A, B]"), BASE.replace("[A, B, C]", "[A, B, C, D]")),
}

ROWS = ["INSERT INTO \"T\" (id, name) VALUES ('t1', NULL)", "INSERT INTO \"T\" (id, name) VALUES ('t2', 'x')"]


def _lint(p, url: str, rev: str) -> list[str]:
    p.run("migrate", "hash")  # no-op guard: the folder is untouched, keeps the test independent of order
    cfg = load_config()
    report = lint_revisions(cfg, [rev], url=url)
    return [f.code for f in report.findings if not f.allowed]


@pytest.mark.parametrize("code", sorted(CASES))
@pytest.mark.parametrize("safe", [False, True], ids=["triggers", "quiet"])
def test_rule(code: str, safe: bool, make_project, sqlite_factory, pg_factory) -> None:
    dialect, trigger, quiet = CASES[code]
    p = make_project(dialect)
    url = (sqlite_factory if dialect == "sqlite" else pg_factory)()
    p.master(BASE)
    assert p.run("migrate", "generate", "-m", "base") == 0
    assert p.run("migrate", "upgrade", "--url", url) == 0
    run_sql(url, ROWS)
    p.master(quiet if safe else trigger)
    # Revisions are lock-safe by default (CONCURRENTLY, NOT VALID): the plain form is what these rules catch.
    plain = ["--no-online"] if code in ("PG101", "adding-foreign-key-constraint") and not safe else []
    assert p.run("migrate", "generate", "-m", "change", *plain) == 0
    codes = _lint(p, url, "0002")
    if safe:
        assert code not in codes, codes
    else:
        assert code in codes, codes


def test_data_dependent_severity_and_allow(make_project, pg_factory) -> None:
    p = make_project("postgresql")
    url = pg_factory()
    p.master(BASE)
    assert p.run("migrate", "generate", "-m", "base") == 0
    assert p.run("migrate", "upgrade", "--url", url) == 0
    p.master(CASES["MF103"][1])
    assert p.run("migrate", "generate", "-m", "required") == 0
    # An empty table: the required column cannot fail, the finding is informational.
    empty = {f.code: f.severity for f in lint_revisions(load_config(), ["0002"], url=url).findings}
    assert empty["MF103"] == "info"
    run_sql(url, ROWS)
    assert p.run("migrate", "lint", "--url", url, "0002") == 1
    rev = p.revisions()[-1]
    rev.write_text(rev.read_text() + "\n# schemaguard:allow MF103 -- backfilled by the deploy job\n")
    assert p.run("migrate", "lint", "--url", url, "0002") == 2  # an edited revision is refused until reviewed
    assert p.run("migrate", "hash") == 0  # reviewed: its checksum is recorded again
    assert p.run("migrate", "lint", "--url", url, "0002") == 0
