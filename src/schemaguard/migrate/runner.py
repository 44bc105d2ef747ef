"""``migrate check``, ``status``, ``upgrade``, ``downgrade``, ``hash``: thin layers over Alembic and the replay."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from schemaguard.migrate.project import MigrationsDir

if TYPE_CHECKING:
    from schemaguard.config import Config
    from schemaguard.diff.changes import Change


@dataclass
class CheckResult:
    """The outcome of ``migrate check``.

    Attributes:
        integrity: revisions edited/added/removed by hand (one sentence each).
        heads: the revision heads (more than one is a problem).
        ungenerated: changes between the replayed revisions and the master (no revision covers them).
        replay_error: why replaying the revisions failed, if it did.
        dialect: the dialect the folder is checked in.
        folder: the folder checked.
    """

    integrity: list[str] = field(default_factory=list)
    heads: list[str] = field(default_factory=list)
    ungenerated: list[Change] = field(default_factory=list)
    dialect: str = ""
    replay_error: str | None = None
    folder: str = ""

    @property
    def ok(self) -> bool:
        return not self.integrity and len(self.heads) <= 1 and not self.ungenerated and self.replay_error is None

    def problems(self) -> list[str]:
        """One line per problem, for reports."""
        out = list(self.integrity)
        if len(self.heads) > 1:
            out.append(f"several heads ({', '.join(self.heads)}): merge them (alembic merge)")
        if self.replay_error:
            out.append(f"the revisions do not replay on an empty database: {self.replay_error}")
        out += [f"ungenerated change: {c.message}" for c in self.ungenerated]
        return out


def check(config: Config, *, dialect: str | None = None, dev_url: str | None = None) -> CheckResult:
    """Verify one folder: integrity file, a single head, and replaying every revision on an empty database
    gives exactly the master.

    Args:
        dialect: the folder to check in the per-dialect layout (default: the primary dialect's); in the single
            layout, the dialect to check in (must match the revisions').

    Raises:
        MigrationError: PostgreSQL revisions without a dev URL, no folder for ``dialect`` (a revision that fails
            is reported in the result).
        SchemaError: invalid master.
    """
    from schemaguard.api import filter_ignored, load_master
    from schemaguard.diff.differ import diff_schemas
    from schemaguard.migrate import integrity
    from schemaguard.migrate.errors import MigrationError
    from schemaguard.migrate.replay import replay_state, require_scratch
    from schemaguard.migrate.writer import dev_url_for, folder_dialect
    from schemaguard.model import Schema

    mdir = MigrationsDir.from_config(config, dialect)
    d = folder_dialect(mdir, config, dialect)
    result = CheckResult(dialect=d.name, folder=str(mdir.path))
    result.integrity = [str(p) for p in integrity.verify(mdir)]
    if result.integrity:
        return result  # nothing of the folder is loaded (imported, run) before it is verified
    if mdir.exists:
        result.heads = list(mdir.script().get_heads())
    if len(result.heads) > 1:
        return result
    master, _ = filter_ignored(load_master(config), config)
    scratch = dev_url_for(config, dev_url)
    state = Schema()
    if mdir.revision_files():
        # A missing scratch server is a configuration error (exit 2), not a failed check: ask before replaying.
        require_scratch(d, scratch)
        try:
            state = replay_state(mdir, d, config, scratch)
        except MigrationError as exc:
            result.replay_error = str(exc)
            return result
    result.ungenerated = diff_schemas(master, state, d)
    return result


def check_all(config: Config, *, dev_url: str | None = None) -> list[CheckResult]:
    """:func:`check` for every migrations folder of the project (one per dialect in the per-dialect layout).

    Raises:
        MigrationError, SchemaError: as :func:`check`.
    """
    dirs = MigrationsDir.all_for(config)
    if len(dirs) == 1 and dirs[0].dialect_name is None:
        return [check(config, dev_url=dev_url)]
    return [check(config, dialect=m.dialect_name, dev_url=dev_url) for m in dirs]


@dataclass
class Status:
    """Where a database stands: its current revisions, the heads, and the revisions not applied yet (oldest first).

    Attributes:
        folder: the migrations folder the revisions were read from (the target's dialect's).
    """

    current: list[str]
    heads: list[str]
    pending: list[str]
    folder: str = ""


def status(config: Config, url: str) -> Status:
    """Read the database's ``alembic_version`` (read-only) and list the pending revisions of the folder of the
    database's dialect.

    Raises:
        MigrationError: no migrations folder (for that dialect).
        ConnectionFailed: the database cannot be reached.
    """
    from alembic.migration import MigrationContext

    from schemaguard.db import connect
    from schemaguard.migrate import integrity

    mdir = MigrationsDir.from_config(config, url=url)
    mdir.require()
    integrity.require_verified(mdir)
    script = mdir.script()
    with connect(url, read_only=True) as conn:
        current = list(MigrationContext.configure(conn).get_current_heads())
    return Status(current, list(script.get_heads()), pending_revisions(mdir, current), str(mdir.path))


def pending_revisions(mdir: MigrationsDir, current: list[str]) -> list[str]:
    """Revision ids between ``current`` and the head(s), oldest first."""
    script = mdir.script()
    applied = set(_closure(mdir, current))
    all_revs = [s.revision for s in script.walk_revisions("base", "heads")]
    return [r for r in reversed(all_revs) if r not in applied]


@dataclass
class Applied:
    """What ``upgrade``/``downgrade`` did.

    Attributes:
        before, after: the database's revision(s) before and after (empty: none applied).
        revisions: the revisions run (upgrade: applied, oldest first; downgrade: reverted, newest first).
        statements: SQL statements the revisions executed (Alembic's own ``alembic_version`` bookkeeping,
            transaction control and catalog reads not counted).
        folder: the migrations folder used.
    """

    before: list[str]
    after: list[str]
    revisions: list[str]
    statements: int
    folder: str


def upgrade(
    config: Config,
    url: str,
    revision: str = "head",
    *,
    sql: bool = False,
    output: IO[str] | None = None,
    allow_unhashed: bool = False,
) -> Applied | None:
    """``alembic upgrade REVISION`` on ``url`` (``sql``: print the offline script to ``output`` instead), with the
    revisions of the folder of the database's dialect.

    A revision edited or added by hand after generation (its checksum in ``schemaguard.sum`` differs) is
    refused until it is reviewed and re-hashed with ``schemaguard migrate hash``, unless ``allow_unhashed``:
    what runs on a database is exactly what was reviewed.

    Returns:
        What was applied; None with ``sql``.

    Raises:
        MigrationError: an unhashed revision, Alembic refused, or a statement failed.
    """
    from schemaguard.migrate import integrity
    from schemaguard.migrate.errors import MigrationError

    mdir = MigrationsDir.from_config(config, url=url)
    mdir.require()
    if not allow_unhashed:
        problems = integrity.verify(mdir)
        if problems:
            raise MigrationError(
                f"refusing to upgrade: {problems[0]}"
                + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else "")
                + "; or pass --allow-unhashed"
            )
    return _apply(mdir, "upgrade", revision, url, sql, output)


def downgrade(
    config: Config, url: str, revision: str, *, sql: bool = False, output: IO[str] | None = None
) -> Applied | None:
    """``alembic downgrade REVISION`` on ``url``: an id, ``base``, or ``-N`` (N revisions back from where the
    database is). Offline (``sql``) needs a range, so ``head:REVISION`` is used when only a target is given, and
    ``-N`` counts back from the database's revision when it can be read, else from the head.

    Returns:
        What was reverted; None with ``sql``.

    Raises:
        MigrationError: Alembic refused or a statement failed.
    """
    from schemaguard.migrate import integrity

    mdir = MigrationsDir.from_config(config, url=url)
    mdir.require()
    integrity.require_verified(mdir)
    if sql and ":" not in revision:
        start = "head"
        if revision.startswith("-") and revision[1:].isdigit():
            start = _offline_start(mdir, url)
            revision = _back_from(mdir, start, int(revision[1:]))
        revision = f"{start}:{revision}"
    return _apply(mdir, "downgrade", revision, url, sql, output)


def _offline_start(mdir: MigrationsDir, url: str) -> str:
    """Where an offline ``downgrade -N`` starts: the database's revision when it can be read (read-only), else
    the single head (the script's header names the range either way)."""
    from schemaguard.errors import SchemaGuardError

    try:
        current = current_revisions(url)
    except SchemaGuardError:
        current = []
    if len(current) == 1:
        return current[0]
    return "head"


def _back_from(mdir: MigrationsDir, start: str, steps: int) -> str:
    """The revision ``steps`` below ``start`` (a revision id or ``head``; ``base`` past the first).

    Raises:
        MigrationError: several heads, or no revisions.
    """
    from schemaguard.migrate.errors import MigrationError

    script = mdir.script()
    if start == "head":
        heads = script.get_heads()
        if len(heads) != 1:
            raise MigrationError(
                f"several heads ({', '.join(heads)}): name the revision to downgrade to"
                if heads
                else f"no revisions in {mdir.path}"
            )
        start = heads[0]
    chain = _closure(mdir, [start])  # newest first
    return chain[steps] if steps < len(chain) else "base"


def current_revisions(url: str) -> list[str]:
    """The database's applied revisions (none when the database or its alembic_version table does not exist).

    Raises:
        ConnectionFailed: the server cannot be reached.
    """
    from alembic.migration import MigrationContext

    from schemaguard.db import connect, missing_sqlite_file

    if missing_sqlite_file(url):
        return []
    with connect(url, read_only=True) as conn:
        return list(MigrationContext.configure(conn).get_current_heads())


def _apply(
    mdir: MigrationsDir, command: str, revision: str, url: str, sql: bool, output: IO[str] | None
) -> Applied | None:
    if sql:
        _run(mdir, command, revision, url, sql, output)
        return None
    before = current_revisions(url)
    with _count_statements() as counter:
        _run(mdir, command, revision, url, sql, output)
    after = current_revisions(url)
    if command == "upgrade":
        was = set(_closure(mdir, before))
        revisions = [r for r in _closure(mdir, after)[::-1] if r not in was]
    else:
        now = set(_closure(mdir, after))
        revisions = [r for r in _closure(mdir, before) if r not in now]
    return Applied(before, after, revisions, counter[0], str(mdir.path))


def _closure(mdir: MigrationsDir, heads: list[str]) -> list[str]:
    """Every revision up to ``heads`` (newest first).

    Raises:
        MigrationError: a head is not a revision of the folder (deleted, or from another folder).
    """
    from alembic.script.revision import ResolutionError

    from schemaguard.migrate.errors import MigrationError

    script = mdir.script()
    seen: dict[str, None] = {}
    for head in heads:
        try:
            for s in script.iterate_revisions(head, "base"):
                seen[s.revision] = None
        except ResolutionError:
            raise MigrationError(
                f"the database is at revision {head}, which {mdir.path} does not have (a deleted revision, or "
                "revisions of another folder)"
            ) from None
    return list(seen)


_NOT_COUNTED = re.compile(
    r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|PRAGMA)\b|alembic_version|\bpg_catalog\.|\bsqlite_(master|schema)\b"
    r"|\binformation_schema\.",
    re.I,
)


@contextmanager
def _count_statements() -> Iterator[list[int]]:
    """Count the SQL statements any engine executes inside the block (a SQLAlchemy ``before_cursor_execute``
    listener on the Engine class: env.py opens its own engine), without Alembic's bookkeeping and catalog reads."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    counter = [0]

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not _NOT_COUNTED.search(statement):
            counter[0] += 1

    event.listen(Engine, "before_cursor_execute", count)
    try:
        yield counter
    finally:
        event.remove(Engine, "before_cursor_execute", count)


def _run(mdir: MigrationsDir, command: str, revision: str, url: str, sql: bool, output: IO[str] | None) -> None:
    """Run the Alembic command; a failure becomes one MigrationError that also says which revision the database
    is at afterwards (each revision runs in its own transaction, see project.ENV_PY).

    Raises:
        MigrationError: Alembic refused, a statement failed, or a revision raised a Python error of its own.
    """
    from schemaguard.db import mask
    from schemaguard.migrate.errors import MigrationError
    from schemaguard.migrate.replay import run_alembic

    try:
        run_alembic(mdir, command, revision, url=url, sql=sql, output=output)
        return
    except MigrationError as exc:
        message = str(exc)
    except Exception as exc:  # a revision is user code: its NameError or refused batch op is input, not a bug
        message = f"alembic {command} {revision} failed: {type(exc).__name__}: {mask(str(exc))}"
    if not sql:
        message += f"; {_position(url)}"
    raise MigrationError(message) from None


def _position(url: str) -> str:
    """Where the database stands after a failed command, for the error message (never raises)."""
    from alembic.migration import MigrationContext

    from schemaguard.db import connect

    try:
        with connect(url, read_only=True) as conn:
            heads = list(MigrationContext.configure(conn).get_current_heads())
    except Exception:  # a hint only: the command's own error is the message that matters
        return "the database's revision could not be read"
    if not heads:
        return "the database has no revision applied"
    return f"the database is at revision {', '.join(heads)}"


def rehash(config: Config) -> list[str]:
    """Rewrite the integrity file of every migrations folder; returns the revision files they now cover.

    Raises:
        MigrationError: no migrations folder.
    """
    from schemaguard.migrate.integrity import write_sum

    dirs = [m for m in MigrationsDir.all_for(config) if m.exists]
    if not dirs:
        MigrationsDir.all_for(config)[0].require()
    files: list[str] = []
    for mdir in dirs:
        write_sum(mdir)
        files += [f.name for f in mdir.revision_files()]
    return files


@dataclass
class Discarded:
    """What ``discard`` removed: the revision id, its files (one per dialect folder) and changelog entry."""

    revision: str
    files: list[Path]
    changelog: Path | None


def discard(config: Config, revision: str | None = None, *, url: str | None = None) -> Discarded:
    """Remove the newest revision (a head) from every migrations folder, its changelog entry, and its line in
    each ``schemaguard.sum`` (the other lines are kept as they are: nothing else is re-blessed). The way back
    from a generated revision that should have been different (``--rename``, a fixed master).

    Args:
        revision: the revision id to remove (default: the head); it must be a head.
        url: a database to check first: refuses when the revision is applied there.

    Raises:
        MigrationError: no revisions, not a head, or applied on ``url`` (downgrade it first).
    """
    from schemaguard.migrate import integrity
    from schemaguard.migrate.changelog import changelog_dir
    from schemaguard.migrate.errors import MigrationError
    from schemaguard.migrate.integrity import read_sum, render_sum

    dirs = [m for m in MigrationsDir.all_for(config) if m.exists]
    if not dirs:
        MigrationsDir.all_for(config)[0].require()
    targets: list[tuple[MigrationsDir, Path]] = []
    rev: str | None = revision
    for mdir in dirs:
        integrity.require_verified(mdir)
        heads = list(mdir.script().get_heads())
        if rev is None:
            if len(heads) != 1:
                raise MigrationError(f"{mdir.path} has {len(heads) or 'no'} heads: name the revision to discard")
            rev = heads[0]
        known = {sc.revision: sc for sc in mdir.script().walk_revisions()}
        script = known.get(rev)
        if script is None:
            continue
        if rev not in heads:
            raise MigrationError(f"revision {rev} is not the newest in {mdir.path}: only a head can be discarded")
        assert script.path is not None
        targets.append((mdir, Path(script.path)))
    if rev is None or not targets:
        raise MigrationError(f"no revision {rev or ''} to discard".replace("  ", " "))
    if url is not None and rev in _closure(MigrationsDir.from_config(config, url=url), current_revisions(url)):
        from schemaguard.db import mask_url

        raise MigrationError(
            f"revision {rev} is applied on {mask_url(url)}: run `schemaguard migrate downgrade -1` there first"
        )
    for mdir, path in targets:
        path.unlink()
        if mdir.sum_file.is_file():
            _, recorded = read_sum(mdir.sum_file)
            recorded.pop(path.name, None)
            mdir.sum_file.write_text(render_sum(recorded), encoding="utf-8")
    log = next(iter(sorted(changelog_dir(config).glob(f"{rev}_*.yaml"))), None)
    if log is not None:
        log.unlink()
    return Discarded(rev, [p for _, p in targets], log)
