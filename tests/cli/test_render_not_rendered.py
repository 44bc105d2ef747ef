"""``render`` is never silent (issue 14 §5): what a dialect's DDL leaves out of the master is named on stderr
(``render``) and under the file's line (``render --check``), from the same entries the diff report's coverage
lists. Real PostgreSQL databases and SQLite files take the rendered DDL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from schemaguard.cli.context import STATE
from tests.helpers import apply_statements, diff_json, run_cli

# id: a serial key with a default; g: a generated column with a default (PostgreSQL refuses both, so the DDL
# leaves them out); x: a plain default, rendered; u: a PostgreSQL function default SQLite cannot evaluate.
MASTER = """version: 1
domains:
  posint: {base_type: integer, checks: "posint_check: CHECK ((VALUE > 0))"}
tables:
  t:
    columns:
      id: {type: integer, primary_key: true, autoincrement: true, default: 5}
      g:  {type: integer, generated: "id * 2", default: 3}
      x:  {type: integer, default: 7}
      u:  {type: uuid, default: {sql: gen_random_uuid()}}
"""


@pytest.fixture(autouse=True)
def _fresh_state() -> Iterator[None]:
    STATE._config = None
    STATE.config_path = None
    yield
    STATE._config = None
    STATE.config_path = None


@pytest.fixture
def master(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    path = tmp_path / "master.yaml"
    path.write_text(MASTER, encoding="utf-8")
    return path


def _statements(ddl: str) -> list[str]:
    body = "\n".join(line for line in ddl.splitlines() if not line.startswith("--"))
    return [s.strip() for s in body.split(";\n") if s.strip()]


def test_postgresql_render_names_the_defaults_it_leaves_out(
    master: Path, pg_factory: Callable[[], str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, ddl, err = run_cli(["render", "-d", "postgresql", "--master", str(master)], capsys)
    assert code == 0
    lines = [line for line in err.splitlines() if line.startswith("not rendered for postgresql:")]
    assert lines == [
        "not rendered for postgresql: 2 column defaults (PostgreSQL holds no default on a serial, identity or "
        "generated column: not rendered): t.g, t.id"
    ]
    assert '"x" INTEGER DEFAULT 7' in ddl and "gen_random_uuid()" in ddl.lower()  # what it can hold it renders
    url = pg_factory()
    apply_statements(url, _statements(ddl))
    # The diff's coverage names the same defaults as not compared.
    code, report = diff_json(["diff", "--to", str(master), "--url", url], capsys)
    assert code == 0
    entries = [(e["what"], e["names"]) for e in report["coverage"]["not_compared"]]
    assert entries == [("column default", ["t.g", "t.id"])]


def test_sqlite_render_names_what_sqlite_cannot_hold(
    master: Path, sqlite_factory: Callable[[], str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, ddl, err = run_cli(["render", "-d", "sqlite", "--master", str(master)], capsys)
    assert code == 0
    lines = sorted(line for line in err.splitlines() if line.startswith("not rendered for sqlite:"))
    assert len(lines) == 3, err
    assert lines[0].startswith("not rendered for sqlite: 1 column default (") and lines[0].endswith("): t.u")
    assert lines[1] == "not rendered for sqlite: 1 domain (sqlite has no such objects): posint"
    assert lines[2] == (
        "not rendered for sqlite: 2 column defaults (SQLite holds no default on a rowid or generated column: "
        "not rendered): t.g, t.id"
    )
    url = sqlite_factory()
    apply_statements(url, _statements(ddl))
    # The diff's coverage names the same defaults (and the domain) as not compared.
    code, report = diff_json(["diff", "--to", str(master), "--url", url], capsys)
    assert code == 0
    names = sorted(n for e in report["coverage"]["not_compared"] for n in e["names"])
    assert names == ["posint", "t.g", "t.id", "t.u"]


def test_nothing_left_out_prints_nothing(master: Path, capsys: pytest.CaptureFixture[str]) -> None:
    master.write_text(
        "version: 1\ntables:\n  t:\n    columns:\n      id: {type: integer, primary_key: true}\n", encoding="utf-8"
    )
    for dialect in ("postgresql", "sqlite"):
        code, _, err = run_cli(["render", "-d", dialect, "--master", str(master)], capsys)
        assert code == 0 and "not rendered" not in err


def test_render_check_lists_what_each_file_leaves_out(master: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (master.parent / "schemaguard.toml").write_text(
        'master = "master.yaml"\ndialect = "postgresql"\n\n'
        '[[render.outputs]]\ndialect = "postgresql"\npath = "out/pg.sql"\n\n'
        '[[render.outputs]]\ndialect = "sqlite"\npath = "out/lite.sql"\n',
        encoding="utf-8",
    )
    assert run_cli(["render", "--all"], capsys)[0] == 0
    code, out, _ = run_cli(["--no-color", "render", "--check"], capsys)
    assert code == 0  # current files: the notes do not fail the check
    lines = out.splitlines()
    pg = next(i for i, line in enumerate(lines) if "pg.sql (postgresql, sql): ok" in line)
    assert lines[pg + 1].strip().startswith("not rendered for postgresql: 2 column defaults (")
    lite = next(i for i, line in enumerate(lines) if "lite.sql (sqlite, sql): ok" in line)
    assert {lines[lite + k].strip().split(" (")[0] for k in (1, 2, 3)} == {
        "not rendered for sqlite: 1 column default",
        "not rendered for sqlite: 1 domain",
        "not rendered for sqlite: 2 column defaults",
    }


OPTIONS_MASTER = """version: 1
table_options:
  t: {strict: "true", without_rowid: "true"}
  u: {fillfactor: "70", unlogged: "true"}
tables:
  t:
    columns:
      id: {type: text, primary_key: true}
  u:
    columns:
      id: {type: text, primary_key: true}
"""


@pytest.mark.parametrize(
    ("dialect", "left_out", "kept"),
    [
        ("postgresql", ["t.strict", "t.without_rowid"], 'ALTER TABLE "u" SET (fillfactor=70)'),
        ("sqlite", ["u.fillfactor", "u.unlogged"], ") WITHOUT ROWID, STRICT"),
    ],
)
def test_the_other_dialects_table_options_are_named_not_rendered_and_not_drift(
    master: Path,
    dialect: str,
    left_out: list[str],
    kept: str,
    pg_factory: Callable[[], str],
    sqlite_factory: Callable[[], str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A master shared by both dialects: SQLite's STRICT / WITHOUT ROWID rendered for PostgreSQL made DDL
    PostgreSQL refuses (``SET (strict=true)``), and PostgreSQL's storage options were phantom drift on SQLite."""
    master.write_text(OPTIONS_MASTER, encoding="utf-8")
    code, ddl, err = run_cli(["render", "-d", dialect, "--master", str(master)], capsys)
    assert code == 0 and kept in ddl
    assert "2 table options (" in err and err.rstrip().endswith(", ".join(left_out)), err
    url = pg_factory() if dialect == "postgresql" else sqlite_factory()
    apply_statements(url, _statements(ddl))
    code, report = diff_json(["diff", "--to", str(master), "--url", url], capsys)
    assert code == 0 and report["changes"] == []
    entries = [(e["side"], e["what"], e["names"]) for e in report["coverage"]["not_compared"]]
    assert entries == [("desired", "table option", left_out)]


def test_prisma_variant_names_the_objects_a_prisma_schema_cannot_hold(
    master: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(["render", "-d", "postgresql", "-f", "prisma", "--master", str(master)], capsys)
    assert code == 0 and "model t {" in out and "posint" not in out.replace('Unsupported("posint")', "")
    assert "not rendered for postgresql: 1 domain (a Prisma schema has no such objects): posint" in err.splitlines()
