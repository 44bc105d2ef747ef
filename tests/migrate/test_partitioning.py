"""Declarative partitioning changes on PostgreSQL (issue 14): each planted between two real databases, then

1. ``diff --sql`` (the planner's SQL) applied to the first leaves zero drift against the second, rows kept;
2. the same through Alembic revisions generated from the two databases' inspected masters: ``upgrade``
   converges, rows kept, and ``downgrade`` returns to the first schema, rows kept.

Changes: a table becomes partitioned, stops being partitioned, changes its partition key (all three created
again with their rows: only CREATE TABLE sets a key); a table attached as a partition, a partition detached, a
partition's bound changed (``ATTACH`` / ``DETACH PARTITION``); a sub-partition's own key changed is refused.
Source: https://www.postgresql.org/docs/15/ddl-partitioning.html
"""

from __future__ import annotations

from collections.abc import Callable

import psycopg
import pytest

from schemaguard import api
from schemaguard.config import Config
from schemaguard.errors import UnsupportedChange
from tests.conftest import run_sql
from tests.helpers import apply_statements

CFG = Config()

MEASUREMENT = "CREATE TABLE measurement (city_id int NOT NULL, logdate date NOT NULL, peaktemp int)"
FEB = "FOR VALUES FROM ('2006-02-01') TO ('2006-03-01')"
MAR = "FOR VALUES FROM ('2006-03-01') TO ('2006-04-01')"
ROWS = (
    "INSERT INTO {t} (city_id, logdate, peaktemp) VALUES (1, '2006-02-03', 10), (2, '2006-02-20', 20), "
    "(3, '2006-03-05', 30)"
)


def _count(url: str, table: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()  # type: ignore[arg-type]
    assert row is not None
    return int(row[0])


def _drift(desired: str, actual: str) -> list[str]:
    report = api.diff_sources(api.load_source(desired, CFG), api.load_source(actual, CFG), CFG)
    return [c.message for c in report.changes]


def _converges(
    make_project,
    pg_factory: Callable[[], str],
    a_sql: list[str],
    b_sql: list[str],
    rows: list[str],
    kept: dict[str, int],
    lint: list[str] | None = None,
) -> list[str]:
    """a → b planned by ``diff --sql`` and by generated revisions (upgrade, downgrade); ``kept`` maps a table of
    both schemas to the rows it must still hold after each step. Returns the ``diff --sql`` statements; ``lint``
    receives the ``migrate lint`` findings (``code: message``) of the a → b revision."""
    a, b = pg_factory(), pg_factory()
    run_sql(a, a_sql)
    run_sql(b, b_sql)
    assert _drift(b, a)  # the pair differs

    # 1. diff --sql, applied in one transaction.
    work = pg_factory()
    run_sql(work, a_sql + rows)
    report = api.diff_sources(api.load_source(b, CFG), api.load_source(work, CFG), CFG, with_sql=True)
    sql = list(report.sql or ())
    apply_statements(work, sql)
    assert _drift(b, work) == [], sql
    for table, n in kept.items():
        assert _count(work, table) == n, (table, sql)

    # 2. Alembic revisions from the two databases' inspected masters.
    p = make_project("postgresql")
    assert p.run("inspect", "--url", a, "-o", "a.yaml") == 0
    assert p.run("inspect", "--url", b, "-o", "b.yaml") == 0
    db = pg_factory()
    p.master((p.root / "a.yaml").read_text(encoding="utf-8"))
    assert p.run("migrate", "generate", "-m", "a") == 0
    assert p.run("migrate", "upgrade", "--url", db) == 0
    assert _drift(a, db) == []
    run_sql(db, rows)
    p.master((p.root / "b.yaml").read_text(encoding="utf-8"))
    assert p.run("migrate", "generate", "-m", "b") == 0
    if lint is not None:
        from schemaguard.config import load_config
        from schemaguard.migrate.lint import lint_revisions

        report = lint_revisions(load_config(), ["0002"], url=db)
        lint += [f"{f.code}: {f.message}" for f in report.findings]
    assert p.run("migrate", "upgrade", "--url", db) == 0
    revision = p.revisions()[-1].read_text(encoding="utf-8")
    assert _drift(b, db) == [], revision
    for table, n in kept.items():
        assert _count(db, table) == n, (table, revision)
    assert p.run("migrate", "downgrade", "0001", "--url", db) == 0
    assert _drift(a, db) == [], revision
    for table, n in kept.items():
        assert _count(db, table) == n, (table, "downgrade", revision)
    return sql


def test_table_becomes_partitioned_with_its_rows(make_project, pg_factory: Callable[[], str]) -> None:
    """A plain table becomes partitioned by range, with two partitions: created again, its three rows copied
    back through the new partitions (before the fix: "a partition key is set only by CREATE TABLE")."""
    a = [MEASUREMENT]
    b = [
        MEASUREMENT + " PARTITION BY RANGE (logdate)",
        f"CREATE TABLE m_feb PARTITION OF measurement {FEB}",
        f"CREATE TABLE m_mar PARTITION OF measurement {MAR}",
    ]
    lint: list[str] = []
    sql = _converges(make_project, pg_factory, a, b, [ROWS.format(t="measurement")], {"measurement": 3}, lint)
    assert any("PARTITION BY RANGE (logdate)" in s for s in sql), sql
    # The rebuild drops the old table: `migrate lint` flags it for review (rows are copied, but a row that fits no
    # partition makes the upgrade fail).
    assert any(f.startswith("DS102: table measurement is dropped") for f in lint), lint


def test_table_stops_being_partitioned_with_its_rows(make_project, pg_factory: Callable[[], str]) -> None:
    """A partitioned table (two partitions holding rows) becomes a plain table: its rows are kept."""
    a = [
        MEASUREMENT + " PARTITION BY RANGE (logdate)",
        f"CREATE TABLE m_feb PARTITION OF measurement {FEB}",
        f"CREATE TABLE m_mar PARTITION OF measurement {MAR}",
    ]
    b = [MEASUREMENT]
    _converges(make_project, pg_factory, a, b, [ROWS.format(t="measurement")], {"measurement": 3})


def test_partition_key_change_is_rebuilt(make_project, pg_factory: Callable[[], str]) -> None:
    """RANGE (logdate) → LIST (city_id), partitions replaced: the table is created again with its rows."""
    a = [
        MEASUREMENT + " PARTITION BY RANGE (logdate)",
        f"CREATE TABLE m_feb PARTITION OF measurement {FEB}",
        f"CREATE TABLE m_mar PARTITION OF measurement {MAR}",
    ]
    b = [
        MEASUREMENT + " PARTITION BY LIST (city_id)",
        "CREATE TABLE m_low PARTITION OF measurement FOR VALUES IN (1, 2)",
        "CREATE TABLE m_high PARTITION OF measurement FOR VALUES IN (3, 4)",
    ]
    sql = _converges(make_project, pg_factory, a, b, [ROWS.format(t="measurement")], {"measurement": 3})
    assert any("PARTITION BY LIST (city_id)" in s for s in sql), sql


def test_partition_attached(make_project, pg_factory: Callable[[], str]) -> None:
    """A plain table becomes a partition: ATTACH PARTITION (no drop), its rows then visible through the parent;
    the downgrade detaches it again."""
    part = "CREATE TABLE measurement (city_id int NOT NULL, logdate date NOT NULL, peaktemp int) PARTITION BY RANGE (logdate)"
    a = [part, f"CREATE TABLE m_feb PARTITION OF measurement {FEB}", MEASUREMENT.replace("measurement", "m_mar")]
    b = [
        part,
        f"CREATE TABLE m_feb PARTITION OF measurement {FEB}",
        f"CREATE TABLE m_mar PARTITION OF measurement {MAR}",
    ]
    rows = ["INSERT INTO m_mar VALUES (3, '2006-03-05', 30)"]
    sql = _converges(make_project, pg_factory, a, b, rows, {"m_mar": 1})
    assert any("ATTACH PARTITION" in s for s in sql) and not any(s.startswith("DROP TABLE") for s in sql), sql


def test_partition_detached(make_project, pg_factory: Callable[[], str]) -> None:
    """migra's partitioning case in small: a partition becomes a plain table (DETACH, rows kept) while its former
    parent gains a column (added after the detach, so the detached table does not get it)."""
    part = "CREATE TABLE measurement (city_id int NOT NULL, logdate date NOT NULL, peaktemp int{}) PARTITION BY RANGE (logdate)"
    a = [
        part.format(""),
        f"CREATE TABLE m_feb PARTITION OF measurement {FEB}",
        f"CREATE TABLE m_mar PARTITION OF measurement {MAR}",
    ]
    b = [
        part.format(", extra text"),
        f"CREATE TABLE m_feb PARTITION OF measurement {FEB}",
        MEASUREMENT.replace("measurement", "m_mar"),
    ]
    sql = _converges(make_project, pg_factory, a, b, [ROWS.format(t="measurement")], {"m_mar": 1, "m_feb": 2})
    assert any("DETACH PARTITION" in s for s in sql) and not any(s.startswith("DROP TABLE") for s in sql), sql


def test_partition_bound_changed(make_project, pg_factory: Callable[[], str]) -> None:
    """A partition's range widens: DETACH then ATTACH with the new bound, rows kept."""
    part = MEASUREMENT + " PARTITION BY RANGE (logdate)"
    a = [part, f"CREATE TABLE m_feb PARTITION OF measurement {FEB}"]
    b = [part, "CREATE TABLE m_feb PARTITION OF measurement FOR VALUES FROM ('2006-01-01') TO ('2006-03-01')"]
    rows = ["INSERT INTO measurement VALUES (1, '2006-02-03', 10)"]
    sql = _converges(make_project, pg_factory, a, b, rows, {"m_feb": 1})
    assert any("DETACH PARTITION" in s for s in sql) and any("'2006-01-01'" in s for s in sql), sql


def test_sub_partition_key_change_is_refused(pg_factory: Callable[[], str]) -> None:
    """A partition that is itself partitioned changes its own key: refused with one line naming the partition
    (its rows would have to move between sub-partitions), as Atlas refuses a partition key change."""
    top = MEASUREMENT + " PARTITION BY RANGE (logdate)"
    a, b = pg_factory(), pg_factory()
    run_sql(a, [top, f"CREATE TABLE m_feb PARTITION OF measurement {FEB} PARTITION BY LIST (city_id)"])
    run_sql(b, [top, f"CREATE TABLE m_feb PARTITION OF measurement {FEB} PARTITION BY RANGE (peaktemp)"])
    with pytest.raises(UnsupportedChange, match=r"^partition m_feb: its partition key changes") as info:
        api.diff_sources(api.load_source(b, CFG), api.load_source(a, CFG), CFG, with_sql=True)
    assert "\n" not in str(info.value)


def test_table_read_by_a_view_becomes_partitioned(make_project, pg_factory: Callable[[], str]) -> None:
    """The view that reads the table is dropped before it is created again and created after (PostgreSQL refuses
    DROP TABLE under a view: "other objects depend on it")."""
    view = "CREATE VIEW hot AS SELECT city_id, logdate FROM measurement WHERE peaktemp > 15"
    a = [MEASUREMENT, view]
    b = [
        MEASUREMENT + " PARTITION BY RANGE (logdate)",
        f"CREATE TABLE m_feb PARTITION OF measurement {FEB}",
        f"CREATE TABLE m_mar PARTITION OF measurement {MAR}",
        view,
    ]
    sql = _converges(make_project, pg_factory, a, b, [ROWS.format(t="measurement")], {"measurement": 3, "hot": 2})
    assert any(s.startswith("DROP VIEW") for s in sql), sql


def test_partition_with_cloned_keys_detached(make_project, pg_factory: Callable[[], str]) -> None:
    """The parent has a primary key and an index, which PostgreSQL clones onto each partition
    (``m_mar_pkey``, ``m_mar_peaktemp_idx``); the detached table keeps them, so the plan neither creates them again
    ("relation already exists") nor drops them."""
    keyed = MEASUREMENT[:-1] + ", PRIMARY KEY (city_id, logdate)){}"
    index = "CREATE INDEX ON {} (peaktemp)"
    a = [
        keyed.format(" PARTITION BY RANGE (logdate)"),
        index.format("measurement"),
        f"CREATE TABLE m_feb PARTITION OF measurement {FEB}",
        f"CREATE TABLE m_mar PARTITION OF measurement {MAR}",
    ]
    b = [
        keyed.format(" PARTITION BY RANGE (logdate)"),
        index.format("measurement"),
        f"CREATE TABLE m_feb PARTITION OF measurement {FEB}",
        keyed.format("").replace("measurement", "m_mar"),
        index.format("m_mar"),
    ]
    sql = _converges(make_project, pg_factory, a, b, [ROWS.format(t="measurement")], {"m_mar": 1, "m_feb": 2})
    assert not any("PRIMARY KEY" in s or "CREATE INDEX" in s for s in sql), sql


def test_migra_partitioning_case_through_revisions(make_project, pg_factory: Callable[[], str]) -> None:
    """migra's own ``partitioning`` case (tests/corpus/diffcases/migra/partitioning): a partition added, one
    detached while the parent gains a column, a table that becomes partitioned and one that stops being so;
    ``diff --sql`` and generated revisions (upgrade and downgrade) converge, the partitions' rows kept."""
    from tests.conftest import CORPUS

    case = CORPUS / "diffcases" / "migra" / "partitioning"
    a = [(case / "a.sql").read_text(encoding="utf-8")]
    b = [(case / "b.sql").read_text(encoding="utf-8")]
    rows = [ROWS.format(t="measurement")]
    kept = {"measurement_y2006m02": 2, "measurement_y2006m03": 1}
    sql = _converges(make_project, pg_factory, a, b, rows, kept)
    assert any("DETACH PARTITION" in s for s in sql), sql


def test_sub_partitions_of_a_rebuilt_table_are_created_again(make_project, pg_factory: Callable[[], str]) -> None:
    """A table whose key changes holds a partition that is itself partitioned: DROP TABLE removed the whole tree,
    so the sub-partitions are created again under their new parent and the rows land in them."""
    sub = f"CREATE TABLE m_feb PARTITION OF measurement {FEB} PARTITION BY LIST (city_id)"
    leaves = [
        "CREATE TABLE m_feb_low PARTITION OF m_feb FOR VALUES IN (1)",
        "CREATE TABLE m_feb_high PARTITION OF m_feb FOR VALUES IN (2, 3)",
    ]
    a = [MEASUREMENT + " PARTITION BY RANGE (logdate)", sub, *leaves]
    b = [
        MEASUREMENT + " PARTITION BY RANGE (logdate, city_id)",
        "CREATE TABLE m_feb PARTITION OF measurement FOR VALUES FROM ('2006-02-01', 0) TO ('2006-03-01', 9) "
        "PARTITION BY LIST (city_id)",
        *leaves,
    ]
    rows = ["INSERT INTO measurement VALUES (1, '2006-02-03', 10), (2, '2006-02-20', 20)"]
    _converges(make_project, pg_factory, a, b, rows, {"measurement": 2, "m_feb_low": 1, "m_feb_high": 1})


def test_referenced_table_becomes_partitioned(make_project, pg_factory: Callable[[], str]) -> None:
    """Another table's foreign key references the table that becomes partitioned (its key includes the partition
    column, as PostgreSQL requires): dropped before the DROP TABLE it would block, added again once the rows are
    back, and validated against them."""
    keyed = MEASUREMENT[:-1] + ", PRIMARY KEY (city_id, logdate)){}"
    readings = (
        "CREATE TABLE readings (id int PRIMARY KEY, city_id int, logdate date, "
        "CONSTRAINT readings_m_fk FOREIGN KEY (city_id, logdate) REFERENCES measurement (city_id, logdate))"
    )
    a = [keyed.format(""), readings]
    b = [
        keyed.format(" PARTITION BY RANGE (logdate)"),
        f"CREATE TABLE m_feb PARTITION OF measurement {FEB}",
        f"CREATE TABLE m_mar PARTITION OF measurement {MAR}",
        readings,
    ]
    rows = [ROWS.format(t="measurement"), "INSERT INTO readings VALUES (1, 1, '2006-02-03'), (2, 3, '2006-03-05')"]
    sql = _converges(make_project, pg_factory, a, b, rows, {"measurement": 3, "readings": 2})
    assert any("readings_m_fk" in s and "DROP CONSTRAINT" in s for s in sql), sql


def test_partition_attached_to_a_keyed_parent(make_project, pg_factory: Callable[[], str]) -> None:
    """The parent has a primary key and an index; ATTACH creates them on the table (``m_mar_pkey``,
    ``m_mar_peaktemp_idx``), so the downgrade's DETACH removes them again: the table returns to its own shape."""
    keyed = MEASUREMENT[:-1] + ", PRIMARY KEY (city_id, logdate)) PARTITION BY RANGE (logdate)"
    common = [keyed, "CREATE INDEX ON measurement (peaktemp)", f"CREATE TABLE m_feb PARTITION OF measurement {FEB}"]
    a = [*common, MEASUREMENT.replace("measurement", "m_mar")]
    b = [*common, f"CREATE TABLE m_mar PARTITION OF measurement {MAR}"]
    rows = ["INSERT INTO m_mar VALUES (3, '2006-03-05', 30)"]
    sql = _converges(make_project, pg_factory, a, b, rows, {"m_mar": 1})
    assert any("ATTACH PARTITION" in s for s in sql), sql
