"""Introspection turns JIT compilation off for its own transaction only.

At about 1,000 tables the planner's estimate for the columns query passes ``jit_above_cost`` and PostgreSQL spent
longer compiling the query with LLVM than running it (bench/RESULTS.md). Catalog queries never gain from JIT.
Source: https://www.postgresql.org/docs/15/jit-decision.html
"""

from __future__ import annotations

import psycopg
import pytest
import sqlalchemy as sa

from schemaguard.db import create_engine
from schemaguard.dialects.postgresql.inspect import inspect_schema

pytestmark = pytest.mark.postgres


def test_catalog_queries_run_without_jit_and_the_session_keeps_its_setting(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as raw:
        raw.execute("CREATE TABLE t (id serial PRIMARY KEY, name text)")
    engine = create_engine(pg_url, read_only=True)
    try:
        with engine.connect() as conn:
            # Every query would be JIT-compiled at this threshold (where the server has JIT) if jit stayed on.
            conn.execute(sa.text("SET jit_above_cost = 0"))
            assert conn.execute(sa.text("SHOW jit")).scalar() == "on"
            schema = inspect_schema(conn)
            assert [t.name for t in schema.tables] == ["t"]
            assert conn.execute(sa.text("SHOW jit")).scalar() == "off"
            plan = [r[0] for r in conn.execute(sa.text("EXPLAIN (ANALYZE) SELECT count(*) FROM pg_class"))]
            assert not any(line.startswith("JIT:") for line in plan)
            conn.rollback()
            # SET LOCAL semantics: the next transaction of the same session has the session's setting again.
            assert conn.execute(sa.text("SHOW jit")).scalar() == "on"
    finally:
        engine.dispose()
