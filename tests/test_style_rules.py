"""STYLE.md rule 2: dialect differences live in ``dialects/<name>/`` (as flags and verb modules), nowhere else."""

from __future__ import annotations

import re

from tests.conftest import ROOT

SRC = ROOT / "src" / "schemaguard"

ALLOWED = {
    "db.py",  # URL schemes are how a database names its dialect
    "migrate/project.py",  # the env.py template is a user file that must stand alone
}
"""Files outside dialects/ that may name a dialect; Prisma's providers (prisma/) are Prisma's own vocabulary."""

BRANCH = re.compile(r"""(==|!=)\s*["'](sqlite|postgresql|postgres)["']|\bin \(["'](sqlite|postgresql|postgres)["']""")


def test_no_dialect_branches_outside_dialects() -> None:
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel.startswith(("dialects/", "prisma/")) or rel in ALLOWED:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if BRANCH.search(line):
                offenders.append(f"{rel}:{n}: {line.strip()}")
    assert offenders == [], "branch on a Dialect flag instead:\n" + "\n".join(offenders)
