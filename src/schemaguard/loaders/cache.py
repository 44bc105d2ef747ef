"""A cache of loaded schema files, keyed by content: a master that did not change is not parsed again.

Parsing a 1,000-table YAML master costs about half a second; unpickling the loaded Schema costs a few
milliseconds. Entries are keyed by the SHA-256 of (schemaguard version, a fingerprint of its installed code, loader, label,
file text), so any edit of the master or of schemaguard, any upgrade or a different path misses. The cache lives in ``$SCHEMAGUARD_CACHE_DIR``, else
``$XDG_CACHE_HOME/schemaguard``, else ``~/.cache/schemaguard``, created private to the user (0700) because
pickles must only ever be read from a place only the user can write. ``SCHEMAGUARD_NO_CACHE=1`` turns it off.
Any problem with the cache (unwritable, corrupt, old format) is a miss, never an error.

A pickle runs code when loaded, so an entry is read only from a folder that is the caller's own: not a symbolic
link, owned by the caller, writable by nobody else; and only from an entry file that is itself a regular file
owned by the caller and writable by nobody else. The folder is opened once and every entry is opened and
replaced relative to that open folder (``dir_fd``, ``O_NOFOLLOW``), so renaming folders around the checks
changes nothing. A folder failing the checks is not used at all (every load parses). JSON (``schema_to_dict``)
would need no such care, but it drops source locations and loads about 1.3x slower than the pickle at 5,000 tables (bench/generate.py's synthetic
schema: 1.21 s against 0.91 s of CPU time, best of 9, both runs alike on this 2-core machine).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import secrets
import stat
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


@functools.cache
def _code_fingerprint(root: Path = Path(__file__).resolve().parent.parent) -> str:
    """A digest of the path, size and modification time of every module of the installed package.

    The version alone does not change when an editable or git install is updated (or a developer edits a
    loader), and an entry written by older loading code must never be served to newer code: it would hide a
    fix (a check the new code makes) behind the old result. About 150 ``stat`` calls, once per process.
    """
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        with contextlib.suppress(OSError):
            st = path.stat()
            h.update(f"{path.relative_to(root)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def _key(kind: str, label: str, text: str) -> str:
    h = hashlib.sha256()
    for part in (__version__, _code_fingerprint(), str(_FORMAT), kind, label):
        h.update(part.encode("utf-8", "surrogatepass") + b"\0")
    h.update(text.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def _private(st: os.stat_result, kind: int) -> bool:
    """Whether ``st`` is of file type ``kind``, owned by the caller and writable by nobody else."""
    return stat.S_IFMT(st.st_mode) == kind and st.st_uid == os.getuid() and not st.st_mode & 0o022


def _open_folder(folder: Path) -> int | None:
    """A descriptor of the cache folder (created 0700 when missing), or None when it is not private."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return None  # includes a symbolic link (O_NOFOLLOW) and a file in the way
    if _private(os.fstat(fd), stat.S_IFDIR):
        return fd
    os.close(fd)
    return None


def _read(dir_fd: int, name: str) -> Schema | None:
    """The entry ``name`` if it exists and is private to the caller (then unpickled), else None."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=dir_fd)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        if not _private(os.fstat(fh.fileno()), stat.S_IFREG):
            return None
        try:
            schema = pickle.load(fh)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
            return None
    return schema if isinstance(schema, Schema) else None


def _write(dir_fd: int, name: str, schema: Schema) -> None:
    """Write the entry atomically: a new private file beside it, then renamed over it."""
    tmp = f".{name}.{secrets.token_hex(8)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=dir_fd)
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(schema, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp, dir_fd=dir_fd)
        raise


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
    dir_fd = _open_folder(folder)
    if dir_fd is None:
        return load()
    try:
        name = f"{_key(kind, label, text)}.pickle"
        schema = _read(dir_fd, name)
        if schema is not None:
            return schema
        schema = load()
        with contextlib.suppress(OSError):
            _write(dir_fd, name, schema)
        return schema
    finally:
        os.close(dir_fd)
