"""render_prisma: round trip through load_prisma, and the SQLite (dev) variant of PostgreSQL schemas."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

import pytest

from schemaguard.db import connect
from schemaguard.dialects.registry import get_dialect
from schemaguard.model import Schema
from schemaguard.prisma.loader import load_prisma, load_prisma_with_info
from schemaguard.prisma.writer import render_prisma
from tests.conftest import COPYLEFT, CORPUS, run_sql
from tests.prisma.compare import schema_differences
from tests.prisma.corpus_cases import CASE_IDS, CASES, PrismaCase


def _ordered(s: Schema) -> Schema:
    """Same schema with indexes and foreign keys sorted by name (their order carries no meaning)."""
    tables = tuple(
        replace(t, indexes=tuple(sorted(t.indexes, key=lambda i: i.name)),
                foreign_keys=tuple(sorted(t.foreign_keys, key=lambda f: f.name or "")))
        for t in s.tables
    )  # fmt: skip
    return replace(s, tables=tables)


@pytest.mark.parametrize("with_info", [True, False], ids=["with-info", "plain"])
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_round_trip(case: PrismaCase, with_info: bool) -> None:
    loaded = load_prisma_with_info(case.schema)
    text = render_prisma(loaded.schema, loaded.info.provider, info=loaded.info if with_info else None)
    again = load_prisma("rendered.prisma", text=text)
    assert _ordered(again) == _ordered(loaded.schema)


def test_round_trip_keeps_prisma_names_and_docs() -> None:
    loaded = load_prisma_with_info(CORPUS / "prisma" / "umami.prisma")
    text = render_prisma(loaded.schema, "postgresql", info=loaded.info)
    again = load_prisma_with_info("rendered.prisma", text=text)
    assert [m.name for m in again.info.models] == [m.name for m in loaded.info.models if m.kind == "model"]
    user = again.info.model("User")
    assert user is not None and user.table == "user"
    created = user.field("createdAt")
    assert created is not None and created.column == "created_at"
    assert again.info.relation_mode == "prisma"


# Differences Prisma's SQLite connector imposes on a dev variant (documented in the writer): DATE/TIME become
# DateTime (DATETIME). (Implicit many-to-many tables are keyed by a unique index on SQLite in both, issue 12.)
def _expected_sqlite_gap(line: str) -> bool:
    return any(key in line for key in ("('DATE',", "('TIME',"))


@pytest.mark.parametrize("case", [c for c in CASES if c.provider == "postgresql"], ids=lambda c: c.name)
def test_sqlite_variant_of_postgresql_schema(case: PrismaCase, sqlite_factory: Callable[[], str]) -> None:
    loaded = load_prisma_with_info(case.schema)
    text = render_prisma(loaded.schema, "sqlite", info=loaded.info)
    assert re.search(r'provider\s*=\s*"sqlite"', text) and "@db." not in text
    dev = load_prisma("schema.dev.prisma", text=text)
    gaps = schema_differences(loaded.schema, dev, "sqlite")
    assert [g for g in gaps if not _expected_sqlite_gap(g)] == []
    # The dev variant applies to a real SQLite database and reads back as itself.
    dialect = get_dialect("sqlite")
    url = sqlite_factory()
    run_sql(url, dialect.render(dialect.adapt(dev)))
    with connect(url) as conn:
        actual = dialect.inspect(conn)
    assert schema_differences(dev, actual, "sqlite") == []


def test_sqlite_lists_become_json_strings() -> None:
    loaded = load_prisma_with_info(COPYLEFT / "prisma" / "documenso.prisma")
    text = render_prisma(loaded.schema, "sqlite", info=loaded.info)
    line = next(x for x in text.splitlines() if x.strip().startswith("allowedDomains"))
    assert line.split()[1] == "String?" and '@default("[]")' in line
    idx = text.splitlines().index(line)
    assert "JSON array of String" in text.splitlines()[idx - 1]
