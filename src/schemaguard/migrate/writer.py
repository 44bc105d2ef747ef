"""``migrate generate``: replay the revisions, diff the result against the master, write the next revision.

The revision is written through Alembic's ``ScriptDirectory.generate_revision`` with the folder's
``script.py.mako`` template, so it is an ordinary Alembic revision (``revision``/``down_revision``,
``upgrade()``/``downgrade()``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from schemaguard.migrate.errors import MigrationError
from schemaguard.migrate.ops import NATIVE_HELPER, Rename, build_plan, rename_candidates, render_items, resolve_renames
from schemaguard.migrate.project import MigrationsDir

if TYPE_CHECKING:
    from schemaguard.config import Config
    from schemaguard.dialects.base import Dialect


@dataclass
class GenerateResult:
    """What ``generate`` did.

    Attributes:
        revision: the new revision id, or None when the master and the revisions already agree.
        path: the revision file written.
        summary: one human line per change (the changelog entry).
        rename_hints: ``(table, old, new)`` dropped/added column pairs of one type, not treated as renames.
        changelog: the changelog entry written.
        created: files created for a new migrations folder (env.py, template, alembic.ini).
    """

    revision: str | None
    path: Path | None = None
    summary: list[str] = field(default_factory=list)
    rename_hints: list[tuple[str, str, str]] = field(default_factory=list)
    changelog: Path | None = None
    created: list[Path] = field(default_factory=list)


def dev_url_for(config: Config, dev_url: str | None) -> str | None:
    """The scratch server URL: the option, else ``dev_url`` in the configuration (``${VAR}`` expanded)."""
    from schemaguard.config import expand_env

    value = dev_url or (config.model_extra or {}).get("dev_url")
    return expand_env(str(value), "dev_url") if value else None


def folder_dialect(mdir: MigrationsDir, config: Config, requested: str | None) -> Dialect:
    """The dialect of the folder's revisions (recorded in each file), else ``requested``, else the configured one.

    Raises:
        MigrationError: ``requested`` contradicts the existing revisions.
    """
    from schemaguard.dialects import get_dialect

    recorded = mdir.dialect()
    if requested and recorded and get_dialect(requested).name != recorded:
        raise MigrationError(
            f"the revisions in {mdir.path} were generated for {recorded}, not {requested}: "
            "use one migrations folder per dialect (the `migrations` key of schemaguard.toml)"
        )
    return get_dialect(recorded or requested or config.dialect)


def _next_revision_id(mdir: MigrationsDir) -> str:
    numbers = [int(m.group(1)) for f in mdir.revision_files() if (m := re.match(r"^(\d+)_", f.name))]
    return f"{max(numbers, default=0) + 1:04d}"


def _slug(message: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")[:40] or "revision"


def generate(
    config: Config,
    message: str,
    *,
    dialect: str | None = None,
    dev_url: str | None = None,
    renames: Sequence[str] = (),
    author: str | None = None,
) -> GenerateResult:
    """Write the next revision: the difference between what the existing revisions build and the master.

    Args:
        config: the configuration (``master``, ``migrations``, ``dev_url``, ``changelog``).
        message: the revision message (also its file name slug).
        dialect: ``sqlite`` or ``postgresql`` for a new folder (default: the folder's, else ``config.dialect``).
        dev_url: PostgreSQL server for the scratch database (default: ``dev_url`` of the configuration).
        renames: ``[table.]old:new`` column renames to apply instead of drop + add.
        author: the changelog author (default: from git).

    Returns:
        GenerateResult; ``revision`` None when there is nothing to generate.

    Raises:
        MigrationError: tampered revisions (run ``migrate hash``), a failing revision, a rename that fits no
            table, PostgreSQL without a dev URL.
        SchemaError: invalid master.
    """
    from alembic.util.exc import CommandError

    from schemaguard.api import filter_ignored, load_master
    from schemaguard.migrate import changelog, integrity
    from schemaguard.migrate.replay import replay_state

    mdir = MigrationsDir.from_config(config)
    created = [] if mdir.exists else mdir.init()
    problems = integrity.verify(mdir)
    if problems:
        raise MigrationError("; ".join(str(p) for p in problems))
    d = folder_dialect(mdir, config, dialect)
    master, _ = filter_ignored(load_master(config), config)
    state = replay_state(mdir, d, config, dev_url_for(config, dev_url))
    wanted = resolve_renames([Rename.parse(r) for r in renames], state, master)
    up = build_plan(d, master, state, wanted)
    if not up.changes and not wanted:
        return GenerateResult(None, created=created)
    down = build_plan(d, state, master, [r.reverse() for r in wanted])
    hints = [] if wanted else rename_candidates(up.changes, d)
    summary = changelog.describe_plan(up.changes, wanted)
    r_up = render_items(up.items, d.name)
    r_down = render_items(down.items, d.name)
    script = mdir.script()
    try:
        heads = script.get_heads()
    except CommandError as exc:
        raise MigrationError(str(exc)) from None
    if len(heads) > 1:
        raise MigrationError(f"the revisions have several heads ({', '.join(heads)}): merge them first (alembic merge)")
    rev_id = _next_revision_id(mdir)
    slug = _slug(message)
    summary_text = "\n".join(f"  - {line}" for line in summary)
    sc = script.generate_revision(
        rev_id,
        message,
        head="head",
        file_template="%(rev)s_%(slug)s",
        sg_dialect=d.name,
        sg_master=config.master,
        sg_summary=summary_text.replace("\\", "\\\\"),
        sg_helpers=NATIVE_HELPER if (r_up.needs_native or r_down.needs_native) else "",
        upgrades=r_up.body,
        downgrades=r_down.body,
        imports="\n".join(sorted(r_up.imports | r_down.imports)),
    )
    assert sc is not None
    path = Path(sc.path)
    integrity.write_sum(mdir)
    entry = changelog.Entry(
        rev_id,
        heads[0] if heads else None,
        datetime.now(UTC).isoformat(timespec="seconds"),
        author if author is not None else changelog.git_author(mdir.root),
        message,
        d.name,
        tuple(summary),
    )
    log = changelog.write_entry(changelog.changelog_dir(config), entry, slug)
    return GenerateResult(rev_id, path, summary, hints, log, created)
