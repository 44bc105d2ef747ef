"""``migrate check``, ``status``, ``upgrade``, ``downgrade``, ``hash``: thin layers over Alembic and the replay."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING

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
    """

    integrity: list[str] = field(default_factory=list)
    heads: list[str] = field(default_factory=list)
    ungenerated: list[Change] = field(default_factory=list)
    dialect: str = ""
    replay_error: str | None = None

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
    """Verify the folder: integrity file, a single head, and replaying every revision on an empty database
    gives exactly the master.

    Raises:
        MigrationError: PostgreSQL without a dev URL (a revision that fails is reported in the result).
        SchemaError: invalid master.
    """
    from schemaguard.api import filter_ignored, load_master
    from schemaguard.diff.differ import diff_schemas
    from schemaguard.migrate import integrity
    from schemaguard.migrate.replay import replay_state
    from schemaguard.migrate.writer import dev_url_for, folder_dialect

    mdir = MigrationsDir.from_config(config)
    d = folder_dialect(mdir, config, dialect)
    result = CheckResult(dialect=d.name)
    result.integrity = [str(p) for p in integrity.verify(mdir)]
    if mdir.exists:
        result.heads = list(mdir.script().get_heads())
    if len(result.heads) > 1:
        return result
    master, _ = filter_ignored(load_master(config), config)
    from schemaguard.migrate.errors import MigrationError
    from schemaguard.model import Schema

    state = Schema()
    if mdir.exists:
        try:
            state = replay_state(mdir, d, config, dev_url_for(config, dev_url))
        except MigrationError as exc:
            result.replay_error = str(exc)
            return result
    result.ungenerated = diff_schemas(master, state, d)
    return result


@dataclass
class Status:
    """Where a database stands: its current revisions, the heads, and the revisions not applied yet (oldest first)."""

    current: list[str]
    heads: list[str]
    pending: list[str]


def status(config: Config, url: str) -> Status:
    """Read the database's ``alembic_version`` (read-only) and list the pending revisions.

    Raises:
        MigrationError: no migrations folder.
        ConnectionFailed: the database cannot be reached.
    """
    from alembic.migration import MigrationContext

    from schemaguard.db import connect

    mdir = MigrationsDir.from_config(config)
    mdir.require()
    script = mdir.script()
    with connect(url, read_only=True) as conn:
        current = list(MigrationContext.configure(conn).get_current_heads())
    return Status(current, list(script.get_heads()), pending_revisions(mdir, current))


def pending_revisions(mdir: MigrationsDir, current: list[str]) -> list[str]:
    """Revision ids between ``current`` and the head(s), oldest first."""
    script = mdir.script()
    applied: set[str] = set()
    for rev in current:
        applied |= {s.revision for s in script.iterate_revisions(rev, "base")}
    all_revs = [s.revision for s in script.walk_revisions("base", "heads")]
    return [r for r in reversed(all_revs) if r not in applied]


def upgrade(
    config: Config,
    url: str,
    revision: str = "head",
    *,
    sql: bool = False,
    output: IO[str] | None = None,
    allow_unhashed: bool = False,
) -> None:
    """``alembic upgrade REVISION`` on ``url`` (``sql``: print the offline script to ``output`` instead).

    A revision edited or added by hand after generation (its checksum in ``schemaguard.sum`` differs) is
    refused until it is reviewed and re-hashed with ``schemaguard migrate hash``, unless ``allow_unhashed``:
    what runs on a database is exactly what was reviewed.

    Raises:
        MigrationError: an unhashed revision, Alembic refused, or a statement failed.
    """
    from schemaguard.migrate import integrity
    from schemaguard.migrate.errors import MigrationError

    mdir = MigrationsDir.from_config(config)
    mdir.require()
    if not allow_unhashed:
        problems = integrity.verify(mdir)
        if problems:
            raise MigrationError(
                f"refusing to upgrade: {problems[0]}"
                + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else "")
                + "; or pass --allow-unhashed"
            )
    _run(mdir, "upgrade", revision, url, sql, output)


def downgrade(config: Config, url: str, revision: str, *, sql: bool = False, output: IO[str] | None = None) -> None:
    """``alembic downgrade REVISION`` on ``url``; offline (``sql``) needs a range, so ``head:REVISION`` is used
    when only a target is given.

    Raises:
        MigrationError: Alembic refused or a statement failed.
    """
    mdir = MigrationsDir.from_config(config)
    mdir.require()
    if sql and ":" not in revision:
        revision = f"head:{revision}"
    _run(mdir, "downgrade", revision, url, sql, output)


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
    """Rewrite the integrity file; returns the revision files it now covers.

    Raises:
        MigrationError: no migrations folder.
    """
    from schemaguard.migrate.integrity import write_sum

    mdir = MigrationsDir.from_config(config)
    mdir.require()
    write_sum(mdir)
    return [f.name for f in mdir.revision_files()]
