"""``schemaguard migrate ...`` (generate, check, status, upgrade, downgrade, lint, hash) and ``schemaguard changelog``."""

from __future__ import annotations

from typing import Annotated

import typer

from schemaguard.cli.commands.options import DialectName, OutOpt, TargetOpt, UrlOpt
from schemaguard.cli.context import STATE

migrate_app = typer.Typer(
    name="migrate",
    help="Alembic revisions generated from the master: generate, check, apply, lint.",
    no_args_is_help=True,
)

DevUrlOpt = Annotated[
    str | None,
    typer.Option("--dev-url", help="PostgreSQL server for the scratch database (default: dev_url in the config)."),
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
) -> int:
    """Write the next revision: what the master has and the existing revisions do not build."""
    from schemaguard.migrate.writer import comment_line
    from schemaguard.migrate.writer import generate as run

    res = run(
        STATE.config(), message, dialect=dialect.value if dialect else None, dev_url=dev_url, renames=rename or []
    )
    out = STATE.console()
    for f in res.created:
        out.print(f"created {f}", markup=False)
    if res.revision is None:
        out.print("no changes: the revisions already build the master")
        return 0
    out.print(f"revision {res.revision}: {res.path}", markup=False)
    for line in res.summary:  # names are data: no Rich markup, control characters shown escaped
        out.print(comment_line(line, "  - "), markup=False)
    for table, old, new in res.rename_hints:
        STATE.err_console().print(
            comment_line(
                f"note: {table}.{old} was dropped and {table}.{new} added with the same type; if it is a rename, "
                f"delete the revision and run again with --rename {table}.{old}:{new}",
                "",
            ),
            markup=False,
        )
    return 0


@migrate_app.command("check")
def check(
    dialect: Annotated[
        DialectName | None, typer.Option("--dialect", "-d", help="Dialect (default: the folder's).")
    ] = None,
    dev_url: DevUrlOpt = None,
) -> int:
    """Exit 1 on ungenerated changes, a replay that does not give the master, or revisions edited by hand."""
    from schemaguard.migrate.runner import check as run

    res = run(STATE.config(), dialect=dialect.value if dialect else None, dev_url=dev_url)
    out = STATE.console()
    for line in res.problems():
        out.print(f"[red]✗[/] {line}", markup=True)
    if res.ok:
        out.print(f"ok: the revisions replay to exactly the master ({res.dialect})")
        return 0
    return 1


@migrate_app.command("status")
def status(target: TargetOpt = None, url: UrlOpt = None) -> int:
    """Show the database's revision and the revisions not applied yet."""
    from schemaguard.migrate.runner import status as run

    st = run(STATE.config(), _url(target, url))
    out = STATE.console()
    out.print(f"current: {', '.join(st.current) or '(none)'}")
    out.print(f"head:    {', '.join(st.heads) or '(none)'}")
    out.print(f"pending: {', '.join(st.pending) or '(none)'}")
    return 0


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

    run(
        STATE.config(),
        _url(target, url),
        revision,
        sql=sql,
        output=sys.stdout if sql else None,
        allow_unhashed=allow_unhashed,
    )
    return 0


@migrate_app.command("downgrade")
def downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision (e.g. -1, base, 0001).")],
    target: TargetOpt = None,
    url: UrlOpt = None,
    sql: SqlOpt = False,
) -> int:
    """Revert revisions (alembic downgrade)."""
    import sys

    from schemaguard.migrate.runner import downgrade as run

    run(STATE.config(), _url(target, url), revision, sql=sql, output=sys.stdout if sql else None)
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
        out.print(f"[{colour}]{f.severity}[/] {f.revision} {f.code} {f.rule}: {f.message}{allowed}", markup=True)
    for note in report.notes:
        STATE.err_console().print(f"note: {note}")
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
    STATE.console().print(f"schemaguard.sum updated ({len(files)} revision(s))")
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
