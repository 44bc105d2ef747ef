"""The repository is self-contained: the vendored corpus matches its SOURCES.md, and a clean clone with no folder
beside it collects the same tests as a clone that has the old ``shared`` sibling."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CORPUS, ROOT

UNLISTED = {"SOURCES.md", "README.md"}
"""File names that describe the corpus rather than belong to it."""

COVERED_BY_SCHEMA_ROW = ("prisma-expected/", "prisma-pulled/")
"""Fixtures printed by Prisma's engine: covered by the row of the schema of the same name."""


def _listed() -> set[str]:
    """Paths in the first column of SOURCES.md's tables (a path ending in / covers a folder)."""
    text = (CORPUS / "SOURCES.md").read_text(encoding="utf-8")
    return set(re.findall(r"^\|\s*`([^`]+)`\s*\|", text, re.M))


def _present() -> set[str]:
    return {
        p.relative_to(CORPUS).as_posix()
        for p in CORPUS.rglob("*")
        if p.is_file() and p.name not in UNLISTED and "LICENSES" not in p.parts
    }


def _covered(path: str, listed: set[str]) -> bool:
    if path in listed or any(entry.endswith("/") and path.startswith(entry) for entry in listed):
        return True
    for folder in COVERED_BY_SCHEMA_ROW:
        prefix, _, rest = path.partition(folder)
        if rest:
            name = rest.split(".")[0]
            root = prefix + "prisma/"
            return f"{root}{name}.prisma" in listed or any(e.startswith(f"{root}{name}/") for e in listed)
    return False


def test_every_corpus_file_is_listed_in_sources() -> None:
    listed = _listed()
    assert [p for p in sorted(_present()) if not _covered(p, listed)] == []


def test_every_listed_file_exists() -> None:
    missing = [p for p in sorted(_listed()) if not (CORPUS / p).exists()]
    assert missing == []


def test_every_source_repository_ships_its_licence() -> None:
    text = (CORPUS / "SOURCES.md").read_text(encoding="utf-8")
    licences = {p.name.lower() for p in CORPUS.rglob("LICENSES/*")}
    repos = set(re.findall(r"^\|\s*`[^`]+`\s*\|\s*([\w.-]+/[\w.-]+)\s*\|", text, re.M))
    assert repos, "SOURCES.md lists no repositories"
    missing = [r for r in sorted(repos) if not any(n.startswith(r.replace("/", "-").lower()) for n in licences)]
    assert missing == []


def test_nothing_refers_outside_the_repository() -> None:
    """No tracked test, script, doc or source file points at a sibling folder (``../shared``)."""
    proc = subprocess.run(
        ["git", "grep", "-n", "-E", r"\.\./shared|SCHEMAGUARD_SHARED|parent / \"shared\"", "--", ":!tests/corpus"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    offenders = [line for line in proc.stdout.splitlines() if not line.startswith("tests/test_corpus_manifest.py")]
    assert offenders == []


def _collect(clone: Path) -> tuple[int, str]:
    env = {**os.environ, "PYTHONPATH": str(clone / "src")}
    env.pop("SCHEMAGUARD_SHARED", None)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    found = re.search(r"^(\d+) tests? collected", proc.stdout, re.M)
    assert proc.returncode == 0 and found, proc.stdout[-3000:] + proc.stderr[-2000:]
    return int(found.group(1)), proc.stdout


@pytest.mark.slow
def test_clean_clone_collects_the_same_tests_with_and_without_a_sibling_folder(tmp_path: Path) -> None:
    """A clone of the committed repository alone (nothing beside it) collects every test, with no collection
    error, and exactly as many as the same clone with the old ``shared/corpus`` sibling present; the corpus tests
    then pass in the lone clone."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.fail("the clean-clone check needs git and the repository's .git")
    clone = tmp_path / "alone" / "schemaguard"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    alone, listing = _collect(clone)
    shutil.copytree(clone / "tests" / "corpus", tmp_path / "alone" / "shared" / "corpus")
    with_sibling, _ = _collect(clone)
    assert alone == with_sibling
    assert "tests/prisma/test_corpus.py::test_corpus_schema_parses_and_loads[" in listing
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_corpus_manifest.py",
         "tests/prisma/test_corpus.py", "-k", "listed or parses_and_loads"],
        cwd=clone,
        env={**os.environ, "PYTHONPATH": str(clone / "src")},
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert re.search(r"^\d+ passed", proc.stdout.splitlines()[-1]), proc.stdout[-500:]
