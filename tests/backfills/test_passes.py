"""Issue 15.14 (throughput, measured in bench/README-backfill.md; here the structure that makes it): updates of
one table that cannot affect each other share one pass (one UPDATE per batch), updates that can do not, and the
thread step reads each org's front desk from a lookup joined per batch, not from subqueries per row."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from schemaguard.backfills.builtin.phase_1_4 import BACKFILL
from schemaguard.backfills.runner import RunOptions, dry_run, fusable, reflect_tables, run_backfill
from schemaguard.backfills.spec import Backfill, Step, Update
from schemaguard.db import create_engine
from tests.backfills.conftest import build_demo, checksum


@contextmanager
def statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        seen.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", record)


def _groups(backfill: Backfill, url: str) -> list[list[str]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [[key for key, _, _ in g] for g in fusable(backfill, reflect_tables(conn, backfill))]
    finally:
        engine.dispose()


def test_independent_thread_steps_share_one_pass(db_factory: Callable[[], str]) -> None:
    demo = {"orgs": 3, "threads_per_org": 20, "orgs_without_number": 0}
    url, reference = build_demo(db_factory(), **demo), build_demo(db_factory(), **demo)
    assert _groups(BACKFILL, url) == [
        ["number-classes.1"],
        ["number-classes.2"],
        ["thread-numbers.1", "client-classification.1"],
    ]
    preview = dry_run(BACKFILL, url)
    with statements() as seen:
        result = run_backfill(BACKFILL, url, RunOptions(batch_size=10))
    thread_updates = [s for s in seen if s.startswith('UPDATE "MessageThread"')]
    batches = {u.key: u.batches for u in result.updates}
    assert batches["thread-numbers.1"] == batches["client-classification.1"] == len(thread_updates) == 7
    # The front desk comes from the per-batch lookup (org_front_desk), never from a per-thread LIMIT 1 subquery.
    assert all(
        " org_front_desk" in s and 'org_front_desk."orgId" = "MessageThread"."orgId"' in s for s in thread_updates
    )
    # Same outcome and per-update counts as the dry run predicted and as separate passes give.
    assert result.counts == preview.counts
    run_backfill(BACKFILL, reference, RunOptions(batch_size=10, undo=False))  # not fused without undo
    assert checksum(url) == checksum(reference)


def test_dependent_updates_keep_their_own_passes(demo_factory: Callable[..., str]) -> None:
    url = demo_factory(orgs=2, threads_per_org=4)

    def reads_what_the_first_writes(t):  # type: ignore[no-untyped-def]
        return t.MessageThread.c.numberClass.is_not(None)

    first = Update(
        "MessageThread", lambda t: t.MessageThread.c.numberClass.is_(None), lambda t: {"numberClass": "pool"}
    )
    second = Update("MessageThread", reads_what_the_first_writes, lambda t: {"isOneTimeClient": True})
    other = Update("MessageThread", lambda t: t.MessageThread.c.status == "x", lambda t: {"status": "y"})
    backfill = Backfill(
        "order-matters",
        "",
        {"MessageThread": ("id", "numberClass", "isOneTimeClient", "status")},
        (Step("a", "", (first,)), Step("b", "", (second,)), Step("c", "", (other,))),
    )
    # second reads numberClass, which first writes; other reads and writes neither: it may join second's pass.
    assert _groups(backfill, url) == [["a.1"], ["b.1", "c.1"]]
