"""The unlocated YAML fast path (yaml-rs) gives exactly what the exact path (PyYAML, with positions) gives.

``load_yaml_master(..., locations=False)`` may parse with yaml-rs, a YAML 1.2 parser, while the exact path is
PyYAML's YAML 1.1. These tests pin the contract: equal schemas (``loc`` aside, which is not compared) or the
same located error, for every master in the repository, for synthetic masters, for every plain scalar on
which the two YAML versions disagree, and for generated documents mixing them. They also prove the fast path
is really taken where it should be, so a guard that always says "divergent" would fail here.
"""

from __future__ import annotations

import os
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemaguard.errors import SchemaError
from schemaguard.loaders import yaml_master
from schemaguard.loaders.yaml_master import dump_yaml_master, load_yaml_master
from schemaguard.model import Schema
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
from generate import synthetic_schema

REPO_MASTERS = sorted(
    {*ROOT.glob("schemas/*.yaml"), *ROOT.glob("examples/**/*.yaml"), *ROOT.glob("tests/**/fixtures/**/*.yaml")}
)


def _outcome(text: str, *, locations: bool) -> Schema | tuple[str, int | None, int | None]:
    try:
        return load_yaml_master("master.yaml", text, locations=locations)
    except SchemaError as exc:
        return (exc.problem, exc.line, exc.column)


def _same_both_ways(text: str) -> Schema | tuple[str, int | None, int | None]:
    exact = _outcome(text, locations=True)
    fast = _outcome(text, locations=False)
    assert fast == exact
    return exact


def test_repository_masters_agree_and_take_the_fast_path() -> None:
    assert len(REPO_MASTERS) >= 5
    taken = 0
    for path in REPO_MASTERS:
        text = path.read_text(encoding="utf-8")
        assert isinstance(_same_both_ways(text), Schema), path
        taken += yaml_master._fast_data(text) is not None
    # The project's own master and the fixtures need nothing the guard refuses.
    assert yaml_master._fast_data((ROOT / "schemas" / "master.yaml").read_text(encoding="utf-8")) is not None
    assert taken >= len(REPO_MASTERS) - 2


def test_synthetic_master_fast_path_is_taken_and_equal() -> None:
    text = dump_yaml_master(synthetic_schema(60))
    assert yaml_master._fast_data(text) is not None
    fast = load_yaml_master("big.yaml", text, locations=False)
    exact = load_yaml_master("big.yaml", text)
    assert fast == exact
    # What the flag promises: no locations on the fast path, locations on the exact one.
    assert all(t.loc is None for t in fast.tables)
    assert all(t.loc is not None and t.loc.line > 1 for t in exact.tables)
    assert fast.source == exact.source == "big.yaml"


# Plain scalars read differently by YAML 1.1 (PyYAML) and YAML 1.2 (yaml-rs), or tricky for either.
DIVERGENT = [
    "yes", "no", "on", "Off", "y", "010", "-010", "00", "09", "0o10", "0x1F", "0b101", "1e3", "1.5e3", "1.5e+3",
    "1E-2", "+.5", ".5", "+5", "1_000", "1:20", "1:20.5", "2024-01-01", "2024-01-01 10:00:00", "~", "null", "=",
    ".inf", "-.Inf", "True", "TRUE", "tRUE", "!!str 5", "!!int '7'", "'010'", '"1e3"', "[1, 010]", "{a: 1e3}",
]  # fmt: skip

MASTER = """version: 1
tables:
  t:
    columns:
      id: {{type: integer, primary_key: true}}
      v: {{type: text, default: {value}}}
      w:
        type: text
        comment: {value}
"""


@pytest.mark.parametrize("value", DIVERGENT)
def test_divergent_scalars_give_the_same_result(value: str) -> None:
    _same_both_ways(MASTER.format(value=value))


@pytest.mark.parametrize("value", ["010", "0o10", "1e3", "1.5e3", "+.5", "!!str 5", "{a: 1e3}"])
def test_guard_refuses_text_the_parsers_read_differently(value: str) -> None:
    assert yaml_master._fast_data(MASTER.format(value=value)) is None


@pytest.mark.parametrize("value", ["yes", "Off", "1:20", "2024-01-01", "="])
def test_guard_refuses_strings_pyyaml_would_resolve(value: str) -> None:
    # yaml-rs reads these as strings; PyYAML would not, so the data check sends them to the exact path.
    assert yaml_master._fast_data(MASTER.format(value=value)) is None


def test_plain_agreeing_scalars_stay_on_the_fast_path() -> None:
    # (A quoted 'yes' is refused too: yaml-rs' output cannot tell it from a plain one. That costs speed only.)
    for value in ["0", "12", "-3", "1.5", "true", "hello world", "'active'", "seed 002, phase 1.1"]:
        assert yaml_master._fast_data(MASTER.format(value=value)) is not None, value


def test_keys_are_kept_as_written_on_both_paths() -> None:
    text = "version: 1\ntables:\n  t:\n    columns:\n      on: {type: integer}\n      1: {type: text}\n"
    schema = _same_both_ways(text)
    assert isinstance(schema, Schema)
    assert [c.name for c in schema.tables[0].columns] == ["on", "1"]


BAD = {
    "syntax": "version: 1\ntables:\n  t:\n    columns: [\n",
    "tab": "version: 1\ntables:\n\tt: {}\n",
    "duplicate key": "version: 1\ntables:\n  t:\n    columns:\n      a: {type: text}\n      a: {type: text}\n",
    "unknown key": "version: 1\ntables:\n  t:\n    columns:\n      a: {type: text, colour: red}\n",
    "unknown type": "version: 1\ntables:\n  t:\n    columns:\n      a: {type: texty}\n",
    "missing table": "version: 1\ntables:\n  t:\n    columns:\n      a: {type: text, references: nope.id}\n",
    "merge key": "version: 1\nx: &a {type: text}\ntables:\n  t:\n    columns:\n      a: {<<: *a}\n",
    "two documents": "version: 1\n---\nversion: 1\n",
    "control character": "version: 1\ntables: {}\n# \x07\n",
    "empty column name": "version: 1\ntables:\n  t:\n    columns:\n      '': {type: text}\n",
    "second table invalid": "version: 1\ntables:\n  a:\n    columns:\n      x: {type: text}\n  b: {}\n",
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_errors_are_located_the_same_way(name: str) -> None:
    outcome = _same_both_ways(BAD[name])
    assert isinstance(outcome, tuple), name
    assert outcome[1] is not None, f"{name}: the fast path lost the line: {outcome}"


EXAMPLES = int(os.environ.get("SG_FUZZ_EXAMPLES", "300"))
SCALARS = st.sampled_from([*DIVERGENT, "0", "1", "true", "text", "integer", "varchar(20)", "''", "a b", "x: y"])


@st.composite
def documents(draw: st.DrawFn) -> str:
    lines = ["version: 1", "tables:"]
    for t in range(draw(st.integers(1, 3))):
        lines += [f"  t{t}:", "    columns:", "      id: {type: integer, primary_key: true}"]
        for c in range(draw(st.integers(0, 3))):
            value = draw(SCALARS)
            style = draw(st.sampled_from(["flow", "block", "comment", "key"]))
            if style == "flow":
                lines.append(f"      c{c}: {{type: {draw(SCALARS)}, default: {value}}}")
            elif style == "block":
                lines += [f"      c{c}:", "        type: text", f"        default: {value}"]
            elif style == "comment":
                lines += [f"      c{c}:", "        type: text", f"        comment: {value}"]
            else:
                lines.append(f"      {value}: {{type: text}}")
    return "\n".join(lines) + "\n"


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(text=documents())
def test_generated_documents_agree(text: str) -> None:
    _same_both_ways(text)


def test_fast_path_survives_a_missing_yaml_rs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yaml_master, "_yaml_rs", None)
    text = (ROOT / "schemas" / "master.yaml").read_text(encoding="utf-8")
    assert yaml_master._fast_data(text) is None
    assert load_yaml_master("m.yaml", text, locations=False) == load_yaml_master("m.yaml", text)
