"""Benchmark (not a test): the phase-1-4 backfill on N threads on PostgreSQL, batched run (with its undo record,
and again without) vs one hand-written set-based UPDATE per table doing the same work, in the same run, on
identical copies of one database.

    python bench/bench_backfill.py [--pg-url postgresql://postgres@127.0.0.1:5432/postgres]
                                   [--threads 1000000] [--orgs 1000] [--batch-size 10000] [--no-undo-run]

Prints rows/s of each, the undo record's size, and checks that all end in the same state. See
bench/README-backfill.md.
"""

from __future__ import annotations

import argparse
import hashlib
import time
import uuid

import psycopg
from psycopg import sql

from schemaguard import api
from schemaguard.backfills.builtin.phase_1_4 import BACKFILL
from schemaguard.backfills.demo import seed_demo
from schemaguard.backfills.runner import RunOptions, run_backfill

# Threads spread round-robin over the orgs; 60% already point at one of their org's active numbers, 10% have no
# client. The orgs, numbers, sitters, masked numbers and clients come from the demo seed.
THREADS_SQL = """
WITH nums AS (
  SELECT "orgId", array_agg(id ORDER BY id) AS a FROM "MessageNumber" WHERE "isActive" GROUP BY "orgId"
), orgs AS (
  SELECT id, row_number() OVER (ORDER BY id) - 1 AS k, count(*) OVER () AS n FROM "Organization"
)
INSERT INTO "MessageThread" (id, "orgId", "accountId", "clientId", status, "messageNumberId", "createdAt", "updatedAt")
SELECT 'thr_' || lpad(g::text, 8, '0'), o.id, 'acc_' || o.id,
       CASE WHEN mod(g, 10) = 0 THEN NULL ELSE 'cli_' || o.id || '_' || lpad((1 + mod(g, 5))::text, 5, '0') END,
       'open',
       CASE WHEN mod(g, 5) < 3 AND nums.a IS NOT NULL THEN nums.a[1 + mod(g / 7, array_length(nums.a, 1))] END,
       now(), now()
FROM generate_series(0, %(threads)s - 1) AS g
JOIN orgs o ON o.k = mod(g, o.n)
LEFT JOIN nums ON nums."orgId" = o.id
"""

# The same work written by hand: one UPDATE per step, each over the whole table at once.
HAND_WRITTEN = [
    """UPDATE "MessageNumber" n SET "numberClass" = 'sitter', "assignedSitterId" = COALESCE(n."assignedSitterId", s."sitterId")
       FROM "SitterMaskedNumber" s
       WHERE s."messageNumberId" = n.id AND s.status = 'active'
         AND (n."numberClass" = 'pool' OR (n."numberClass" = 'sitter' AND n."assignedSitterId" IS NULL))""",
    """UPDATE "MessageNumber" n SET "numberClass" = 'front_desk'
       FROM (SELECT DISTINCT ON (m."orgId") m.id FROM "MessageNumber" m
             WHERE m."isActive" AND m."numberClass" = 'pool'
               AND NOT EXISTS (SELECT 1 FROM "SitterMaskedNumber" s WHERE s."messageNumberId" = m.id AND s.status = 'active')
               AND NOT EXISTS (SELECT 1 FROM "MessageNumber" f WHERE f."orgId" = m."orgId" AND f."isActive"
                               AND f."numberClass" = 'front_desk')
             ORDER BY m."orgId", m."createdAt", m.id) c
       WHERE n.id = c.id""",
    """UPDATE "MessageThread" t
       SET "messageNumberId" = s.num,
           "numberClass" = COALESCE(t."numberClass", s.cls),
           "isOneTimeClient" = COALESCE(t."isOneTimeClient", CASE WHEN s.rec THEN false ELSE true END)
       FROM (SELECT t2.id, COALESCE(t2."messageNumberId", fd.id) AS num, mn."numberClass" AS cls, c."isRecurring" AS rec
             FROM "MessageThread" t2
             LEFT JOIN (SELECT DISTINCT ON ("orgId") "orgId", id FROM "MessageNumber"
                        WHERE "isActive" AND "numberClass" = 'front_desk' ORDER BY "orgId", "createdAt", id) fd
                    ON fd."orgId" = t2."orgId"
             LEFT JOIN "MessageNumber" mn ON mn.id = COALESCE(t2."messageNumberId", fd.id)
             LEFT JOIN "Client" c ON c.id = t2."clientId"
             WHERE t2."messageNumberId" IS NULL OR t2."numberClass" IS NULL OR t2."isOneTimeClient" IS NULL) s
       WHERE s.id = t.id""",
]

STATE_SQL = """
SELECT md5(string_agg(id || '|' || coalesce("messageNumberId", '') || '|' || coalesce("numberClass"::text, '') || '|'
                      || coalesce("isOneTimeClient"::text, ''), ',' ORDER BY id)) FROM "MessageThread"
UNION ALL
SELECT md5(string_agg(id || '|' || "numberClass"::text || '|' || coalesce("assignedSitterId", ''), ',' ORDER BY id))
FROM "MessageNumber"
"""


def _db_url(admin: str, name: str) -> str:
    return admin.rpartition("/")[0] + "/" + name


def main() -> None:
    """Build the database, copy it, run both variants, print the numbers."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--threads", type=int, default=1_000_000)
    ap.add_argument("--orgs", type=int, default=1000)
    ap.add_argument("--batch-size", type=int, default=10_000)
    ap.add_argument("--keep", action="store_true", help="Keep the databases.")
    ap.add_argument("--no-undo-run", action="store_true", help="Also time a batched run without the undo record.")
    args = ap.parse_args()

    tag = uuid.uuid4().hex[:8]
    names = [f"bench_backfill_{tag}_batched", f"bench_backfill_{tag}_hand", f"bench_backfill_{tag}_noundo"]
    if not args.no_undo_run:
        names.pop()
    with psycopg.connect(args.pg_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(names[0])))
    batched_url, hand_url = (_db_url(args.pg_url, n) for n in names[:2])
    try:
        t0 = time.perf_counter()
        master = api.load_master(api.load_config(), "schemas/master.yaml")
        # 10 demo threads per org (and so 5 clients per org), the rest generated in the database.
        seed_demo(batched_url, orgs=args.orgs, threads_per_org=10, orgs_without_number=0, schema=master)
        with psycopg.connect(batched_url, autocommit=True) as conn:
            conn.execute(THREADS_SQL, {"threads": args.threads - 10 * args.orgs})  # type: ignore[arg-type]
            conn.execute("VACUUM ANALYZE")
        with psycopg.connect(args.pg_url, autocommit=True) as admin:
            for copy in names[1:]:
                admin.execute(
                    sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(copy), sql.Identifier(names[0]))
                )
        print(f"setup: {args.threads:,} threads, {args.orgs:,} orgs in {time.perf_counter() - t0:.1f}s")

        t0 = time.perf_counter()
        result = run_backfill(BACKFILL, batched_url, RunOptions(batch_size=args.batch_size, statement_timeout=3600))
        batched_s = time.perf_counter() - t0

        with psycopg.connect(batched_url) as conn:
            undo_bytes = sum(
                conn.execute("SELECT pg_total_relation_size(%s::regclass)", (f'"{t}"',)).fetchone()[0]  # type: ignore[index]
                for t in ("schemaguard_undo_MessageThread", "schemaguard_undo_MessageNumber")
            )
            undo_rows = conn.execute('SELECT count(*) FROM "schemaguard_undo_MessageThread"').fetchone()[0]  # type: ignore[index]

        noundo_s = None
        if args.no_undo_run:
            t0 = time.perf_counter()
            plain = run_backfill(
                BACKFILL,
                _db_url(args.pg_url, names[2]),
                RunOptions(batch_size=args.batch_size, statement_timeout=3600, undo=False),
            )
            noundo_s = time.perf_counter() - t0
            assert plain.counts == result.counts

        t0 = time.perf_counter()
        hand_rows = 0
        with psycopg.connect(hand_url) as conn:
            # The batched run turns JIT off for its short statements; the peer runs with the same setting (with
            # JIT on, PostgreSQL 15 spent a third of its time compiling these three statements here).
            conn.execute("SET jit = off")
            for stmt in HAND_WRITTEN:
                hand_rows += conn.execute(stmt).rowcount  # type: ignore[arg-type]
        hand_s = time.perf_counter() - t0

        states = []
        for url in [_db_url(args.pg_url, n) for n in names]:
            with psycopg.connect(url) as conn:
                states.append(hashlib.sha256(repr(conn.execute(STATE_SQL).fetchall()).encode()).hexdigest()[:16])

        print(
            f"batched run (batch {args.batch_size:,}): {result.total:,} row updates in {batched_s:.1f}s = "
            f"{result.total / batched_s:,.0f} rows/s, {args.threads / batched_s:,.0f} threads/s"
        )
        for key, rows in result.counts.items():
            print(f"    {key}: {rows:,}")
        print(
            f"    undo record: {result.undo_seconds:.1f}s of the run ({result.undo_seconds / batched_s:.0%}), "
            f"{undo_rows:,} thread rows, {undo_bytes / 2**20:,.1f} MiB (tables and indexes)"
        )
        if noundo_s is not None:
            print(
                f"batched run without undo (--no-undo, whose updates run in separate passes to keep exact counts): "
                f"{noundo_s:.1f}s"
            )
        print(
            f"hand-written set-based UPDATEs: {hand_rows:,} rows in {hand_s:.1f}s = {hand_rows / hand_s:,.0f} rows/s, "
            f"{args.threads / hand_s:,.0f} threads/s"
        )
        print(f"ratio: batched takes {batched_s / hand_s:.2f}x the time of the hand-written UPDATEs")
        print(f"end states identical: {len(set(states)) == 1} ({' / '.join(states)})")
    finally:
        if not args.keep:
            with psycopg.connect(args.pg_url, autocommit=True) as admin:
                for n in names:
                    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(n)))


if __name__ == "__main__":
    main()
