"""Issue 14 §5 (never silent): a user-defined cast has no model yet, so it is listed as not compared, while the
casts PostgreSQL creates itself (built in, an extension's, a range type's cast to its multirange) are not; a range
type (no model) is listed, and its constructor functions are its own, not the database's functions."""

from __future__ import annotations

import psycopg

from schemaguard import api

SQL = """
CREATE EXTENSION citext;
CREATE TYPE floatrange AS RANGE (subtype = float8);
CREATE TYPE pair AS (a int, b int);
CREATE FUNCTION pair_sum(pair) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1.a + $1.b';
CREATE CAST (pair AS integer) WITH FUNCTION pair_sum(pair);
CREATE TABLE t (id int PRIMARY KEY);
"""


def test_user_cast_is_listed_as_not_compared(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(SQL)  # type: ignore[arg-type]
    schema = api.inspect_url(pg_url)
    casts = [e for e in schema.not_compared if e.what == "cast"]
    assert [(e.reason, e.names) for e in casts] == [("no model for this object type", ("pair AS integer",))]


def test_range_type_constructors_are_not_the_databases_functions(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(SQL)  # type: ignore[arg-type]
    schema = api.inspect_url(pg_url)
    functions = sorted(o.name for o in schema.objects if o.kind.value == "function")
    assert functions == ["pair_sum(pair)"]  # not floatrange(...) / floatmultirange(...)
    assert [e.names for e in schema.not_compared if e.what == "range type"] == [("public.floatrange",)]
