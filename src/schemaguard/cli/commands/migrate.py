"""``schemaguard migrate ...`` (generate, check, status, upgrade, downgrade, discard, lint, hash) and ``schemaguard changelog``."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from schemaguard.cli.commands.options import DialectName, OutOpt, TargetOpt, UrlOpt
from schemaguard.cli.context import STATE

if TYPE_CHECKING:
    from schemaguard.migrate.runner import Applied

migrate_app = typer.Typer(
    name="migrate",
    help="Alembic revisions generated from the master: generate, check, apply, lint.",
    no_args_is_help=True,
)

DevUrlOpt = Annotated[
    str | None,
    typer.Option("--dev-url", help="PostgreSQL server for the scratch database (default: dev_url in the config)."),
]


class MigrationFormat(StrEnum):
    """Where revisions go: an Alembic script directory, or Prisma Migrate folders."""

    alembic = "alembic"
    prisma = "prisma"


FormatOpt = Annotated[
    MigrationFormat,
    typer.Option(
        "--format",
        help="alembic: revisions in migrations/; prisma: prisma/migrations/<timestamp>_<name>/migration.sql.",
    ),
]
SqlOpt = Annotated[
    bool, typer.Option("--sql", help="Print the SQL script (Alembic offline mode) instead of running it.")
]


def _url(target: str | None, url: str | None) -> str:
    return STATE.config().resolve_url(target, url)[0]


@migrate_app.command("generate")
def generate(
    message: Annotated[str, typer.Option("--message", "-m", help="What the revision does.")],
    dialect: Annotated[
        DialectName | None, typer.Option("--dialect", "-d", help="Dialect of a new migrations folder.")
    ] = None,
    dev_url: DevUrlOpt = None,
    rename: Annotated[
        list[str] | None, typer.Option("--rename", help="Rename a column instead of drop + add: [table.]old:new.")
    ] = None,
    online: Annotated[
        bool,
        typer.Option(
            "--online/--no-online",
            help="Lock-safe PostgreSQL DDL (CONCURRENTLY, NOT VALID + VALIDATE, lock_timeout); "
            "--no-online: plain DDL, one transaction per revision.",
        ),
    ] = True,
    fmt: FormatOpt = MigrationFormat.alembic,
) -> int:
    """Write the next revision: what the master has and the existing revisions do not build."""
    from schemaguard.migrate.writer import comment_line
    from schemaguard.migrate.writer import generate as run

    if fmt is MigrationFormat.prisma:
        return _generate_prisma(message, dialect.value if dialect else None, dev_url, rename or [])
    res = run(
        STATE.config(),
        message,
        dialect=dialect.value if dialect else None,
        dev_url=dev_url,
        renames=rename or [],
        online=online,
    )
    out = STATE.console()
    for f in res.created:
        out.print(f"created {f}", markup=False)
    if res.revision is None:
        out.print("no changes: the revisions already build the master")
        return 0
    for name, path in res.paths.items():
        out.print(f"revision {res.revision} ({name}): {path}", markup=False)
    distinct = {tuple(lines) for lines in res.summaries.values()}
    groups = res.summaries.items() if len(distinct) > 1 else [("", res.summary)]
    for name, lines in groups:  # one list per dialect only when the folders' revisions differ
        if name:
            out.print(f"  {name}:", markup=False)
        for line in lines:  # names are data: no Rich markup, control characters shown escaped
            out.print(comment_line(line, "    - " if name else "  - "), markup=False)
    for table, old, new in res.rename_hints:
        STATE.err_console().print(
            comment_line(
                f"note: {table}.{old} was dropped and {table}.{new} added with the same type; if it is a rename, "
                f"run `schemaguard migrate discard {res.revision}` and generate again with "
                f"--rename {table}.{old}:{new}",
                "",
            ),
            markup=False,
        )
    return 0


def _generate_prisma(message: str, dialect: str | None, dev_url: str | None, renames: list[str]) -> int:
    from schemaguard.errors import ConfigError
    from schemaguard.migrate import prisma_folder
    from schemaguard.migrate.writer import comment_line

    if renames or dialect:
        raise ConfigError("--rename and --dialect apply to Alembic revisions, not to --format prisma")
    res = prisma_folder.generate(STATE.config(), message, dev_url=dev_url)
    out = STATE.console()
    for f in res.created:
        out.print(f"created {f}", markup=False)
    if res.name is None:
        out.print("no changes: the Prisma migrations already build the master")
        return 0
    for name, path in res.paths.items():
        out.print(f"migration {res.name} ({name}): {path}", markup=False)
    for line in res.summary:
        out.print(comment_line(line, "  - "), markup=False)
    return 0


@migrate_app.command("baseline")
def baseline(
    target: TargetOpt = None,
    url: UrlOpt = None,
    from_master: Annotated[
        bool,
        typer.Option("--from-master", help="Build the revision from the master (refused if the database differs)."),
    ] = False,
    message: Annotated[str, typer.Option("--message", "-m", help="The revision message.")] = "baseline",
    dev_url: DevUrlOpt = None,
    fmt: FormatOpt = MigrationFormat.alembic,
) -> int:
    """Adopt a database without migration history: write the first revision from what it has and stamp it as
    applied there (not run); the next `generate` writes only what differs from the master. With --format prisma:
    0_init/migration.sql, recorded in _prisma_migrations as `prisma migrate resolve --applied 0_init` does."""
    from schemaguard.migrate.writer import baseline as run

    if fmt is MigrationFormat.prisma:
        from schemaguard.migrate import prisma_folder

        pb = prisma_folder.baseline(STATE.config(), _url(target, url), from_master=from_master, dev_url=dev_url)
        out = STATE.console()
        for f in pb.created:
            out.print(f"created {f}", markup=False)
        out.print(f"migration {pb.name}: {pb.path} ({pb.tables} tables, checksum {pb.checksum})", markup=False)
        out.print(f"  recorded as applied in _prisma_migrations of {pb.recorded} (nothing was run)", markup=False)
        return 0
    res = run(STATE.config(), _url(target, url), from_master=from_master, message=message, dev_url=dev_url)
    out = STATE.console()
    for f in res.created:
        out.print(f"created {f}", markup=False)
    out.print(f"revision {res.revision} ({res.dialect}): {res.path}", markup=False)
    out.print(f"  baseline of {res.tables} tables from {res.source}", markup=False)
    out.print(f"  stamped {res.stamped} at {res.revision} (recorded in alembic_version; nothing was run)", markup=False)
    out.print('next: schemaguard migrate generate -m "..." writes what the master has and the database lacks')
    return 0


def _check_prisma(dev_url: str | None) -> int:
    from rich.markup import escape

    from schemaguard.migrate import prisma_folder

    out = STATE.console()
    failed = False
    for res in prisma_folder.check(STATE.config(), dev_url=dev_url):
        if res.error:
            out.print(f"[red]✗[/] {escape(res.error)}", markup=True)
        for line in res.ungenerated:
            out.print(f"[red]✗[/] ungenerated change ({res.dialect}): {escape(line)}", markup=True)
        if res.ok:
            out.print(f"ok: the migrations in {res.folder} build exactly the master ({res.dialect})", markup=False)
        failed |= not res.ok
    return 1 if failed else 0


@migrate_app.command("check")
def check(
    dialect: Annotated[
        DialectName | None, typer.Option("--dialect", "-d", help="Dialect (default: the folder's).")
    ] = None,
    dev_url: DevUrlOpt = None,
    fmt: FormatOpt = MigrationFormat.alembic,
) -> int:
    """Exit 1 on ungenerated changes, a replay that does not give the master, or revisions edited by hand
    (every dialect's folder, or the one of --dialect; --format prisma: the Prisma migration folders)."""
    if fmt is MigrationFormat.prisma:
        return _check_prisma(dev_url)
    from rich.markup import escape

    from schemaguard.migrate.errors import MigrationsConfigError
    from schemaguard.migrate.project import MigrationsDir
    from schemaguard.migrate.runner import check

    cfg = STATE.config()
    if dialect:
        dialects: list[str | None] = [dialect.value]
    else:
        dialects = [m.dialect_name for m in MigrationsDir.all_for(cfg)]
    out = STATE.console()
    failed = False
    unusable: list[str] = []
    for name in dialects:
        try:
            res = check(cfg, dialect=name, dev_url=dev_url)
        except MigrationsConfigError as exc:
            if len(dialects) == 1:
                raise
            unusable.append(str(exc))  # the other folders are still checked
            continue
        for line in res.problems():
            out.print(f"[red]✗[/] {escape(line)}", markup=True)
        if res.ok:
            out.print(f"ok: the revisions in {res.folder} replay to exactly the master ({res.dialect})", markup=False)
        failed |= not res.ok
    for line in unusable:
        STATE.err_console().print(f"error: {line}", markup=False)
    if unusable:
        return 2
    return 1 if failed else 0


@migrate_app.command("status")
def status(target: TargetOpt = None, url: UrlOpt = None) -> int:
    """Show the database's revision and the revisions not applied yet (Alembic, and Prisma's _prisma_migrations)."""
    from schemaguard.migrate.project import MigrationsDir
    from schemaguard.migrate.runner import status as run

    cfg = STATE.config()
    db = _url(target, url)
    # Prisma's history (_prisma_migrations, prisma/migrations) and Alembic's: each shown when the project has it.
    if _prisma_status(db) and not any(m.exists for m in MigrationsDir.all_for(cfg)):
        return 0
    st = run(cfg, db)
    out = STATE.console()
    out.print(f"folder:  {st.folder}", markup=False)
    out.print(f"current: {', '.join(st.current) or '(none)'}")
    out.print(f"head:    {', '.join(st.heads) or '(none)'}")
    out.print(f"pending: {', '.join(st.pending) or '(none)'}")
    return 0


def _prisma_status(db: str) -> bool:
    """Print the Prisma history of ``db`` when there is one (``_prisma_migrations`` or a Prisma folder); returns
    whether it was printed."""
    from schemaguard.migrate import prisma_folder

    ps = prisma_folder.status(STATE.config(), db)
    if ps is None:
        return False
    out = STATE.console()
    out.print(f"prisma folder: {ps.folder}", markup=False)
    out.print(f"  applied: {', '.join(ps.applied) or '(none)'}", markup=False)
    out.print(f"  pending: {', '.join(ps.pending) or '(none)'}", markup=False)
    for label, names in (("modified", ps.modified), ("failed", ps.failed), ("unknown", ps.unknown)):
        if names:
            out.print(f"  {label}: {', '.join(names)}", markup=False)
    return True


@migrate_app.command("upgrade")
def upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
    target: TargetOpt = None,
    url: UrlOpt = None,
    sql: SqlOpt = False,
    allow_unhashed: Annotated[
        bool, typer.Option("--allow-unhashed", help="Run revisions edited since `migrate hash` (not recommended).")
    ] = False,
) -> int:
    """Apply revisions (alembic upgrade); refuses revisions edited since they were hashed."""
    import sys

    from schemaguard.migrate.runner import upgrade as run

    db = _url(target, url)
    res = run(STATE.config(), db, revision, sql=sql, output=sys.stdout if sql else None, allow_unhashed=allow_unhashed)
    if res is not None:
        _applied("upgraded", db, res)
    return 0


def _applied(verb: str, url: str, res: Applied) -> None:
    """One line: what upgrade/downgrade did (``upgraded sqlite:///dev.db from 0001 to 0003: ...``)."""
    from schemaguard.db import mask_url

    before, after = ", ".join(res.before) or "base", ", ".join(res.after) or "base"
    where = mask_url(url)
    if not res.revisions:
        STATE.console().print(
            f"{where} is already at {after}: nothing to do ({res.folder})", markup=False, soft_wrap=True
        )
        return
    runs = "reverted" if verb == "downgraded" else "applied"
    STATE.console().print(
        f"{verb} {where} from {before} to {after}: {len(res.revisions)} revision(s) {runs} "
        f"({', '.join(res.revisions)}), {res.statements} statement(s) ({res.folder})",
        markup=False,
        soft_wrap=True,  # one line, however long (scripts grep it)
    )


@migrate_app.command(
    "downgrade",
    # "-1" is a revision, not an option (Click would reject it as an unknown option).
    context_settings={"ignore_unknown_options": True},
)
def downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision: -1 (one back), base, or an id such as 0001.")],
    target: TargetOpt = None,
    url: UrlOpt = None,
    sql: SqlOpt = False,
) -> int:
    """Revert revisions (alembic downgrade)."""
    import sys

    from schemaguard.migrate.runner import downgrade as run

    db = _url(target, url)
    res = run(STATE.config(), db, revision, sql=sql, output=sys.stdout if sql else None)
    if res is not None:
        _applied("downgraded", db, res)
    return 0


@migrate_app.command("discard")
def discard(
    revision: Annotated[str | None, typer.Argument(help="The revision to remove (default: the newest).")] = None,
    target: TargetOpt = None,
    url: UrlOpt = None,
) -> int:
    """Remove the newest revision (every dialect's file, its changelog entry and its checksum line) to generate it
    again; refused when --target/--url has it applied."""
    from schemaguard.migrate.runner import discard as run

    cfg = STATE.config()
    db = _url(target, url) if (target or url) else None
    res = run(cfg, revision, url=db)
    out = STATE.console()
    for f in res.files:
        out.print(f"removed {f}", markup=False)
    if res.changelog is not None:
        out.print(f"removed {res.changelog}", markup=False)
    if db is None:
        STATE.err_console().print(
            f"note: a database that already ran {res.revision} keeps its changes: downgrade it first", markup=False
        )
    return 0


@migrate_app.command("lint")
def lint(
    revisions: Annotated[
        list[str] | None, typer.Argument(help="Revisions to lint (default: those not applied on the target, else all).")
    ] = None,
    target: TargetOpt = None,
    url: UrlOpt = None,
) -> int:
    """Report dangerous operations (destructive, data-dependent, locking, rebuilds). Exit 1 on errors."""
    from rich.markup import escape

    from schemaguard.migrate.lint import lint_revisions

    cfg = STATE.config()
    db: str | None = None
    if target or url or cfg.default_target:
        db = _url(target, url)
    report = lint_revisions(cfg, revisions or [], url=db)
    out = STATE.console()
    for f in report.findings:
        colour = {"error": "red", "warning": "yellow"}.get(f.severity, "blue")
        allowed = " (allowed)" if f.allowed else ""
        text = escape(f"{f.revision} {f.code} {f.rule}: {f.message}{allowed}")  # names in messages are text
        out.print(f"[{colour}]{f.severity}[/] {text}", markup=True)
    for note in report.notes:
        STATE.err_console().print(f"note: {note}", markup=False)
    errors = sum(1 for f in report.findings if f.severity == "error" and not f.allowed)
    out.print(
        f"{len(report.findings)} finding(s), {errors} error(s) in {', '.join(report.revisions) or 'no revisions'}"
    )
    return 1 if errors else 0


@migrate_app.command("hash")
def hash_() -> int:
    """Re-record the checksums of the revisions after a deliberate edit."""
    from schemaguard.migrate.runner import rehash

    files = rehash(STATE.config())
    STATE.console().print(f"schemaguard.sum updated ({len(files)} revision file(s))")
    return 0


def changelog(
    out: OutOpt = None,
) -> int:
    """Print the schema history (one section per revision) as Markdown."""
    from pathlib import Path

    from schemaguard.migrate.changelog import changelog_dir, read_entries, render_markdown

    text = render_markdown(read_entries(changelog_dir(STATE.config())))
    if out:
        Path(out).write_text(text, encoding="utf-8")
    else:
        typer.echo(text, nl=False)
    return 0


def register(app: typer.Typer) -> None:
    """Add ``migrate`` (sub-commands) and ``changelog`` to the root app."""
    app.add_typer(migrate_app, name="migrate")
    app.command("changelog")(changelog)
