"""Every corpus schema loads into a model equal to the database Prisma's own DDL builds.

The DDL in tests/corpus/prisma-expected/ (and copyleft/prisma-expected/) was printed by Prisma's schema engine; it
is applied to a fresh real database, read back by the dialect's inspector and compared with the model our loader
builds from the schema (types through the dialect's type_key, defaults through normalize.default_key, names of
constraints and indexes included).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from schemaguard.db import connect
from schemaguard.dialects.registry import get_dialect
from schemaguard.prisma.loader import load_prisma
from tests.conftest import COPYLEFT, run_sql
from tests.prisma.compare import schema_differences
from tests.prisma.corpus_cases import CASE_IDS, CASES, PrismaCase


def _inspect(url: str, dialect_name: str):
    dialect = get_dialect(dialect_name)
    with connect(url) as conn:
        return dialect.inspect(conn)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_corpus_schema_parses_and_loads(case: PrismaCase) -> None:
    schema = load_prisma(case.schema)
    expected_tables = len(re.findall(r"^CREATE TABLE", case.expected_sql(), re.M))
    assert len(schema.tables) == expected_tables


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_model_matches_prisma_ddl(
    case: PrismaCase, pg_factory: Callable[[], str], sqlite_factory: Callable[[], str]
) -> None:
    url = pg_factory() if case.provider == "postgresql" else sqlite_factory()
    run_sql(url, case.expected_sql())
    actual = _inspect(url, case.provider)
    expected = load_prisma(case.schema)
    assert schema_differences(expected, actual, case.provider) == []


def test_multifile_schema_equals_joined_schema() -> None:
    folder = COPYLEFT / "prisma" / "formbricks"
    main, workflows = (folder / "main.prisma").read_text(), (folder / "workflows.prisma").read_text()
    joined = load_prisma("joined.prisma", text=main + "\n" + workflows)
    assert schema_differences(joined, load_prisma(folder), "postgresql") == []


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_rendered_schema_has_no_drift_against_prisma_database(
    case: PrismaCase, pg_factory: Callable[[], str], sqlite_factory: Callable[[], str]
) -> None:
    """Issue 3's oracle test: a database built from our rendering and one built from Prisma's DDL show zero drift,
    with the core differ, both ways (our model vs each database)."""
    from schemaguard.diff.differ import diff_schemas

    dialect = get_dialect(case.provider)
    new = pg_factory if case.provider == "postgresql" else sqlite_factory
    prisma_url, ours_url = new(), new()
    run_sql(prisma_url, case.expected_sql())
    model = load_prisma(case.schema)
    setup = [case.setup_sql()] if case.setup_sql() else []
    run_sql(ours_url, setup + case.available(dialect.render(dialect.adapt(model))))
    if views := case.view_sql():  # created outside Prisma's DDL in both, as the project's own migrations do
        run_sql(prisma_url, views)
        run_sql(ours_url, views)
    prisma_db, our_db = _inspect(prisma_url, case.provider), _inspect(ours_url, case.provider)
    assert case.drift(diff_schemas(model, prisma_db, dialect)) == []
    assert case.drift(diff_schemas(model, our_db, dialect)) == []
    assert case.drift(diff_schemas(prisma_db, our_db, dialect, desired_syntax=case.provider)) == []


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_db_pull_of_prisma_database_round_trips(
    case: PrismaCase, pg_factory: Callable[[], str], sqlite_factory: Callable[[], str]
) -> None:
    """``inspect --format prisma``: a Prisma schema written from a live database loads back to that database."""
    from schemaguard.prisma.writer import render_prisma

    url = pg_factory() if case.provider == "postgresql" else sqlite_factory()
    run_sql(url, case.expected_sql())
    actual = _inspect(url, case.provider)
    pulled = load_prisma("pulled.prisma", text=render_prisma(actual, case.provider))
    assert schema_differences(actual, pulled, case.provider) == []
