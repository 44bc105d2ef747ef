"""PostgreSQL fidelity: features an adversarial tester found missed (or invented) on real schemas.

Each case runs on real fresh PostgreSQL databases: the feature is created by SQL, inspected, rendered into a
fresh database and compared (no drift), then a difference is planted by SQL and the diff must name exactly that
change; where a YAML master is involved, master -> render -> apply -> diff = 0, and the planner's SQL converges.
Semantics: https://www.postgresql.org/docs/15/sql-createindex.html (INCLUDE, NULLS NOT DISTINCT),
https://www.postgresql.org/docs/15/sql-createtable.html (identity columns, DEFERRABLE),
https://www.postgresql.org/docs/15/sql-altertable.html (NOT VALID), https://www.postgresql.org/docs/15/collation.html.
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
from schemaguard.model import Schema
from schemaguard.model.serialize import schema_from_dict, schema_to_dict
from tests.conftest import run_sql
from tests.helpers import apply_statements

PG = get_dialect("postgresql")


def _diff(desired: Schema, actual: Schema) -> list[Change]:
    return diff_schemas(desired, actual, PG, actual_syntax="postgresql")


def _kinds(changes: list[Change]) -> list[tuple[str, str | None, str | None]]:
    return [(c.kind.value, c.table, c.object) for c in changes]


def _round_trip(url: str, make: Callable[[], str]) -> Schema:
    """Inspect ``url``, render into a fresh database, inspect that: no drift either way; JSON and YAML forms of
    the inspected schema load back equal. Returns the first inspection."""
    s1 = api.inspect_url(url)
    fresh = make()
    apply_statements(fresh, api.render(s1, "postgresql"))
    s2 = api.inspect_url(fresh)
    assert _diff(s1, s2) == []
    assert _diff(s2, s1) == []
    assert schema_from_dict(json.loads(json.dumps(schema_to_dict(s1)))).tables == s1.tables
    return s1


def _converge(desired: Schema, url: str) -> None:
    """Plan desired vs the database at ``url``, apply, and check no drift is left."""
    actual = api.inspect_url(url)
    changes = _diff(desired, actual)
    assert changes, "nothing to plan"
    apply_statements(url, planner.plan_statements(changes, desired, actual, PG))
    assert _diff(desired, api.inspect_url(url)) == []


def _master(tmp_path: Path, text: str) -> Schema:
    path = tmp_path / "master.yaml"
    path.write_text(text, encoding="utf-8")
    return load_yaml_master(path)


def _yaml_round_trip(master: Schema, url: str) -> Schema:
    """master -> render -> apply -> inspect: no drift; the inspected schema dumped as YAML loads back equal."""
    apply_statements(url, api.render(master, "postgresql"))
    inspected = api.inspect_url(url)
    assert _diff(master, inspected) == []
    reloaded = load_yaml_master("x.yaml", dump_yaml_master(inspected))
    assert _diff(reloaded, inspected) == []
    return inspected


# --- 1. INCLUDE ------------------------------------------------------------------------------------------------


def test_index_include_round_trips_and_drift_is_named(pg_factory: Callable[[], str]) -> None:
    url = pg_factory()
    run_sql(
        url,
        "CREATE TABLE t (id int PRIMARY KEY, a int, b int, c text, CONSTRAINT t_b_key UNIQUE (b) INCLUDE (c));"
        "CREATE INDEX t_a_idx ON t (a) INCLUDE (b, c);",
    )
    s = _round_trip(url, pg_factory)
    t = s.table("t")
    assert t is not None
    assert {ix.name: ix.include for ix in t.indexes} == {"t_a_idx": ("b", "c"), "t_b_key": ("c",)}
    assert 'INCLUDE ("b", "c")' in "\n".join(api.render(s, "postgresql"))
    # Plant: the covering columns change, and the constraint loses its INCLUDE.
    run_sql(
        url,
        "DROP INDEX t_a_idx; CREATE INDEX t_a_idx ON t (a) INCLUDE (b);"
        "ALTER TABLE t DROP CONSTRAINT t_b_key, ADD CONSTRAINT t_b_key UNIQUE (b);",
    )
    changes = _diff(s, api.inspect_url(url))
    assert sorted(_kinds(changes)) == [("index_changed", "t", "t_a_idx"), ("index_changed", "t", "t_b_key")]
    assert "INCLUDE (b, c)" in next(c.message for c in changes if c.object == "t_a_idx")
    _converge(s, url)


def test_include_in_yaml_master_and_dropped_on_sqlite(
    tmp_path: Path, pg_factory: Callable[[], str], sqlite_url: str
) -> None:
    master = _master(
        tmp_path,
        """
version: 1
tables:
  t:
    columns:
      id: {type: integer, primary_key: true}
      a: {type: integer}
      b: {type: integer}
    indexes:
      - {columns: [a], name: t_a_idx, include: [b]}
    unique:
      - {columns: [b], name: t_b_key, include: [a]}
""",
    )
    url = pg_factory()
    inspected = _yaml_round_trip(master, url)
    t = inspected.table("t")
    assert t is not None and {ix.name: ix.include for ix in t.indexes} == {"t_a_idx": ("b",), "t_b_key": ("a",)}
    # SQLite has no INCLUDE: dropped when adapted, as index methods are; the rendered DDL is accepted.
    ddl = api.render(master, "sqlite")
    assert "INCLUDE" not in "\n".join(ddl)
    apply_statements(sqlite_url, ddl)
    assert diff_schemas(master, api.inspect_url(sqlite_url), get_dialect("sqlite")) == []


# --- 2. NULLS NOT DISTINCT ---------------------------------------------------------------------------------------


def test_nulls_not_distinct_round_trips_and_drift_is_named(pg_factory: Callable[[], str], tmp_path: Path) -> None:
    url = pg_factory()
    run_sql(
        url,
        "CREATE TABLE t (id int PRIMARY KEY, a int, b int, CONSTRAINT t_b_key UNIQUE NULLS NOT DISTINCT (b));"
        "CREATE UNIQUE INDEX t_a_key ON t (a) NULLS NOT DISTINCT;",
    )
    s = _round_trip(url, pg_factory)
    t = s.table("t")
    assert t is not None and all(ix.nulls_not_distinct for ix in t.indexes) and len(t.indexes) == 2
    run_sql(url, "DROP INDEX t_a_key; CREATE UNIQUE INDEX t_a_key ON t (a);")
    changes = _diff(s, api.inspect_url(url))
    assert _kinds(changes) == [("index_changed", "t", "t_a_key")]
    assert "NULLS NOT DISTINCT" in changes[0].message
    _converge(s, url)
    # The semantics the flag carries: a second NULL is refused again after the plan.
    run_sql(url, "INSERT INTO t (id, a) VALUES (1, NULL)")
    with pytest.raises(psycopg.errors.UniqueViolation):
        run_sql(url, "INSERT INTO t (id, a) VALUES (2, NULL)")
    master = _master(
        tmp_path,
        """
version: 1
tables:
  t:
    columns:
      id: {type: integer, primary_key: true}
      a: {type: integer}
      b: {type: integer}
    indexes:
      - {columns: [a], name: t_a_key, unique: true, nulls_not_distinct: true}
    unique:
      - {columns: [b], name: t_b_key, nulls_not_distinct: true}
""",
    )
    _yaml_round_trip(master, pg_factory())
    # The master against the database before the plan: the unique index there treats NULLs as distinct.
    other = pg_factory()
    run_sql(
        other,
        "CREATE TABLE t (id int PRIMARY KEY, a int, b int, CONSTRAINT t_b_key UNIQUE NULLS NOT DISTINCT (b));"
        "CREATE UNIQUE INDEX t_a_key ON t (a);",
    )
    assert _kinds(_diff(master, api.inspect_url(other))) == [("index_changed", "t", "t_a_key")]


# --- 3. identity columns -----------------------------------------------------------------------------------------


def test_identity_always_is_kept_and_compared(pg_factory: Callable[[], str], tmp_path: Path) -> None:
    url = pg_factory()
    run_sql(
        url,
        "CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY (START WITH 100 INCREMENT BY 5) PRIMARY KEY,"
        " k int GENERATED BY DEFAULT AS IDENTITY, v text)",
    )
    s = _round_trip(url, pg_factory)
    t = s.table("t")
    assert t is not None
    assert [(c.name, c.identity, c.autoincrement) for c in t.columns] == [
        ("id", "always", True),
        ("k", "by default", True),
        ("v", None, False),
    ]
    ddl = "\n".join(api.render(s, "postgresql"))
    assert "GENERATED ALWAYS AS IDENTITY" in ddl and "BIGSERIAL" not in ddl.upper()
    # The sequence options are the identity sequence's: compared (and rendered) there.
    seq = next(o for o in s.objects if o.name == "t_id_seq")
    assert (seq.attribute("start"), seq.attribute("increment"), seq.attribute("identity")) == ("100", "5", "true")
    # Plant: ALWAYS becomes BY DEFAULT.
    run_sql(url, "ALTER TABLE t ALTER COLUMN id SET GENERATED BY DEFAULT")
    changes = _diff(s, api.inspect_url(url))
    assert _kinds(changes) == [("column_default", "t", "id")]
    assert changes[0].aspects == ("identity",)
    # The message names both forms (it once read "autoincrement, expected autoincrement").
    assert changes[0].message.endswith("identity GENERATED BY DEFAULT, expected identity GENERATED ALWAYS")
    _converge(s, url)
    with pytest.raises(psycopg.errors.GeneratedAlways):
        run_sql(url, "INSERT INTO t (id, v) VALUES (1, 'x')")
    # A YAML master says it with `identity:`; serial and BY DEFAULT mean the same and compare equal.
    master = _master(
        tmp_path,
        """
version: 1
tables:
  t:
    columns:
      id: {type: bigint, primary_key: true, identity: always}
      k: {type: integer, nullable: false, identity: by default}
      n: {type: integer, nullable: false, autoincrement: true}
""",
    )
    inspected = _yaml_round_trip(master, pg_factory())
    ti = inspected.table("t")
    assert ti is not None and [c.identity for c in ti.columns] == ["always", "by default", "by default"]
    serial = pg_factory()
    run_sql(serial, "CREATE TABLE t (id bigserial PRIMARY KEY, k serial NOT NULL, n serial NOT NULL)")
    assert [(c.kind.value, c.object, c.aspects) for c in _diff(master, api.inspect_url(serial))] == [
        ("column_default", "id", ("identity",))
    ]


def test_shared_sequence_default_is_not_serial(pg_factory: Callable[[], str]) -> None:
    url = pg_factory()
    run_sql(
        url,
        "CREATE SEQUENCE shared_seq; CREATE TABLE a (id int DEFAULT nextval('shared_seq') NOT NULL);"
        "CREATE TABLE b (id int DEFAULT nextval('shared_seq') NOT NULL);",
    )
    s = _round_trip(url, pg_factory)
    for name in ("a", "b"):
        t = s.table(name)
        assert t is not None
        (col,) = t.columns
        assert not col.autoincrement and col.default is not None and "shared_seq" in str(col.default.value)
    assert [o.name for o in s.objects if o.kind.value == "sequence"] == ["shared_seq"]
    ddl = "\n".join(api.render(s, "postgresql"))
    assert "SERIAL" not in ddl.upper() and "CREATE SEQUENCE" in ddl
    # Plant: b gets a sequence of its own.
    run_sql(url, "ALTER TABLE b ALTER COLUMN id SET DEFAULT 7")
    assert _kinds(_diff(s, api.inspect_url(url))) == [("column_default", "b", "id")]


# --- 4. NOT VALID ------------------------------------------------------------------------------------------------


_NOT_VALID_SQL = (
    "CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE c (id int PRIMARY KEY, p_id int, qty int);"
    "INSERT INTO c VALUES (1, 99, -1);"
    "ALTER TABLE c ADD CONSTRAINT c_p_fk FOREIGN KEY (p_id) REFERENCES p (id) NOT VALID;"
    "ALTER TABLE c ADD CONSTRAINT c_qty_check CHECK (qty >= 0) NOT VALID;"
)


def test_not_valid_constraints_round_trip_and_are_reported(pg_factory: Callable[[], str], tmp_path: Path) -> None:
    url = pg_factory()
    run_sql(url, _NOT_VALID_SQL)
    s = _round_trip(url, pg_factory)
    c = s.table("c")
    assert c is not None
    assert [fk.not_valid for fk in c.foreign_keys] == [True] and [ck.not_valid for ck in c.checks] == [True]
    ddl = api.render(s, "postgresql")
    assert any(x.endswith("NOT VALID") and "c_qty_check" in x for x in ddl)
    # The reverse (master NOT VALID, database validated) is no drift: a stronger guarantee, as documented.
    validated = pg_factory()
    run_sql(validated, _NOT_VALID_SQL.replace("INSERT INTO c VALUES (1, 99, -1);", ""))
    run_sql(validated, "ALTER TABLE c VALIDATE CONSTRAINT c_p_fk; ALTER TABLE c VALIDATE CONSTRAINT c_qty_check")
    v = api.inspect_url(validated)
    assert _diff(s, v) == []
    # A validated master against the NOT VALID database: both constraints are named.
    changes = _diff(v, api.inspect_url(url))
    assert sorted(_kinds(changes)) == [
        ("check_extra", "c", "c_qty_check"),
        ("check_missing", "c", "c_qty_check"),
        ("foreign_key_changed", "c", "c_p_fk"),
    ]
    assert all("NOT VALID" in ch.message for ch in changes)
    # Plan it on a database whose rows satisfy the constraints: it converges (the constraints get validated).
    fixable = pg_factory()
    run_sql(fixable, _NOT_VALID_SQL.replace("(1, 99, -1)", "(1, NULL, 3)"))
    _converge(v, fixable)
    master = _master(
        tmp_path,
        """
version: 1
tables:
  p:
    columns:
      id: {type: integer, primary_key: true}
  c:
    columns:
      id: {type: integer, primary_key: true}
      p_id: {type: integer}
      qty: {type: integer}
    foreign_keys:
      - {columns: [p_id], references: p.id, name: c_p_fk, not_valid: true}
    checks:
      - {expression: qty >= 0, name: c_qty_check, not_valid: true}
""",
    )
    inspected = _yaml_round_trip(master, pg_factory())
    ci = inspected.table("c")
    assert ci is not None and ci.foreign_keys[0].not_valid and ci.checks[0].not_valid


# --- 5. deferrable foreign keys in the YAML master -----------------------------------------------------------------


def test_yaml_master_deferrable_foreign_keys(pg_factory: Callable[[], str], tmp_path: Path) -> None:
    master = _master(
        tmp_path,
        """
version: 1
tables:
  p:
    columns:
      id: {type: integer, primary_key: true}
      code: {type: integer}
    unique:
      - {columns: [code], name: p_code_key, deferrable: true}
  c:
    columns:
      id: {type: integer, primary_key: true}
      p_id: {type: integer}
      q_id: {type: integer}
    foreign_keys:
      - {columns: [p_id], references: p.id, deferrable: true, initially_deferred: true}
      - {columns: [q_id], references: p.id, name: c_q_fk, deferrable: true}
""",
    )
    c = master.table("c")
    assert c is not None
    assert sorted((fk.deferrable, fk.initially_deferred) for fk in c.foreign_keys) == [(True, False), (True, True)]
    url = pg_factory()
    inspected = _yaml_round_trip(master, url)
    ci = inspected.table("c")
    assert ci is not None
    assert sorted((fk.deferrable, fk.initially_deferred) for fk in ci.foreign_keys) == [(True, False), (True, True)]
    # Plant: one key is no longer deferrable.
    run_sql(url, "ALTER TABLE c ALTER CONSTRAINT c_q_fk NOT DEFERRABLE")
    assert _kinds(_diff(master, api.inspect_url(url))) == [("foreign_key_changed", "c", "c_q_fk")]
    _converge(master, url)


def test_yaml_master_initially_deferred_needs_deferrable(tmp_path: Path) -> None:
    from schemaguard.errors import SchemaError

    with pytest.raises(SchemaError, match="initially_deferred needs deferrable"):
        _master(
            tmp_path,
            """
version: 1
tables:
  p:
    columns:
      id: {type: integer, primary_key: true}
    foreign_keys:
      - {columns: [id], references: p.id, initially_deferred: true}
""",
        )


def test_unowned_sequence_named_as_the_serial_is_still_serial(pg_factory: Callable[[], str]) -> None:
    # pg_dump output such as pagila's: the sequence is created apart, not owned, named {table}_{column}_seq.
    url = pg_factory()
    run_sql(
        url,
        "CREATE SEQUENCE actor_actor_id_seq;"
        "CREATE TABLE actor (actor_id integer DEFAULT nextval('actor_actor_id_seq') NOT NULL PRIMARY KEY);",
    )
    s = _round_trip(url, pg_factory)
    t = s.table("actor")
    assert t is not None and t.columns[0].autoincrement and t.columns[0].default is None
    assert [o for o in s.objects if o.kind.value == "sequence"] == []
    # A second column drawing on it makes it shared: neither column is its serial any more.
    run_sql(url, "CREATE TABLE film (id integer DEFAULT nextval('actor_actor_id_seq'))")
    shared = api.inspect_url(url)
    actor = shared.table("actor")
    assert actor is not None and not actor.columns[0].autoincrement
    assert [o.name for o in shared.objects if o.kind.value == "sequence"] == ["actor_actor_id_seq"]


# --- 6. user-made collations -------------------------------------------------------------------------------------

_COLLATION_SQL = (
    "CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);"
    'CREATE TABLE t (id int PRIMARY KEY, name text COLLATE ci, other text COLLATE "und-x-icu");'
)


def test_user_collation_is_inspected_rendered_and_compared(pg_factory: Callable[[], str]) -> None:
    url = pg_factory()
    run_sql(url, _COLLATION_SQL)
    # Before the fix the rendered DDL named COLLATE "public"."ci" in a database without it: refused.
    s = _round_trip(url, pg_factory)
    (definition,) = [o for o in s.objects if o.kind.value == "collation_definition"]
    assert definition.name == "ci"
    assert dict(definition.attributes) == {"provider": "icu", "locale": "und-u-ks-level2", "deterministic": "false"}
    # The YAML master writes it (collation_definitions:) and reads it back.
    assert "collation_definitions" in dump_yaml_master(s)
    assert _diff(load_yaml_master("x.yaml", dump_yaml_master(s)), s) == []
    # Compared now, so not listed as "no model for this object type" in the coverage section.
    assert not any(e.what == "collation" and "public.ci" in e.names for e in s.not_compared)
    # The semantics it carries: case-insensitive comparison of the column.
    fresh = pg_factory()
    apply_statements(fresh, api.render(s, "postgresql"))
    run_sql(fresh, "INSERT INTO t VALUES (1, 'Abc', 'x')")
    with psycopg.connect(fresh) as conn:
        assert conn.execute("SELECT count(*) FROM t WHERE name = 'ABC'").fetchone() == (1,)
    # Plant: the same name, deterministic (case-sensitive).
    other = pg_factory()
    run_sql(other, _COLLATION_SQL.replace("deterministic = false", "deterministic = true"))
    changes = _diff(s, api.inspect_url(other))
    assert _kinds(changes) == [("collation_definition_changed", None, "ci")]
    assert changes[0].aspects == ("deterministic",)
    # A database without the collation (the column uses the default): planned as CREATE COLLATION, then the
    # column's collation set; it converges.
    missing = pg_factory()
    run_sql(missing, 'CREATE TABLE t (id int PRIMARY KEY, name text, other text COLLATE "und-x-icu")')
    assert sorted(_kinds(_diff(s, api.inspect_url(missing)))) == [
        ("collation_changed", None, "t"),
        ("collation_definition_missing", None, "ci"),
    ]
    _converge(s, missing)
