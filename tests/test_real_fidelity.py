"""PostgreSQL fidelity defects an adversarial tester found on real schemas (findings 08, 10, 13, 14).

Every case runs on real, fresh PostgreSQL databases: the feature is created by SQL, inspected, rendered into a
fresh database and compared (no drift either way); then a difference is planted and the diff must name exactly
that change, and the planner's SQL must converge.

- ``CHECK (...) NO INHERIT`` (``pg_constraint.connoinherit``): https://www.postgresql.org/docs/15/sql-createtable.html
- interval fields and precision, unbounded ``bpchar``: https://www.postgresql.org/docs/15/datatype-datetime.html,
  https://www.postgresql.org/docs/15/datatype-character.html
- comments on constraints, indexes and view columns: https://www.postgresql.org/docs/15/sql-comment.html
- a UNIQUE constraint against a unique index: https://www.postgresql.org/docs/15/sql-insert.html (``ON CONFLICT ON
  CONSTRAINT`` names a constraint, not an index)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from schemaguard import api
from schemaguard.dialects import get_dialect
from schemaguard.diff.changes import Change
from schemaguard.diff.differ import diff_schemas
from schemaguard.loaders.yaml_master import dump_yaml_master, load_yaml_master
from schemaguard.migrate import planner
from schemaguard.model import Schema, TypeKind
from schemaguard.model.serialize import schema_from_dict, schema_to_dict
from tests.conftest import run_sql
from tests.helpers import apply_statements

PG = get_dialect("postgresql")


def _diff(desired: Schema, actual: Schema) -> list[Change]:
    return diff_schemas(desired, actual, PG, actual_syntax="postgresql")


def _kinds(changes: list[Change]) -> list[tuple[str, str | None, str | None]]:
    return sorted((c.kind.value, c.table, c.object) for c in changes)


def _round_trip(url: str, make: Callable[[], str]) -> Schema:
    """Inspect ``url``, render into a fresh database, inspect that: no drift either way; the JSON and YAML forms
    of the inspected schema load back equal. Returns the first inspection."""
    s1 = api.inspect_url(url)
    fresh = make()
    apply_statements(fresh, api.render(s1, "postgresql"))
    s2 = api.inspect_url(fresh)
    assert _diff(s1, s2) == []
    assert _diff(s2, s1) == []
    assert schema_from_dict(json.loads(json.dumps(schema_to_dict(s1)))).tables == s1.tables
    reloaded = load_yaml_master("x.yaml", dump_yaml_master(s1))
    assert _diff(reloaded, s1) == []
    return s1


def _converge(desired: Schema, url: str) -> list[str]:
    """Plan ``desired`` against the database at ``url``, apply, and check no drift is left; the plan's SQL."""
    actual = api.inspect_url(url)
    changes = _diff(desired, actual)
    assert changes, "nothing to plan"
    statements = planner.plan_statements(changes, desired, actual, PG)
    apply_statements(url, statements)
    assert _diff(desired, api.inspect_url(url)) == []
    return statements


# --- 08: CHECK ... NO INHERIT ----------------------------------------------------------------------------------

_NO_INHERIT = [
    "CREATE TABLE parent (id int, CONSTRAINT parent_no_rows CHECK (false) NO INHERIT)",
    "CREATE TABLE child (CHECK (id > 0)) INHERITS (parent)",
]


def test_no_inherit_check_is_inspected_and_rendered(pg_factory: Callable[[], str]) -> None:
    url = pg_factory()
    run_sql(url, _NO_INHERIT)
    s = _round_trip(url, pg_factory)  # rendered: CREATE TABLE child ... INHERIT parent no longer refused
    parent, child = s.table("parent"), s.table("child")
    assert parent is not None and child is not None
    assert [(c.name, c.expression, c.no_inherit) for c in parent.checks] == [("parent_no_rows", "false", True)]
    assert [c.name for c in child.checks] == ["child_id_check"]
    assert "no_inherit: true" in dump_yaml_master(s)


def test_no_inherit_check_against_an_inherited_one_is_drift(pg_factory: Callable[[], str]) -> None:
    desired_url, actual_url = pg_factory(), pg_factory()
    run_sql(desired_url, _NO_INHERIT)
    run_sql(actual_url, [_NO_INHERIT[0].replace(" NO INHERIT", ""), _NO_INHERIT[1]])
    desired = api.inspect_url(desired_url)
    changes = _diff(desired, api.inspect_url(actual_url))
    parent_changes = [c for c in changes if c.table == "parent"]
    # One change of the one check (h27 N1: was check_missing + check_extra with the same text).
    assert _kinds(parent_changes) == [("check_changed", "parent", "parent_no_rows")]
    assert parent_changes[0].aspects == ("no_inherit",)
    assert parent_changes[0].message.endswith("is inherited by child tables, expected NO INHERIT")
    # The child inherited the check in the actual database: that one is not in the desired schema.
    assert ("check_extra", "child", "parent_no_rows") in _kinds(changes)
    inheritable = api.inspect_url(actual_url)
    back = [c for c in _diff(inheritable, desired) if c.table == "parent"]
    assert _kinds(back) == [("check_changed", "parent", "parent_no_rows")]
    assert back[0].message.endswith("is NO INHERIT, expected inherited by child tables")
    statements = _converge(desired, actual_url)
    assert any("NO INHERIT" in s for s in statements)
    # ... and back: the parent's check inheritable again, so the child gets it too.
    assert any("NO INHERIT" not in s and "parent_no_rows" in s for s in _converge(inheritable, actual_url))


def test_no_inherit_from_a_yaml_master(pg_factory: Callable[[], str], tmp_path: Path) -> None:
    path = tmp_path / "master.yaml"
    path.write_text(
        "version: 1\n"
        "tables:\n"
        "  parent:\n"
        "    columns: {id: {type: integer}}\n"
        "    checks:\n"
        "      - {name: parent_no_rows, expression: 'false', no_inherit: true}\n"
        "  child:\n"
        "    columns: {id: {type: integer}}\n"
        "inheritance:\n"
        "  child: {parents: parent}\n",
        encoding="utf-8",
    )
    master = load_yaml_master(path)
    parent = master.table("parent")
    assert parent is not None and parent.checks[0].no_inherit
    url = pg_factory()
    apply_statements(url, api.render(master, "postgresql"))
    assert _diff(master, api.inspect_url(url)) == []
    with psycopg.connect(url) as conn:  # the child takes rows, the parent none
        conn.execute("INSERT INTO child VALUES (1)")
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute("INSERT INTO parent VALUES (1)")
    # From an empty database the planner creates it too.
    empty = pg_factory()
    _converge(master, empty)


# --- 14: interval fields / precision, unbounded bpchar ---------------------------------------------------------

_TYPED = (
    "CREATE TABLE t (p interval(0), q interval day to second, r interval year, s interval day to second(3), "
    "m interval minute[], j interval, i bpchar, c char, v varchar(3))"
)


def test_interval_typmod_and_bpchar_are_kept(pg_factory: Callable[[], str]) -> None:
    url = pg_factory()
    run_sql(url, _TYPED)
    s = _round_trip(url, pg_factory)
    t = s.table("t")
    assert t is not None
    types = {c.name: c.type.spec() for c in t.columns}
    assert types == {
        "p": "native(interval(0))",
        "q": "native(interval day to second)",
        "r": "native(interval year)",
        "s": "native(interval day to second(3))",
        "m": "native(interval minute)[]",
        "j": "interval",
        "i": "native(bpchar)",
        "c": "char(1)",
        "v": "varchar(3)",
    }
    col_j = t.column("j")
    assert col_j is not None and col_j.type.kind is TypeKind.INTERVAL


def test_interval_typmod_and_bpchar_drift_is_reported_and_planned(pg_factory: Callable[[], str]) -> None:
    desired_url, actual_url = pg_factory(), pg_factory()
    run_sql(desired_url, _TYPED)
    run_sql(
        actual_url,
        "CREATE TABLE t (p interval, q interval, r interval, s interval day to second, m interval[], j interval, "
        "i char(1), c char, v varchar(3))",
    )
    desired = api.inspect_url(desired_url)
    changes = _diff(desired, api.inspect_url(actual_url))
    assert _kinds(changes) == sorted(("column_type", "t", name) for name in "ipqrsm")
    _converge(desired, actual_url)
    with psycopg.connect(actual_url) as conn:  # the database now stores what the desired one does
        conn.execute("INSERT INTO t (r, i) VALUES ('1 year 3 months 5 days', 'abcdef')")
        assert conn.execute("SELECT r::text, i FROM t").fetchone() == ("1 year", "abcdef")


def test_yaml_char_and_native_interval_render_and_compare(pg_factory: Callable[[], str], tmp_path: Path) -> None:
    """``char`` alone is ``char(1)`` on PostgreSQL (was: phantom "char(1), expected char" after render), and the
    NATIVE interval and bpchar spellings inspect writes render as written."""
    path = tmp_path / "master.yaml"
    path.write_text(
        "version: 1\ntables:\n  t:\n    columns:\n      c: {type: char}\n"
        "      r: {type: native(interval year)}\n      i: {type: native(bpchar)}\n",
        encoding="utf-8",
    )
    master = load_yaml_master(path)
    url = pg_factory()
    apply_statements(url, api.render(master, "postgresql"))
    assert _diff(master, api.inspect_url(url)) == []
    with psycopg.connect(url) as conn:
        conn.execute("INSERT INTO t VALUES ('x', '1 year 3 months', 'long text')")
        assert conn.execute("SELECT r::text, i FROM t").fetchone() == ("1 year", "long text")


# --- 10: UNIQUE constraint against a unique index of the same name ---------------------------------------------


def test_unique_constraint_against_unique_index_is_reported(pg_factory: Callable[[], str]) -> None:
    constraint_url, index_url = pg_factory(), pg_factory()
    run_sql(constraint_url, "CREATE TABLE u (a int, b int, CONSTRAINT u_ab UNIQUE (a, b))")
    run_sql(index_url, ["CREATE TABLE u (a int, b int)", "CREATE UNIQUE INDEX u_ab ON u (a, b)"])
    with_constraint, with_index = api.inspect_url(constraint_url), api.inspect_url(index_url)
    changes = _diff(with_constraint, with_index)
    assert _kinds(changes) == [("index_changed", "u", "u_ab")]
    assert "UNIQUE constraint" in changes[0].message and "unique index" in changes[0].message
    _converge(with_constraint, index_url)
    with psycopg.connect(index_url) as conn:  # ON CONFLICT ON CONSTRAINT works now
        conn.execute("INSERT INTO u VALUES (1, 1) ON CONFLICT ON CONSTRAINT u_ab DO NOTHING")
    # A desired unique index is met by a constraint: a master's column `unique: true` and Prisma's @unique render
    # an index without saying the form must not be one (tests/prisma/test_prisma_fidelity.py).
    assert _diff(with_index, with_constraint) == []


# --- 13: comments on constraints, indexes, matview indexes, view and matview columns ---------------------------

_COMMENTED_BASE = [
    "CREATE TABLE t (id int CONSTRAINT t_pkey PRIMARY KEY, n int CONSTRAINT n_pos CHECK (n > 0), "
    "e int CONSTRAINT e_key UNIQUE, r int CONSTRAINT r_fk REFERENCES t (id))",
    "CREATE INDEX t_n ON t (n)",
    "CREATE MATERIALIZED VIEW mv AS SELECT id FROM t",
    "CREATE INDEX mv_id ON mv (id)",
    "CREATE VIEW v AS SELECT id FROM t",
]
_COMMENTS = [
    "COMMENT ON CONSTRAINT t_pkey ON t IS 'pk'",
    "COMMENT ON CONSTRAINT n_pos ON t IS 'positive'",
    "COMMENT ON CONSTRAINT e_key ON t IS 'unique e'",
    "COMMENT ON CONSTRAINT r_fk ON t IS 'fk'",
    "COMMENT ON INDEX t_n IS 'ix'",
    "COMMENT ON INDEX mv_id IS 'mvix'",
    "COMMENT ON COLUMN v.id IS 'view col'",
    "COMMENT ON COLUMN mv.id IS 'mv col'",
]


def test_comments_on_constraints_indexes_and_view_columns_round_trip(pg_factory: Callable[[], str]) -> None:
    url = pg_factory()
    run_sql(url, _COMMENTED_BASE + _COMMENTS)
    s = _round_trip(url, pg_factory)
    text = dump_yaml_master(s)
    for comment in ("'pk'", "'positive'", "'unique e'", "'fk'", "'ix'", "'mvix'", "'view col'", "'mv col'"):
        assert comment.strip("'") in text, comment


def test_comments_on_constraints_indexes_and_view_columns_are_compared(pg_factory: Callable[[], str]) -> None:
    desired_url, actual_url = pg_factory(), pg_factory()
    run_sql(desired_url, _COMMENTED_BASE + _COMMENTS)
    run_sql(actual_url, _COMMENTED_BASE)
    desired = api.inspect_url(desired_url)
    changes = _diff(desired, api.inspect_url(actual_url))
    assert {c.kind.value for c in changes} == {"comment_changed"}
    described = " | ".join(c.message for c in changes)
    for name in ("t_pkey", "n_pos", "e_key", "r_fk", "t_n", "mv_id", "v.id", "mv.id"):
        assert name in described, name
    assert len(changes) == 8
    _converge(desired, actual_url)
    # ... and back: comments removed.
    _converge(api.inspect_url(pg_factory_base(pg_factory)), actual_url)


def pg_factory_base(make: Callable[[], str]) -> str:
    """A fresh database holding the uncommented objects."""
    url = make()
    run_sql(url, _COMMENTED_BASE)
    return url


def test_commented_objects_dropped_with_their_comments(pg_factory: Callable[[], str]) -> None:
    """Dropping the tables, views and indexes whose constraints, indexes and columns carry comments: the plan
    clears no comment on what it drops (COMMENT ON a dropped object is refused), and converges."""
    url = pg_factory()
    run_sql(url, _COMMENTED_BASE + _COMMENTS)
    empty = api.inspect_url(pg_factory())
    statements = _converge(empty, url)
    assert not any(s.startswith("COMMENT ON") for s in statements)
    # Only the index goes: its comment with it, the others stay.
    url2 = pg_factory()
    run_sql(url2, _COMMENTED_BASE + _COMMENTS)
    without_index = pg_factory()
    run_sql(without_index, _COMMENTED_BASE + [c for c in _COMMENTS if "t_n" not in c] + ["DROP INDEX t_n"])
    assert _kinds(_diff(api.inspect_url(without_index), api.inspect_url(url2))) == [
        ("comment_changed", "t", "index t_n"),
        ("index_extra", "t", "t_n"),
    ]
    _converge(api.inspect_url(without_index), url2)


def test_view_created_again_keeps_its_column_comments(pg_factory: Callable[[], str]) -> None:
    """A view whose definition changes is dropped and created again: its column comments (and a materialized
    view's index comments) are set again by the plan, which converges."""
    desired_url, actual_url = pg_factory(), pg_factory()
    comments = ["COMMENT ON COLUMN v.id IS 'view col'", "COMMENT ON INDEX mv_id IS 'mvix'"]
    for url, where in ((desired_url, " WHERE n > 1"), (actual_url, "")):
        run_sql(
            url,
            [
                "CREATE TABLE t (id int PRIMARY KEY, n int)",
                f"CREATE VIEW v AS SELECT id FROM t{where}",
                f"CREATE MATERIALIZED VIEW mv AS SELECT id FROM t{where}",
                "CREATE INDEX mv_id ON mv (id)",
                *comments,
            ],
        )
    desired = api.inspect_url(desired_url)
    assert {c.kind.value for c in _diff(desired, api.inspect_url(actual_url))} == {
        "view_changed",
        "materialized_view_changed",
    }
    _converge(desired, actual_url)
