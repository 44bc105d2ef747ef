"""16.5 and 16.8 (YAML): anchors/aliases ("billion laughs") and deep nesting are refused with file:line:col."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from schemaguard.errors import SchemaError
from schemaguard.loaders import yaml_master
from schemaguard.loaders.yaml_master import load_yaml_master
from tests.helpers import run_cli


def billion_laughs() -> str:
    """Nine levels of nine aliases: 9**9 strings once expanded, in about 500 bytes."""
    lines = ["version: 1", 'x0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"x{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    text = "\n".join([*lines, "tables: {}"]) + "\n"
    assert len(text.encode()) <= 512
    return text


def _project(tmp_path: Path, text: str) -> Path:
    (tmp_path / "schemaguard.toml").write_text('master = "master.yaml"\ndialect = "sqlite"\n')
    master = tmp_path / "master.yaml"
    master.write_text(text, encoding="utf-8")
    return master


@pytest.mark.parametrize("command", [["validate"], ["diff", "--from", "master.yaml", "--to", "master.yaml"]])
def test_billion_laughs_is_refused_at_once(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _project(tmp_path, billion_laughs())
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SCHEMAGUARD_NO_CACHE", "1")
    start = time.perf_counter()
    code, _, err = run_cli(command, capsys)
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0, f"{command[0]} took {elapsed:.1f} s on a 500-byte master"
    assert code == 2
    assert err.strip().splitlines() == [err.strip()] and "master.yaml:2:5: YAML anchors and aliases" in err


@pytest.mark.parametrize(
    "text",
    [
        "version: 1\nx: &a {type: text}\ntables: {}\n",  # an anchor alone
        "version: 1\ntables:\n  t:\n    columns:\n      a: &c {type: text}\n      b: *c\n",
        "&top\nversion: 1\ntables: {}\n",
        "version: 1\r&x y: 1\rtables: {}\n",
        "version: 1\ntables: {t: {columns: {a: {type: text, comment: &c x}, b: {type: text, comment: *c}}}}\n",
    ],
)
def test_anchors_never_take_the_fast_path(text: str) -> None:
    """yaml-rs expands aliases itself: the guard sends anything that may hold one to the exact path."""
    assert yaml_master._fast_data(text) is None
    with pytest.raises(SchemaError, match="anchors and aliases") as exc:
        load_yaml_master("m.yaml", text, locations=False)
    assert exc.value.line is not None and exc.value.column is not None


def test_an_asterisk_inside_a_value_is_still_data() -> None:
    text = "version: 1\ntables:\n  t:\n    columns:\n      a: {type: integer}\n    checks:\n      - expression: a * 2 > 0\n"
    schema = load_yaml_master("m.yaml", text)
    assert schema.tables[0].checks[0].expression == "a * 2 > 0"


NESTED = {
    "flow": "version: 1\ntables: " + "[" * 5000 + "]" * 5000 + "\n",
    "dashes": "version: 1\ntables:\n  " + "- " * 5000 + "x\n",
    "indented": "version: 1\ntables:\n" + "".join(" " * (i + 1) + f"k{i}:\n" for i in range(3000)),
    "default": "version: 1\ntables:\n  t:\n    columns:\n      a: {type: text, default: "
    + "[" * 200
    + "]" * 200
    + "}\n",
}


@pytest.mark.parametrize("name", sorted(NESTED))
@pytest.mark.parametrize("locations", [True, False])
def test_deep_nesting_is_one_located_error(name: str, locations: bool) -> None:
    with pytest.raises(SchemaError, match="nesting deeper than 64 levels") as exc:
        load_yaml_master("m.yaml", NESTED[name], locations=locations)
    assert exc.value.line is not None and exc.value.column is not None


def test_deep_nesting_from_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _project(tmp_path, NESTED["dashes"])
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(["validate"], capsys)
    assert code == 2 and "master.yaml:3:" in err and "Traceback" not in err


def test_a_changelog_entry_bomb_is_refused(tmp_path: Path) -> None:
    from schemaguard.migrate.changelog import read_entries

    (tmp_path / "0001_x.yaml").write_text(billion_laughs().replace("tables: {}", "revision: '0001'"))
    start = time.perf_counter()
    with pytest.raises(SchemaError, match="anchors and aliases") as exc:
        read_entries(tmp_path)
    assert time.perf_counter() - start < 1.0 and exc.value.line == 2
