"""Console output of backfill runs: the rich progress bar and the run log (counts, flags, samples)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from rich.console import RenderableType
from rich.markup import escape
from rich.progress import Progress, Task, TaskID
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from rich.console import Console

    from schemaguard.backfills.ledger import LedgerRow
    from schemaguard.backfills.runner import BackfillInterrupted, RunResult, UpdateResult
    from schemaguard.backfills.spec import Backfill

_MARK = {"error": "[red]✗ error[/]", "warning": "[yellow]! warning[/]", "info": "[cyan]i info[/]"}


COUNTS = "{done:,}/{total:,} rows · {changed:,} changed · {rate} rows/s"
BAR_WIDTH = 20


class _Progress(Progress):
    """One line per update when it fits the console (description, bar, counts, time left); otherwise the
    description on one line and the counts below it, folded rather than cut: a count is never truncated."""

    def get_renderables(self) -> Iterable[RenderableType]:
        """The progress display (called by rich on each refresh)."""
        if getattr(self, "live", None) is None:  # rich renders once from Progress.__init__, before .live exists
            return
        width = self.console.width
        for task in self.tasks:
            if not task.visible:
                continue
            counts = _counts(task)
            left = _time_left(task)
            line = Text.assemble(task.description, " ", counts, " ", left)
            if len(line) + BAR_WIDTH + 1 <= width:
                bar = ProgressBar(total=task.total, completed=task.completed, width=BAR_WIDTH)
                grid = Table.grid(padding=(0, 1))
                for _ in range(4):
                    grid.add_column(no_wrap=True)
                grid.add_row(Text(task.description), bar, counts, left)
                yield grid
            else:
                yield Text(task.description, overflow="fold")
                yield Text.assemble("  ", counts, " ", left, overflow="fold")


def _counts(task: Task) -> Text:
    total = int(task.total) if task.total is not None else 0
    return Text(
        COUNTS.format(
            done=int(task.completed),
            total=total,
            changed=int(task.fields.get("changed", 0)),
            rate=task.fields.get("rate", "-"),
        )
    )


def _time_left(task: Task) -> Text:
    remaining = task.time_remaining
    if remaining is None:
        return Text("-:--:-- left")
    minutes, seconds = divmod(int(remaining), 60)
    hours, minutes = divmod(minutes, 60)
    return Text(f"{hours}:{minutes:02d}:{seconds:02d} left")


class RichObserver:
    """Draws one progress line per update: keys scanned of the table, rows changed, rows/s and time left. On a
    terminal the run header (``phase-1-4 on URL: run #N``) is printed before the first bar."""

    def __init__(self, console: Console, enabled: bool = True, header: Console | None = None):
        self.progress = _Progress(console=console, disable=not enabled)
        self._task: TaskID | None = None
        self._header = header if enabled else None
        self.header_shown = False

    def __enter__(self) -> RichObserver:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def run_started(self, result: RunResult) -> None:
        """Print the run header (and what it resumes) above the bars, when the header console is a terminal."""
        if self._header is not None and self._header.is_terminal:
            print_header(result, self._header)
            self.header_shown = True

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


def print_header(result: RunResult, console: Console) -> None:
    """``NAME on URL: run #N`` (or dry run) and the interrupted run it resumes, if any."""
    mode = "dry run (nothing is written)" if result.dry_run else f"run #{result.run_id}"
    console.print(f"[bold]{escape(result.name)}[/] on {escape(result.target)}: {mode}", soft_wrap=True)
    for old in result.resumed:
        console.print(
            f"  resuming after {old.status} run #{old.id} (started {old.started_at:%Y-%m-%d %H:%M:%S}, "
            f"{old.total:,} rows already changed)",
            soft_wrap=True,
        )


def print_run(result: RunResult, console: Console, *, quiet: bool = False, header: bool = True) -> None:
    """The run log: the header (unless already printed above the progress bars), per step the flags (errors
    with guidance), rows changed per update (dry run: that would change, with samples) and a summary line."""
    verb = "would change" if result.dry_run else "changed"
    if header:
        print_header(result, console)
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
            if u.skipped:
                console.print("      (done by the run this one resumed)")
            elif u.resumed_after is not None:
                console.print(f"      (resumed after key {escape(repr(u.resumed_after))})")
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


def print_interrupted(stop: BackfillInterrupted, console: Console) -> None:
    """After Ctrl-C: what was committed, the ledger status, and that rerunning resumes (and from where)."""
    result = stop.result
    done = ", ".join(f"{u.key}: {u.rows:,}" for u in result.updates if u.rows)
    console.print(
        f"interrupted: {escape(result.name)} run #{result.run_id} on {escape(result.target)} stopped after "
        f"{result.seconds:.1f}s. Committed: {result.total:,} row(s) changed"
        + (f" ({escape(done)})" if done else "")
        + "; the batch in flight was rolled back."
    )
    console.print(f"ledger: run #{result.run_id} status {stop.ledger_status} (schemaguard_backfill_runs)")
    where = next(((k, v) for k, v in stop.cursor.items() if v is not None), None)
    at = f", continuing {where[0]} after key {escape(repr(where[1]))}" if where else ""
    console.print(
        f"resumable: run `schemaguard backfill {escape(result.name)}` again to resume{at}; "
        f"`--rollback-sql --run {result.run_id}` shows how to undo what was committed."
    )
