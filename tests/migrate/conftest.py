"""A tmp project (schemaguard.toml + master) and an in-process CLI runner for the migrate tests."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import PG_ADMIN_URL

FIXTURES = Path(__file__).parent / "fixtures"


@dataclass
class Project:
    """A schemaguard project in a temporary directory (the working directory during the test)."""

    root: Path
    dialect: str

    def master(self, source: str | Path) -> None:
        """Replace the master with a fixture file name or YAML text."""
        target = self.root / "master.yaml"
        if isinstance(source, Path) or (source.endswith(".yaml") and "\n" not in source):
            shutil.copy(FIXTURES / source, target)
        else:
            target.write_text(source, encoding="utf-8")

    def run(self, *args: str) -> int:
        """Run the CLI in-process; returns the exit code."""
        from schemaguard.cli.app import main
        from schemaguard.cli.context import STATE

        STATE._config = None  # the config is cached per process; every call reads this project's file
        STATE.config_path = None
        return main(list(args))

    def revisions(self) -> list[Path]:
        return sorted((self.root / "migrations" / "versions").glob("*.py"))


@pytest.fixture
def make_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Project]:
    """``make_project("sqlite"|"postgresql")`` → a Project whose schemaguard.toml names master.yaml, the dialect and,
    for PostgreSQL, the test server as dev_url."""

    def make(dialect: str) -> Project:
        root = tmp_path / f"proj_{dialect}"
        root.mkdir()
        lines = ['master = "master.yaml"', f'dialect = "{dialect}"']
        if dialect == "postgresql":
            lines.append(f'dev_url = "{PG_ADMIN_URL}"')
        (root / "schemaguard.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        monkeypatch.chdir(root)
        return Project(root, dialect)

    return make


@pytest.fixture(params=["sqlite", "postgresql"])
def dialect_db(request: pytest.FixtureRequest, sqlite_factory: Callable[[], str], pg_factory: Callable[[], str]):
    """(dialect name, factory of fresh database URLs) for both dialects."""
    return request.param, (sqlite_factory if request.param == "sqlite" else pg_factory)
