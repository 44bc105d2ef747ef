"""Interleaved A/B timing of ``schemaguard diff`` end to end: an older source tree against the working tree.

Each round runs the same command once with ``PYTHONPATH=BEFORE_SRC`` (the older ``src/``, e.g. from
``git archive <rev> src | tar -x -C /tmp/before``) and once with the installed working tree, alternating, so both
see the same machine load; the medians and their ratio are printed, for the wall time and for the CPU time
(user + system of the process and its forked child, from ``wait4``): on a shared machine the CPU time moves far
less with the load than the wall time. The master cache is off (``SCHEMAGUARD_NO_CACHE=1``). Databases and master
come from a ``bench_diff.py --keep`` run.

Bytecode: an installed package runs from the ``.pyc`` files pip wrote at install time, but an environment with
``PYTHONDONTWRITEBYTECODE=1`` and an editable install compiles every imported module of ``src/`` in every run,
and that cost grows with the size of the source, not with the work. By default both sides get a private
bytecode cache (``PYTHONPYCACHEPREFIX`` in a temporary directory, filled by one untimed run per side), as
installed; ``--compile`` times them compiling from source instead.

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
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent / "schemaguard"


def run_once(cmd: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    """Run ``cmd``; return (wall seconds, CPU seconds of it and its waited-for children, exit code, stderr)."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=tempfile.gettempdir()
    )
    assert proc.stderr is not None
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, proc.returncode, stderr


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before-src", required=True)
    ap.add_argument("--master", required=True)
    ap.add_argument("--case", action="append", required=True, help="NAME=URL of the drifted database")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--compile", action="store_true", help="no bytecode cache: both sides compile src/ every run")
    args = ap.parse_args()
    pycache = tempfile.TemporaryDirectory(prefix="sg-ab-pyc-")
    envs: dict[str, dict[str, str]] = {}
    for side in ("before", "after"):
        env = dict(os.environ, SCHEMAGUARD_NO_CACHE="1")
        env.pop("PYTHONPATH", None)
        if side == "before":
            env["PYTHONPATH"] = args.before_src
        if args.compile:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
            env.pop("PYTHONPYCACHEPREFIX", None)
        else:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(Path(pycache.name) / side)
        envs[side] = env
    print(f"bytecode: {'compiled from source in every run' if args.compile else 'cached, as installed'}")
    for case in args.case:
        name, _, url = case.partition("=")
        cmd = [str(BIN), "diff", "--url", url, "--to", args.master, "--format", "json"]
        walls: dict[str, list[float]] = {"before": [], "after": []}
        cpus: dict[str, list[float]] = {"before": [], "after": []}
        for side in ("before", "after"):  # untimed: fills the bytecode cache, warms the OS page cache
            run_once(cmd, envs[side])
        for _ in range(args.rounds):
            for side in ("before", "after"):
                wall, cpu, rc, stderr = run_once(cmd, envs[side])
                if rc not in (0, 1):
                    raise SystemExit(f"{side} {name} failed: {stderr[-400:]}")
                walls[side].append(wall)
                cpus[side].append(cpu)
        for label, data in (("wall", walls), ("cpu", cpus)):
            before = statistics.median(data["before"])
            after = statistics.median(data["after"])
            print(f"{name} {label}: before {before:.3f} s, after {after:.3f} s, after/before {after / before:.3f}")
    pycache.cleanup()
    print("load average:", " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
