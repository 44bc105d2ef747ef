"""The inspector's query count does not grow with the number of tables, and 5,000 tables stay fast."""

from __future__ import annotations

import time
from collections.abc import Callable

import psycopg
import pytest
import sqlalchemy as sa

from schemaguard.db import connect
from schemaguard.dialects.postgresql.inspect import inspect_schema
from schemaguard.model import Schema

pytestmark = pytest.mark.postgres


def _table_sql(i: int) -> str:
    # Every kind of object the inspector reads, so each bulk query has rows for every table.
    parent = max(i - 1, 1)
    return (
        f"CREATE TABLE t{i} (id serial PRIMARY KEY, name varchar(50) CONSTRAINT t{i}_name_key UNIQUE,"
        f" parent_id int CONSTRAINT t{i}_parent_fk REFERENCES t{parent} (id), qty int CHECK (qty > 0),"
        f" mood mood, created timestamptz DEFAULT now());"
        f" CREATE INDEX t{i}_created_idx ON t{i} (created DESC) WHERE qty IS NOT NULL;"
        f" COMMENT ON TABLE t{i} IS 'table {i}'; COMMENT ON COLUMN t{i}.qty IS 'how many';"
    )


def _create_tables(url: str, count: int) -> None:
    # Autocommit batches: one transaction per batch keeps lock usage below max_locks_per_transaction.
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')")
        batch = 100
        for start in range(1, count + 1, batch):
            conn.execute("".join(_table_sql(i) for i in range(start, min(start + batch, count + 1))))


def _inspect_counting(url: str) -> tuple[Schema, list[str]]:
    statements: list[str] = []
    with connect(url) as conn:

        def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
            statements.append(statement)

        sa.event.listen(conn, "before_cursor_execute", record)
        try:
            schema = inspect_schema(conn)
        finally:
            sa.event.remove(conn, "before_cursor_execute", record)
    return schema, statements


def _check_shape(schema: Schema, count: int) -> None:
    assert len(schema.tables) == count
    assert [e.name for e in schema.enums] == ["mood"]
    for table in schema.tables:
        assert table.primary_key is not None and table.primary_key.columns == ("id",)
        assert [c.name for c in table.columns] == ["id", "name", "parent_id", "qty", "mood", "created"]
        assert len(table.foreign_keys) == 1
        assert [i.name for i in table.indexes] == [f"{table.name}_created_idx", f"{table.name}_name_key"]
        assert len(table.checks) == 1
        assert table.comment == f"table {table.name[1:]}"
        qty = table.column("qty")
        assert qty is not None and qty.comment == "how many"


def test_statement_count_is_constant(pg_factory: Callable[[], str]) -> None:
    small, large = pg_factory(), pg_factory()
    _create_tables(small, 5)
    _create_tables(large, 50)
    small_schema, small_statements = _inspect_counting(small)
    large_schema, large_statements = _inspect_counting(large)
    _check_shape(small_schema, 5)
    _check_shape(large_schema, 50)
    # namespaces, tables, columns, types, constraints, indexes, enums; then one per other object type (views,
    # functions, aggregates, triggers, sequences, domains, composite types, extensions, policies, rules,
    # exclusions, table properties, collations) and one for what is not compared (issue 14); first, one that turns
    # JIT off and pins search_path for the transaction (inspect_schema)
    assert len(small_statements) == len(large_statements) <= 22
    # the very same statements, not merely as many
    assert small_statements == large_statements


@pytest.mark.slow
def test_five_thousand_tables_inspect_quickly(pg_url: str) -> None:
    count = 5000
    _create_tables(pg_url, count)
    started = time.perf_counter()
    schema, statements = _inspect_counting(pg_url)
    elapsed = time.perf_counter() - started
    _check_shape(schema, count)
    assert len(statements) <= 22  # one per object type (see test_statement_count_is_constant)
    # About 1.5 s on a laptop; the bound only catches per-table queries or quadratic assembly.
    assert elapsed < 20, f"inspecting {count} tables took {elapsed:.1f} s"
