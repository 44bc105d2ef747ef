"""Pause the cyclic garbage collector while building large schema trees.

Loading a 5,000-table master or introspecting as many tables creates about a million small objects without
reference cycles; the collector would re-scan them again and again (measured: 60% of the load time). Reference
counting still frees everything as usual; the collector is switched back on afterwards if it was on.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Disable the cyclic GC for the block (re-enabled afterwards only if it was enabled before)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
