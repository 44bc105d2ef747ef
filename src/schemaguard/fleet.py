"""Fleet mode: diff one desired schema against many databases concurrently, with a bounded pool.

The desired side (the master, or ``desired``) is loaded once; every target is then introspected and compared
in a pool of ``workers``: forked processes where :func:`schemaguard.parallel.fork_allowed` says so (building
models and comparing are CPU-bound Python, which threads cannot spread over cores), threads otherwise. Each
target's failure is recorded in its entry and never stops the others. The result keeps the targets in the
order given.

Typical use (what ``schemaguard diff --targets-file FILE`` does)::

    from schemaguard import api
    from schemaguard.fleet import read_targets_file, run_fleet
    from schemaguard.report.fleet_report import render_fleet_json
    cfg = api.load_config()
    result = run_fleet(cfg, read_targets_file("targets.txt"), desired=None, workers=8, with_sql=False)
    print(render_fleet_json(result))

A fleet of thousands of databases outgrows one machine: ``--shard K/N`` (:func:`parse_shard`, :func:`in_shard`)
splits the targets stably across N CI jobs, and ``schemaguard report merge`` joins their JSON reports
(:func:`schemaguard.report.fleet_report.merge_fleet_documents`).
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from schemaguard.errors import ConfigError, SchemaGuardError

if TYPE_CHECKING:
    from schemaguard.api import Source
    from schemaguard.config import Config
    from schemaguard.diff.changes import DiffReport

DEFAULT_WORKERS = 8
"""Default pool size: enough to overlap network round trips without opening too many connections at once."""


@dataclass(frozen=True)
class FleetEntry:
    """The outcome for one target.

    Attributes:
        target: the password-masked URL (or the configured target's name and URL).
        report: the DiffReport, or None when the target failed.
        error: the (masked) error message, or None.
        seconds: wall time spent on this target (introspection + comparison).
    """

    target: str
    report: DiffReport | None
    error: str | None
    seconds: float

    @property
    def status(self) -> str:
        """``"error"``, ``"drift"`` or ``"ok"``."""
        if self.error is not None:
            return "error"
        return "drift" if self.report is not None and self.report.drift else "ok"


@dataclass(frozen=True)
class FleetResult:
    """The outcome for the whole fleet.

    Attributes:
        desired: label of the desired side.
        entries: one entry per target, in the order the targets were given.
        workers: the pool size used.
        seconds: wall time of the whole run (desired side loaded once, then every target).
    """

    desired: str
    entries: tuple[FleetEntry, ...]
    workers: int
    seconds: float

    @property
    def drifted(self) -> int:
        """Number of targets with drift."""
        return sum(1 for e in self.entries if e.status == "drift")

    @property
    def errors(self) -> int:
        """Number of targets that could not be compared."""
        return sum(1 for e in self.entries if e.status == "error")

    @property
    def exit_code(self) -> int:
        """2 if any target failed, else 1 if any drifted, else 0 (the CLI's exit-code contract)."""
        if self.errors:
            return 2
        return 1 if self.drifted else 0

    def to_dict(self) -> dict[str, Any]:
        """The JSON report: ``{"desired", "workers", "seconds", "summary": {"targets", "ok", "drift", "error"},
        "targets": [{"target", "status", "seconds", "error"?, "report"?}]}`` where ``report`` is the per-target
        ``DiffReport.to_dict()``."""
        targets = []
        for e in self.entries:
            item: dict[str, Any] = {"target": e.target, "status": e.status, "seconds": round(e.seconds, 4)}
            if e.error is not None:
                item["error"] = e.error
            if e.report is not None:
                item["report"] = e.report.to_dict()
            targets.append(item)
        return {
            "desired": self.desired,
            "workers": self.workers,
            "seconds": round(self.seconds, 4),
            "summary": {
                "targets": len(self.entries),
                "ok": len(self.entries) - self.drifted - self.errors,
                "drift": self.drifted,
                "error": self.errors,
            },
            "targets": targets,
        }


def parse_shard(text: str) -> tuple[int, int]:
    """``"K/N"`` (1-based: shard K of N) as ``(K, N)``.

    Raises:
        ConfigError: not of the form K/N with 1 <= K <= N.
    """
    k_text, sep, n_text = text.partition("/")
    if sep and k_text.strip().isdigit() and n_text.strip().isdigit():
        k, n = int(k_text), int(n_text)
        if 1 <= k <= n:
            return k, n
    raise ConfigError(f"--shard takes K/N with 1 <= K <= N (shard K of N), got {text!r}")


def in_shard(entry: str, shard: tuple[int, int] | None) -> bool:
    """True when the target ``entry`` (its line in the targets file, before ``${VAR}`` expansion, or a target
    name) belongs to ``shard`` = (K, N). The split is a hash of the entry, not of its position: every entry
    lands in exactly one of the N shards, and adding or removing other targets never moves it to another."""
    if shard is None:
        return True
    k, n = shard
    digest = hashlib.sha256(entry.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % n == k - 1


def read_targets_file(path: str | Path, shard: tuple[int, int] | None = None) -> list[str]:
    """The target URLs of a targets file: one per line; blank lines and ``#`` comments are skipped,
    ``${VAR}`` references are expanded from the environment.

    Args:
        path: the targets file.
        shard: ``(K, N)`` to keep only the entries of shard K of N (:func:`in_shard`); such a shard may be
            empty when the file lists few targets.

    Raises:
        ConfigError: the file cannot be read, holds no target, or names an unset environment variable.
    """
    from schemaguard.config import expand_env

    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read targets file {p}: {exc.strerror}") from None
    urls = []
    any_entry = False
    for lineno, line in enumerate(text.splitlines(), 1):
        entry = line.split("#", 1)[0].strip() if line.lstrip().startswith("#") else line.strip()
        if entry:
            any_entry = True
            if in_shard(entry, shard):
                urls.append(expand_env(entry, f"{p}:{lineno}"))
    if not any_entry:
        raise ConfigError(f"targets file {p} lists no database URL")
    return urls


def configured_targets(config: Config, shard: tuple[int, int] | None = None) -> list[str]:
    """The URLs of every target in the configuration (``[targets.*]``), in name order; with ``shard``, only
    the targets whose name falls in that shard (:func:`in_shard`).

    Raises:
        ConfigError: no target is configured, or a URL names an unset environment variable.
    """
    if not config.targets:
        raise ConfigError("no targets configured: add [targets.NAME] sections or pass --targets-file FILE")
    return [config.resolve_url(name)[0] for name in sorted(config.targets) if in_shard(name, shard)]


def run_fleet(
    config: Config,
    urls: list[str],
    *,
    desired: str | None = None,
    workers: int = DEFAULT_WORKERS,
    with_sql: bool = False,
    allow_empty: bool = False,
) -> FleetResult:
    """Diff the desired schema against every database in ``urls``, ``workers`` at a time.

    Args:
        config: the configuration (ignore patterns, namespace, master location).
        urls: database URLs (``sqlite:///...``, ``postgresql://...``); duplicates are compared once each time
            they appear.
        desired: a schema file or URL for the desired side (default: the configured master).
        workers: pool size, at least 1 (capped at the number of targets).
        with_sql: also plan the SQL per target (``report.sql``).
        allow_empty: accept an empty ``urls`` (an empty shard): the desired side is still loaded and checked.

    Returns:
        FleetResult with one entry per URL in the given order: a DiffReport, or the error message of a
        target that failed (unreachable, wrong dialect...).

    Raises:
        ConfigError: ``workers`` < 1 or ``urls`` is empty.
        SchemaError, ConnectionFailed: the desired side cannot be loaded (nothing is compared then).
    """
    from schemaguard import api

    if workers < 1:
        raise ConfigError(f"--workers must be at least 1, got {workers}")
    if not urls and not allow_empty:
        raise ConfigError("no target databases given")
    t0 = time.perf_counter()
    d_src = api.desired_source(desired, config)
    if not urls:
        return FleetResult(d_src.label, (), 0, time.perf_counter() - t0)
    pool_size = min(workers, len(urls))
    from schemaguard.parallel import fork_allowed

    if pool_size > 1 and fork_allowed():
        entries = _run_in_processes(urls, d_src, config, with_sql, pool_size)
    else:
        with ThreadPoolExecutor(max_workers=pool_size, thread_name_prefix="schemaguard-fleet") as pool:
            entries = tuple(pool.map(lambda url: _one(url, d_src, config, with_sql), urls))
    return FleetResult(d_src.label, entries, pool_size, time.perf_counter() - t0)


_WORKER: tuple[Source, Config, bool] | None = None
"""The desired side, configuration and SQL flag of this fleet worker process (set by :func:`_init_worker`)."""


def _init_worker(desired: Source, config: Config, with_sql: bool) -> None:
    global _WORKER
    _WORKER = (desired, config, with_sql)


def _chunk_in_worker(chunk: list[tuple[int, str]], threads: int) -> list[tuple[int, FleetEntry]]:
    assert _WORKER is not None, "fleet worker not initialised"
    desired, config, with_sql = _WORKER
    if threads == 1:
        return [(i, _one(url, desired, config, with_sql)) for i, url in chunk]
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="schemaguard-fleet") as pool:
        return list(pool.map(lambda item: (item[0], _one(item[1], desired, config, with_sql)), chunk))


def _run_in_processes(
    urls: list[str], desired: Source, config: Config, with_sql: bool, pool_size: int
) -> tuple[FleetEntry, ...]:
    """Compare the targets in one forked process per usable CPU, each running ``pool_size / processes`` threads:
    processes spread the CPU-bound model building and comparing over the cores, threads overlap the waits on
    remote servers, and ``pool_size`` targets are still compared at once. Entries come in the order of ``urls``.

    What every target needs (connection stack, inspectors, differ) is imported here first, so the workers
    inherit it through the fork instead of importing it each; the desired schema reaches them the same way.
    Only URLs and the (small) entries are pickled. Targets of a worker that dies become error entries.
    """
    import importlib
    from concurrent.futures.process import BrokenProcessPool

    from schemaguard.db import dialect_name, is_url, mask_url
    from schemaguard.dialects import get_dialect
    from schemaguard.parallel import fork_pool, usable_cpus

    names = set()
    for u in urls:
        # An unsupported URL fails in its own entry, not here for the whole fleet.
        with contextlib.suppress(SchemaGuardError):
            names.add(dialect_name(u) if is_url(u) else None)
    for name in sorted(n for n in names if n):
        get_dialect(name).import_connection_modules()
    importlib.import_module("schemaguard.diff.differ")
    processes = min(pool_size, usable_cpus())
    threads = -(-pool_size // processes)
    indexed = list(enumerate(urls))
    # Several small chunks per process even out fast and slow targets.
    chunks = [indexed[k :: processes * 4] for k in range(processes * 4) if indexed[k :: processes * 4]]
    entries: list[FleetEntry | None] = [None] * len(urls)
    with fork_pool(processes, _init_worker, (desired, config, with_sql)) as pool:
        futures = [(chunk, pool.submit(_chunk_in_worker, chunk, threads)) for chunk in chunks]
        for chunk, future in futures:
            try:
                for i, entry in future.result():
                    entries[i] = entry
            except BrokenProcessPool:
                for i, url in chunk:
                    entries[i] = FleetEntry(mask_url(url), None, "the worker process comparing it died", 0.0)
    return tuple(e for e in entries if e is not None)


def _one(url: str, desired: Source, config: Config, with_sql: bool) -> FleetEntry:
    from schemaguard import api
    from schemaguard.db import mask, mask_url

    label = mask_url(url)
    t0 = time.perf_counter()
    try:
        actual = api.load_source(url, config)
        report = api.diff_sources(desired, actual, config, with_sql=with_sql)
    except SchemaGuardError as exc:
        return FleetEntry(label, None, mask(str(exc)), time.perf_counter() - t0)
    except Exception as exc:  # one target's failure is its row, never the whole fleet's (the type says what)
        return FleetEntry(label, None, mask(f"{type(exc).__name__}: {exc}"), time.perf_counter() - t0)
    return FleetEntry(label, report, None, time.perf_counter() - t0)


# The renderers live with the other reports; these names stay importable from here.
from schemaguard.report.fleet_report import render_fleet_json, render_fleet_table  # noqa: E402

__all__ = [
    "FleetEntry",
    "FleetResult",
    "configured_targets",
    "in_shard",
    "parse_shard",
    "read_targets_file",
    "render_fleet_json",
    "render_fleet_table",
    "run_fleet",
]
