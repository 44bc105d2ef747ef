"""The integrity file ``schemaguard.sum``: a checksum of every revision, like Atlas's ``atlas.sum``.

Format (text, one entry a line)::

    h1:<base64 SHA-256 of the lines below>
    0001_initial.py h1:<base64 SHA-256 of the file>
    0002_add_read_at.py h1:...

A revision edited, added or removed by hand no longer matches; ``schemaguard migrate hash`` rewrites the file
after a deliberate edit. Source: https://atlasgo.io/concepts/migration-directory-integrity
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path

from schemaguard.migrate.project import MigrationsDir


def _h1(data: bytes) -> str:
    return "h1:" + base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


def compute_sums(mdir: MigrationsDir) -> dict[str, str]:
    """``{file name: "h1:..."}`` for every revision file (line endings normalised, so a checkout with CRLF matches)."""
    return {f.name: _h1(f.read_bytes().replace(b"\r\n", b"\n")) for f in mdir.revision_files()}


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
        return f"revision {self.file} {texts[self.kind]}: review it, then run `schemaguard migrate hash`"


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
        return [IntegrityProblem("missing", mdir.sum_file.name)] if current else []
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
