"""Planner defects found on real schemas (h7 findings 03, 06, 09, 16, 17), each on fresh PostgreSQL databases.

Every test builds the desired database and the actual one from SQL, plans actual → desired, applies the plan
(psycopg raises on the first statement PostgreSQL refuses), checks that the differ then finds nothing, applies
the plan's reverse (an Alembic downgrade) and checks that the database is back to the actual schema.
"""

from __future__ import annotations

from collections.abc import Callable

import psycopg
import pytest

from schemaguard import api
from schemaguard.dialects import get_dialect
from schemaguard.diff.differ import diff_schemas
from schemaguard.errors import UnsupportedChange
from schemaguard.migrate.planner import plan
from tests.helpers import apply_statements

PG = get_dialect("postgresql")


def _db(factory: Callable[[], str], script: str) -> str:
    url = factory()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(script)  # type: ignore[arg-type]
    return url


def _round_trip(factory: Callable[[], str], desired_sql: str, actual_sql: str) -> list[str]:
    """Plan the actual database into the desired one, apply, compare; apply the reverse, compare. Returns the
    forward plan's statements (for assertions on their shape)."""
    desired = api.inspect_url(_db(factory, desired_sql))
    target = _db(factory, actual_sql)
    actual = api.inspect_url(target)
    changes = diff_schemas(desired, actual, PG)
    assert changes, "the two databases should differ"
    up = plan(changes, desired, actual, PG)
    forward = up.statements()
    apply_statements(target, forward)
    assert diff_schemas(desired, api.inspect_url(target), PG) == []
    apply_statements(target, up.reverse().statements())
    assert diff_schemas(actual, api.inspect_url(target), PG) == []
    return forward


# --- finding 06: routine bodies that are string literals have no dependencies ----------------------------------

TRIGGER_FUNCTION = """
CREATE TABLE customers (id int PRIMARY KEY, counter int NOT NULL DEFAULT 0);
CREATE TABLE receipts (id int PRIMARY KEY, customer_id int, number text);
CREATE FUNCTION set_number() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  UPDATE customers SET counter = counter + 1 WHERE id = NEW.customer_id;
  NEW.number := 'R-' || NEW.id;
  RETURN NEW;
END $f$;
CREATE FUNCTION customer_count() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT count(*) FROM customers $$;
CREATE TRIGGER before_receipt_insert BEFORE INSERT ON receipts FOR EACH ROW EXECUTE FUNCTION set_number();
"""


def test_column_drop_leaves_a_trigger_function_that_mentions_the_table_alone(pg_factory: Callable[[], str]) -> None:
    # Before: DROP FUNCTION set_number() first, refused ("trigger before_receipt_insert ... depends on it").
    forward = _round_trip(
        pg_factory, TRIGGER_FUNCTION, TRIGGER_FUNCTION + "ALTER TABLE customers ADD COLUMN extra jsonb;"
    )
    assert not [s for s in forward if "FUNCTION" in s.upper()], forward


ROOM = """
CREATE TABLE room (id int PRIMARY KEY, a int, b int GENERATED ALWAYS AS (a * {factor}) STORED);
CREATE VIEW rv AS SELECT room.id FROM room;
CREATE VIEW rb AS SELECT id, b FROM room;
CREATE VIEW rw AS SELECT id, to_jsonb(room) AS j FROM room;
CREATE FUNCTION rv_ins() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO room(id) VALUES (NEW.id);
RETURN NEW; END $$;
CREATE TRIGGER rv_ins INSTEAD OF INSERT ON rv FOR EACH ROW EXECUTE FUNCTION rv_ins();
CREATE TRIGGER rb_ins INSTEAD OF INSERT ON rb FOR EACH ROW EXECUTE FUNCTION rv_ins();
"""


def test_column_change_rebuilds_only_the_views_reading_that_column_with_their_triggers(
    pg_factory: Callable[[], str],
) -> None:
    # Generated expression changes: the column is dropped and added again. rv selects only room.id: untouched
    # (was dropped and created again with its INSTEAD OF trigger); rb reads b and rw the whole row: rebuilt, and
    # rb's trigger created again (DROP VIEW dropped it; the round trip's diff would show it missing otherwise).
    forward = _round_trip(pg_factory, ROOM.format(factor=2), ROOM.format(factor=3))
    text = "\n".join(forward)
    assert 'VIEW "rv"' not in text and "rv_ins INSTEAD" not in text, text
    assert 'DROP VIEW "rb"' in text and 'DROP VIEW "rw"' in text
    assert "CREATE TRIGGER rb_ins" in text


# --- finding 09: a changed composite type is altered in place ----------------------------------------------------


def test_composite_type_losing_an_attribute_a_column_uses_is_altered(pg_factory: Callable[[], str]) -> None:
    # Before: CREATE TYPE "addr" (already exists) ... DROP TYPE "addr" (in use by t.a).
    desired = "CREATE TYPE addr AS (street text, zip int); CREATE TABLE t (id int, a addr);"
    actual = (
        "CREATE TYPE addr AS (street text, zip int, country text); CREATE TABLE t (id int, a addr);"
        "INSERT INTO t VALUES (1, ROW('Main St', 1000, 'DE'));"
    )
    forward = _round_trip(pg_factory, desired, actual)
    assert forward == ['ALTER TYPE "addr" DROP ATTRIBUTE "country"']


def test_composite_type_attribute_added_and_retyped_when_no_column_uses_it(pg_factory: Callable[[], str]) -> None:
    fn = "CREATE FUNCTION street_of(x addr) RETURNS text LANGUAGE sql AS $$ SELECT x.street $$;"
    desired = "CREATE TYPE addr AS (street text, zip bigint, country varchar(2));" + fn
    actual = "CREATE TYPE addr AS (street text, zip int);" + fn
    forward = _round_trip(pg_factory, desired, actual)
    assert forward == [
        'ALTER TYPE "addr" ALTER ATTRIBUTE "zip" TYPE bigint',
        'ALTER TYPE "addr" ADD ATTRIBUTE "country" character varying(2)',
    ]


def test_composite_type_change_alter_type_cannot_make_is_refused_with_the_reason(
    pg_factory: Callable[[], str],
) -> None:
    desired = api.inspect_url(
        _db(pg_factory, "CREATE TYPE addr AS (street text, zip bigint); CREATE TABLE t (a addr);")
    )
    actual = api.inspect_url(_db(pg_factory, "CREATE TYPE addr AS (street text, zip int); CREATE TABLE t (a addr);"))
    with pytest.raises(UnsupportedChange, match=r"attribute zip changes type .*column"):
        plan(diff_schemas(desired, actual, PG), desired, actual, PG)
    reordered = api.inspect_url(_db(pg_factory, "CREATE TYPE addr AS (zip int, street text);"))
    plain = api.inspect_url(_db(pg_factory, "CREATE TYPE addr AS (street text, zip int);"))
    with pytest.raises(UnsupportedChange, match=r"order"):
        plan(diff_schemas(reordered, plain, PG), reordered, plain, PG)


def test_composite_type_reverse_alter_type_cannot_make_stops_the_downgrade(pg_factory: Callable[[], str]) -> None:
    # Dropping a middle attribute is fine; adding it back would append it, so the downgrade refuses with the reason.
    desired = api.inspect_url(_db(pg_factory, "CREATE TYPE addr AS (street text, zip int);"))
    target = _db(pg_factory, "CREATE TYPE addr AS (street text, country text, zip int);")
    actual = api.inspect_url(target)
    up = plan(diff_schemas(desired, actual, PG), desired, actual, PG)
    apply_statements(target, up.statements())
    assert diff_schemas(desired, api.inspect_url(target), PG) == []
    with pytest.raises(psycopg.errors.RaiseException, match="cannot reverse: composite type addr"):
        apply_statements(target, up.reverse().statements())


# --- finding 16: an enum rebuild drops and creates again the routines typed with it ------------------------------

STATUS = """
CREATE TYPE status AS ENUM ({values});
CREATE TABLE acct (id int PRIMARY KEY, s status NOT NULL DEFAULT 'active' CHECK (s <> 'closed'));
CREATE FUNCTION is_open(x status) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT x = 'active' $$;
CREATE FUNCTION first_status() RETURNS status LANGUAGE plpgsql AS $$ BEGIN RETURN 'active'; END $$;
CREATE INDEX acct_open ON acct (id) WHERE s = 'active';
CREATE VIEW open_accts AS SELECT id FROM acct WHERE is_open(s);
"""


def test_enum_value_removed_with_functions_typed_with_the_enum(pg_factory: Callable[[], str]) -> None:
    # Before: DROP TYPE "status__sg_old" refused ("function is_open(status__sg_old) depends on type ...").
    forward = _round_trip(
        pg_factory, STATUS.format(values="'active', 'closed'"), STATUS.format(values="'active', 'closed', 'frozen'")
    )
    text = "\n".join(forward)
    assert text.index('DROP FUNCTION "is_open"') < text.index('DROP TYPE "status__sg_old"')
    assert text.index('DROP VIEW "open_accts"') < text.index('DROP FUNCTION "is_open"')


def test_enum_value_added_keeps_the_functions_and_its_downgrade_rebuilds_around_them(
    pg_factory: Callable[[], str],
) -> None:
    # Forward only adds a value (ALTER TYPE ... ADD VALUE, functions untouched); the downgrade removes it, a
    # rebuild, so it drops and creates them again (it was refused before).
    forward = _round_trip(
        pg_factory, STATUS.format(values="'active', 'closed', 'frozen'"), STATUS.format(values="'active', 'closed'")
    )
    assert not [s for s in forward if "FUNCTION" in s], forward


# --- h27 N2: what calls a function dropped for an enum rebuild is dropped before it and made again after it ------

CALLED = """
CREATE TYPE status AS ENUM ({values});
CREATE FUNCTION is_open(x status) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT x = 'active' $$;
CREATE TABLE acct (id int PRIMARY KEY, s status NOT NULL DEFAULT 'active');
CREATE TABLE other (id int PRIMARY KEY, b boolean);
"""

CALLERS = {
    "index": "CREATE INDEX acct_fn ON acct (is_open(s));",
    "check": "ALTER TABLE acct ADD CONSTRAINT acct_open CHECK (is_open(s) OR id > 0);",
    "other_table_check": "ALTER TABLE other ADD CONSTRAINT other_open CHECK (is_open('active'::status) OR b);",
    "default": "ALTER TABLE other ALTER COLUMN b SET DEFAULT is_open('active');",
}


@pytest.mark.parametrize("caller", sorted(CALLERS))
@pytest.mark.parametrize("removed", [True, False], ids=["value_removed", "value_added"])
def test_enum_rebuild_drops_what_calls_its_functions_first_and_makes_it_again_last(
    pg_factory: Callable[[], str], caller: str, removed: bool
) -> None:
    # Before: DROP FUNCTION "is_open" refused ("index acct_fn / constraint ... / default value for column b of
    # table other depends on function is_open(status)"), and CREATE INDEX acct_fn came before CREATE FUNCTION.
    # value_added: the forward plan only adds a value; its downgrade (a rebuild) is the direction that drops.
    short, long = CALLED.format(values="'active', 'closed'"), CALLED.format(values="'active', 'closed', 'frozen'")
    desired, actual = (short, long) if removed else (long, short)
    forward = _round_trip(pg_factory, desired + CALLERS[caller], actual + CALLERS[caller])
    text = "\n".join(forward)
    if not removed:
        assert "FUNCTION" not in text, forward
        return
    drop_fn = text.index('DROP FUNCTION "is_open"')
    create_fn = text.index("CREATE OR REPLACE FUNCTION")
    made_again = {
        "index": 'CREATE INDEX "acct_fn"',
        "check": 'ADD CONSTRAINT "acct_open"',
        "other_table_check": 'ADD CONSTRAINT "other_open"',
        "default": 'ALTER COLUMN "b" SET DEFAULT',
    }[caller]
    assert text.index(made_again) > create_fn, forward
    assert text.count(made_again) == 1, forward
    gone = {"index": 'DROP INDEX "acct_fn"', "default": 'ALTER COLUMN "b" DROP DEFAULT'}.get(caller, "DROP CONSTRAINT")
    assert text.index(gone) < drop_fn, forward


def test_enum_rebuild_with_every_caller_kind_at_once_and_a_policy(pg_factory: Callable[[], str]) -> None:
    # All the callers of the finding together, a view and a row-level security policy (on a table whose columns
    # do not change) calling the function too.
    more = "".join(CALLERS.values()) + (
        "CREATE VIEW open_accts AS SELECT id FROM acct WHERE is_open(s);"
        "ALTER TABLE other ENABLE ROW LEVEL SECURITY;"
        "CREATE POLICY other_open_only ON other USING (is_open('active'::status));"
    )
    short, long = CALLED.format(values="'active', 'closed'"), CALLED.format(values="'active', 'closed', 'frozen'")
    forward = _round_trip(pg_factory, short + more, long + more)
    text = "\n".join(forward)
    assert text.index('DROP POLICY "other_open_only"') < text.index('DROP FUNCTION "is_open"'), forward
    assert text.index("CREATE POLICY") > text.index("CREATE OR REPLACE FUNCTION"), forward


def test_enum_rebuild_under_a_generated_column_calling_its_function_stops_with_one_line(
    pg_factory: Callable[[], str],
) -> None:
    # A generation expression cannot be dropped and set again in place: the plan stops, naming the column,
    # instead of emitting a DROP FUNCTION that PostgreSQL refuses.
    gen = "ALTER TABLE other ADD COLUMN g boolean GENERATED ALWAYS AS (is_open('active'::status)) STORED;"
    desired = api.inspect_url(_db(pg_factory, CALLED.format(values="'active', 'closed'") + gen))
    actual = api.inspect_url(_db(pg_factory, CALLED.format(values="'active', 'closed', 'frozen'") + gen))
    with pytest.raises(UnsupportedChange, match=r"generated g on other calls .*is_open") as e:
        plan(diff_schemas(desired, actual, PG), desired, actual, PG).statements()
    assert "\n" not in str(e.value)


# --- finding 17: a serial's sequence that lost OWNED BY ----------------------------------------------------------

SERIAL = "CREATE TABLE acct (id serial PRIMARY KEY);"


def test_serial_sequence_without_owner_and_another_start_is_altered_not_dropped(
    pg_factory: Callable[[], str],
) -> None:
    # Before: DROP SEQUENCE "acct_id_seq", refused (the column default uses it). The sequence is listed (its start
    # is not the default) without an owner; the desired side's serial implies its owned one: owned_by and start
    # differ. (OWNED BY NONE alone stays "no drift": pagila-style unowned serial sequences are serials, see
    # tests/test_pg_fidelity.py::test_unowned_sequence_named_as_the_serial_is_still_serial.)
    forward = _round_trip(
        pg_factory, SERIAL, SERIAL + "ALTER SEQUENCE acct_id_seq OWNED BY NONE; ALTER SEQUENCE acct_id_seq START 5;"
    )
    assert len(forward) == 1 and "START WITH 1" in forward[0] and 'OWNED BY "acct"."id"' in forward[0], forward


# --- finding 03: a serial whose default was changed gets its nextval() default back -----------------------------


def test_serial_with_a_planted_default_gets_nextval_of_its_sequence_back(pg_factory: Callable[[], str]) -> None:
    # Before: DROP DEFAULT; SET NOT NULL; ADD GENERATED BY DEFAULT AS IDENTITY, which left s_id_seq orphaned next
    # to the identity's s_id_seq1 (the differ takes BY DEFAULT identity for serial, b55869c, so diff said nothing).
    desired = "CREATE TABLE s (id serial PRIMARY KEY);"
    forward = _round_trip(pg_factory, desired, desired + "ALTER TABLE s ALTER COLUMN id SET DEFAULT 42;")
    assert not [st for st in forward if "IDENTITY" in st.upper()], forward
    assert forward[-1] == """ALTER TABLE "s" ALTER COLUMN "id" SET DEFAULT nextval('"s_id_seq"'::regclass)"""


def test_serial_fix_leaves_exactly_the_serial_sequence(pg_factory: Callable[[], str]) -> None:
    desired = api.inspect_url(_db(pg_factory, "CREATE TABLE s (id serial PRIMARY KEY);"))
    target = _db(pg_factory, "CREATE TABLE s (id serial PRIMARY KEY); ALTER TABLE s ALTER COLUMN id SET DEFAULT 42;")
    actual = api.inspect_url(target)
    apply_statements(target, plan(diff_schemas(desired, actual, PG), desired, actual, PG).statements())
    with psycopg.connect(target) as conn:
        seqs = [r[0] for r in conn.execute("SELECT relname FROM pg_class WHERE relkind = 'S' ORDER BY 1")]
        default = conn.execute(
            "SELECT pg_get_serial_sequence('s', 'id'), is_identity FROM information_schema.columns "
            "WHERE table_name = 's'"
        ).fetchone()
    assert seqs == ["s_id_seq"]
    assert default == ("public.s_id_seq", "NO")
