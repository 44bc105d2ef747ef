"""Issue 14 §2 and §5: every user schema is inspected unless a selection is given, objects outside the default
schema are keyed ``schema.name``, and every report says what it compared and what it did not (table line, JSON
``coverage``, ``--strict-coverage``, privileges only on request)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from schemaguard import api
from schemaguard.config import Config
from schemaguard.dialects.postgresql.inspect import select_namespaces
from schemaguard.errors import InspectError
from tests.helpers import diff_json, run_cli

MULTI_SQL = """
CREATE SCHEMA sales;
CREATE SCHEMA sales_archive;
CREATE SCHEMA hr;
CREATE TABLE sales.orders (id int PRIMARY KEY);
CREATE TABLE sales_archive.orders (id int PRIMARY KEY);
CREATE TABLE hr.people (id int PRIMARY KEY, boss int REFERENCES hr.people (id));
CREATE VIEW hr.bosses AS SELECT DISTINCT boss FROM hr.people;
CREATE EXTENSION pg_trgm;
"""


@pytest.fixture
def multi(pg_url: str) -> str:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(MULTI_SQL)  # type: ignore[arg-type]
    return pg_url


def test_every_user_schema_by_default(multi: str) -> None:
    schema = api.inspect_url(multi)
    assert [t.name for t in schema.tables] == ["hr.people", "sales.orders", "sales_archive.orders"]
    assert schema.table("hr.people").foreign_keys[0].ref_table == "hr.people"  # type: ignore[union-attr]
    names = {(o.kind.value, o.name) for o in schema.objects}
    assert {("schema", "hr"), ("schema", "sales"), ("view", "hr.bosses"), ("extension", "pg_trgm")} <= names
    # pg_trgm's functions belong to the extension: none is listed as the database's own.
    assert not [o for o in schema.objects if o.kind.value == "function"]
    assert schema.not_compared == ()


def test_selection_by_list_glob_and_exclusion(multi: str) -> None:
    schema = api.inspect_url(multi, "sales*,!sales_archive")
    assert [t.name for t in schema.tables] == ["sales.orders"]
    left_out = {(e.what, e.reason): e.names for e in schema.not_compared}
    assert left_out[("table", "schema hr not inspected")] == ("hr.people",)
    assert left_out[("view", "schema hr not inspected")] == ("hr.bosses",)
    assert left_out[("table", "schema sales_archive not inspected")] == ("sales_archive.orders",)
    # one schema named: its objects are named bare, as before
    only = api.inspect_url(multi, "sales")
    assert [t.name for t in only.tables] == ["orders"]
    assert api.inspect_url(multi, schemas=["hr"], exclude=[]).tables[0].name == "people"
    assert [t.name for t in api.inspect_url(multi, schemas=["hr", "sales"]).tables] == ["hr.people", "sales.orders"]


def test_select_namespaces_rules() -> None:
    spaces = [("public", False), ("sales", False), ("hr", False), ("ext_owned", True)]
    assert select_namespaces(spaces, None) == ("public", ["hr", "public", "sales"])
    assert select_namespaces(spaces, "sales") == ("sales", ["sales"])
    assert select_namespaces(spaces, "public,sales") == ("public", ["public", "sales"])
    assert select_namespaces(spaces, None, exclude=["h*"]) == ("public", ["public", "sales"])
    with pytest.raises(InspectError, match="'nope' does not exist"):
        select_namespaces(spaces, "nope")


def test_inspect_of_a_database_whose_tables_live_elsewhere_says_so(
    multi: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(["inspect", "--url", multi, "--schema", "public"], capsys)
    assert code == 0
    assert "tables: {}" in out
    assert "no tables in the inspected schemas" in err
    assert "3 tables (schema" not in err  # one entry per schema
    assert "1 table (schema hr not inspected)" in err
    code, out, err = run_cli(["inspect", "--url", multi, "--schema", "public", "--format", "json"], capsys)
    report = json.loads(out)
    assert report["coverage"]["not_compared_total"] == 4
    assert {e["reason"] for e in report["coverage"]["not_compared"]} == {
        "schema hr not inspected",
        "schema sales not inspected",
        "schema sales_archive not inspected",
    }


def test_a_table_outside_public_is_drift(
    multi: str, pg_factory: Callable[[], str], capsys: pytest.CaptureFixture[str]
) -> None:
    other = pg_factory()
    with psycopg.connect(other, autocommit=True) as conn:
        conn.execute(MULTI_SQL.replace("boss int REFERENCES", "boss bigint REFERENCES"))  # type: ignore[arg-type]
    code, report = diff_json(["diff", "--from", other, "--to", multi], capsys)
    assert code == 1
    assert [(c["kind"], c["table"], c["object"]) for c in report["changes"]] == [("column_type", "hr.people", "boss")]
    compared = report["coverage"]["compared"]
    assert compared["table"] == {"desired": 3, "actual": 3}
    assert compared["view"] == {"desired": 1, "actual": 1}
    assert compared["schema"] == {"desired": 3, "actual": 3}


def test_table_output_has_one_coverage_line_and_strict_coverage_fails_on_uncompared(
    multi: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with psycopg.connect(multi, autocommit=True) as conn:
        conn.execute("GRANT SELECT ON hr.people TO PUBLIC")
    code, out, _ = run_cli(["diff", "--from", multi, "--to", multi], capsys)
    assert code == 0
    lines = [line for line in out.splitlines() if line.startswith("compared:")]
    assert len(lines) == 1
    assert "1 view" in lines[0] and "NOT compared: 1 privileges" in lines[0]
    code, _, _ = run_cli(["diff", "--from", multi, "--to", multi, "--strict-coverage"], capsys)
    assert code == 1


def test_privileges_are_compared_on_request(
    multi: str,
    pg_factory: Callable[[], str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    other = pg_factory()
    with psycopg.connect(other, autocommit=True) as conn:
        conn.execute(MULTI_SQL)  # type: ignore[arg-type]
        conn.execute("GRANT SELECT ON hr.people TO PUBLIC")
    # Not asked for: no drift, the grant is listed as not compared.
    report = api.diff(Config(), desired=multi, actual=other)
    assert report.changes == ()
    assert [e.names for _, e in report.coverage.not_compared] == [("hr.people",)]
    # compare = ["privileges"]: the grant is a change.
    (tmp_path / "schemaguard.toml").write_text('compare = ["privileges"]\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    cfg = api.load_config()
    report = api.diff(cfg, desired=multi, actual=other)
    assert [(c.kind.value, c.object) for c in report.changes] == [("privileges_changed", "hr.people")]
    assert report.coverage.not_compared == ()


def test_diff_json_with_coverage_validates_against_the_published_schema(
    multi: str, capsys: pytest.CaptureFixture[str]
) -> None:
    import jsonschema

    from tests.conftest import ROOT

    schema = json.loads((ROOT / "docs" / "diff-report.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    with psycopg.connect(multi, autocommit=True) as conn:
        conn.execute("GRANT SELECT ON hr.people TO PUBLIC")
    _, report = diff_json(["diff", "--from", multi, "--to", multi], capsys)
    jsonschema.validate(report, schema)
    assert report["coverage"]["not_compared"][0]["names"] == ["hr.people"]


def test_compare_privileges_option_and_json_model_round_trip(
    multi: str, pg_factory: Callable[[], str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = pg_factory()
    with psycopg.connect(other, autocommit=True) as conn:
        conn.execute(MULTI_SQL)  # type: ignore[arg-type]
        conn.execute("GRANT SELECT ON hr.bosses TO PUBLIC")
    code, report = diff_json(["diff", "--from", other, "--to", multi, "--compare", "privileges"], capsys)
    assert code == 1
    assert [(c["kind"], c["object"]) for c in report["changes"]] == [("privileges_changed", "hr.bosses")]
    # inspect --format json carries the objects, and loads back as a master with no drift
    code, out, _ = run_cli(["inspect", "--url", multi, "--format", "json"], capsys)
    model = tmp_path / "model.json"
    model.write_text(out, encoding="utf-8")
    code, report = diff_json(["diff", "--from", multi, "--to", str(model)], capsys)
    assert (code, report["changes"]) == (0, [])
    assert report["coverage"]["compared"]["view"] == {"desired": 1, "actual": 1}


def test_hand_written_view_is_compared_in_the_servers_words_through_dev_url(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import PG_ADMIN_URL

    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (id int PRIMARY KEY); CREATE VIEW big AS SELECT id FROM t WHERE id > 1")
    master = tmp_path / "master.yaml"
    master.write_text(
        "version: 1\ntables:\n  t:\n    columns:\n      id: {type: integer, primary_key: true}\n"
        "views:\n  big: {definition: 'select id from t where id>1'}\n",
        encoding="utf-8",
    )
    # Without a development database the author's words differ from the server's: reported, not hidden.
    report = api.diff(Config(), desired=str(master), actual=pg_url)
    assert [c.kind.value for c in report.changes] == ["view_changed"]
    # With dev_url the master is rendered into a scratch database there and read back (Atlas's dev database).
    (tmp_path / "schemaguard.toml").write_text(f'dev_url = "{PG_ADMIN_URL}"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    report = api.diff(api.load_config(), desired=str(master), actual=pg_url)
    assert report.changes == ()
