"""The schema changelog: one YAML entry per generated revision in ``changelog/``, printed as Markdown.

Each ``migrate generate`` writes ``changelog/<revision>_<slug>.yaml``::

    revision: '0002'
    down_revision: '0001'
    date: '2024-05-02T10:11:12+00:00'
    author: Jane Doe <jane@example.com>      # from git config when available
    message: add read receipts
    dialect: postgresql
    changes:
    - 'messages_v2: add column readAt (datetime, nullable)'

One file per revision keeps concurrent branches free of merge conflicts. ``schemaguard changelog`` prints the
history newest first — the ``SCHEMA_CHANGELOG.md`` seed 003 asked for.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from schemaguard.diff.changes import Change, ChangeKind

if TYPE_CHECKING:
    from schemaguard.config import Config
    from schemaguard.migrate.ops import Rename
    from schemaguard.model import Column


def _col(c: Column) -> str:
    parts = [str(c.type), "nullable" if c.nullable else "not null"]
    if c.default is not None:
        parts.append(f"default {c.default.describe()}")
    if c.autoincrement:
        parts.append("autoincrement")
    return ", ".join(parts)


def describe_change(ch: Change) -> str:
    """One human line for a change, e.g. ``messages_v2: add column readAt (datetime, nullable)``."""
    t, o, d, a = ch.table, ch.object, ch.desired, ch.actual
    k = ch.kind
    texts: dict[ChangeKind, Any] = {
        ChangeKind.TABLE_MISSING: lambda: f"{t}: create table ({len(d.columns)} columns)",
        ChangeKind.TABLE_EXTRA: lambda: f"{t}: drop table",
        ChangeKind.COLUMN_MISSING: lambda: f"{t}: add column {o} ({_col(d)})",
        ChangeKind.COLUMN_EXTRA: lambda: f"{t}: drop column {o}",
        ChangeKind.COLUMN_TYPE: lambda: f"{t}: change type of {o} from {a.type} to {d.type}",
        ChangeKind.COLUMN_NULLABLE: lambda: f"{t}: make {o} {'nullable' if d.nullable else 'NOT NULL'}",
        ChangeKind.COLUMN_DEFAULT: lambda: f"{t}: change {' and '.join(ch.aspects) or 'default'} of {o} ({_col(d)})",
        ChangeKind.PRIMARY_KEY: lambda: f"{t}: primary key ({', '.join(d.columns) if d else 'none'})",
        ChangeKind.INDEX_MISSING: lambda: (
            f"{t}: add {'unique ' if d.unique else ''}index {o} ({', '.join(p.describe() for p in d.parts)})"
        ),
        ChangeKind.INDEX_EXTRA: lambda: f"{t}: drop {'unique ' if a.unique else ''}index {o}",
        ChangeKind.INDEX_CHANGED: lambda: (
            f"{t}: {'rename index ' + a.name + ' to ' + d.name if ch.aspects == ('name',) else 'redefine index ' + str(o)}"
        ),
        ChangeKind.FOREIGN_KEY_MISSING: lambda: (
            f"{t}: add foreign key ({', '.join(d.columns)}) -> {d.ref_table}({', '.join(d.ref_columns)})"
        ),
        ChangeKind.FOREIGN_KEY_EXTRA: lambda: f"{t}: drop foreign key ({', '.join(a.columns)}) -> {a.ref_table}",
        ChangeKind.FOREIGN_KEY_CHANGED: lambda: f"{t}: change foreign key ({', '.join(d.columns)}) -> {d.ref_table}",
        ChangeKind.CHECK_MISSING: lambda: f"{t}: add check {d.name or ''} ({d.expression})".replace("  ", " "),
        ChangeKind.CHECK_EXTRA: lambda: f"{t}: drop check {a.name or a.expression}",
        ChangeKind.CHECK_CHANGED: lambda: f"{t}: redefine check {o}",
        ChangeKind.ENUM_MISSING: lambda: f"enum {o}: create ({', '.join(d.values)})",
        ChangeKind.ENUM_EXTRA: lambda: f"enum {o}: drop",
        ChangeKind.ENUM_VALUES: lambda: _enum_values(o or "", d.values, a.values),
    }
    text = texts.get(k)
    # Kinds without a wording of their own here (views, functions, comments, ...): the differ's message.
    return str(text()) if text is not None else ch.message


def _enum_values(name: str, new: tuple[str, ...], old: tuple[str, ...]) -> str:
    added = [v for v in new if v not in old]
    removed = [v for v in old if v not in new]
    parts = []
    if added:
        parts.append("add value" + ("s " if len(added) > 1 else " ") + ", ".join(added))
    if removed:
        parts.append("remove value" + ("s " if len(removed) > 1 else " ") + ", ".join(removed))
    return f"enum {name}: " + ("; ".join(parts) or "reorder values")


def describe_plan(changes: list[Change], renames: list[Rename]) -> list[str]:
    """Human lines for a revision: renames first, then every change."""
    return [f"{r.table}: rename column {r.old} to {r.new}" for r in renames] + [describe_change(c) for c in changes]


def git_author(cwd: Path) -> str | None:
    """``Name <email>`` from ``git config`` in ``cwd``, or None when git or the setting is unavailable."""

    def get(key: str) -> str | None:
        try:
            out = subprocess.run(
                ["git", "config", "--get", "--end-of-options", key],
                cwd=cwd,
                capture_output=True,
                text=True,
                timeout=5,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return out.stdout.strip() or None

    name, email = get("user.name"), get("user.email")
    if name and email:
        return f"{name} <{email}>"
    return name or email


@dataclass(frozen=True)
class Entry:
    """One changelog entry (one revision)."""

    revision: str
    down_revision: str | None
    date: str
    author: str | None
    message: str
    dialect: str
    changes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "revision": self.revision,
            "down_revision": self.down_revision,
            "date": self.date,
            "author": self.author,
            "message": self.message,
            "dialect": self.dialect,
            "changes": list(self.changes),
        }


def changelog_dir(config: Config) -> Path:
    """The changelog folder: the ``changelog`` key of the configuration (default ``changelog``), from the root."""
    extra = config.model_extra or {}
    p = Path(str(extra.get("changelog", "changelog")))
    return p if p.is_absolute() else Path(config.root) / p


def write_entry(folder: Path, entry: Entry, slug: str) -> Path:
    """Write ``<folder>/<revision>_<slug>.yaml``; returns the path."""
    import yaml

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{entry.revision}_{slug}.yaml"
    path.write_text(yaml.safe_dump(entry.to_dict(), sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def read_entries(folder: Path) -> list[Entry]:
    """Every entry in ``folder``, oldest first (by revision chain, then date).

    Raises:
        MigrationError: an entry file is not valid YAML or lacks ``revision``.
    """
    import yaml

    from schemaguard.loaders.yaml_master import refuse_unsafe_yaml
    from schemaguard.migrate.errors import MigrationError

    entries: list[Entry] = []
    if not folder.is_dir():
        return entries
    for f in sorted(folder.glob("*.yaml")):
        try:
            text = f.read_text(encoding="utf-8")
            refuse_unsafe_yaml(text, str(f))  # an entry is data: no alias expansion, bounded nesting
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            raise MigrationError(f"{f}: invalid YAML: {exc}") from None
        if not isinstance(data, dict) or "revision" not in data:
            raise MigrationError(f"{f}: a changelog entry needs at least `revision:`")
        entries.append(
            Entry(
                str(data["revision"]),
                str(data["down_revision"]) if data.get("down_revision") else None,
                str(data.get("date", "")),
                data.get("author"),
                str(data.get("message", "")),
                str(data.get("dialect", "")),
                tuple(str(c) for c in data.get("changes") or ()),
            )
        )
    return _chain_order(entries)


def _chain_order(entries: list[Entry]) -> list[Entry]:
    by_parent: dict[str | None, list[Entry]] = {}
    for e in entries:
        by_parent.setdefault(e.down_revision, []).append(e)
    known = {e.revision for e in entries}
    roots = [e for e in entries if e.down_revision is None or e.down_revision not in known]
    out: list[Entry] = []
    queue = sorted(roots, key=lambda e: (e.date, e.revision))
    seen: set[str] = set()
    while queue:
        e = queue.pop(0)
        if e.revision in seen:
            continue
        seen.add(e.revision)
        out.append(e)
        queue = sorted(by_parent.get(e.revision, []), key=lambda x: (x.date, x.revision)) + queue
    return out + [e for e in entries if e.revision not in seen]


def render_markdown(entries: list[Entry]) -> str:
    """The history as Markdown, newest first: one section per revision with its change lines. Messages, authors
    and change lines are data (a message is whatever `-m` was given): escaped, one line each
    (:mod:`schemaguard.report.escape`), so none becomes a heading, a link, HTML or a mention."""
    from schemaguard.report.escape import md_text

    lines = ["# Schema changelog", ""]
    if not entries:
        lines += ['No revisions yet: `schemaguard migrate generate -m "..."` adds the first.', ""]
    for e in reversed(entries):
        day = md_text(e.date[:10])
        by = f", {md_text(e.author)}" if e.author else ""
        lines.append(f"## {md_text(e.revision)} — {md_text(e.message) if e.message else '(no message)'}")
        lines.append("")
        revises = md_text(e.down_revision) if e.down_revision else "nothing (first revision)"
        lines.append(f"_{day}{by}; {md_text(e.dialect)}; revises {revises}_")
        lines.append("")
        lines += [f"- {md_text(c)}" for c in e.changes] or ["- (no schema changes)"]
        lines.append("")
    return "\n".join(lines)
