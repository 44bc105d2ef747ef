"""The loaded-schema cache: a hit returns an equal schema without parsing; any edit or another label misses."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemaguard.loaders import cache as cache_mod
from schemaguard.loaders import load_schema_file
from tests.conftest import ROOT
from tests.helpers import diff_json

MASTER = ROOT / "tests" / "fixtures" / "drift_master.yaml"


def test_cache_hit_miss_and_invalidation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHEMAGUARD_CACHE_DIR", str(tmp_path / "cache"))
    master = tmp_path / "m.yaml"
    master.write_text(MASTER.read_text())
    parsed = []
    real = cache_mod.cached_load

    def counting(kind, label, text, load):  # type: ignore[no-untyped-def]
        def wrapped():  # type: ignore[no-untyped-def]
            parsed.append(label)
            return load()

        return real(kind, label, text, wrapped)

    monkeypatch.setattr(cache_mod, "cached_load", counting)
    first = load_schema_file(master)
    second = load_schema_file(master)
    assert first == second and parsed == [str(master)]  # the second load came from the cache
    assert [t.loc for t in first.tables] == [t.loc for t in second.tables]  # locations survive
    master.write_text(master.read_text().replace("varchar(255)", "varchar(200)"))
    third = load_schema_file(master)
    assert parsed == [str(master), str(master)] and third != first
    assert len(list((tmp_path / "cache").glob("*.pickle"))) == 2


def test_corrupt_cache_entry_is_a_miss(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHEMAGUARD_CACHE_DIR", str(tmp_path / "cache"))
    load_schema_file(MASTER)
    (entry,) = (tmp_path / "cache").glob("*.pickle")
    entry.write_bytes(b"not a pickle")
    assert load_schema_file(MASTER) == load_schema_file(MASTER)


def test_cache_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHEMAGUARD_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("SCHEMAGUARD_NO_CACHE", "1")
    load_schema_file(MASTER)
    assert not (tmp_path / "cache").exists()


def test_fleet_mode_from_the_cli(tmp_path: Path, sqlite_factory, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers import apply_statements, build_from_master

    urls = [sqlite_factory() for _ in range(3)]
    for u in urls:
        build_from_master(u, MASTER)
    apply_statements(urls[1], ["ALTER TABLE messages ADD COLUMN junk text"])
    targets = tmp_path / "targets.txt"
    targets.write_text("# fleet\n" + "\n".join(urls) + "\n")
    code, report = diff_json(["diff", "--to", str(MASTER), "--targets-file", str(targets), "-j", "2"], capsys)
    assert code == 1
    assert report["summary"] == {"targets": 3, "ok": 2, "drift": 1, "error": 0}
    statuses = [(t["target"], t["status"]) for t in report["targets"]]
    assert statuses == [(urls[0], "ok"), (urls[1], "drift"), (urls[2], "ok")]
    drifted = report["targets"][1]["report"]["changes"]
    assert [(c["kind"], c["table"], c["object"]) for c in drifted] == [("column_extra", "messages", "junk")]


def test_entries_written_by_other_code_are_not_served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An editable or git install changes its code without changing its version: the key holds a fingerprint of
    the installed modules, so an entry written by older loading code is a miss, never a stale result."""
    monkeypatch.setenv("SCHEMAGUARD_CACHE_DIR", str(tmp_path / "cache"))
    load_schema_file(MASTER)
    assert len(list((tmp_path / "cache").glob("*.pickle"))) == 1
    monkeypatch.setattr(cache_mod, "_code_fingerprint", lambda: "code edited since")
    load_schema_file(MASTER)
    assert len(list((tmp_path / "cache").glob("*.pickle"))) == 2  # parsed again, stored under a new key


def test_code_fingerprint_follows_edits(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    (pkg / "loaders").mkdir(parents=True)
    module = pkg / "loaders" / "yaml_master.py"
    module.write_text("x = 1\n")
    before = cache_mod._code_fingerprint.__wrapped__(pkg)
    assert cache_mod._code_fingerprint.__wrapped__(pkg) == before
    module.write_text("x = 10\n")
    assert cache_mod._code_fingerprint.__wrapped__(pkg) != before
