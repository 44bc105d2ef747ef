"""Benchmark: ``schemaguard diff`` against migra, Alembic autogenerate and SQLAlchemy reflection, same databases.

For every size N it builds (with ``generate.py``) a YAML master, a clean database and a drifted database with K
planted differences, then times as separate processes, each ``--repeat`` times (median reported):

- ``schemaguard diff --url DRIFTED --to master.yaml --format json`` (end to end, as a user runs it);
- the in-process phases of the same work in a fresh process (``bench_child.py phases``): load the YAML master,
  introspect, normalise + compare, plan the SQL;
- migra (``migra --unsafe DRIFTED CLEAN``; PostgreSQL only, psycopg2 URLs as migra needs under SQLAlchemy 2.1);
- Alembic autogenerate (``peers.py alembic``: reflect the clean database, ``compare_metadata`` on the drifted);
- SQLAlchemy ``MetaData.reflect`` of the drifted database alone (``peers.py reflect``).

Peak memory is each child's own ``ru_maxrss`` (``os.wait4``). Recall is planted differences found / planted;
false positives are reported items that belong to no planted difference (see :func:`score_names`).

Usage (the command RESULTS.md was made with is printed at the top of the markdown)::

    python bench/bench_diff.py --pg-sizes 100,1000,5000 --ref 500 --sqlite-sizes 100,1000,5000 \\
        --fleet 200 --markdown /tmp/sgbench/results.md
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import (
    TABLES_PER_ENUM,
    Planted,
    create_database,
    drop_pg_database,
    pg_url,
    plant_drift,
    synthetic_schema,
    write_master,
)

BENCH = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent


@dataclass
class Run:
    """One measured tool on one database pair."""

    tool: str
    dialect: str
    tables: int
    planted: int
    seconds: float
    peak_mb: float
    found: int | None = None
    false_positives: int | None = None
    note: str = ""
    phases: dict[str, float] = field(default_factory=dict)


def measure(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, int, str, str]:
    """Run ``cmd``; return (wall seconds, peak RSS in MB of that child, exit code, stdout, stderr).

    The peak comes from ``/usr/bin/time -f %M``: Linux carries a process's RSS high-water mark across
    ``exec``, so ``wait4`` on a child forked straight from this (large) process would report our own peak.
    The time wrapper adds ~1 ms.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile("r") as rss:
        t0 = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss.name, *cmd], stdout=out, stderr=err, env=env)
        elapsed = time.perf_counter() - t0
        out.seek(0)
        err.seek(0)
        lines = [line for line in Path(rss.name).read_text().splitlines() if line.strip().isdigit()]
        peak = int(lines[-1]) / 1024 if lines else 0.0
        return elapsed, peak, proc.returncode, out.read().decode(), err.read().decode()


def tree_peak_mb(cmd: list[str], env: dict[str, str] | None = None, interval: float = 0.01) -> float:
    """Peak memory of ``cmd``'s whole process tree, in MB: the largest sum of PSS over the process and all its
    descendants, sampled every ``interval`` seconds (psutil, ``/proc/PID/smaps_rollup``).

    ``schemaguard diff`` loads the master in a forked child while it introspects, so one process's RSS peak
    (what :func:`measure` reports) is not the memory the run needs. PSS splits the pages a fork shares between
    the processes, so the sum does not count them twice. Sampling costs CPU, so this is a separate run from the
    timed ones.
    """
    import psutil

    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    root = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        total = 0
        try:
            for p in [root, *root.children(recursive=True)]:
                total += p.memory_full_info().pss
        except psutil.Error:  # a process ended between listing and reading: this sample is incomplete
            continue
        peak = max(peak, total)
        time.sleep(interval)
    return peak / 2**20


def median_runs(
    cmd: list[str], repeat: int, ok: tuple[int, ...], env: dict[str, str] | None = None
) -> tuple[float, float, str]:
    """Median wall time and max peak RSS over ``repeat`` runs; the stdout of the last run."""
    times, peaks, stdout = [], [], ""
    for _ in range(repeat):
        secs, peak, rc, stdout, stderr = measure(cmd, env)
        if rc not in ok:
            raise RuntimeError(f"{shlex.join(cmd)} exited {rc}:\n{stderr[-2000:]}")
        times.append(secs)
        peaks.append(peak)
    return statistics.median(times), max(peaks), stdout


# --- scoring --------------------------------------------------------------------------------------------------

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _related(p: Planted, token: str) -> bool:
    """A token that marks an output item as a consequence of ``p`` (not a false positive)."""
    if p.kind in ("table_missing", "table_extra", "primary_key") and p.table:
        return token == p.table or token.startswith(p.table + "_")
    if p.kind == "enum_values":
        k = int(p.object.rsplit("_", 1)[1])
        users = {f"t{i:05d}" for i in range(k * TABLES_PER_ENUM, (k + 1) * TABLES_PER_ENUM)}
        return token in users or token.startswith(p.object)
    return False


def score_names(items: list[set[str]], planted: list[Planted]) -> tuple[int, int]:
    """(planted found, false positives) for a peer whose output is a list of items, each the set of identifiers
    it mentions (a migra statement, an Alembic diff entry).

    A planted difference is found when one item mentions all of its names (``Planted.names``: the table and
    column, or the index/constraint/table/enum name). An item is a false positive when it mentions the names (or
    the object name) of no planted difference and nothing :func:`_related` to one (the statements migra emits for every column of
    an altered enum, the sequence of a dropped table...).
    """
    found = sum(1 for p in planted if any(set(p.names) <= it for it in items))
    fps = 0
    for it in items:
        if any(set(p.names) <= it or p.object in it for p in planted):
            continue
        if any(_related(p, tok) for p in planted for tok in it):
            continue
        fps += 1
    return found, fps


def score_schemaguard(report: dict[str, Any], planted: list[Planted]) -> tuple[int, int]:
    """(found, false positives) for a schemaguard JSON report: changes must match (kind, table, object)."""
    want = {(p.kind, p.table, p.object) for p in planted}
    got = {(c["kind"], c["table"], c["object"]) for c in report["changes"]}
    return len(want & got), len(got - want)


def migra_items(sql: str) -> list[set[str]]:
    """The statements of migra's output, each as its set of identifier tokens."""
    stmts = [s.strip() for s in re.split(r";\s*\n", sql) if s.strip()]
    return [set(_WORD.findall(s)) for s in stmts]


def alembic_items(text: str) -> list[set[str]]:
    """The JSON lines printed by ``peers.py alembic``, each as its set of names."""
    return [set(json.loads(line)["names"]) for line in text.splitlines() if line.strip()]


# --- one size --------------------------------------------------------------------------------------------------


def bench_size(dialect: str, n: int, k: int, *, repeat: int, peers: list[str], workdir: Path, keep: bool) -> list[Run]:
    """Build the databases for ``n`` tables with ``k`` planted differences and measure every tool on them."""
    schema = synthetic_schema(n)
    drifted, planted, post_sql = plant_drift(schema, k, dialect=dialect)
    master = write_master(schema, workdir / f"master_{n}.yaml")
    t = time.perf_counter()
    if dialect == "postgresql":
        clean_url = create_database(schema, dialect, f"sgbench_{n}_clean")
        drift_url = create_database(drifted, dialect, f"sgbench_{n}_drift", post_sql)
    else:
        clean_url = create_database(schema, dialect, str(workdir / f"clean_{n}.sqlite"))
        drift_url = create_database(drifted, dialect, str(workdir / f"drift_{n}.sqlite"), post_sql)
    print(f"[{dialect} {n}] databases built in {time.perf_counter() - t:.1f}s", file=sys.stderr)
    runs: list[Run] = []
    reps = repeat if n <= 1000 else max(1, repeat // 2)

    cmd = [str(BIN / "schemaguard"), "diff", "--url", drift_url, "--to", str(master), "--format", "json"]
    # Cold: the master is parsed in every run (what a CI job without a cache sees).
    cold_env = {**os.environ, "SCHEMAGUARD_NO_CACHE": "1"}
    measure(cmd, cold_env)  # untimed: fills the bytecode cache (see main) and the OS page cache
    secs, peak, out = median_runs(cmd, reps, (0, 1), cold_env)
    found, fps = score_schemaguard(json.loads(out), planted)
    tree = tree_peak_mb(cmd, cold_env)
    runs.append(
        Run(
            "schemaguard diff",
            dialect,
            n,
            k,
            secs,
            peak,
            found,
            fps,
            note=f"cold: master parsed; process tree peak {tree:.0f} MB PSS",
        )
    )
    # Warm: the loaded master comes from the cache (an unchanged master between runs).
    warm_env = {**os.environ, "SCHEMAGUARD_CACHE_DIR": str(workdir / f"cache_{dialect}_{n}")}
    measure(cmd, warm_env)
    secs, peak, out = median_runs(cmd, reps, (0, 1), warm_env)
    found, fps = score_schemaguard(json.loads(out), planted)
    runs.append(Run("schemaguard diff", dialect, n, k, secs, peak, found, fps, note="warm: cached master"))

    ph_cmd = [sys.executable, str(BENCH / "bench_child.py"), "phases", str(master), drift_url]
    samples = [json.loads(measure(ph_cmd, cold_env)[3]) for _ in range(reps)]
    ph = {key: statistics.median(s[key] for s in samples) for key in samples[0] if key != "changes"}
    runs.append(Run("schemaguard in-process", dialect, n, k, sum(ph.values()), 0.0, phases=ph))

    sa_drift = drift_url.replace("postgresql://", "postgresql+psycopg://", 1)
    sa_clean = clean_url.replace("postgresql://", "postgresql+psycopg://", 1)
    if "migra" in peers and dialect == "postgresql":
        m_cmd = [
            str(BIN / "migra"),
            "--unsafe",
            pg_url(f"sgbench_{n}_drift", "+psycopg2"),
            pg_url(f"sgbench_{n}_clean", "+psycopg2"),
        ]
        secs, peak, out = median_runs(m_cmd, reps, (0, 2))
        found, fps = score_names(migra_items(out), planted)
        runs.append(Run("migra", dialect, n, k, secs, peak, found, fps))
    if "alembic" in peers:
        a_cmd = [sys.executable, str(BENCH / "peers.py"), "alembic", sa_clean, sa_drift]
        secs, peak, out = median_runs(a_cmd, reps, (0,))
        found, fps = score_names(alembic_items(out), planted)
        runs.append(Run("alembic compare_metadata", dialect, n, k, secs, peak, found, fps, "reflects both sides"))
    if "reflect" in peers:
        r_cmd = [sys.executable, str(BENCH / "peers.py"), "reflect", sa_drift]
        secs, peak, _ = median_runs(r_cmd, reps, (0,))
        runs.append(Run("sqlalchemy MetaData.reflect", dialect, n, k, secs, peak, note="introspection only"))
    if dialect == "postgresql" and not keep:
        drop_pg_database(f"sgbench_{n}_clean")
        drop_pg_database(f"sgbench_{n}_drift")
    for r in runs:
        print(
            f"  {r.tool:28} {r.seconds:7.3f}s {r.peak_mb:7.1f}MB found={r.found} fp={r.false_positives}",
            file=sys.stderr,
        )
    return runs


# --- fleet -----------------------------------------------------------------------------------------------------


def bench_fleet(dialect: str, count: int, n: int, workers: list[int], workdir: Path, keep: bool) -> list[Run]:
    """``count`` databases of ``n`` tables (every other one with 5 planted differences), diffed as a fleet."""
    schema = synthetic_schema(n)
    drifted, _, post_sql = plant_drift(schema, 5, dialect=dialect)
    master = write_master(schema, workdir / f"fleet_master_{n}.yaml")
    urls: list[str] = []
    t = time.perf_counter()
    if dialect == "sqlite":
        import shutil

        clean = create_database(schema, "sqlite", str(workdir / "fleet_clean.sqlite")).split(":///", 1)[1]
        drift = create_database(drifted, "sqlite", str(workdir / "fleet_drift.sqlite"), post_sql).split(":///", 1)[1]
        for i in range(count):
            path = workdir / f"fleet_{i:03d}.sqlite"
            shutil.copyfile(drift if i % 2 else clean, path)
            urls.append(f"sqlite:///{path}")
    else:
        import psycopg
        from generate import PG_ADMIN_URL
        from psycopg import sql

        create_database(schema, "postgresql", "sgfleet_clean")
        create_database(drifted, "postgresql", "sgfleet_drift", post_sql)
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            for i in range(count):
                name = f"sgfleet_{i:03d}"
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
                template = "sgfleet_drift" if i % 2 else "sgfleet_clean"
                admin.execute(
                    sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
                )
                urls.append(pg_url(name))
    print(f"[fleet {dialect}] {count} databases built in {time.perf_counter() - t:.1f}s", file=sys.stderr)
    urls_file = workdir / f"fleet_{dialect}.txt"
    urls_file.write_text("\n".join(urls) + "\n")
    runs = []
    for w in workers:
        f_cmd = [sys.executable, str(BENCH / "bench_child.py"), "fleet", str(master), str(urls_file), str(w)]
        secs, peak, rc, out, err = measure(f_cmd)
        if rc != 0:
            raise RuntimeError(err[-2000:])
        summary = json.loads(out)
        tree = tree_peak_mb(f_cmd)  # the workers are forked processes: their memory counts too
        note = (
            f"{summary['targets']} databases x {n} tables, {w} workers; {summary['drifted']} drifted, "
            f"{summary['errors']} errors; process tree peak {tree:.0f} MB PSS"
        )
        runs.append(Run("schemaguard fleet", dialect, n * count, 0, secs, peak, note=note))
        print(f"  fleet workers={w}: {secs:.2f}s {peak:.0f}MB {note}", file=sys.stderr)
    if dialect == "postgresql" and not keep:
        for i in range(count):
            drop_pg_database(f"sgfleet_{i:03d}")
        drop_pg_database("sgfleet_clean")
        drop_pg_database("sgfleet_drift")
    return runs


# --- report ----------------------------------------------------------------------------------------------------


def machine() -> str:
    """nproc, memory, CPU model, Python and PostgreSQL versions."""
    import psycopg
    from generate import PG_ADMIN_URL

    mem_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "?",
    )
    with psycopg.connect(PG_ADMIN_URL) as conn:
        row = conn.execute("SHOW server_version").fetchone()
        pg = row[0] if row else "?"
    return (
        f"- CPU: {cpu}, nproc = {os.cpu_count()}\n- Memory: {mem_kb / 1024 / 1024:.1f} GiB\n"
        f"- PostgreSQL {pg} on loopback (127.0.0.1), default configuration\n"
        f"- Python {platform.python_version()} on {platform.system()} {platform.release()}\n"
        f"- Load average when the report was written (the machine is shared): {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )


def markdown(runs: list[Run], command: str) -> str:
    """The results as markdown tables."""
    lines = ["## Machine", "", machine(), "", "## Command", "", "```", command, "```", "", "## Results", ""]
    lines += [
        "| dialect | tables | planted | tool | wall s (median) | peak MB | found | false pos. | note |",
        "|---|---:|---:|---|---:|---:|---:|---:|---|",
    ]
    for r in runs:
        if r.tool == "schemaguard in-process":
            continue
        found = "" if r.found is None else f"{r.found}/{r.planted}"
        fp = "" if r.false_positives is None else str(r.false_positives)
        peak = f"{r.peak_mb:.0f}" if r.peak_mb else ""
        lines.append(
            f"| {r.dialect} | {r.tables} | {r.planted} | {r.tool} | {r.seconds:.3f} | {peak} | {found} | {fp} | {r.note} |"
        )
    lines += ["", "### schemaguard in-process phases (fresh process, median, seconds)", ""]
    lines += [
        "| dialect | tables | import | load master | introspect | compare | plan SQL | total |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        if r.tool == "schemaguard in-process":
            p = r.phases
            lines.append(
                f"| {r.dialect} | {r.tables} | {p['import']:.3f} | {p['load_master']:.3f} | {p['introspect']:.3f} | "
                f"{p['compare']:.3f} | {p['plan_sql']:.3f} | {r.seconds:.3f} |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    """Parse the arguments and run the benchmark (or one of the child-process entry points)."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pg-sizes", default="100,1000,5000")
    ap.add_argument("--sqlite-sizes", default="100,1000,5000")
    ap.add_argument("--ref", type=int, default=500, help="extra PostgreSQL size compared with the issue's numbers")
    ap.add_argument("--drift", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--peers", default="migra,alembic,reflect")
    ap.add_argument("--fleet", type=int, default=200, help="databases in the fleet benchmark (0: skip)")
    ap.add_argument("--fleet-tables", type=int, default=50)
    ap.add_argument("--fleet-workers", default="1,4,8")
    ap.add_argument("--fleet-pg", action="store_true", help="also run the fleet on PostgreSQL databases")
    ap.add_argument("--workdir", default="/tmp/sgbench")
    ap.add_argument("--json", default=None, help="write the raw runs here")
    ap.add_argument("--markdown", default=None, help="write the tables here")
    ap.add_argument("--keep", action="store_true", help="keep the PostgreSQL databases")
    args = ap.parse_args()
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    os.chdir(workdir)  # no schemaguard.toml here: every tool runs with defaults
    # Every tool runs from bytecode, as installed (pip compiles at install time): with PYTHONDONTWRITEBYTECODE set,
    # an editable install would compile schemaguard's source in every timed run, a cost of its size, not its work.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ.setdefault("PYTHONPYCACHEPREFIX", str(workdir.resolve() / "pycache"))
    peers = [p for p in args.peers.split(",") if p]
    runs: list[Run] = []
    pg_sizes = sorted({int(s) for s in args.pg_sizes.split(",") if s} | ({args.ref} if args.ref else set()))
    for n in pg_sizes:
        runs += bench_size(
            "postgresql", n, args.drift, repeat=args.repeat, peers=peers, workdir=workdir, keep=args.keep
        )
    for n in [int(s) for s in args.sqlite_sizes.split(",") if s]:
        runs += bench_size("sqlite", n, args.drift, repeat=args.repeat, peers=peers, workdir=workdir, keep=args.keep)
    workers = [int(w) for w in args.fleet_workers.split(",")]
    if args.fleet:
        runs += bench_fleet("sqlite", args.fleet, args.fleet_tables, workers, workdir, args.keep)
        if args.fleet_pg:
            runs += bench_fleet("postgresql", args.fleet, args.fleet_tables, workers, workdir, args.keep)
    command = "python " + shlex.join(["bench/bench_diff.py", *sys.argv[1:]])
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(r) for r in runs], indent=2))
    text = markdown(runs, command)
    if args.markdown:
        Path(args.markdown).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
