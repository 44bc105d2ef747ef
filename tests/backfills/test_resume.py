"""Issue 15.13 / 15.7 / 15.5: a resumed run continues from the ledger's last committed key; Ctrl-C says what was
committed, that the run resumes and the ledger status (exit 130); on a terminal the run header comes before the
progress bars; the progress display never cuts a count at 80 columns."""

from __future__ import annotations

import io
import signal
from collections.abc import Callable

import pytest
from rich.console import Console

from schemaguard.backfills.builtin.phase_1_4 import BACKFILL
from schemaguard.backfills.progress import RichObserver
from schemaguard.backfills.runner import BackfillInterrupted, RunOptions, RunResult, UpdateResult, run_backfill
from tests.backfills.conftest import build_demo, checksum, ledger_rows, start_cli, wait_for

THREADS = "thread-numbers.1"


class StopAfter:
    """An observer that presses Ctrl-C (raises KeyboardInterrupt) after ``n`` committed batches of ``key``."""

    def __init__(self, key: str, n: int):
        self.key, self.n, self.current, self.seen = key, n, "", 0

    def run_started(self, result: RunResult) -> None:
        pass

    def update_started(self, result: UpdateResult, total_rows: int) -> None:
        self.current = result.key

    def batch_done(self, scanned: int, changed: int) -> None:
        if self.key in self.current:
            self.seen += 1
            if self.seen == self.n:
                raise KeyboardInterrupt

    def update_finished(self, result: UpdateResult) -> None:
        pass


def test_resume_continues_after_the_last_committed_key(db_factory: Callable[[], str]) -> None:
    demo = {"orgs": 4, "threads_per_org": 30, "orgs_without_number": 0, "seed": 5}
    reference, victim = build_demo(db_factory(), **demo), build_demo(db_factory(), **demo)
    opts = RunOptions(batch_size=10)
    full = run_backfill(BACKFILL, reference, opts)
    whole = {u.key: u for u in full.updates}
    assert whole[THREADS].batches >= 12

    with pytest.raises(BackfillInterrupted) as stop:
        run_backfill(BACKFILL, victim, opts, StopAfter(THREADS, 5))
    assert stop.value.ledger_status == "interrupted" and stop.value.cursor[THREADS] is not None
    assert ledger_rows(victim)[-1]["status"] == "interrupted"

    resumed = run_backfill(BACKFILL, victim, opts)
    done = {u.key: u for u in resumed.updates}
    assert [r.status for r in resumed.resumed] == ["interrupted"]
    # The finished updates are skipped, the interrupted one reads only the keys after its 5 committed batches.
    assert done["number-classes.1"].skipped and done["number-classes.1"].batches == 0
    assert done[THREADS].batches == whole[THREADS].batches - 5
    assert done[THREADS].scanned == whole[THREADS].scanned - 5 * 10
    # client-classification.1 shares the thread pass (it reads nothing thread-numbers.1 writes): resumed alike.
    assert done["client-classification.1"].batches == whole["client-classification.1"].batches - 5
    assert checksum(victim) == checksum(reference)
    runs = ledger_rows(victim)
    merged = {k: runs[0]["counts"].get(k, 0) + runs[1]["counts"].get(k, 0) for k in full.counts}
    assert merged == full.counts


def test_ctrl_c_reports_what_was_committed_and_the_ledger_status(sqlite_url: str) -> None:
    url = build_demo(sqlite_url, orgs=3, threads_per_org=40, orgs_without_number=0)
    proc = start_cli(["backfill", "phase-1-4", "--url", url, "--yes", "--batch-size", "5"], delay=0.2)
    try:
        wait_for(lambda: bool(ledger_rows(url)) and ledger_rows(url)[-1]["counts"].get(THREADS, 0) >= 10)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130
    text = err.decode()
    run = ledger_rows(url)[-1]
    assert run["status"] == "interrupted"
    assert "Traceback" not in text
    assert f"run #{run['id']}" in text and f"Committed: {sum(run['counts'].values()):,} row(s) changed" in text
    assert f"ledger: run #{run['id']} status interrupted" in text
    assert "resumable: run `schemaguard backfill phase-1-4` again to resume, continuing" in text


def test_terminal_shows_the_run_header_before_the_progress(demo_factory: Callable[..., str]) -> None:
    url = demo_factory(orgs=2, threads_per_org=5, orgs_without_number=0)
    out = io.StringIO()
    header = Console(file=out, force_terminal=True, width=100, color_system=None)
    bars = Console(file=io.StringIO(), force_terminal=False, width=100)
    observer = RichObserver(bars, header=header)
    seen: list[str] = []
    original = observer.update_started

    def record(result: UpdateResult, total: int) -> None:
        seen.append(out.getvalue())
        original(result, total)

    observer.update_started = record  # type: ignore[method-assign]
    with observer:
        result = run_backfill(BACKFILL, url, observer=observer)
    assert observer.header_shown
    assert seen and f"phase-1-4 on {result.target}: run #{result.run_id}" in seen[0]

    # Not a terminal: no early header (the log prints it once, after the run).
    quiet = RichObserver(bars, header=Console(file=io.StringIO(), force_terminal=False))
    quiet.run_started(result)
    assert not quiet.header_shown


@pytest.mark.parametrize("width", [60, 80, 120])
def test_progress_never_truncates_counts(width: int) -> None:
    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=False, color_system=None)
    observer = RichObserver(console)
    observer.update_started(
        UpdateResult("client-classification.1", "client-classification", "MessageThread", ""), 1_000_000
    )
    observer.batch_done(270_000, 269_999)
    for renderable in observer.progress.get_renderables():
        console.print(renderable)
    text = out.getvalue()
    assert "…" not in text
    assert "client-classification.1 MessageThread" in text
    assert "270,000/1,000,000 rows" in text and "269,999 changed" in text
    assert max(len(line) for line in text.splitlines()) <= width
