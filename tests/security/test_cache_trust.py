"""16.3: the loaded-schema cache never unpickles a file another user could have planted."""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

import pytest

from schemaguard.loaders import cache as cache_mod
from schemaguard.loaders import load_schema_file

MASTER = "version: 1\ntables:\n  t:\n    columns:\n      id: {type: text, primary_key: true}\n"


class _Payload:
    """Unpickling this creates the file ``marker``: proof that a planted pickle ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (open, (str(self.marker), "w"))


def _plant(folder: Path, master: Path, marker: Path, mode: int = 0o600) -> Path:
    entry = folder / f"{cache_mod._key('yaml', str(master), MASTER)}.pickle"
    entry.write_bytes(pickle.dumps(_Payload(marker)))
    entry.chmod(mode)
    return entry


def _setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, folder_mode: int) -> tuple[Path, Path, Path]:
    folder = tmp_path / "cache"
    folder.mkdir()
    folder.chmod(folder_mode)
    monkeypatch.setenv("SCHEMAGUARD_CACHE_DIR", str(folder))
    master = tmp_path / "m.yaml"
    master.write_text(MASTER)
    return folder, master, tmp_path / "pwned"


@pytest.mark.parametrize("mode", [0o777, 0o770, 0o1777])
def test_a_shared_folder_is_not_used(mode: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder, master, marker = _setup(tmp_path, monkeypatch, mode)
    _plant(folder, master, marker)
    schema = load_schema_file(master)
    assert not marker.exists(), "a pickle planted in a shared folder ran"
    assert schema.tables[0].name == "t"
    assert [p.name for p in folder.iterdir()] != [] and len(list(folder.iterdir())) == 1  # nothing written there


@pytest.mark.parametrize("mode", [0o666, 0o620])
def test_a_planted_entry_writable_by_others_is_not_read(
    mode: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, master, marker = _setup(tmp_path, monkeypatch, 0o700)
    _plant(folder, master, marker, mode)
    assert load_schema_file(master).tables[0].name == "t"
    assert not marker.exists()


def test_a_symlinked_folder_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real, master, marker = _setup(tmp_path, monkeypatch, 0o700)
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    monkeypatch.setenv("SCHEMAGUARD_CACHE_DIR", str(link))
    _plant(real, master, marker)
    assert load_schema_file(master).tables[0].name == "t"
    assert not marker.exists()


def test_a_symlinked_entry_is_not_followed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder, master, marker = _setup(tmp_path, monkeypatch, 0o700)
    elsewhere = _plant(tmp_path, master, marker)
    (folder / elsewhere.name).symlink_to(elsewhere)
    assert load_schema_file(master).tables[0].name == "t"
    assert not marker.exists()


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="chown to another user needs root")
def test_a_folder_owned_by_another_user_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder, master, marker = _setup(tmp_path, monkeypatch, 0o700)
    entry = _plant(folder, master, marker)
    os.chown(folder, 65534, 65534)
    assert load_schema_file(master).tables[0].name == "t"
    assert not marker.exists()
    os.chown(folder, 0, 0)
    os.chown(entry, 65534, 65534)  # a private folder, but the entry is someone else's
    assert load_schema_file(master).tables[0].name == "t"
    assert not marker.exists()


def test_the_caller_s_own_cache_still_hits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder, master, _ = _setup(tmp_path, monkeypatch, 0o700)
    first = load_schema_file(master)
    (entry,) = folder.glob("*.pickle")
    assert entry.stat().st_mode & 0o777 == 0o600
    calls: list[int] = []
    assert cache_mod.cached_load("yaml", str(master), MASTER, lambda: calls.append(1)) == first  # type: ignore[arg-type,func-returns-value]
    assert calls == []
