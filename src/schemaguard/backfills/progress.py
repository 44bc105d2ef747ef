"""Console output of backfill runs: the rich progress bar and the run log (counts, flags, samples)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn
from rich.table import Table

if TYPE_CHECKING:
    from rich.console import Console

    from schemaguard.backfills.ledger import LedgerRow
    from schemaguard.backfills.runner import RunResult, UpdateResult
    from schemaguard.backfills.spec import Backfill

_MARK = {"error": "[red]✗ error[/]", "warning": "[yellow]! warning[/]", "info": "[cyan]i info[/]"}


class RichObserver:
    """Draws one progress bar per update: keys scanned of the table, rows changed, rows/s and time left."""

    def __init__(self, console: Console, enabled: bool = True):
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("rows · {task.fields[changed]} changed · {task.fields[rate]} rows/s"),
            TimeRemainingColumn(),
            console=console,
            disable=not enabled,
        )
        self._task: TaskID | None = None

    def __enter__(self) -> RichObserver:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def update_started(self, result: UpdateResult, total_rows: int) -> None:
        """Add a bar for the update (``total_rows``: keys of its table to scan)."""
        self._task = self.progress.add_task(f"{result.key} {result.table}", total=total_rows, changed=0, rate="-")

    def batch_done(self, scanned: int, changed: int) -> None:
        """Advance the bar by one batch."""
        if self._task is None:
            return
        task = self.progress.tasks[self._task]
        speed = task.speed
        self.progress.update(
            self._task,
            advance=scanned,
            changed=int(task.fields["changed"]) + changed,
            rate=f"{speed:,.0f}" if speed else "-",
        )

    def update_finished(self, result: UpdateResult) -> None:
        """Complete the bar."""
        if self._task is not None:
            task = self.progress.tasks[self._task]
            self.progress.update(self._task, completed=task.total or task.completed)
            self._task = None


def print_run(result: RunResult, console: Console, *, quiet: bool = False) -> None:
    """The run log: per step the flags (errors with guidance), rows changed per update (dry run: that would
    change, with samples) and a summary line."""
    verb = "would change" if result.dry_run else "changed"
    mode = "dry run (nothing is written)" if result.dry_run else f"run #{result.run_id}"
    console.print(f"[bold]{escape(result.name)}[/] on {escape(result.target)}: {mode}")
    for old in result.resumed:
        console.print(
            f"  resuming after interrupted run #{old.id} (started {old.started_at:%Y-%m-%d %H:%M:%S}, "
            f"{old.total} rows already changed)"
        )
    steps: list[str] = []
    for u in result.updates:
        if u.step not in steps:
            steps.append(u.step)
    for f in result.flags:
        if f.step not in steps:
            steps.append(f.step)
    for step in steps:
        console.print(f"\n[bold]{escape(step)}[/]")
        for f in (f for f in result.flags if f.step == step):
            if quiet and f.severity == "info":
                continue
            console.print(f"  {_MARK[f.severity]}: {escape(f.message)}")
            console.print(f"      e.g. {escape(', '.join(_fmt_row(r) for r in f.samples))}")
            for line in f.guidance.splitlines():
                console.print(f"      {escape(line)}")
        for u in (u for u in result.updates if u.step == step):
            console.print(f"  {u.key}: {u.rows:,} {u.table} row(s) {verb}: {escape(u.description)}")
            if u.samples and not quiet:
                console.print(_samples_table(u.samples))
    console.print()
    rate = f", {result.total / result.seconds:,.0f} rows/s" if result.total and result.seconds else ""
    if result.total == 0 and not result.dry_run:
        since = f" (last completed run #{result.previous.id})" if result.previous else ""
        console.print(f"0 rows changed: nothing left to do{since}.")
    else:
        console.print(f"{result.total:,} row(s) {verb} in {result.seconds:.2f}s{rate}.")
    errors = result.errors
    if errors:
        n = sum(f.count for f in errors)
        console.print(f"[red]✗ {n} item(s) could not be handled; see the errors above, fix them, and run again.[/]")


def _fmt_row(row: tuple[Any, ...]) -> str:
    return row[0] if len(row) == 1 else f"{row[0]} ({', '.join(str(v) for v in row[1:])})"


def _samples_table(samples: list[dict[str, Any]]) -> Table:
    table = Table(show_edge=False, pad_edge=False, box=None, padding=(0, 2))
    cols = list(samples[0])
    for c in cols:
        table.add_column(escape(c), style="green" if c.endswith(" -> ") else None)
    for s in samples:
        table.add_row(*(escape("NULL" if s[c] is None else str(s[c])) for c in cols))
    return table


def print_list(backfills: list[Backfill], last: dict[str, LedgerRow], console: Console) -> None:
    """``backfill --list``: name, description, steps, last real run (and whether the code changed since)."""
    for b in backfills:
        console.print(f"[bold]{escape(b.name)}[/]  [dim]({escape(b.source)})[/]")
        console.print(f"  {escape(b.description)}")
        for i, s in enumerate(b.steps, 1):
            console.print(f"  {i}. {escape(s.name)}: {escape(s.description)}")
        run = last.get(b.name)
        if run is None:
            console.print("  last run: never")
        else:
            changed = "" if run.checksum == b.checksum() else " [yellow](backfill code changed since)[/]"
            when = run.finished_at or run.started_at
            console.print(
                f"  last run: #{run.id} {run.status} {when:%Y-%m-%d %H:%M:%S} UTC by {run.run_by}@{run.host}, "
                f"{run.total:,} rows{changed}"
            )
        console.print()
