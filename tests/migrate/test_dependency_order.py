"""Issue 14 §4: creates and drops in dependency order, on real databases (h7 findings 02 and 04).

The views are named so that alphabetical order is wrong both ways: ``"ARank"`` reads ``"ZStat"`` (created
alphabetically, ``"ARank"`` comes first: "relation "ZStat" does not exist") and ``"ZTop"`` reads ``"ARank"``
(dropped alphabetically, ``"ARank"`` goes first: "cannot drop view ... other objects depend on it"). The
materialized view ``"BTopCount"`` reads ``"ZTop"``, and ``"AScore"``'s SQL-standard body (read at creation, its
dependency recorded by PostgreSQL) reads ``"ZStat"``. Names are quoted mixed case, as Prisma writes them.

The second half is an enum losing a value while a table using it leaves the master: the rebuild's
``DROP TYPE "Kind__sg_old"`` must come after that table's ``DROP TABLE``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from schemaguard import api
from schemaguard.dialects import get_dialect
from schemaguard.diff.differ import diff_schemas
from schemaguard.loaders.yaml_master import dump_yaml_master, load_yaml_master
from schemaguard.migrate.planner import plan
from schemaguard.model import ObjectKind, Schema, make_object
from schemaguard.model.depends import dependency_order, readers
from tests.helpers import apply_statements, sqlite_file

PG = get_dialect("postgresql")
SQLITE = get_dialect("sqlite")

PG_CHAIN = """
CREATE TABLE "Post" (id integer PRIMARY KEY, score {type} NOT NULL);
CREATE FUNCTION double_it(x integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT x * 2';
CREATE VIEW "ZStat" AS SELECT id, score, double_it(id) AS twice FROM "Post";
CREATE VIEW "ARank" AS SELECT id, score FROM "ZStat" WHERE score > 0;
CREATE VIEW "ZTop" AS SELECT id, score FROM "ARank" ORDER BY score DESC;
CREATE MATERIALIZED VIEW "BTopCount" AS SELECT count(*) AS n FROM "ZTop";
CREATE FUNCTION "AScore"(p integer) RETURNS bigint LANGUAGE sql STABLE
BEGIN ATOMIC SELECT score FROM "ZStat" WHERE id = p; END;
"""

SQLITE_CHAIN = [
    'CREATE TABLE "Post" (id INTEGER PRIMARY KEY, score INTEGER NOT NULL)',
    'CREATE VIEW "ZStat" AS SELECT id, score FROM "Post"',
    'CREATE VIEW "ARank" AS SELECT id, score FROM "ZStat" WHERE score > 0',
    'CREATE VIEW "ZTop" AS SELECT id, score FROM "ARank" ORDER BY score DESC',
]

CREATE_ORDER = ['"ZStat"', '"ARank"', '"ZTop"', '"BTopCount"']


def _pg(url: str, script: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(script)  # type: ignore[arg-type]


def _chain_db(factory: Callable[[], str], score_type: str = "integer") -> str:
    url = factory()
    _pg(url, PG_CHAIN.format(type=score_type))
    return url


def _via_yaml(schema: Schema, tmp_path: Path) -> Schema:
    """The schema as a YAML master holds it (no catalog, so no dependency data: order comes from the text)."""
    path = tmp_path / "master.yaml"
    path.write_text(dump_yaml_master(schema), encoding="utf-8")
    return load_yaml_master(str(path))


def _positions(statements: list[str], names: list[str]) -> list[int]:
    """Index of the first CREATE (or DROP) statement of each view named (quoted) in ``names``."""
    out = []
    for name in names:
        hits = [
            i
            for i, s in enumerate(statements)
            if s.lstrip()
            .upper()
            .startswith(("CREATE VIEW", "CREATE MATERIALIZED VIEW", "DROP VIEW", "DROP MATERIALIZED"))
            and f"VIEW {name}" in s
        ]
        assert hits, f"no statement for view {name}"
        out.append(hits[0])
    return out


# --- PostgreSQL ---------------------------------------------------------------------------------------------


def test_render_of_views_over_views_applies_on_a_fresh_database(pg_factory: Callable[[], str], tmp_path: Path) -> None:
    master = _via_yaml(api.inspect_url(_chain_db(pg_factory)), tmp_path)
    rendered = api.render(master, "postgresql")
    assert _positions(rendered, CREATE_ORDER) == sorted(_positions(rendered, CREATE_ORDER))
    target = pg_factory()
    apply_statements(target, rendered)  # psycopg raises on the first statement PostgreSQL refuses
    assert diff_schemas(master, api.inspect_url(target), PG) == []


def test_plan_from_empty_applies_converges_and_its_reverse_empties_again(
    pg_factory: Callable[[], str], tmp_path: Path
) -> None:
    desired = _via_yaml(api.inspect_url(_chain_db(pg_factory)), tmp_path)
    target = pg_factory()
    empty = api.inspect_url(target)
    up = plan(diff_schemas(desired, empty, PG), desired, empty, PG)
    apply_statements(target, up.statements())
    assert diff_schemas(desired, api.inspect_url(target), PG) == []
    # The downgrade of a revision: every drop before the drop of what it reads.
    down = up.reverse().statements()
    assert _positions(down, CREATE_ORDER[::-1]) == sorted(_positions(down, CREATE_ORDER[::-1]))
    apply_statements(target, down)
    assert diff_schemas(empty, api.inspect_url(target), PG) == []


def test_plan_to_an_empty_master_drops_readers_first(pg_factory: Callable[[], str]) -> None:
    # `diff --url <db> --to <empty master> --sql`: the drops alone, planned from the catalog side.
    url = _chain_db(pg_factory)
    actual, empty = api.inspect_url(url), api.inspect_url(pg_factory())
    apply_statements(url, PG.plan(diff_schemas(empty, actual, PG), empty, actual))
    assert diff_schemas(empty, api.inspect_url(url), PG) == []


@pytest.mark.parametrize(("before", "after"), [("integer", "bigint"), ("bigint", "integer")])
def test_column_type_change_under_a_chain_of_views_converges(
    pg_factory: Callable[[], str], before: str, after: str
) -> None:
    # Issue 14's dependency case with the alphabetical trap: "Post".score changes type; "ZStat" reads it, "ARank"
    # reads "ZStat", "ZTop" reads "ARank", a materialized view and a BEGIN ATOMIC function read those. Every one
    # is dropped before the ALTER (readers first) and created again after (what they read first).
    actual_url = _chain_db(pg_factory, before)
    _pg(actual_url, 'INSERT INTO "Post" VALUES (1, 5), (2, 7); REFRESH MATERIALIZED VIEW "BTopCount"')
    desired = api.inspect_url(_chain_db(pg_factory, after))
    actual = api.inspect_url(actual_url)
    changes = diff_schemas(desired, actual, PG)
    assert [(c.kind.value, c.table, c.object) for c in changes] == [("column_type", "Post", "score")]
    apply_statements(actual_url, PG.plan(changes, desired, actual))
    assert diff_schemas(desired, api.inspect_url(actual_url), PG) == []
    with psycopg.connect(actual_url) as conn:
        assert conn.execute('SELECT count(*) FROM "ZTop"').fetchone() == (2,)


ENUM_NEW = """
CREATE TYPE "Kind" AS ENUM ('A', 'B', 'C');
CREATE TABLE "M" (id integer PRIMARY KEY, kind "Kind" NOT NULL);
CREATE TABLE "N" (id integer PRIMARY KEY, kind "Kind" NOT NULL DEFAULT 'B');
"""
ENUM_OLD = """
CREATE TYPE "Kind" AS ENUM ('A', 'B');
CREATE TABLE "M" (id integer PRIMARY KEY, kind "Kind" NOT NULL);
"""


def test_enum_value_removed_with_a_table_using_it_dropped(pg_factory: Callable[[], str]) -> None:
    # h7 finding 04: DROP TYPE "Kind__sg_old" came before DROP TABLE "N", whose column still used it.
    url = pg_factory()
    _pg(url, ENUM_NEW + "INSERT INTO \"M\" VALUES (1, 'A'); INSERT INTO \"N\" VALUES (1, 'C');")
    old_url = pg_factory()
    _pg(old_url, ENUM_OLD)
    desired, actual = api.inspect_url(old_url), api.inspect_url(url)
    statements = PG.plan(diff_schemas(desired, actual, PG), desired, actual)
    drop_n = statements.index('DROP TABLE "N"')
    assert drop_n < statements.index('DROP TYPE "Kind__sg_old"')
    # "M".kind has no default on either side: nothing to drop before its type changes.
    assert not [s for s in statements if '"M"' in s and "DROP DEFAULT" in s]
    apply_statements(url, statements)
    assert diff_schemas(desired, api.inspect_url(url), PG) == []


def test_enum_value_added_with_a_table_using_it_and_the_reverse(pg_factory: Callable[[], str]) -> None:
    # The upgrade adds 'C' and table "N"; its reverse (an Alembic downgrade) removes both: "N" goes first.
    url = pg_factory()
    _pg(url, ENUM_OLD + "INSERT INTO \"M\" VALUES (1, 'A');")
    new_url = pg_factory()
    _pg(new_url, ENUM_NEW)
    desired, actual = api.inspect_url(new_url), api.inspect_url(url)
    up = plan(diff_schemas(desired, actual, PG), desired, actual, PG)
    apply_statements(url, up.statements())
    assert diff_schemas(desired, api.inspect_url(url), PG) == []
    _pg(url, "INSERT INTO \"N\" VALUES (1, 'C')")
    apply_statements(url, up.reverse().statements())
    assert diff_schemas(actual, api.inspect_url(url), PG) == []


# --- SQLite -------------------------------------------------------------------------------------------------


def _sqlite_chain(factory: Callable[[], str]) -> str:
    url = factory()
    con = sqlite3.connect(sqlite_file(url))
    try:
        for s in SQLITE_CHAIN:
            con.execute(s)
        con.commit()
    finally:
        con.close()
    return url


def test_sqlite_render_and_plan_create_views_after_what_they_read(
    sqlite_factory: Callable[[], str], tmp_path: Path
) -> None:
    # SQLite accepts a view over a missing view, but the order must still hold (a later ALTER TABLE re-reads
    # every view); the render, the plan from empty and its reverse all follow the dependencies.
    master = _via_yaml(api.inspect_url(_sqlite_chain(sqlite_factory)), tmp_path)
    order = CREATE_ORDER[:3]
    rendered = api.render(master, "sqlite")
    assert _positions(rendered, order) == sorted(_positions(rendered, order))
    fresh = sqlite_factory()
    apply_statements(fresh, rendered)
    assert diff_schemas(master, api.inspect_url(fresh), SQLITE) == []

    target = sqlite_factory()
    apply_statements(target, ["CREATE TABLE sg_probe (x INTEGER)", "DROP TABLE sg_probe"])
    empty = api.inspect_url(target)
    up = plan(diff_schemas(master, empty, SQLITE), master, empty, SQLITE)
    statements = up.statements()
    assert _positions(statements, order) == sorted(_positions(statements, order))
    apply_statements(target, statements)
    assert diff_schemas(master, api.inspect_url(target), SQLITE) == []
    down = up.reverse().statements()
    assert _positions(down, order[::-1]) == sorted(_positions(down, order[::-1]))
    apply_statements(target, down)
    assert diff_schemas(empty, api.inspect_url(target), SQLITE) == []


# --- the ordering itself ------------------------------------------------------------------------------------


def test_unparsable_text_and_cycles_fall_back_to_the_given_order() -> None:
    broken = make_object(ObjectKind.VIEW, "b", 'SELECT FROM WHERE ((( "a"')  # sqlglot cannot parse it
    a = make_object(ObjectKind.VIEW, "a", "SELECT 1 AS x")
    assert [o.name for o in dependency_order([broken, a])] == ["a", "b"]  # the identifier fallback still sees "a"
    # Two views naming each other (only a spurious match can do that): both kept, none lost, no error.
    x = make_object(ObjectKind.VIEW, "x", "SELECT * FROM y")
    y = make_object(ObjectKind.VIEW, "y", "SELECT * FROM x")
    assert [o.name for o in dependency_order([x, y, a])] == ["y", "x", "a"]
    # A schema-qualified reference and an unquoted one fold as PostgreSQL folds them.
    v = make_object(ObjectKind.VIEW, "sales.V", 'SELECT * FROM sales."V2" JOIN public.t USING (id)')
    v2 = make_object(ObjectKind.VIEW, "sales.V2", "SELECT * FROM T")
    assert [o.name for o in dependency_order([v, v2])] == ["sales.V2", "sales.V"]
    assert [o.name for o in readers(["t"], [v, v2], ["t"])] == ["sales.V", "sales.V2"]


GUARDED = """
CREATE TABLE "Acct" (id integer PRIMARY KEY, c {type} NOT NULL);
ALTER TABLE "Acct" ENABLE ROW LEVEL SECURITY;
CREATE POLICY "positive" ON "Acct" USING (c > 0);
CREATE FUNCTION keep_row() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER "checked" BEFORE INSERT ON "Acct" FOR EACH ROW WHEN (NEW.c > 0) EXECUTE FUNCTION keep_row();
CREATE TABLE audit (id integer);
CREATE RULE "copy_big" AS ON UPDATE TO "Acct" WHERE NEW.c > 100 DO ALSO INSERT INTO audit VALUES (NEW.id);
CREATE VIEW "ZAcct" AS SELECT id, c FROM "Acct";
CREATE VIEW "AAcct" AS SELECT c FROM "ZAcct";
"""


def test_column_type_change_under_a_policy_a_trigger_when_and_a_rule(pg_factory: Callable[[], str]) -> None:
    # PostgreSQL refuses "cannot alter type of a column used in a policy definition" (and in a trigger's WHEN, a
    # rule): each is dropped before the ALTER and created again after, with the views over the table.
    actual_url, desired_url = pg_factory(), pg_factory()
    _pg(actual_url, GUARDED.format(type="integer"))
    _pg(desired_url, GUARDED.format(type="bigint"))
    desired, actual = api.inspect_url(desired_url), api.inspect_url(actual_url)
    changes = diff_schemas(desired, actual, PG)
    assert [(c.kind.value, c.table, c.object) for c in changes] == [("column_type", "Acct", "c")]
    statements = PG.plan(changes, desired, actual)
    alter = next(i for i, s in enumerate(statements) if "ALTER COLUMN" in s and "TYPE" in s)
    for drop in ('DROP POLICY "positive"', 'DROP TRIGGER "checked"', 'DROP RULE "copy_big"', 'DROP VIEW "AAcct"'):
        assert any(s.startswith(drop) for s in statements[:alter]), drop
    apply_statements(actual_url, statements)
    assert diff_schemas(desired, api.inspect_url(actual_url), PG) == []


def test_enum_rebuild_under_a_policy(pg_factory: Callable[[], str]) -> None:
    # An enum rebuild changes the type of every column using it: a policy naming such a column goes around it.
    script = """
    CREATE TYPE "Kind" AS ENUM ({values});
    CREATE TABLE "M" (id integer PRIMARY KEY, kind "Kind" NOT NULL);
    ALTER TABLE "M" ENABLE ROW LEVEL SECURITY;
    CREATE POLICY "not_b" ON "M" USING (kind <> 'B');
    """
    url, old_url = pg_factory(), pg_factory()
    _pg(url, script.format(values="'A', 'B', 'C'") + "INSERT INTO \"M\" VALUES (1, 'A');")
    _pg(old_url, script.format(values="'A', 'B'"))
    desired, actual = api.inspect_url(old_url), api.inspect_url(url)
    apply_statements(url, PG.plan(diff_schemas(desired, actual, PG), desired, actual))
    assert diff_schemas(desired, api.inspect_url(url), PG) == []


def test_function_result_change_under_a_view_a_materialized_view_and_a_view(pg_factory: Callable[[], str]) -> None:
    # A changed result type means DROP FUNCTION + CREATE; PostgreSQL refuses the drop while the view calling it
    # (and, through it, a materialized view and another view) exists. All names quoted mixed case.
    script = """
    CREATE TABLE t (id integer);
    CREATE FUNCTION "Dbl"(x integer) RETURNS {result} LANGUAGE sql IMMUTABLE AS 'SELECT x * 2';
    CREATE VIEW "Zv" AS SELECT "Dbl"(id) AS d FROM t;
    CREATE MATERIALIZED VIEW "Am" AS SELECT d FROM "Zv";
    CREATE VIEW "Bv" AS SELECT d FROM "Am";
    """
    actual_url, desired_url = pg_factory(), pg_factory()
    _pg(actual_url, script.format(result="integer"))
    _pg(desired_url, script.format(result="bigint"))
    desired, actual = api.inspect_url(desired_url), api.inspect_url(actual_url)
    changes = diff_schemas(desired, actual, PG)
    assert [(c.kind.value, c.object) for c in changes] == [("function_changed", "Dbl(x integer)")]
    statements = PG.plan(changes, desired, actual)
    assert _positions(statements, ['"Bv"', '"Am"', '"Zv"']) == sorted(_positions(statements, ['"Bv"', '"Am"', '"Zv"']))
    apply_statements(actual_url, statements)
    assert diff_schemas(desired, api.inspect_url(actual_url), PG) == []
