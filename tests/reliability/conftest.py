"""Reliability suite: reports how many fuzz cases ran (the figure docs/guarantees.md quotes)."""

from __future__ import annotations

from typing import Any

from tests.reliability._support import FUZZ_CASES


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the fuzz-case counts per target and in total."""
    if not FUZZ_CASES:
        return
    terminalreporter.section("schemaguard fuzz cases")
    for name, n in sorted(FUZZ_CASES.items()):
        terminalreporter.write_line(f"{name}: {n}")
    terminalreporter.write_line(f"total: {sum(FUZZ_CASES.values())}")
