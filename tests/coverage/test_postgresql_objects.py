"""Issue 14 on PostgreSQL: every object type is inspected, compared and planned.

Each planted change is made by SQL on a copy of a database holding one of every object type; the diff must
report exactly that change on exactly that object, and the planned SQL applied to the copy must converge
(diff = 0). The whole database also round-trips: inspect → YAML master → render → apply → diff = 0, with equal
object counts per type.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from schemaguard import api
from schemaguard.config import Config
from schemaguard.dialects import get_dialect
from schemaguard.diff.differ import diff_schemas
from schemaguard.loaders.yaml_master import dump_yaml_master, load_yaml_master
from schemaguard.model import Schema
from tests.helpers import apply_statements

PG = get_dialect("postgresql")

PLANTS: list[tuple[str, str, tuple[str, str | None, str]]] = [
    # (id, SQL run on the copy, the one change expected: (kind, table, object))
    (
        "view_redefined",
        "CREATE OR REPLACE VIEW sales.big_orders WITH (security_barrier = true) AS "
        "SELECT id, amount FROM sales.orders WHERE amount > 500",
        ("view_changed", None, "sales.big_orders"),
    ),
    ("view_dropped", "DROP VIEW sales.big_order_ids", ("view_missing", None, "sales.big_order_ids")),
    ("view_option", "ALTER VIEW sales.big_orders RESET (security_barrier)", ("view_changed", None, "sales.big_orders")),
    (
        "view_check_option",
        "ALTER VIEW active_customers SET (check_option = cascaded)",
        ("view_changed", None, "active_customers"),
    ),
    ("view_added", "CREATE VIEW extra_view AS SELECT 1 AS one", ("view_extra", None, "extra_view")),
    ("matview_index_dropped", "DROP INDEX order_totals_customer", ("materialized_view_changed", None, "order_totals")),
    (
        "function_body",
        "CREATE OR REPLACE FUNCTION add_one(x integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT x + 2'",
        ("function_changed", None, "add_one(x integer)"),
    ),
    ("function_volatility", "ALTER FUNCTION add_one(integer) STABLE", ("function_changed", None, "add_one(x integer)")),
    ("function_search_path", "ALTER FUNCTION stamp() SET search_path = sales", ("function_changed", None, "stamp()")),
    (
        "function_security_definer",
        "ALTER FUNCTION add_one(integer) SECURITY DEFINER",
        ("function_changed", None, "add_one(x integer)"),
    ),
    ("procedure_dropped", "DROP PROCEDURE purge()", ("procedure_missing", None, "purge()")),
    ("aggregate_dropped", "DROP AGGREGATE text_concat(text)", ("aggregate_missing", None, "text_concat(text)")),
    ("trigger_dropped", "DROP TRIGGER audit_stamp ON audit_log", ("trigger_missing", "audit_log", "audit_stamp")),
    (
        "trigger_disabled",
        "ALTER TABLE audit_log DISABLE TRIGGER audit_stamp",
        ("trigger_changed", "audit_log", "audit_stamp"),
    ),
    (
        "trigger_when",
        "DROP TRIGGER audit_stamp ON audit_log; CREATE TRIGGER audit_stamp BEFORE INSERT ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION stamp()",
        ("trigger_changed", "audit_log", "audit_stamp"),
    ),
    ("sequence_increment", "ALTER SEQUENCE ticket_seq INCREMENT 7", ("sequence_changed", None, "ticket_seq")),
    (
        "owned_sequence_increment",
        "ALTER SEQUENCE customers_id_seq INCREMENT 2",
        ("sequence_changed", None, "customers_id_seq"),
    ),
    ("sequence_added", "CREATE SEQUENCE spare_seq", ("sequence_extra", None, "spare_seq")),
    ("domain_check_dropped", "ALTER DOMAIN posint DROP CONSTRAINT posint_check", ("domain_changed", None, "posint")),
    ("domain_default", "ALTER DOMAIN posint SET DEFAULT 2", ("domain_changed", None, "posint")),
    ("extension_added", "CREATE EXTENSION pg_trgm", ("extension_extra", None, "pg_trgm")),
    ("extension_dropped", "DROP TABLE bookings; DROP EXTENSION btree_gist", None),  # two changes: see below
    ("rule_dropped", "DROP RULE no_delete ON sales.orders", ("rule_missing", "sales.orders", "no_delete")),
    (
        "policy_changed",
        "ALTER POLICY own_rows ON customers USING (id > 10)",
        ("policy_changed", "customers", "own_rows"),
    ),
    ("rls_forced", "ALTER TABLE customers FORCE ROW LEVEL SECURITY", ("row_security_changed", None, "customers")),
    ("rls_disabled", "ALTER TABLE customers DISABLE ROW LEVEL SECURITY", ("row_security_changed", None, "customers")),
    ("inheritance_removed", "ALTER TABLE vip NO INHERIT customers", ("inheritance_changed", None, "vip")),
    ("partition_dropped", "DROP TABLE events_2024", ("partition_missing", "events", "events_2024")),
    (
        "exclusion_dropped",
        "ALTER TABLE bookings DROP CONSTRAINT bookings_room_during_excl",
        ("exclusion_constraint_missing", "bookings", "bookings_room_during_excl"),
    ),
    (
        "collation_changed",
        'ALTER TABLE audit_log ALTER COLUMN entry TYPE text COLLATE "POSIX"',
        ("collation_changed", None, "audit_log"),
    ),
    ("table_option", "ALTER TABLE audit_log SET (fillfactor = 50)", ("table_options_changed", None, "audit_log")),
    (
        "replica_identity_index",
        "ALTER TABLE customers REPLICA IDENTITY USING INDEX customers_pkey",
        ("table_options_changed", None, "customers"),
    ),
    (
        "replica_identity_default",
        "ALTER TABLE sales.orders REPLICA IDENTITY DEFAULT",
        ("table_options_changed", None, "sales.orders"),
    ),
    (
        "replica_identity_nothing",
        "ALTER TABLE audit_log REPLICA IDENTITY NOTHING",
        ("table_options_changed", None, "audit_log"),
    ),
    ("table_comment", "COMMENT ON TABLE customers IS 'buyers'", ("comment_changed", "customers", "customers")),
    ("view_comment", "COMMENT ON VIEW active_customers IS NULL", ("comment_changed", None, "active_customers")),
    (
        "function_comment",
        "COMMENT ON FUNCTION add_one(integer) IS 'plus one'",
        ("comment_changed", None, "add_one(x integer)"),
    ),
    ("schema_added", "CREATE SCHEMA scratch", ("schema_extra", None, "scratch")),
    ("table_outside_public", "ALTER TABLE sales.orders ADD COLUMN note text", ("column_extra", "sales.orders", "note")),
]


def _inspect(url: str) -> Schema:
    return api.inspect_url(url)


@pytest.fixture(scope="module")
def desired(clones, everything_url: str) -> Schema:  # type: ignore[no-untyped-def]
    # Inspected through a copy: the template itself stays free for CREATE DATABASE ... TEMPLATE.
    return _inspect(clones.create(everything_url.rsplit("/", 1)[1]))


def test_every_object_type_is_inspected(desired: Schema) -> None:
    kinds = Counter(o.kind.value for o in desired.objects)
    assert kinds == {
        "schema": 1,
        "extension": 1,
        "domain": 1,
        "sequence": 1,  # ticket_seq; the serial and identity sequences are implied by their columns
        "view": 3,
        "materialized_view": 1,
        "function": 2,
        "procedure": 1,
        "aggregate": 1,
        "trigger": 1,
        "rule": 1,
        "policy": 1,
        "row_security": 1,
        "inheritance": 1,
        "partitioning": 1,
        "partition": 1,
        "exclusion_constraint": 1,
        "table_options": 2,  # audit_log's fillfactor, sales.orders' REPLICA IDENTITY FULL
        "collation": 2,  # customers.name and the inherited vip.name
    }
    assert {t.name for t in desired.tables} == {"customers", "sales.orders", "vip", "events", "bookings", "audit_log"}
    # btree_gist's hundreds of functions belong to the extension, not to the database's own objects.
    assert not [o for o in desired.objects if o.kind.value == "function" and "gbt" in o.name]
    assert desired.not_compared == ()


@pytest.mark.parametrize(("sql", "expected"), [pytest.param(s, e, id=i) for i, s, e in PLANTS if e is not None])
def test_planted_change_is_exactly_that_change_and_the_plan_converges(
    sql: str, expected: tuple[str, str | None, str], desired: Schema, clone: Callable[[], str]
) -> None:
    url = clone()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]
    actual = _inspect(url)
    changes = diff_schemas(desired, actual, PG)
    assert [(c.kind.value, c.table, c.object) for c in changes] == [expected]
    # The planned SQL, applied, converges.
    apply_statements(url, PG.plan(changes, desired, actual))
    assert diff_schemas(desired, _inspect(url), PG) == []


def test_dropped_extension_is_reported_with_what_used_it(desired: Schema, clone: Callable[[], str]) -> None:
    url = clone()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE bookings; DROP EXTENSION btree_gist")
    changes = diff_schemas(desired, _inspect(url), PG)
    # The table's exclusion constraint is reported with it: a plan that creates the table creates it too.
    assert [(c.kind.value, c.object) for c in changes] == [
        ("table_missing", "bookings"),
        ("exclusion_constraint_missing", "bookings_room_during_excl"),
        ("extension_missing", "btree_gist"),
    ]


def test_nothing_planted_is_no_drift(desired: Schema, clone: Callable[[], str]) -> None:
    assert diff_schemas(desired, _inspect(clone()), PG) == []


def test_whole_database_round_trips_through_the_master(
    desired: Schema,
    clones,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    master = tmp_path / "master.yaml"
    master.write_text(dump_yaml_master(desired), encoding="utf-8")
    loaded = load_yaml_master(str(master))
    assert loaded.objects == desired.objects
    target = clones.create()
    apply_statements(target, api.render(loaded, "postgresql"))
    rebuilt = _inspect(target)
    assert diff_schemas(loaded, rebuilt, PG) == []
    assert Counter(o.kind for o in rebuilt.objects) == Counter(o.kind for o in desired.objects)
    report = api.diff(Config(), desired=str(master), actual=target)
    assert report.changes == ()


def test_column_type_change_under_views_and_a_function_converges(clones) -> None:  # type: ignore[no-untyped-def]
    # Issue 14's dependency case: the column a view reads changes type; another view reads that view and a function
    # reads it too. PostgreSQL refuses the ALTER while the views exist, so the plan must go around them.
    script = (
        "CREATE TABLE t (id int PRIMARY KEY, c {type});"
        "CREATE VIEW v1 AS SELECT id, c FROM t;"
        "CREATE VIEW v2 AS SELECT c FROM v1 WHERE id > 0;"
        "CREATE FUNCTION f() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM v1';"
    )
    actual_url, desired_url = clones.create(), clones.create()
    with psycopg.connect(actual_url, autocommit=True) as conn:
        conn.execute(script.format(type="integer"))  # type: ignore[arg-type]
    with psycopg.connect(desired_url, autocommit=True) as conn:
        conn.execute(script.format(type="bigint"))  # type: ignore[arg-type]
    desired, actual = _inspect(desired_url), _inspect(actual_url)
    changes = diff_schemas(desired, actual, PG)
    assert [(c.kind.value, c.table, c.object) for c in changes] == [("column_type", "t", "c")]
    apply_statements(actual_url, PG.plan(changes, desired, actual))
    assert diff_schemas(desired, _inspect(actual_url), PG) == []
