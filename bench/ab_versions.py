"""Interleaved A/B timing of ``schemaguard diff`` end to end: an older source tree against the working tree.

Each round runs the same command once with ``PYTHONPATH=BEFORE_SRC`` (the older ``src/``, e.g. from
``git archive <rev> src | tar -x -C /tmp/before``) and once with the installed working tree, alternating, so both
see the same machine load; the medians and their ratio are printed. The master cache is off
(``SCHEMAGUARD_NO_CACHE=1``). Databases and master come from a ``bench_diff.py --keep`` run.

Usage::

    python bench/ab_versions.py --before-src /tmp/before/src --rounds 7 \\
        --case postgresql=postgresql://postgres@127.0.0.1:5432/sgbench_1000_drift \\
        --case sqlite=sqlite:////tmp/sgbench/drift_1000.sqlite --master /tmp/sgbench/master_1000.yaml
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent / "schemaguard"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before-src", required=True)
    ap.add_argument("--master", required=True)
    ap.add_argument("--case", action="append", required=True, help="NAME=URL of the drifted database")
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
    times: dict[tuple[str, str], list[float]] = {}
    for case in args.case:
        name, _, url = case.partition("=")
        cmd = [str(BIN), "diff", "--url", url, "--to", args.master, "--format", "json"]
        for _ in range(args.rounds):
            for side in ("before", "after"):
                env = dict(os.environ, SCHEMAGUARD_NO_CACHE="1")
                if side == "before":
                    env["PYTHONPATH"] = args.before_src
                started = time.perf_counter()
                proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False, cwd="/tmp")
                times.setdefault((name, side), []).append(time.perf_counter() - started)
                if proc.returncode not in (0, 1):
                    raise SystemExit(f"{side} {name} failed: {proc.stderr[-400:]}")
        before = statistics.median(times[(name, "before")])
        after = statistics.median(times[(name, "after")])
        print(f"{name}: before {before:.3f} s, after {after:.3f} s, after/before {after / before:.3f}")
    print("load average:", " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
