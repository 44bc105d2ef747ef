"""The integrity file ``schemaguard.sum``: a checksum of every revision, like Atlas's ``atlas.sum``.

Format (text, one entry a line)::

    h1:<base64 SHA-256 of the lines below>
    ../../alembic.ini h1:...
    ../env.py h1:...
    ../script.py.mako h1:...
    0001_initial.py h1:<base64 SHA-256 of the file>
    0002_add_read_at.py h1:...

Besides the revisions (named as in ``versions/``), the sum covers the other files Alembic reads or runs: the
folder's ``env.py`` (run by every Alembic command), ``script.py.mako`` (the template plain ``alembic revision``
renders, which can hold ``<% %>`` Python) and the project's ``alembic.ini`` (its logging sections are evaluated by
plain Alembic). Those are named by their path from ``versions/``, so no name can collide with a revision's.
A file edited, added or removed by hand no longer matches; ``schemaguard migrate hash`` rewrites the file after a
deliberate, reviewed edit. :func:`require_verified` is called before anything loads Alembic's ScriptDirectory or
runs env.py. Source: https://atlasgo.io/concepts/migration-directory-integrity
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from schemaguard.migrate.project import MigrationsDir


def _h1(data: bytes) -> str:
    return "h1:" + base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


PROJECT_FILES = ("env.py", "script.py.mako")
"""The files of a migrations folder, besides its revisions, that Alembic runs or renders."""


def covered_files(mdir: MigrationsDir) -> dict[str, Path]:
    """``{entry name: file}`` of every existing file the sum covers: revisions by file name; ``env.py``,
    ``script.py.mako`` and the project's ``alembic.ini`` by their path relative to ``versions/``."""
    files = {f.name: f for f in mdir.revision_files()}
    for f in [*(mdir.path / n for n in PROJECT_FILES), mdir.root / "alembic.ini"]:
        if f.is_file():
            files[os.path.relpath(f, mdir.versions).replace(os.sep, "/")] = f
    return files


def compute_sums(mdir: MigrationsDir) -> dict[str, str]:
    """``{entry name: "h1:..."}`` for every covered file (line endings normalised, so a checkout with CRLF
    matches)."""
    return {name: _h1(f.read_bytes().replace(b"\r\n", b"\n")) for name, f in covered_files(mdir).items()}


def _as_written(mdir: MigrationsDir) -> bool:
    """Whether the folder's env.py and template are exactly what ``migrate generate`` writes (line endings aside)."""
    from schemaguard.migrate.project import ENV_PY, SCRIPT_TEMPLATE

    for name, text in zip(PROJECT_FILES, (ENV_PY, SCRIPT_TEMPLATE), strict=True):
        f = mdir.path / name
        if f.is_file() and f.read_bytes().replace(b"\r\n", b"\n") != text.encode("utf-8"):
            return False
    return True


def render_sum(sums: dict[str, str]) -> str:
    """The integrity file's text for ``sums``."""
    body = "".join(f"{name} {h}\n" for name, h in sorted(sums.items()))
    return _h1(body.encode("utf-8")) + "\n" + body


def write_sum(mdir: MigrationsDir) -> Path:
    """Rewrite ``schemaguard.sum`` from the revision files as they are now; returns its path."""
    mdir.sum_file.write_text(render_sum(compute_sums(mdir)), encoding="utf-8")
    return mdir.sum_file


@dataclass(frozen=True)
class IntegrityProblem:
    """One mismatch: ``kind`` is ``modified``, ``added``, ``removed``, ``corrupt`` or ``missing``; ``file`` the revision."""

    kind: str
    file: str

    def __str__(self) -> str:
        texts = {
            "modified": "was edited after it was generated",
            "added": "was added by hand (not in schemaguard.sum)",
            "removed": "is listed in schemaguard.sum but missing",
            "corrupt": "does not match its own checksum line (the file was edited)",
            "missing": "has no integrity file",
        }
        what = "file" if "/" in self.file or self.kind == "missing" else "revision"
        return f"{what} {self.file} {texts[self.kind]}: review it, then run `schemaguard migrate hash`"


def read_sum(path: Path) -> tuple[str | None, dict[str, str]]:
    """Parse an integrity file into (total hash, {file: hash})."""
    lines = path.read_text(encoding="utf-8").splitlines()
    total = lines[0].strip() if lines else None
    entries: dict[str, str] = {}
    for line in lines[1:]:
        name, _, h = line.strip().rpartition(" ")
        if name:
            entries[name] = h
    return total, entries


def verify(mdir: MigrationsDir) -> list[IntegrityProblem]:
    """Compare the revision files with ``schemaguard.sum``.

    Returns:
        The problems, empty when every file matches (and there is nothing to match when there are no revisions).
    """
    current = compute_sums(mdir)
    if not mdir.sum_file.is_file():
        # Nothing to verify yet only while there is no revision and env.py and the template are as written.
        fresh = not mdir.revision_files() and _as_written(mdir)
        return [] if fresh else [IntegrityProblem("missing", mdir.sum_file.name)]
    total, recorded = read_sum(mdir.sum_file)
    problems: list[IntegrityProblem] = []
    if total != render_sum(recorded).splitlines()[0]:
        problems.append(IntegrityProblem("corrupt", mdir.sum_file.name))
    for name, h in sorted(current.items()):
        if name not in recorded:
            problems.append(IntegrityProblem("added", name))
        elif recorded[name] != h:
            problems.append(IntegrityProblem("modified", name))
    for name in sorted(set(recorded) - set(current)):
        problems.append(IntegrityProblem("removed", name))
    return problems


def require_verified(mdir: MigrationsDir) -> None:
    """Refuse a migrations folder whose files differ from ``schemaguard.sum``. Call it before anything loads
    Alembic's ScriptDirectory (which imports the revisions) or runs env.py: those files are project code, trusted
    only once reviewed and hashed.

    Raises:
        MigrationError: the first problem, and how many more there are.
    """
    from schemaguard.migrate.errors import MigrationError

    problems = verify(mdir)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise MigrationError(f"refusing to load the migrations in {mdir.path}: {problems[0]}{more}")
