"""Process pools for CPU-bound work: the diff's second side and fleet mode.

Loading a master, building an introspected model and comparing are CPU-bound Python: threads overlap only the
database's own time, while a forked process runs on another core and inherits every module already imported
(a spawned one would import them again, ~0.4 s). Forking is used only where it is safe.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any


def fork_allowed() -> bool:
    """Whether work may go to forked processes: POSIX fork, more than one usable CPU, no other thread running
    (forking a threaded process can deadlock the child), and ``SCHEMAGUARD_NO_FORK`` unset.

    Returns:
        True when :func:`fork_pool` may be used.
    """
    import multiprocessing
    import threading

    if os.environ.get("SCHEMAGUARD_NO_FORK") or "fork" not in multiprocessing.get_all_start_methods():
        return False
    return usable_cpus() > 1 and threading.active_count() == 1


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask, which containers and ``taskset`` narrow), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - platforms without sched_getaffinity
        return os.cpu_count() or 1


def fork_pool(
    max_workers: int, initializer: Callable[..., object] | None = None, initargs: tuple[Any, ...] = ()
) -> ProcessPoolExecutor:
    """A ProcessPoolExecutor whose workers are forked (check :func:`fork_allowed` first).

    The workers are forked at the first ``submit``/``map``, before the pool starts its own threads.
    ``initargs`` reach the workers through the fork, not pickled: a loaded Schema costs nothing to hand over.
    Tasks and results are pickled.
    """
    import multiprocessing

    return ProcessPoolExecutor(
        max_workers=max_workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=initializer,
        initargs=initargs,
    )
