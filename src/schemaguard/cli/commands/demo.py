"""``schemaguard demo seed``: fill a database with example messaging data for the phase-1-4 backfill."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from schemaguard.cli.commands.options import TargetOpt, UrlOpt
from schemaguard.cli.context import STATE

if TYPE_CHECKING:
    from rich.progress import TaskID

demo_app = typer.Typer(help="Demo data for the example master.", no_args_is_help=True)


@demo_app.command("seed")
def seed(
    target: TargetOpt = None,
    url: UrlOpt = None,
    orgs: Annotated[int, typer.Option("--orgs", min=1, help="Organizations to create.")] = 5,
    threads_per_org: Annotated[int, typer.Option("--threads-per-org", min=0, help="Threads per org.")] = 20,
    orgs_without_number: Annotated[
        int, typer.Option("--orgs-without-number", min=0, help="Orgs (the last ones) without any active number.")
    ] = 1,
    thread_number_share: Annotated[
        float, typer.Option("--thread-number-share", min=0, max=1, help="Share of threads that already have a number.")
    ] = 0.6,
    random_seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same rows).")] = 42,
    create: Annotated[
        bool, typer.Option("--create/--no-create", help="Create the master's tables first if the database is empty.")
    ] = True,
    reset: Annotated[
        bool,
        typer.Option("--reset", help="Replace demo data already there (and the backfill ledger) instead of refusing."),
    ] = False,
) -> int:
    """Fill a database built from the example master with realistic messaging data, awkward cases included
    (an org without any active number, threads without a number, clients with and without recurrence flags).
    A database that already holds demo data is refused unless --reset; everything is one transaction."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from schemaguard import api
    from schemaguard.backfills.demo import seed_demo
    from schemaguard.db import mask_url

    cfg = STATE.config()
    db_url, _ = cfg.resolve_url(target, url)
    schema = api.load_master(cfg) if create else None
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(bar_width=20),
        MofNCompleteColumn(),
        console=STATE.err_console(),
        disable=STATE.quiet or not STATE.err_console().is_terminal,
        transient=True,  # the summary line stays; a failure leaves only its one-line error
    )
    tasks: dict[str, TaskID] = {}

    def on_rows(table: str, done: int, total: int) -> None:
        if table not in tasks:
            tasks[table] = progress.add_task(table, total=total)
        progress.update(tasks[table], completed=done)

    with progress:
        summary = seed_demo(
            db_url,
            orgs=orgs,
            threads_per_org=threads_per_org,
            orgs_without_number=orgs_without_number,
            seed=random_seed,
            thread_number_share=thread_number_share,
            schema=schema,
            reset=reset,
            on_rows=on_rows,
        )
    console = STATE.console()
    # URLs and ids are data: printed as text, never read as Rich markup.
    console.print(
        f"seeded {mask_url(db_url)}: " + ", ".join(f"{n:,} {t}" for t, n in summary.rows.items()), markup=False
    )
    if summary.orgs_without_number:
        console.print(f"orgs without any active number: {', '.join(summary.orgs_without_number)}", markup=False)
    return 0


def register(app: typer.Typer) -> None:
    """Add the ``demo`` command group (``demo seed``)."""
    app.add_typer(demo_app, name="demo")
