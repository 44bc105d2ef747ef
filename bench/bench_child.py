"""Child-process entry points of ``bench_diff.py``, kept apart so they import nothing but schemaguard.

``python bench/bench_child.py phases MASTER URL`` times the in-process phases of one diff (import, load the
master as ``diff`` does (unlocated), introspect, normalise + compare, plan SQL), one after the other in one
process, and prints them as JSON seconds. ``schemaguard diff`` itself runs the first two sides in two processes.

``python bench/bench_child.py fleet MASTER URLS_FILE WORKERS`` runs :func:`schemaguard.fleet.run_fleet` over the
URLs in the file and prints a JSON summary.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def phases(master: str, url: str) -> dict[str, float]:
    """Seconds per phase of one diff of ``url`` against the master file ``master``, in this fresh process."""
    out: dict[str, float] = {}
    t0 = time.perf_counter()
    from schemaguard import api
    from schemaguard.dialects import get_dialect
    from schemaguard.diff.differ import diff_schemas

    out["import"] = time.perf_counter() - t0
    cfg = api.load_config()
    t = time.perf_counter()
    desired = api.load_master(cfg, master, locations=False)  # as ``diff`` loads it
    out["load_master"] = time.perf_counter() - t
    t = time.perf_counter()
    actual = api.inspect_url(url)
    out["introspect"] = time.perf_counter() - t
    d = get_dialect("sqlite" if url.startswith("sqlite") else "postgresql")
    t = time.perf_counter()
    changes = diff_schemas(desired, actual, d, desired_syntax="postgresql", actual_syntax=d.name)
    out["compare"] = time.perf_counter() - t
    t = time.perf_counter()
    d.plan(changes, d.adapt(desired), d.adapt(actual))
    out["plan_sql"] = time.perf_counter() - t
    return out


def fleet(master: str, urls_file: str, workers: int) -> dict[str, float | int]:
    """Run the fleet over the URLs in ``urls_file``; a summary with wall seconds, counts of drift and errors."""
    t0 = time.perf_counter()
    from schemaguard import api
    from schemaguard.fleet import run_fleet

    urls = Path(urls_file).read_text().split()
    result = run_fleet(api.load_config(), urls, desired=master, workers=workers, with_sql=False)
    return {
        "seconds": time.perf_counter() - t0,
        "targets": len(result.entries),
        "drifted": result.drifted,
        "errors": result.errors,
        "changes": sum(len(e.report.changes) for e in result.entries if e.report is not None),
    }


if __name__ == "__main__":
    if sys.argv[1] == "phases":
        print(json.dumps(phases(sys.argv[2], sys.argv[3])))
    elif sys.argv[1] == "fleet":
        print(json.dumps(fleet(sys.argv[2], sys.argv[3], int(sys.argv[4]))))
    else:
        raise SystemExit(f"unknown entry point {sys.argv[1]!r}; expected phases or fleet")
