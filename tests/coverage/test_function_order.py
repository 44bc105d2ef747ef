"""H9 F2: rendered PostgreSQL DDL creates the functions a table or index needs before it, as pg_dump does
(``check_function_bodies`` off), so the DDL of an inspected database loads into an empty one and does not drift.

Functions whose signature names a table's row type, and SQL-standard bodies (parsed at creation), stay after the
tables."""

from __future__ import annotations

from collections.abc import Callable

from schemaguard import api
from schemaguard.dialects import get_dialect
from schemaguard.diff.differ import diff_schemas
from schemaguard.migrate import planner
from tests.helpers import apply_statements

SOURCE = [
    # H9's reproducer (danbooru): a GIN index on a user function that shadows a built-in for text[]
    "CREATE FUNCTION public.lower(text[]) RETURNS text[] LANGUAGE sql IMMUTABLE "
    "AS $$ SELECT array_agg(lower(v)) FROM unnest($1) v $$",
    "CREATE FUNCTION is_positive(n integer) RETURNS boolean LANGUAGE plpgsql IMMUTABLE "
    "AS $$ BEGIN RETURN n > 0; END $$",
    "CREATE FUNCTION doubled(n integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT n * 2'",
    "SET check_function_bodies = false",  # first_code reads the table it is the default of
    "CREATE FUNCTION first_code() RETURNS text LANGUAGE sql AS $$ SELECT 'A' || (SELECT count(*) FROM artists) $$",
    "CREATE TABLE artists (id int PRIMARY KEY, names text[] NOT NULL DEFAULT '{}', "
    "code text DEFAULT first_code(), n integer CONSTRAINT artists_n_check CHECK (is_positive(n)), "
    "n2 integer GENERATED ALWAYS AS (doubled(n)) STORED)",
    "CREATE INDEX artists_lower ON artists USING gin (public.lower(names))",
    # these need the table: its row type in the signature, a body parsed at creation
    "CREATE FUNCTION all_artists() RETURNS SETOF artists LANGUAGE sql AS 'SELECT * FROM artists'",
    "CREATE FUNCTION artist_count() RETURNS bigint LANGUAGE sql BEGIN ATOMIC SELECT count(*) FROM artists; END",
]


def test_functions_a_table_needs_are_created_before_it(pg_factory: Callable[[], str]) -> None:
    source = pg_factory()
    apply_statements(source, SOURCE)
    schema = api.inspect_url(source)
    ddl = api.render(schema, "postgresql")
    first_table = next(i for i, s in enumerate(ddl) if s.startswith("CREATE TABLE"))
    before = "\n".join(ddl[:first_table])
    assert "lower(text[])" in before and "is_positive" in before and "doubled" in before, ddl
    assert "first_code" in before, ddl
    assert "all_artists" not in before and "artist_count" not in before, ddl
    target = pg_factory()
    apply_statements(target, ddl)  # one transaction: before the fix, CREATE INDEX failed (lower(text[]) missing)
    assert diff_schemas(schema, api.inspect_url(target), get_dialect("postgresql")) == []


def test_a_plan_creates_those_functions_before_the_tables_and_drops_them_after(pg_factory: Callable[[], str]) -> None:
    """The planner follows the same order: from an empty database to SOURCE's schema the new functions come
    before the table whose index, check, default and generated column call them; the plan applies in one
    transaction and converges; its reverse (the table dropped before the functions) returns to empty."""
    source = pg_factory()
    apply_statements(source, SOURCE)
    desired = api.inspect_url(source)
    target = pg_factory()
    empty = api.inspect_url(target)
    pg = get_dialect("postgresql")
    plan = planner.plan(diff_schemas(desired, empty, pg), desired, empty, pg)
    sql = plan.statements()
    table_at = next(i for i, s in enumerate(sql) if s.startswith("CREATE TABLE"))
    assert any("is_positive" in s for s in sql[:table_at]), sql
    apply_statements(target, sql)
    assert diff_schemas(desired, api.inspect_url(target), pg) == [], sql
    apply_statements(target, plan.reverse().statements())
    assert diff_schemas(empty, api.inspect_url(target), pg) == []
