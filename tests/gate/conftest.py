"""Gate scenario fixtures: one tmp project per scenario (schemaguard.toml, master, rendered files, migrations
folder) whose target is a real SQLite file or a fresh PostgreSQL database, and a read-only snapshot of that
target so every gate run can prove it changed nothing."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest

from schemaguard.cli.context import STATE
from tests.conftest import PG_ADMIN_URL, ROOT

FIXTURES = Path(__file__).parent / "fixtures"
SCHEMA_PATH = ROOT / "docs" / "gate-report.schema.json"
XSD_PATH = Path(__file__).parent / "junit.xsd"

RENDER_OUTPUTS = """
[[render.outputs]]
dialect = "sqlite"
format = "sql"
path = "rendered/master.sqlite.sql"

[[render.outputs]]
dialect = "postgresql"
format = "sql"
path = "rendered/master.postgresql.sql"

[[render.outputs]]
dialect = "postgresql"
format = "prisma"
path = "rendered/schema.prisma"
"""

# Catalog facts of every user relation: columns (type, nullability, default), constraints, indexes, enum labels.
_PG_CATALOG = """
SELECT 'col', c.relname, a.attnum::text, a.attname, format_type(a.atttypid, a.atttypmod),
       a.attnotnull::text, coalesce(pg_get_expr(d.adbin, d.adrelid), '')
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
UNION ALL
SELECT 'con', r.relname, '', k.conname, pg_get_constraintdef(k.oid), '', ''
  FROM pg_constraint k JOIN pg_class r ON r.oid = k.conrelid JOIN pg_namespace n ON n.oid = r.relnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
UNION ALL
SELECT 'idx', tablename, '', indexname, indexdef, '', '' FROM pg_indexes
 WHERE schemaname NOT IN ('pg_catalog', 'information_schema')
UNION ALL
SELECT 'enum', t.typname, e.enumsortorder::text, e.enumlabel, '', '', ''
  FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid
UNION ALL
SELECT 'db', datname, '', '', '', '', '' FROM pg_database WHERE datname = current_database()
ORDER BY 1, 2, 3, 4
"""

_PG_TABLES = """
SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables
 WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1
"""


def target_snapshot(url: str) -> str:
    """A sha256 over everything the gate could change in the target.

    SQLite: the database file's bytes (plus whether a journal or WAL file exists). PostgreSQL: the catalog
    facts of :data:`_PG_CATALOG` and every row of every user table (text form, sorted).
    """
    h = hashlib.sha256()
    if url.startswith("sqlite"):
        path = Path(url.split(":///", 1)[1])
        h.update(path.read_bytes())
        for suffix in ("-journal", "-wal"):
            h.update(str(Path(f"{path}{suffix}").exists()).encode())
        return h.hexdigest()
    with psycopg.connect(url, autocommit=True) as conn:
        rows: list[Any] = conn.execute(_PG_CATALOG).fetchall()
        for (table,) in conn.execute(_PG_TABLES).fetchall():
            data = conn.execute(f"SELECT t::text FROM {table} t ORDER BY 1").fetchall()
            rows.append((table, [r[0] for r in data]))
    h.update(json.dumps(rows, default=str).encode())
    return h.hexdigest()


def scratch_databases() -> set[str]:
    """Scratch databases (``sg_scratch_*``) currently on the test server."""
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        rows = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'sg\\_scratch\\_%'").fetchall()
    return {r[0] for r in rows}


@dataclass
class GateProject:
    """A schemaguard project in a tmp directory (the working directory during the test) with one target.

    Attributes:
        root: the project directory.
        dialect: ``sqlite`` or ``postgresql`` (the target's and the migrations folder's dialect).
        url: the target database URL (configured as target ``ci``).
        extra_config: TOML appended to schemaguard.toml (``[gate]`` tables of a scenario).
    """

    root: Path
    dialect: str
    url: str
    extra_config: str = ""
    last_outputs: dict[str, str] = field(default_factory=dict)

    def write_config(self, extra: str = "", *, render: bool = True) -> None:
        """(Re)write schemaguard.toml: master, dialect, dev_url (PostgreSQL replay), target ``ci``, the rendered
        outputs (unless not ``render``) and ``extra``."""
        self.extra_config = extra
        lines = ['master = "master.yaml"', f'dialect = "{self.dialect}"', 'default_target = "ci"']
        if self.dialect == "postgresql":
            lines.append(f'dev_url = "{PG_ADMIN_URL}"')
        lines += ["", "[targets.ci]", f'url = "{self.url}"', RENDER_OUTPUTS if render else "", extra]
        (self.root / "schemaguard.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    def run(self, *args: str) -> int:
        """Run the CLI in-process; returns the exit code."""
        from schemaguard.cli.app import main

        STATE._config = None  # the configuration is cached per process; re-read this project's file
        STATE.config_path = None
        return main(list(args))

    def set_master(self, fixture: str, *, render: bool = True) -> None:
        """Copy ``fixtures/FIXTURE`` to master.yaml and (by default) re-render the committed variants."""
        shutil.copy(FIXTURES / fixture, self.root / "master.yaml")
        if render:
            assert self.run("render", "--all") == 0

    def generate(self, message: str) -> Path:
        """``migrate generate -m MESSAGE``; returns the new revision file."""
        before = set(self.revisions())
        assert self.run("migrate", "generate", "-m", message) == 0
        (new,) = set(self.revisions()) - before
        return new

    def upgrade(self) -> None:
        """``migrate upgrade`` the target to head."""
        assert self.run("migrate", "upgrade") == 0

    def revisions(self) -> list[Path]:
        """The revision files, oldest first."""
        return sorted((self.root / "migrations" / "versions").glob("*.py"))

    def execute(self, statements: list[str]) -> None:
        """Change the target by hand (autocommit)."""
        from tests.conftest import run_sql

        run_sql(self.url, statements)

    def gate(self, capsys: pytest.CaptureFixture[str], *args: str, fmt: str = "json") -> tuple[int, str]:
        """Run ``schemaguard gate --format FMT ARGS`` and return (exit code, stdout). Asserts the target is
        byte-for-byte / catalog-and-rows unchanged and no scratch database was left behind."""
        before = target_snapshot(self.url)
        scratch_before = scratch_databases() if self.dialect == "postgresql" else set()
        capsys.readouterr()
        code = self.run("gate", "--format", fmt, *args)
        captured = capsys.readouterr()
        assert code in (0, 1), f"gate errored ({code}): {captured.err}"
        assert target_snapshot(self.url) == before, "the gate changed the target database"
        if self.dialect == "postgresql":
            assert scratch_databases() <= scratch_before, "the gate left a scratch database behind"
        self.last_outputs[fmt] = captured.out
        return code, captured.out

    def report(self, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
        """The gate's JSON report (validated against docs/gate-report.schema.json) and exit code."""
        import jsonschema

        code, out = self.gate(capsys, *args, fmt="json")
        doc = json.loads(out)
        jsonschema.validate(doc, json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
        assert doc["passed"] is (code == 0)
        return code, doc


def checks(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The report's checks by name."""
    return {c["name"]: c for c in doc["checks"]}


def statuses(doc: dict[str, Any]) -> dict[str, str]:
    """``{check name: status}``."""
    return {c["name"]: c["status"] for c in doc["checks"]}


@pytest.fixture(autouse=True)
def _fresh_cli_state() -> Iterator[None]:
    # STATE is module-level; a test must not inherit another project's configuration.
    STATE._config = None
    STATE.config_path = None
    yield
    STATE._config = None
    STATE.config_path = None


@pytest.fixture(params=["sqlite", "postgresql"])
def project(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    sqlite_factory: Callable[[], str],
    pg_factory: Callable[[], str],
) -> GateProject:
    """A project at v1.yaml, rendered, revision 0001 generated and applied to the target: the all-green state.
    Parametrised over SQLite and PostgreSQL."""
    dialect = request.param
    url = sqlite_factory() if dialect == "sqlite" else pg_factory()
    if dialect == "sqlite":
        sqlite3.connect(url.split(":///", 1)[1]).close()  # the file exists before the first read-only open
    root = tmp_path / f"proj_{dialect}"
    root.mkdir()
    monkeypatch.chdir(root)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    p = GateProject(root, dialect, url)
    p.write_config()
    p.set_master("v1.yaml")
    p.generate("initial")
    p.upgrade()
    return p
