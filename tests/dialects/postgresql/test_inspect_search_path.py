"""Introspection reads deparsed SQL the same way whatever search_path the database or role sets.

pg_get_expr, pg_get_viewdef, pg_get_indexdef and pg_get_constraintdef leave a name unqualified when its schema is
on the search_path. Supabase sets ``search_path = "$user", public, extensions`` on its databases; a copy made with
``CREATE DATABASE ... TEMPLATE`` does not carry that setting, so two identical schemas once showed five phantom
differences, and the plan "fixing" them named ``gen()`` unqualified, which the other database refused.
Source: https://www.postgresql.org/docs/15/ddl-schemas.html#DDL-SCHEMAS-PATH
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import psycopg
import pytest

from schemaguard import api
from schemaguard.dialects import get_dialect
from schemaguard.diff.differ import diff_schemas

pytestmark = pytest.mark.postgres

DDL = """
CREATE SCHEMA ext; CREATE SCHEMA app;
CREATE FUNCTION ext.gen() RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE TABLE app.t (id int DEFAULT ext.gen(), n int CHECK (n > ext.gen()));
CREATE INDEX t_f ON app.t ((ext.gen() + n));
CREATE VIEW app.v AS SELECT id FROM app.t WHERE n > ext.gen();
"""


def test_a_database_search_path_changes_nothing_inspect_reads(pg_factory: Callable[[], str]) -> None:
    plain, tuned = pg_factory(), pg_factory()
    for url in (plain, tuned):
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(DDL)  # type: ignore[arg-type]
    with psycopg.connect(tuned, autocommit=True) as conn:
        dbname = urlsplit(tuned).path.lstrip("/")
        conn.execute(f'ALTER DATABASE "{dbname}" SET search_path = public, ext, app')  # type: ignore[arg-type]
    with psycopg.connect(tuned) as conn:  # a new session, which takes the database's setting
        assert conn.execute("SHOW search_path").fetchone() == ("public, ext, app",)

    a, b = api.inspect_url(plain), api.inspect_url(tuned)
    t = b.table("app.t")
    assert t is not None and t.columns[0].default is not None
    assert "ext.gen()" in t.columns[0].default.describe()  # qualified: ext is not on the pinned path
    changes = diff_schemas(a, b, get_dialect("postgresql"), actual_syntax="postgresql")
    assert [c.message for c in changes] == []
