"""A cache of loaded schema files, keyed by content: a master that did not change is not parsed again.

Parsing a 1,000-table YAML master costs about half a second; unpickling the loaded Schema costs a few
milliseconds. Entries are keyed by the SHA-256 of (schemaguard version, loader, label, file text), so any edit,
upgrade or different path misses. The cache lives in ``$SCHEMAGUARD_CACHE_DIR``, else
``$XDG_CACHE_HOME/schemaguard``, else ``~/.cache/schemaguard``, created private to the user (0700) because
pickles must only ever be read from a place only the user can write. ``SCHEMAGUARD_NO_CACHE=1`` turns it off.
Any problem with the cache (unwritable, corrupt, old format) is a miss, never an error.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path

from schemaguard import __version__
from schemaguard.model import Schema

_FORMAT = 2  # 2: model objects pickle as (class, field values)


def cache_dir() -> Path | None:
    """The cache folder, or None when caching is turned off."""
    if os.environ.get("SCHEMAGUARD_NO_CACHE"):
        return None
    base = os.environ.get("SCHEMAGUARD_CACHE_DIR")
    if base:
        return Path(base)
    xdg = os.environ.get("XDG_CACHE_HOME")
    root = Path(xdg) if xdg else Path.home() / ".cache"
    return root / "schemaguard"


def _key(kind: str, label: str, text: str) -> str:
    h = hashlib.sha256()
    for part in (__version__, str(_FORMAT), kind, label):
        h.update(part.encode("utf-8", "surrogatepass") + b"\0")
    h.update(text.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def cached_load(kind: str, label: str, text: str, load: Callable[[], Schema]) -> Schema:
    """``load()``'s result, from the cache when the same text was loaded before under the same label.

    Args:
        kind: the loader (``yaml``, ``prisma``...), part of the key.
        label: the name used in source locations and errors, part of the key (locations embed it).
        text: the file's content.
        load: parses ``text``; its exceptions propagate and nothing is cached for them.
    """
    folder = cache_dir()
    if folder is None:
        return load()
    entry = folder / f"{_key(kind, label, text)}.pickle"
    try:
        with entry.open("rb") as fh:
            schema = pickle.load(fh)
        if isinstance(schema, Schema):
            return schema
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        pass
    schema = load()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(schema, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, entry)
    except OSError:
        pass
    return schema
