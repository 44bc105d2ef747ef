"""``inspect --format prisma`` names models, fields and relation fields exactly as ``prisma db pull`` does.

The reference is what Prisma's own engine wrote (``db pull``, tests/corpus/prisma-pulled/ and
copyleft/prisma-pulled/) for the database its DDL builds for each corpus schema. Application code generated from a
pulled schema uses these names, so any difference would break it: back-relation fields named after the
referencing model, ``<Model>_<fk columns>To<Model>`` disambiguation, ``other_`` in self-relations, no
pluralisation.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from schemaguard.prisma.parser import parse_prisma
from tests.conftest import run_sql
from tests.helpers import run_cli
from tests.prisma.corpus_cases import CASES, PrismaCase

PULLED = [c for c in CASES if c.pulled.exists()]
FIXTURES = Path(__file__).parent / "fixtures" / "fidelity"


def _names(text: str, path: str) -> dict[str, dict[str, tuple[str, bool, bool] | None]]:
    """Per model/enum: field name → (type, list, optional) for relation fields, None for the others."""
    parsed = parse_prisma(text, path)
    models = {b.name for b in parsed.blocks if b.kind in ("model", "view")}
    return {
        b.name: {f.name: (f.type_name, f.is_list, f.optional) if f.type_name in models else None for f in b.fields}
        for b in parsed.blocks
        if b.kind in ("model", "view", "enum")
    }


def test_pulled_fixtures_cover_the_corpus() -> None:
    assert len(PULLED) >= 10
    assert sum(1 for c in PULLED if c.provider == "sqlite") >= 4


@pytest.mark.parametrize("case", PULLED, ids=[c.name for c in PULLED])
def test_inspect_names_like_prisma_db_pull(
    case: PrismaCase,
    pg_factory: Callable[[], str],
    sqlite_factory: Callable[[], str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = pg_factory() if case.provider == "postgresql" else sqlite_factory()
    run_sql(url, case.expected_sql())
    code, out, err = run_cli(["inspect", "--url", url, "--format", "prisma"], capsys)
    assert code == 0, err
    ours = _names(out, "inspected.prisma")
    prisma = _names(case.pulled.read_text(encoding="utf-8"), str(case.pulled))
    assert sorted(ours) == sorted(prisma)
    differing = {m: (ours[m], prisma[m]) for m in prisma if ours[m] != prisma[m]}
    assert differing == {}
    assert any(v is not None for fields in prisma.values() for v in fields.values()) or case.name == "umami"


def test_edge_cases_name_like_prisma_db_pull(pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Self-relations (``other_``, ``_A``/``_B``), a reserved table name (``Renamedclass``), names that need
    sanitising (``1-profile``, ``first name``, ``2fa``), two many-to-many tables between the same models, a foreign
    key column named like the referenced model, and a duplicated foreign key, against Prisma's own ``db pull``; the
    written schema loads back to the same database."""
    from schemaguard.prisma.loader import load_prisma
    from tests.prisma.compare import schema_differences

    run_sql(pg_url, (FIXTURES / "pull_edge.postgresql.sql").read_text(encoding="utf-8"))
    code, out, err = run_cli(["inspect", "--url", pg_url, "--format", "prisma"], capsys)
    assert code == 0, err
    assert _names(out, "inspected.prisma") == _names((FIXTURES / "pull_edge.pulled.prisma").read_text(), "pulled")
    code, json_out, err = run_cli(["inspect", "--url", pg_url, "--format", "json"], capsys)
    from schemaguard.loaders.json_model import load_json_model

    gaps = schema_differences(
        load_json_model("db.json", json_out), load_prisma("pulled.prisma", text=out), "postgresql"
    )
    # Only the duplicated foreign key is lost, as in Prisma's own pull: one relation per column list.
    assert len(gaps) == 1 and gaps[0].startswith("1-profile fks ('profile_person_again'")
