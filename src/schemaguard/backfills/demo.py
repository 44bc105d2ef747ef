"""Demo data for the example messaging master: the state just before the phase-1-4 backfill.

The Phase 1.1 schema is applied but its fields are still at their defaults: every MessageNumber is ``pool`` with no
sitter, threads have no ``numberClass`` and no ``isOneTimeClient``, and only some threads already point at a
number. Some sitters already got a masked number on demand (a SitterMaskedNumber row whose MessageNumber is not
yet classified). The awkward cases of seed 002 are built in: the last ``orgs_without_number`` orgs have no active
number at all (only an inactive one), the second org has a single active number (so no pool number once it becomes
the front desk), some threads have no number, clients come with and without an explicit recurrence flag, some
threads have no client. Everything derives from ``seed``, so two databases seeded alike are identical.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from schemaguard.db import mask, mask_url
from schemaguard.errors import ConfigError, ConnectionFailed

if TYPE_CHECKING:
    from schemaguard.model import Schema

TABLES = ("Organization", "MessageAccount", "Sitter", "Client", "MessageNumber", "SitterMaskedNumber", "MessageThread")
"""The tables the demo fills, parents first."""

BASE_TIME = datetime(2026, 1, 19, 9, 0, 0)
CHUNK = 5000
_NAMES = ("Happy Paws", "Good Dog", "Whisker", "Tail Wag", "Bark Avenue", "Furry Friends", "Pet Pals", "Snout")


@dataclass(frozen=True)
class DemoSummary:
    """Rows inserted per table (insertion order) and the ids of the orgs that have no active number."""

    rows: dict[str, int]
    orgs_without_number: tuple[str, ...]


def seed_demo(
    url: str,
    *,
    orgs: int = 5,
    threads_per_org: int = 20,
    orgs_without_number: int = 1,
    seed: int = 42,
    thread_number_share: float = 0.6,
    schema: Schema | None = None,
    reset: bool = False,
    on_rows: Callable[[str, int, int], None] | None = None,
) -> DemoSummary:
    """Fill a database built from the example master with messaging data.

    Args:
        url: the database URL.
        orgs: organizations to create (>= 1).
        threads_per_org: MessageThreads per org (>= 0).
        orgs_without_number: how many of the orgs (the last ones) get no active MessageNumber.
        seed: random seed; the same arguments always produce the same rows.
        thread_number_share: the share of threads (0..1) that already point at a MessageNumber; 0 gives the
            state right after the Phase 1.1 schema change, which the seed's rollback SQL restores exactly.
        schema: when given and the database has no ``Organization`` table, create this schema first.
        reset: delete the demo tables' rows first (children first) and drop the backfill ledger and undo tables,
            whose records would describe rows that no longer exist; without it a database that already holds
            organizations is refused.
        on_rows: progress callback ``(table, rows inserted so far, rows of that table)`` after each chunk.

    Returns:
        DemoSummary.

    Raises:
        ConfigError: bad counts; the database already holds demo data (and ``reset`` is off).
        ConnectionFailed: the database cannot be reached or refused the rows (read-only file, not a database):
            one line naming the masked URL; everything is rolled back.
    """
    import sqlalchemy as sa

    if orgs < 1 or threads_per_org < 0 or not 0 <= orgs_without_number <= orgs or not 0 <= thread_number_share <= 1:
        raise ConfigError(
            "demo seed: need --orgs >= 1, --threads-per-org >= 0, 0 <= --orgs-without-number <= --orgs and "
            "0 <= --thread-number-share <= 1"
        )
    data = _generate(random.Random(seed), orgs, threads_per_org, orgs_without_number, thread_number_share)
    from schemaguard.backfills.runner import RunOptions, write_engine

    # One transaction, DDL included (SQLite too: BEGIN IMMEDIATE), so a failure leaves the database as it was.
    engine = write_engine(url, RunOptions())
    try:
        with engine.begin() as conn:
            insp = sa.inspect(conn)
            if schema is not None and not insp.has_table("Organization"):
                from schemaguard import api
                from schemaguard.dialects.sqla import execute_ddl

                for stmt in api.render(schema, conn.dialect.name):
                    execute_ddl(conn, stmt)
            md = sa.MetaData()
            if reset:
                _reset(conn, md)
            elif insp.has_table("Organization"):
                orgs_there = conn.execute(
                    sa.select(sa.func.count()).select_from(sa.Table("Organization", md, autoload_with=conn))
                ).scalar_one()
                if orgs_there:
                    raise ConfigError(
                        f"{mask_url(url)} already holds demo data ({orgs_there:,} organizations): pass --reset to "
                        "replace it (deletes the demo tables' rows and the backfill ledger); nothing was written"
                    )
            for table_name, rows in data.items():
                table = sa.Table(table_name, md, autoload_with=conn)
                for i in range(0, len(rows), CHUNK):
                    conn.execute(table.insert(), rows[i : i + CHUNK])
                    if on_rows is not None:
                        on_rows(table_name, min(i + CHUNK, len(rows)), len(rows))
    except sa.exc.DBAPIError as exc:
        orig = getattr(exc, "orig", None) or exc
        reason = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
        raise ConnectionFailed(f"demo seed failed on {mask_url(url)}: {mask(reason)}; nothing was written") from None
    finally:
        engine.dispose()
    broken = tuple(f"org_{o + 1:04d}" for o in range(orgs - orgs_without_number, orgs))
    return DemoSummary({k: len(v) for k, v in data.items()}, broken)


def _reset(conn: Any, md: Any) -> None:
    """Delete the demo tables' rows (children first) and drop schemaguard's backfill ledger and undo tables."""
    import sqlalchemy as sa

    names = set(sa.inspect(conn).get_table_names())
    for name in reversed(TABLES):
        if name in names:
            conn.execute(sa.delete(sa.Table(name, md, autoload_with=conn)))
    for name in sorted(n for n in names if n == "schemaguard_backfill_runs" or n.startswith("schemaguard_undo_")):
        sa.Table(name, md, autoload_with=conn).drop(conn)


def _generate(
    rng: random.Random, orgs: int, threads_per_org: int, broken: int, share: float
) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {k: [] for k in TABLES}
    tick = iter(range(10**9))

    def ts() -> datetime:
        return BASE_TIME + timedelta(seconds=next(tick))

    for o in range(orgs):
        org = f"org_{o + 1:04d}"
        no_number = o >= orgs - broken
        t = ts()
        out["Organization"].append({"id": org, "name": f"{rng.choice(_NAMES)} {o + 1}", "createdAt": t, "updatedAt": t})
        acc = f"acc_{org}"
        out["MessageAccount"].append({"id": acc, "orgId": org, "provider": "twilio", "createdAt": t, "updatedAt": t})
        sitters = []
        for s in range(rng.randint(2, 5)):
            sid = f"sit_{org}_{s + 1:02d}"
            active = s == 0 or rng.random() < 0.8
            sitters.append((sid, active))
            out["Sitter"].append(
                {
                    "id": sid,
                    "orgId": org,
                    "name": f"Sitter {s + 1}",
                    "isActive": active,
                    "createdAt": ts(),
                    "updatedAt": t,
                }
            )
        clients = []
        for c in range(max(1, threads_per_org // 2)):
            cid = f"cli_{org}_{c + 1:05d}"
            clients.append(cid)
            recurring = rng.choices([True, False, None], weights=[40, 25, 35])[0]
            out["Client"].append(
                {
                    "id": cid,
                    "orgId": org,
                    "name": f"Client {c + 1}",
                    "phone": f"+1555{o:03d}{c:04d}",
                    "isRecurring": recurring,
                    "createdAt": ts(),
                    "updatedAt": t,
                }
            )
        # An inactive number first: "the first existing *active* number" must skip it.
        numbers: list[str] = []
        n_active = 0 if no_number else (1 if o == 1 and orgs > 2 else rng.randint(2, 4))
        for n in range(n_active + 1):
            nid = f"num_{org}_{n + 1:02d}"
            active = n > 0
            if active:
                numbers.append(nid)
            out["MessageNumber"].append(
                {
                    "id": nid,
                    "orgId": org,
                    "accountId": acc,
                    "e164": f"+1800{o:04d}{n:03d}",
                    "isActive": active,
                    "createdAt": ts(),
                    "updatedAt": t,
                }
            )
        active_sitters = [sid for sid, active in sitters if active]
        # A masked number given on demand to the first active sitter (never the org's first active number).
        if len(numbers) >= 3:
            out["SitterMaskedNumber"].append(
                {
                    "id": f"smn_{org}",
                    "orgId": org,
                    "sitterId": active_sitters[0],
                    "messageNumberId": numbers[-1],
                    "status": "active",
                    "assignedAt": t,
                    "createdAt": t,
                    "updatedAt": t,
                }
            )
        for i in range(threads_per_org):
            number = rng.choice(numbers) if numbers and rng.random() < share else None
            out["MessageThread"].append(
                {
                    "id": f"thr_{org}_{i + 1:06d}",
                    "orgId": org,
                    "accountId": acc,
                    "clientId": rng.choice(clients) if rng.random() < 0.9 else None,
                    "assignedSitterId": rng.choice(active_sitters) if rng.random() < 0.5 else None,
                    "status": "open",
                    "messageNumberId": number,
                    "lastMessageAt": ts(),
                    "createdAt": t,
                    "updatedAt": t,
                }
            )
    return out
