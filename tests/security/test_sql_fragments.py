"""15.3: malformed SQL in a YAML master is refused at load time with file:line:col (it used to render into DDL
that failed only when applied, with exit 0), on the exact and the fast path alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemaguard.errors import SchemaError
from schemaguard.loaders.yaml_master import load_yaml_master
from tests.helpers import run_cli

HEAD = "version: 1\ntables:\n  t:\n    columns:\n      a: {type: integer}\n"
BAD = {
    "default": (HEAD + "      b: {type: timestamptz, default: {sql: 'now('}}\n", 6),
    "check": (HEAD + "    checks:\n      - expression: b >>>= 1 AND\n", 7),
    "two statements": (HEAD + "    checks:\n      - expression: a > 0; DROP TABLE t\n", 7),
    "trailing clause": (HEAD + "    checks:\n      - expression: a > 0 FROM t\n", 7),
    "index where": (HEAD + "    indexes:\n      - {columns: [a], where: 'a >'}\n", 7),
    "index expression": (HEAD + "    indexes:\n      - columns:\n          - {expression: 'lower(a'}\n", 8),
    "generated": (HEAD + "      g: {type: integer, generated: 'a * '}\n", 6),
}
GOOD = [
    "now()",
    "'a'::text",
    "nextval('s'::regclass)",
    "ARRAY[]::text[]",
    "'{}'::jsonb",
    "(data->>'x')",
    "x ~ '^[a-z]+$'",
    "a @> b",
    "CURRENT_TIMESTAMP",
    "to_tsvector('english', coalesce(title, ''))",
]


@pytest.mark.parametrize("name", sorted(BAD))
@pytest.mark.parametrize("locations", [True, False])
def test_malformed_sql_is_refused_with_its_position(name: str, locations: bool) -> None:
    text, line = BAD[name]
    with pytest.raises(SchemaError, match="invalid SQL in ") as exc:
        load_yaml_master("m.yaml", text, locations=locations)
    assert exc.value.line == line and exc.value.column is not None


@pytest.mark.parametrize("expression", GOOD)
def test_valid_postgresql_expressions_load(expression: str) -> None:
    quoted = "'" + expression.replace("'", "''") + "'"
    text = HEAD + f"      b: {{type: text, default: {{sql: {quoted}}}}}\n    checks:\n      - expression: {quoted}\n"
    schema = load_yaml_master("m.yaml", text)
    assert schema.tables[0].checks[0].expression == expression


@pytest.mark.parametrize(
    "command", [["validate"], ["render", "--dialect", "postgresql"], ["render", "--dialect", "sqlite"]]
)
def test_cli_exit_2_one_line(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "schemaguard.toml").write_text('master = "master.yaml"\n', encoding="utf-8")
    (tmp_path / "master.yaml").write_text(BAD["check"][0], encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(command, capsys)
    assert code == 2 and out == ""
    assert err.strip().splitlines() == [err.strip()] and "master.yaml:7:" in err and "invalid SQL in check" in err
