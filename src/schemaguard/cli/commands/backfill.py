"""``schemaguard backfill`` (list, run, dry run, rollback SQL) and ``schemaguard proof``.

Configuration keys read here (all optional): ``backfill_modules``, ``backfill_batch_size`` (rows, default 1000),
``backfill_lock_timeout`` and ``backfill_statement_timeout`` (seconds, defaults 5 and 300).
"""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from schemaguard.cli.commands.options import DialectName, OutOpt, TargetOpt, UrlOpt
from schemaguard.cli.context import STATE

if TYPE_CHECKING:
    from schemaguard.backfills.runner import RunOptions
    from schemaguard.backfills.spec import Backfill
    from schemaguard.config import Config


class ProofFormat(StrEnum):
    table = "table"
    json = "json"
    junit = "junit"


def backfill(
    name: Annotated[str | None, typer.Argument(help="The backfill to run (see --list).")] = None,
    list_: Annotated[bool, typer.Option("--list", help="List registered backfills and their last run.")] = False,
    target: TargetOpt = None,
    url: UrlOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report what would change; write nothing.")] = False,
    batch_size: Annotated[
        int | None, typer.Option("--batch-size", min=1, help="Rows per batch (default 1000).")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    rollback_sql: Annotated[
        bool,
        typer.Option("--rollback-sql", help="Print the exact SQL restoring the rows the runs changed, and exit."),
    ] = False,
    rollback: Annotated[
        bool, typer.Option("--rollback", help="Restore the rows the runs changed (with --dry-run: print only).")
    ] = False,
    run: Annotated[
        int | None, typer.Option("--run", min=1, help="Roll back this run only (default: every run not yet).")
    ] = None,
    blanket: Annotated[
        bool, typer.Option("--blanket", help="With --rollback-sql: the backfill's own blanket statements instead.")
    ] = False,
    no_undo: Annotated[
        bool, typer.Option("--no-undo", help="Record no prior values (faster; no exact rollback for this run).")
    ] = False,
    dialect: Annotated[
        DialectName | None, typer.Option("--dialect", "-d", help="Dialect of --rollback-sql --blanket.")
    ] = None,
    lock_timeout: Annotated[float | None, typer.Option("--lock-timeout", help="Seconds to wait for locks.")] = None,
    statement_timeout: Annotated[
        float | None, typer.Option("--statement-timeout", help="Seconds per statement (PostgreSQL).")
    ] = None,
) -> int:
    """Run a registered data backfill: idempotent, batched, resumable, recorded in schemaguard_backfill_runs, with
    the prior values of every changed row kept for an exact rollback. Exit 0 = done, 1 = rows it could not handle
    (see the errors), 2 = error, 130 = interrupted (rerun to resume)."""
    from schemaguard.backfills import progress, runner
    from schemaguard.backfills.registry import get_backfill
    from schemaguard.backfills.spec import BackfillError

    cfg = STATE.config()
    if list_:
        _list(cfg, target, url)
        return 0
    if name is None:
        raise BackfillError("name a backfill to run (see `schemaguard backfill --list`)")
    if blanket and not rollback_sql:
        raise BackfillError("--blanket goes with --rollback-sql")
    if run is not None and not (rollback_sql or rollback):
        raise BackfillError("--run goes with --rollback-sql or --rollback")
    if rollback_sql and rollback:
        raise BackfillError("use either --rollback-sql (print) or --rollback (apply; --dry-run to print only)")
    spec = get_backfill(name, cfg)
    if rollback_sql and blanket:
        if run is not None:
            raise BackfillError("--blanket statements reset every row; they cannot target --run")
        _print_rollback(spec, dialect.value if dialect else _dialect_of(cfg, target, url))
        return 0
    if rollback_sql or rollback:
        if dialect is not None or (not (url or target) and not _has_default_url(cfg)):
            raise BackfillError(
                "the exact rollback reads the runs' undo records: name the database with --url or --target "
                "(or print the backfill's blanket statements with --rollback-sql --blanket)"
            )
        db_url, namespace = cfg.resolve_url(target, url)
        return _rollback(spec, db_url, namespace, run, apply=rollback and not dry_run, yes=yes, cfg=cfg)
    db_url, namespace = cfg.resolve_url(target, url)
    opts = _options(cfg, namespace, batch_size, lock_timeout, statement_timeout, undo=not no_undo)
    header = True
    if dry_run:
        result = runner.dry_run(spec, db_url, opts)
    else:
        _confirm(spec.name, db_url, yes)
        # Bars on a terminal only: in a log they would only repeat the run log's counts.
        enabled = not STATE.quiet and STATE.err_console().is_terminal
        with progress.RichObserver(STATE.err_console(), enabled=enabled, header=STATE.console()) as observer:
            try:
                result = runner.run_backfill(spec, db_url, opts, observer)
            except runner.BackfillInterrupted as stop:
                observer.progress.stop()
                progress.print_interrupted(stop, STATE.err_console())
                return 130
        header = not observer.header_shown
    progress.print_run(result, STATE.console(), quiet=STATE.quiet, header=header)
    return 1 if result.errors else 0


def proof(
    names: Annotated[list[str] | None, typer.Argument(help="Backfills to prove (default: all registered).")] = None,
    target: TargetOpt = None,
    url: UrlOpt = None,
    fmt: Annotated[ProofFormat, typer.Option("--format", "-f", help="Output format.")] = ProofFormat.table,
    out: OutOpt = None,
) -> int:
    """Run the proof checks of backfills against a database. Exit 0 = all passed, 1 = a check failed, 2 = error."""
    from pathlib import Path

    from schemaguard.backfills.registry import get_backfill, load_registry
    from schemaguard.backfills.runner import run_proofs
    from schemaguard.db import mask_url
    from schemaguard.report import proof_report

    cfg = STATE.config()
    db_url, namespace = cfg.resolve_url(target, url)
    specs = [get_backfill(n, cfg) for n in names] if names else list(load_registry(cfg).values())
    runs = [(b.name, mask_url(db_url), run_proofs(b, db_url, namespace)) for b in specs]
    if fmt is ProofFormat.table and out is None:
        proof_report.print_proofs(runs, STATE.console(), quiet=STATE.quiet)
    else:
        text = (
            proof_report.render_proofs_junit(runs)
            if fmt is ProofFormat.junit
            else proof_report.render_proofs_json(runs)
        )
        if out is not None:
            Path(out).write_text(text, encoding="utf-8")
        else:
            typer.echo(text, nl=False)
    return 0 if proof_report.all_passed(runs) else 1


def _has_default_url(cfg: Config) -> bool:
    from schemaguard.errors import ConfigError

    try:
        cfg.resolve_url(None, None)
    except ConfigError:
        return False
    return True


def _rollback(
    spec: Backfill, db_url: str, namespace: str | None, run: int | None, *, apply: bool, yes: bool, cfg: Config
) -> int:
    """``--rollback-sql`` / ``--rollback [--dry-run]``: the exact statements, printed or executed."""
    from schemaguard.backfills import runner
    from schemaguard.db import dialect_name, mask_url

    if apply:
        _confirm(f"{spec.name} rollback", db_url, yes)
        plan = runner.apply_rollback(spec, db_url, run, _options(cfg, namespace, None, None, None))
    else:
        plan = runner.rollback_plan(spec, db_url, run, namespace)
    which = f"run #{run}" if run is not None else "every run not rolled back yet"
    if not plan.runs:
        STATE.err_console().print(
            f"nothing to roll back for {spec.name} on {mask_url(db_url)} ({which})", markup=False, highlight=False
        )
        return 0
    if apply:
        runs = ", ".join(f"#{r}" for r in plan.runs)
        console = STATE.console()
        console.print(
            f"rolled back {spec.name} on {plan.target}: {plan.rows:,} row(s) restored with "
            f"{len(plan.statements):,} statement(s)",
            soft_wrap=True,
            markup=False,
        )
        console.print(f"ledger: run(s) {runs} status rolled_back", soft_wrap=True)
        return 0
    lines = [
        f"-- exact rollback of {spec.name} on {plan.target} ({dialect_name(db_url)}): run(s) "
        + ", ".join(f"#{r}" for r in plan.runs)
        + f", {plan.rows:,} row(s); restores the values recorded before each change",
        "-- apply with: schemaguard backfill " + spec.name + " --rollback" + (f" --run {run}" if run else ""),
        "-- (which also marks the runs rolled_back); as a script, run it in one transaction",
    ]
    for group, stmts in plan.groups:
        what = "delete the rows it inserted" if group.op == "insert" else "restore " + ", ".join(group.columns)
        lines.append(f"-- run #{group.run_id} {group.key}: {group.rows:,} {group.table} row(s): {what}")
        lines += [f"{stmt};" for stmt in stmts]
    typer.echo("\n".join(lines))
    return 0


def _options(
    cfg: Config,
    namespace: str | None,
    batch_size: int | None,
    lock: float | None,
    statement: float | None,
    undo: bool = True,
) -> RunOptions:
    from schemaguard.backfills.runner import RunOptions
    from schemaguard.errors import ConfigError

    batch: Any = batch_size if batch_size is not None else getattr(cfg, "backfill_batch_size", 1000)
    try:
        return RunOptions(
            batch_size=int(batch),
            lock_timeout=float(lock if lock is not None else getattr(cfg, "backfill_lock_timeout", 5.0)),
            statement_timeout=float(
                statement if statement is not None else getattr(cfg, "backfill_statement_timeout", 300.0)
            ),
            namespace=namespace,
            undo=undo,
        )
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"invalid backfill setting in the configuration: {exc}") from None


def _confirm(name: str, url: str, yes: bool) -> None:
    from schemaguard.backfills.spec import BackfillError
    from schemaguard.db import mask_url

    if yes:
        return
    if not sys.stdin.isatty():
        raise BackfillError(
            f"refusing to change {mask_url(url)} without confirmation: pass --yes (try --dry-run first)"
        )
    if not typer.confirm(f"Run backfill {name} on {mask_url(url)}?"):
        raise typer.Abort()


def _dialect_of(cfg: Config, target: str | None, url: str | None) -> str:
    from schemaguard.db import dialect_name

    if url or target:
        return dialect_name(cfg.resolve_url(target, url)[0])
    return cfg.dialect


def _print_rollback(spec: Backfill, dialect: str) -> None:
    from schemaguard.backfills.runner import render_rollback

    lines = [f"-- {line}" for line in spec.rollback_note.splitlines()]
    lines.append(f"-- {spec.name} rollback for {dialect}")
    lines += [f"{stmt};" for stmt in render_rollback(spec, dialect)]
    typer.echo("\n".join(lines))


def _list(cfg: Config, target: str | None, url: str | None) -> None:
    from schemaguard.backfills import ledger, progress
    from schemaguard.backfills.registry import load_registry
    from schemaguard.db import connect
    from schemaguard.errors import ConfigError

    registry = load_registry(cfg)
    last: dict[str, ledger.LedgerRow] = {}
    try:
        db_url, _ = cfg.resolve_url(target, url)
    except ConfigError:
        db_url = None
    if db_url is not None:
        with connect(db_url, read_only=True) as conn:
            last = ledger.last_runs(conn)
    progress.print_list(sorted(registry.values(), key=lambda b: b.name), last, STATE.console())


def register(app: typer.Typer) -> None:
    """Add the ``backfill`` and ``proof`` commands to the application."""
    app.command("backfill")(backfill)
    app.command("proof")(proof)
