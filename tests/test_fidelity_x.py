"""Cross-dialect and naming fidelity on real databases (SQLite files, PostgreSQL 15).

1. A boolean column's integer default of a master made from SQLite (``has_cover BOOL DEFAULT 0``, calibre):
   SQLite stores booleans as 0/1 (https://www.sqlite.org/datatype3.html section 2.1); PostgreSQL refuses
   ``DEFAULT 0`` on a boolean column and stores ``false``.
2. SQLite names views, triggers and virtual tables case-insensitively (https://www.sqlite.org/lang_keywords.html);
   PostgreSQL's quoted names stay case-sensitive.
3. Indexes of single partitions of a PostgreSQL partitioned table
   (https://www.postgresql.org/docs/15/ddl-partitioning.html).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

from schemaguard import api
from schemaguard.dialects import get_dialect
from schemaguard.diff.changes import Change
from schemaguard.diff.differ import diff_schemas
from schemaguard.loaders.yaml_master import dump_yaml_master, load_yaml_master
from schemaguard.model import Schema
from tests.helpers import apply_statements, diff_json, run_cli, sqlite_file

PG = get_dialect("postgresql")
SQLITE = get_dialect("sqlite")


def _pg_diff(desired: Schema, actual: Schema) -> list[Change]:
    return diff_schemas(desired, actual, PG, actual_syntax="postgresql")


def _kinds(changes: list[Change]) -> list[tuple[str, str | None, str | None]]:
    return sorted((c.kind.value, c.table, c.object) for c in changes)


def _sqlite(url: str, script: str) -> None:
    con = sqlite3.connect(sqlite_file(url))
    try:
        con.executescript(script)
    finally:
        con.close()


# --- 1: boolean 0/1 defaults of a SQLite-made master on PostgreSQL ------------------------------------------

_CALIBRE_LIKE = """
CREATE TABLE books (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL DEFAULT 'Unknown',
    has_cover BOOL DEFAULT 0,
    flagged BOOLEAN NOT NULL DEFAULT 1,
    pinned BOOLEAN DEFAULT '0'
);
"""


def test_sqlite_boolean_int_defaults_render_apply_and_compare_on_postgresql(
    sqlite_url: str, pg_factory: Callable[[], str], tmp_path: Path, capsys: Any
) -> None:
    _sqlite(sqlite_url, _CALIBRE_LIKE)
    master = tmp_path / "master.yaml"
    code, _, err = run_cli(["inspect", "--url", sqlite_url, "-o", str(master)], capsys)
    assert code == 0, err
    code, ddl, err = run_cli(["render", "-d", "postgresql", "--master", str(master)], capsys)
    assert code == 0, err
    assert '"has_cover" BOOLEAN DEFAULT FALSE' in ddl
    assert '"flagged" BOOLEAN DEFAULT TRUE NOT NULL' in ddl
    pg = pg_factory()
    with_master = api.render(api.inspect_url(sqlite_url), "postgresql")
    apply_statements(pg, with_master)  # refused before: default expression is of type integer
    code, report = diff_json(["diff", "--to", str(master), "--from", pg], capsys)
    assert code == 0, report
    # And the SQLite file itself as the desired side against the PostgreSQL database.
    assert _pg_diff(api.inspect_url(sqlite_url), api.inspect_url(pg)) == []


def test_postgresql_false_default_against_a_sqlite_master_zero_is_no_drift(
    sqlite_url: str, pg_url: str, capsys: Any
) -> None:
    """A PostgreSQL database made by hand (``DEFAULT false``) against the SQLite master's ``DEFAULT 0``: no drift;
    a real difference (``true`` vs ``0``) still is."""
    _sqlite(sqlite_url, _CALIBRE_LIKE)
    apply_statements(
        pg_url,
        [
            "CREATE TABLE books (id serial PRIMARY KEY, title text NOT NULL DEFAULT 'Unknown',"
            " has_cover boolean DEFAULT false, flagged boolean NOT NULL DEFAULT true, pinned boolean DEFAULT false)"
        ],
    )
    master = api.inspect_url(sqlite_url)
    assert _pg_diff(master, api.inspect_url(pg_url)) == []
    apply_statements(pg_url, ["ALTER TABLE books ALTER COLUMN has_cover SET DEFAULT true"])
    changes = _pg_diff(master, api.inspect_url(pg_url))
    assert _kinds(changes) == [("column_default", "books", "has_cover")]
    statements = PG.plan(changes, PG.adapt(master), api.inspect_url(pg_url))
    apply_statements(pg_url, statements)
    assert _pg_diff(master, api.inspect_url(pg_url)) == []


# --- 2: SQLite views, triggers and virtual tables are named case-insensitively --------------------------------

_MIXED_CASE = """
CREATE TABLE Items (id INTEGER PRIMARY KEY, active INT NOT NULL DEFAULT 1) STRICT;
CREATE VIEW V_Active AS SELECT id FROM Items WHERE active > 0;
CREATE TRIGGER TR_Items_Touch AFTER UPDATE ON Items BEGIN SELECT 1; END;
CREATE VIRTUAL TABLE T_FTS USING fts5(body);
"""


def test_sqlite_object_names_differing_in_case_are_no_drift(sqlite_factory: Callable[[], str], capsys: Any) -> None:
    master, db = sqlite_factory(), sqlite_factory()
    _sqlite(master, _MIXED_CASE)
    _sqlite(
        db,
        _MIXED_CASE.replace("V_Active", "v_active")
        .replace("TR_Items", "tr_items")
        .replace("T_FTS", "t_fts")
        .replace("Items", "items"),
    )
    desired, actual = api.inspect_url(master), api.inspect_url(db)
    assert {o.name for o in actual.objects} >= {"v_active", "tr_items_Touch", "t_fts"}
    assert diff_schemas(desired, actual, SQLITE) == []
    assert diff_schemas(actual, desired, SQLITE) == []
    code, report = diff_json(["diff", "--to", master, "--from", db], capsys)
    assert code == 0, report


def test_sqlite_object_differing_in_case_and_body_is_one_change_and_converges(
    sqlite_factory: Callable[[], str],
) -> None:
    """Paired whatever the case, a real difference is one view_changed (not missing + extra), and the plan
    converges on the real file."""
    master, db = sqlite_factory(), sqlite_factory()
    _sqlite(master, _MIXED_CASE)
    _sqlite(db, _MIXED_CASE.replace("V_Active", "v_active").replace("active > 0", "active > 1"))
    desired, actual = api.inspect_url(master), api.inspect_url(db)
    changes = diff_schemas(desired, actual, SQLITE)
    assert _kinds(changes) == [("view_changed", None, "V_Active")]
    apply_statements(db, SQLITE.plan(changes, SQLITE.adapt(desired), actual))
    assert diff_schemas(desired, api.inspect_url(db), SQLITE) == []
    # A view of the other name only is still missing: folding pairs names, it does not hide objects.
    _sqlite(db, "DROP VIEW V_ACTIVE; CREATE VIEW v_other AS SELECT 1;")
    assert _kinds(diff_schemas(desired, api.inspect_url(db), SQLITE)) == [
        ("view_extra", None, "v_other"),
        ("view_missing", None, "V_Active"),
    ]


def test_postgresql_quoted_view_names_stay_case_sensitive(pg_factory: Callable[[], str]) -> None:
    """PostgreSQL folds unquoted names to lower case but a quoted ``"V"`` is another view than ``v``
    (https://www.postgresql.org/docs/15/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS): still drift."""
    upper, lower = pg_factory(), pg_factory()
    apply_statements(upper, ['CREATE VIEW "V" AS SELECT 1 AS x'])
    apply_statements(lower, ["CREATE VIEW v AS SELECT 1 AS x"])
    changes = _pg_diff(api.inspect_url(upper), api.inspect_url(lower))
    assert _kinds(changes) == [("view_extra", None, "v"), ("view_missing", None, "V")]


# --- 3: indexes of single partitions (PostgreSQL) ------------------------------------------------------------

_PARTITIONED = [
    "CREATE TABLE measure (id int NOT NULL, at date NOT NULL, city text, peak int) PARTITION BY RANGE (at)",
    "CREATE TABLE measure_2020 PARTITION OF measure FOR VALUES FROM ('2020-01-01') TO ('2021-01-01')",
    "CREATE TABLE measure_2021 PARTITION OF measure FOR VALUES FROM ('2021-01-01') TO ('2022-01-01')"
    " PARTITION BY LIST (city)",
    "CREATE TABLE measure_2021_x PARTITION OF measure_2021 FOR VALUES IN ('x')",
    "CREATE INDEX measure_at ON measure (at)",  # cascades to every partition: reported once, on the parent
]
_OWN_INDEXES = [
    "CREATE INDEX measure_2020_peak ON measure_2020 (peak) WHERE peak > 10",
    'CREATE UNIQUE INDEX "Measure 2021 City" ON measure_2021 (city, id, at)',  # sub-partitioned: cascades too
]


def _partition(schema: Schema, name: str) -> Any:
    return next(o for o in schema.objects if o.kind.value == "partition" and o.name == name)


def test_index_on_one_partition_is_inspected_once_and_round_trips(pg_factory: Callable[[], str]) -> None:
    url = pg_factory()
    apply_statements(url, _PARTITIONED + _OWN_INDEXES)
    s = api.inspect_url(url)
    assert [ix.name for ix in s.table("measure").indexes] == ["measure_at"]
    assert _partition(s, "measure_2020").attribute("indexes") == (
        "CREATE INDEX measure_2020_peak ON public.measure_2020 USING btree (peak) WHERE (peak > 10)"
    )
    # The sub-partitioned partition's own index is written as one that cascades (not ON ONLY).
    assert _partition(s, "measure_2021").attribute("indexes") == (
        'CREATE UNIQUE INDEX "Measure 2021 City" ON public.measure_2021 USING btree (city, id, at)'
    )
    # Indexes made by the parent's index (attached to it in pg_inherits) are no partition's own.
    assert _partition(s, "measure_2021_x").attribute("indexes") is None
    fresh = pg_factory()
    apply_statements(fresh, api.render(s, "postgresql"))
    s2 = api.inspect_url(fresh)
    assert _pg_diff(s, s2) == []
    assert _pg_diff(s2, s) == []
    with psycopg.connect(fresh) as conn:
        (count,) = conn.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 'measure_2021_x'").fetchone() or (0,)
    assert count == 2  # measure_at's and "Measure 2021 City"'s, each created once by cascade
    reloaded = load_yaml_master("m.yaml", dump_yaml_master(s))
    assert _pg_diff(reloaded, s) == []


def test_index_on_one_partition_is_drift_and_planned(pg_factory: Callable[[], str]) -> None:
    """The partition-only index missing from a database is drift (was: 'no drift'); the plan creates it without
    touching the partition's rows, and the reverse plan drops it."""
    with_ix, without = pg_factory(), pg_factory()
    apply_statements(with_ix, _PARTITIONED + _OWN_INDEXES)
    apply_statements(without, [*_PARTITIONED, "INSERT INTO measure VALUES (1, '2020-05-01', 'x', 20)"])
    desired = api.inspect_url(with_ix)
    actual = api.inspect_url(without)
    changes = _pg_diff(desired, actual)
    assert _kinds(changes) == [
        ("partition_changed", "measure", "measure_2020"),
        ("partition_changed", "measure", "measure_2021"),
    ]
    assert all(c.aspects == ("indexes",) for c in changes)
    statements = PG.plan(changes, desired, actual)
    assert not any(s.upper().startswith("DROP TABLE") for s in statements), statements
    apply_statements(without, statements)
    assert _pg_diff(desired, api.inspect_url(without)) == []
    with psycopg.connect(without) as conn:
        assert conn.execute("SELECT count(*) FROM measure").fetchone() == (1,)
    # Back: the partition-only indexes are dropped again.
    bare = api.inspect_url(pg_factory_with(pg_factory, _PARTITIONED))
    now = api.inspect_url(without)
    back = _pg_diff(bare, now)
    apply_statements(without, PG.plan(back, bare, now))
    assert _pg_diff(bare, api.inspect_url(without)) == []


def pg_factory_with(make: Callable[[], str], statements: list[str]) -> str:
    url = make()
    apply_statements(url, statements)
    return url


def test_sqlite_quoted_object_names_differing_in_case_are_no_drift(sqlite_factory: Callable[[], str]) -> None:
    """``CREATE VIEW "V_Active"`` (an ORM quotes every name) and ``CREATE VIEW v_active`` are one view with one
    statement on SQLite; a string literal differing in case still is drift."""
    quoted, bare = sqlite_factory(), sqlite_factory()
    _sqlite(
        quoted,
        'CREATE TABLE "Items" ("Id" INTEGER PRIMARY KEY, "Tag" TEXT);'
        'CREATE VIEW "V_Active" AS SELECT "Id" FROM "Items" WHERE "Tag" = \'On\';'
        'CREATE TRIGGER "TR_Touch" AFTER INSERT ON "Items" BEGIN SELECT 1; END;'
        'CREATE VIRTUAL TABLE "T_FTS" USING fts5("Body");',
    )
    _sqlite(
        bare,
        "CREATE TABLE items (id INTEGER PRIMARY KEY, tag TEXT);"
        "CREATE VIEW v_active AS SELECT id FROM items WHERE tag = 'On';"
        "CREATE TRIGGER tr_touch AFTER INSERT ON items BEGIN SELECT 1; END;"
        "CREATE VIRTUAL TABLE t_fts USING fts5(body);",
    )
    assert diff_schemas(api.inspect_url(quoted), api.inspect_url(bare), SQLITE) == []
    _sqlite(bare, "DROP VIEW v_active; CREATE VIEW v_active AS SELECT id FROM items WHERE tag = 'ON';")
    changes = diff_schemas(api.inspect_url(quoted), api.inspect_url(bare), SQLITE)
    assert _kinds(changes) == [("view_changed", None, "V_Active")]
