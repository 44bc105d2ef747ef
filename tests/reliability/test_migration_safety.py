"""``migrate upgrade`` runs each revision in its own transaction: a failing revision leaves the previous revision.

A tmp project gets rev 0001 (tests/migrate/fixtures/v1.yaml) and rev 0002 (v2.yaml: add a column, a SQLite batch
rebuild or a PostgreSQL type change and enum value, drop a table that holds rows, add an index). Rev 0002 is then
hand-edited so that, after all those valid steps, a last step fails. The upgrade must exit 2 with one clean error,
``alembic_version`` must still say 0001 and the schema and every row must be exactly the rev-0001 state; once the
revision is fixed and rehashed, the next upgrade applies it. Real SQLite files and a real PostgreSQL server.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from schemaguard.db import sqlalchemy_url
from tests.conftest import run_sql
from tests.migrate.conftest import FIXTURES, Project, make_project  # noqa: F401  (fixture re-export)
from tests.reliability._support import pg_catalog_checksum, pg_data_checksum, sqlite_checksum

# The failing last step of the hand-edited revision, and a fragment of the error each dialect reports.
FAILURES: dict[str, tuple[str, dict[str, str]]] = {
    "not-null-column": (
        "op.add_column('Account', sa.Column('tier', sa.Text(), nullable=False))",
        {"postgresql": 'column "tier" of relation "Account" contains null values', "sqlite": "NOT NULL column"},
    ),
    "data-step": (
        "op.execute('UPDATE \"Account\" SET name = NULL')",
        {"postgresql": "null value", "sqlite": "NOT NULL constraint failed"},
    ),
    "division-by-zero": ("op.execute('SELECT 1/0')", {"postgresql": "division by zero"}),
    "python-error": (
        "raise RuntimeError('refusing: 2 accounts have no owner')",
        {"postgresql": "RuntimeError: refusing", "sqlite": "RuntimeError: refusing"},
    ),
}


def _cases() -> list[tuple[str, str]]:
    # SQLite evaluates 1/0 to NULL, so that failure only exists on PostgreSQL.
    return [(d, f) for f, (_, errors) in FAILURES.items() for d in ("sqlite", "postgresql") if d in errors]


def _rows(url: str, query: str) -> list[tuple[object, ...]]:
    engine = sa.create_engine(sqlalchemy_url(url))
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(query))]
    finally:
        engine.dispose()


def _version(url: str) -> list[str]:
    return [str(r[0]) for r in _rows(url, "SELECT version_num FROM alembic_version")]


def _fingerprint(url: str) -> dict[str, str]:
    """Schema and data checksums: SQLite's sqlite_schema and every table's rows; PostgreSQL's catalog rows of
    ``public`` and every table's rows."""
    if url.startswith("sqlite"):
        return sqlite_checksum(url.split(":///", 1)[1])
    return {**pg_catalog_checksum(url), **{f"data:{k}": v for k, v in pg_data_checksum(url).items()}}


def _break(rev: Path, line: str) -> str:
    """Append ``line`` as the last step of the revision's upgrade(); returns the original text."""
    text = rev.read_text(encoding="utf-8")
    marker = "\n\n\ndef downgrade():"
    assert text.count(marker) == 1
    rev.write_text(text.replace(marker, f"\n    {line}{marker}"), encoding="utf-8")
    return text


def _two_revisions(p: Project) -> Path:
    p.master("v1.yaml")
    assert p.run("migrate", "generate", "-m", "initial") == 0
    p.master("v2.yaml")
    # --no-online: plain DDL in one transaction per revision. Online (lock-safe) revisions build indexes
    # CONCURRENTLY in an autocommit tail, which no transaction can hold (tests/migrate/test_planner.py).
    assert p.run("migrate", "generate", "-m", "read receipts", "--no-online") == 0
    revs = p.revisions()
    assert [r.name for r in revs] == ["0001_initial.py", "0002_read_receipts.py"]
    return revs[1]


def _seed_rows(url: str) -> None:
    run_sql(
        url,
        [
            "INSERT INTO \"Account\" (id, name) VALUES ('a1', 'Acme'), ('a2', 'Bolt')",
            "INSERT INTO \"Message\" (id, \"accountId\", body, score) VALUES ('m1', 'a1', 'hi', 7), ('m2', 'a2', NULL, 3)",
            "INSERT INTO \"Legacy\" (id, note) VALUES (1, 'kept'), (2, 'also kept')",
        ],
    )


@pytest.mark.parametrize(("dialect", "failure"), _cases())
def test_failing_revision_leaves_the_database_at_the_previous_revision(
    make_project: Callable[[str], Project],  # noqa: F811
    sqlite_factory: Callable[[], str],
    pg_factory: Callable[[], str],
    capsys: pytest.CaptureFixture[str],
    dialect: str,
    failure: str,
) -> None:
    line, errors = FAILURES[failure]
    p = make_project(dialect)
    url = (sqlite_factory if dialect == "sqlite" else pg_factory)()
    rev2 = _two_revisions(p)
    assert p.run("migrate", "upgrade", "0001", "--url", url) == 0
    _seed_rows(url)
    before = _fingerprint(url)

    original = _break(rev2, line)
    assert p.run("migrate", "hash") == 0  # the reviewed hand edit is recorded, as `migrate check` asks
    capsys.readouterr()
    assert p.run("migrate", "upgrade", "--url", url) == 2
    err = capsys.readouterr().err
    assert errors[dialect] in err, err
    assert "the database is at revision 0001" in err
    assert "Traceback" not in err and err.count("error:") == 1

    assert _version(url) == ["0001"]
    assert _fingerprint(url) == before  # no column, rebuilt table, dropped table or _alembic_tmp_ leftover
    assert p.run("diff", "--url", url, "--to", str(FIXTURES / "v1.yaml")) == 0

    # Fixed and rehashed, the same revision applies on the next run: nothing of the failed attempt is in the way.
    rev2.write_text(original, encoding="utf-8")
    assert p.run("migrate", "hash") == 0
    assert p.run("migrate", "upgrade", "--url", url) == 0
    assert _version(url) == ["0002"]
    assert p.run("diff", "--url", url) == 0
    assert _rows(url, 'SELECT id, "accountId", body, score FROM "Message" ORDER BY id') == [
        ("m1", "a1", "hi", 7),
        ("m2", "a2", None, 3),
    ]
    assert _rows(url, 'SELECT id, name FROM "Account" ORDER BY id') == [("a1", "Acme"), ("a2", "Bolt")]


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_revisions_before_the_failing_one_stay_committed(
    make_project: Callable[[str], Project],  # noqa: F811
    sqlite_factory: Callable[[], str],
    pg_factory: Callable[[], str],
    capsys: pytest.CaptureFixture[str],
    dialect: str,
) -> None:
    """One transaction per revision, not one for the whole command: upgrading an empty database to head when
    0002 fails leaves 0001 applied (a single transaction would have left nothing)."""
    p = make_project(dialect)
    url = (sqlite_factory if dialect == "sqlite" else pg_factory)()
    rev2 = _two_revisions(p)
    _break(rev2, "raise RuntimeError('stop here')")
    assert p.run("migrate", "hash") == 0
    capsys.readouterr()
    assert p.run("migrate", "upgrade", "--url", url) == 2
    assert "RuntimeError: stop here; the database is at revision 0001" in capsys.readouterr().err
    assert _version(url) == ["0001"]
    assert p.run("diff", "--url", url, "--to", str(FIXTURES / "v1.yaml")) == 0


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_a_failing_first_revision_leaves_an_untouched_database(
    make_project: Callable[[str], Project],  # noqa: F811
    sqlite_factory: Callable[[], str],
    pg_factory: Callable[[], str],
    capsys: pytest.CaptureFixture[str],
    dialect: str,
) -> None:
    """Even the alembic_version table created on the way is rolled back with the first revision."""
    p = make_project(dialect)
    url = (sqlite_factory if dialect == "sqlite" else pg_factory)()
    run_sql(url, "CREATE TABLE bystander (id integer PRIMARY KEY, note text)")
    run_sql(url, "INSERT INTO bystander VALUES (1, 'untouched')")
    before = _fingerprint(url)
    p.master("v1.yaml")
    assert p.run("migrate", "generate", "-m", "initial") == 0
    _break(p.revisions()[0], """op.execute("INSERT INTO \\"Account\\" (id) VALUES ('x')")""")  # name is NOT NULL
    assert p.run("migrate", "hash") == 0
    capsys.readouterr()
    assert p.run("migrate", "upgrade", "--url", url) == 2
    err = capsys.readouterr().err
    assert "null" in err.lower() and "Traceback" not in err, err
    assert "the database has no revision applied" in err
    assert _fingerprint(url) == before
    engine = sa.create_engine(sqlalchemy_url(url))
    try:
        with engine.connect() as conn:
            assert sorted(sa.inspect(conn).get_table_names()) == ["bystander"]
    finally:
        engine.dispose()


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_offline_script_commits_each_revision_separately(
    make_project: Callable[[str], Project],  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    dialect: str,
) -> None:
    """``--sql``: every revision sits between its own BEGIN and COMMIT, with its alembic_version change inside,
    so a script stopped at an error (``psql -v ON_ERROR_STOP=1``, ``sqlite3 -bail``) has applied whole revisions
    only. Only rev 0001 here: SQLite's batch rebuilds cannot be rendered offline (Alembic needs to reflect)."""
    p = make_project(dialect)
    p.master("v1.yaml")
    assert p.run("migrate", "generate", "-m", "initial") == 0
    v1 = (FIXTURES / "v1.yaml").read_text(encoding="utf-8")
    p.master(v1.replace("      note: {type: text}\n", "      note: {type: text}\n      seen: {type: integer}\n"))
    assert p.run("migrate", "generate", "-m", "seen") == 0
    capsys.readouterr()
    url = "sqlite:///offline.db" if dialect == "sqlite" else "postgresql://u@localhost/offline"
    assert p.run("migrate", "upgrade", "--url", url, "--sql") == 0
    script = [s.strip() for s in capsys.readouterr().out.split(";") if s.strip()]
    blocks: list[list[str]] = []
    for stmt in script:
        if stmt == "BEGIN":
            blocks.append([])
        elif stmt != "COMMIT":
            assert blocks, f"statement outside a transaction: {stmt}"
            blocks[-1].append(stmt)
    assert len(blocks) == 2 and script.count("COMMIT") == 2
    assert any("INSERT INTO alembic_version" in s for s in blocks[0])
    assert any("ADD COLUMN seen" in s for s in blocks[1])
    assert "UPDATE alembic_version SET version_num='0002'" in blocks[1][-1]
