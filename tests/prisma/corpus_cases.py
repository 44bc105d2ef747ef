"""The Prisma schemas of the vendored corpus and the DDL Prisma's own engine printed for each.

Layout (tests/corpus/ and, for AGPL material, tests/corpus/copyleft/):
- ``prisma/NAME.prisma`` (one file) or ``prisma/NAME/`` (a multi-file schema folder, loaded as Prisma does);
- ``prisma-expected/NAME.<provider>.sql``: ``prisma migrate diff --from-empty --to-schema ... --script`` for it;
- ``prisma-pulled/NAME.prisma`` (optional): what ``prisma db pull`` wrote for the database built by that DDL.

Every case must have its expected DDL: a schema without one, or a fixture without a schema, fails collection
(``corpus_glob`` raises) or the completeness test, never silently drops out of the parametrisation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import COPYLEFT, CORPUS, corpus_glob

ROOTS = (CORPUS, COPYLEFT)

UNAVAILABLE_EXTENSIONS = {"vector"}
"""pgvector is not installed on the test server: its CREATE EXTENSION is left out (no corpus column uses a vector
type, so nothing else is lost)."""


@dataclass(frozen=True)
class PrismaCase:
    """One corpus schema: ``schema`` is a .prisma file or a folder; ``expected`` Prisma's DDL for it."""

    name: str
    schema: Path
    expected: Path

    @property
    def provider(self) -> str:
        """``postgresql`` or ``sqlite`` (from the fixture's file name)."""
        return self.expected.name.split(".")[-2]

    @property
    def pulled(self) -> Path:
        """Where ``prisma db pull``'s output for this case is stored (may not exist)."""
        return self.expected.parent.parent / "prisma-pulled" / f"{self.name}.prisma"

    def expected_sql(self) -> str:
        """Prisma's DDL, ready for a fresh database on the test server (extensions it lacks removed, pg_trgm
        created first when an index uses its operator classes)."""
        sql = self.expected.read_text(encoding="utf-8")
        for ext in UNAVAILABLE_EXTENSIONS:
            sql = re.sub(rf'CREATE EXTENSION IF NOT EXISTS "{ext}"[^;]*;', "", sql)
        return self.setup_sql() + sql

    def setup_extensions(self) -> list[str]:
        """Extensions a fresh database needs before either DDL applies, which the schema does not declare
        (the project creates them outside Prisma: documenso's trigram indexes, rallly's ``@db.Citext``)."""
        sql = self.expected.read_text(encoding="utf-8")
        if "CREATE EXTENSION" in sql:
            return []
        return [ext for ext, used in (("pg_trgm", "gin_trgm_ops"), ("citext", "CITEXT")) if used in sql]

    def setup_sql(self) -> str:
        """``CREATE EXTENSION`` statements for :meth:`setup_extensions` ("" when there are none)."""
        return "".join(f"CREATE EXTENSION IF NOT EXISTS {ext};\n" for ext in self.setup_extensions())

    def view_sql(self) -> str:
        """``CREATE VIEW`` for each ``view`` block of the schema, with a stand-in body: Prisma's DDL never creates
        views (projects create them in hand-written migration SQL, as cal.com does), and a Prisma view's body is
        not compared, only its presence ("" when the schema declares none)."""
        from schemaguard.dialects.postgresql.render_objects import qualified
        from schemaguard.model import ObjectKind
        from schemaguard.prisma.loader import load_prisma

        if self.provider != "postgresql":
            return ""
        views = [o.name for o in load_prisma(self.schema).objects if o.kind is ObjectKind.VIEW]
        return "".join(f"CREATE VIEW {qualified(v)} AS SELECT 1 AS id;\n" for v in views)

    def available(self, statements: list[str]) -> list[str]:
        """``statements`` without the ``CREATE EXTENSION`` of an extension the test server lacks
        (:data:`UNAVAILABLE_EXTENSIONS`), as :meth:`expected_sql` leaves it out of Prisma's DDL."""
        return [
            s
            for s in statements
            if not any(s.startswith(f'CREATE EXTENSION IF NOT EXISTS "{e}"') for e in UNAVAILABLE_EXTENSIONS)
        ]

    def drift(self, changes: list) -> list[str]:
        """Messages of ``changes``, less the extensions this test created itself (:meth:`setup_extensions`): a
        Prisma schema without ``postgresqlExtensions`` does not manage extensions, so they are the environment's,
        not drift of the schema under test; and less those the test server cannot have (:meth:`available`)."""
        own = {f"extension {ext}" for ext in (*self.setup_extensions(), *UNAVAILABLE_EXTENSIONS)}
        return [c.message for c in changes if not any(c.message.startswith(o + " ") for o in own)]


def _schema_path(root: Path, name: str) -> Path:
    folder, single = root / "prisma" / name, root / "prisma" / f"{name}.prisma"
    if single.is_file():
        return single
    if folder.is_dir():
        return folder
    raise FileNotFoundError(f"corpus schema missing for {name}: neither {single} nor {folder}/")


def prisma_cases() -> list[PrismaCase]:
    """Every Prisma case of the corpus, sorted by name (raises FileNotFoundError when a file is missing)."""
    cases = []
    for root in ROOTS:
        for expected in corpus_glob(root / "prisma-expected", "*.sql"):
            name = expected.name.split(".")[0]
            cases.append(PrismaCase(name, _schema_path(root, name), expected))
    return sorted(cases, key=lambda c: c.name)


CASES = prisma_cases()
CASE_IDS = [c.name for c in CASES]
