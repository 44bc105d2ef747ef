"""``schemaguard demo seed``: fill a database with example messaging data for the phase-1-4 backfill."""

from __future__ import annotations

from typing import Annotated

import typer

from schemaguard.cli.commands.options import TargetOpt, UrlOpt
from schemaguard.cli.context import STATE

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
) -> int:
    """Fill a database built from the example master with realistic messaging data, awkward cases included
    (an org without any active number, threads without a number, clients with and without recurrence flags)."""
    from schemaguard import api
    from schemaguard.backfills.demo import seed_demo
    from schemaguard.db import mask_url

    cfg = STATE.config()
    db_url, _ = cfg.resolve_url(target, url)
    schema = api.load_master(cfg) if create else None
    summary = seed_demo(
        db_url,
        orgs=orgs,
        threads_per_org=threads_per_org,
        orgs_without_number=orgs_without_number,
        seed=random_seed,
        thread_number_share=thread_number_share,
        schema=schema,
    )
    console = STATE.console()
    console.print(f"seeded {mask_url(db_url)}: " + ", ".join(f"{n:,} {t}" for t, n in summary.rows.items()))
    if summary.orgs_without_number:
        console.print(f"orgs without any active number: {', '.join(summary.orgs_without_number)}")
    return 0


def register(app: typer.Typer) -> None:
    """Add the ``demo`` command group (``demo seed``)."""
    app.add_typer(demo_app, name="demo")
