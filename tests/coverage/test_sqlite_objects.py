"""Issue 14 on SQLite: views, triggers and STRICT / WITHOUT ROWID tables are inspected, compared, rendered and
planned. The real database is sakila's SQLite port (tests/corpus/sql/sakila.sqlite.sql: 16 tables, 5 views,
30 triggers), which round-tripped through inspect → render with every view and trigger dropped and "no drift"
reported before this work."""

from __future__ import annotations

import shutil
import sqlite3
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from schemaguard import api
from schemaguard.dialects import get_dialect
from schemaguard.diff.differ import diff_schemas
from schemaguard.loaders.yaml_master import dump_yaml_master, load_yaml_master
from schemaguard.model import Schema
from tests.conftest import CORPUS
from tests.helpers import apply_statements, sqlite_file

LITE = get_dialect("sqlite")


@pytest.fixture
def sakila(sqlite_factory: Callable[[], str]) -> str:
    url = sqlite_factory()
    con = sqlite3.connect(sqlite_file(url))
    con.executescript((CORPUS / "sql" / "sakila.sqlite.sql").read_text(encoding="utf-8-sig"))
    con.executescript(
        "CREATE TABLE settings (k TEXT PRIMARY KEY, v TEXT) STRICT, WITHOUT ROWID;"
        "CREATE TABLE strict_only (id INTEGER PRIMARY KEY, n INT) STRICT;"
    )
    con.close()
    return url


def _copy(url: str, sqlite_factory: Callable[[], str]) -> str:
    other = sqlite_factory()
    shutil.copy(sqlite_file(url), sqlite_file(other))
    return other


def test_sakila_views_triggers_and_table_options_round_trip(
    sakila: str, sqlite_factory: Callable[[], str], tmp_path: Path
) -> None:
    schema = api.inspect_url(sakila)
    kinds = Counter(o.kind.value for o in schema.objects)
    assert kinds == {"view": 5, "trigger": 30, "table_options": 2}
    master = tmp_path / "master.yaml"
    master.write_text(dump_yaml_master(schema), encoding="utf-8")
    target = sqlite_factory()
    apply_statements(target, api.render(load_yaml_master(str(master)), "sqlite"))
    rebuilt = api.inspect_url(target)
    assert diff_schemas(schema, rebuilt, LITE) == []
    assert Counter(o.kind.value for o in rebuilt.objects) == kinds


PLANTS = [
    ("trigger_dropped", "DROP TRIGGER actor_trigger_ai", ("trigger_missing", "actor", "actor_trigger_ai")),
    (
        "view_redefined",
        "DROP VIEW staff_list; CREATE VIEW staff_list AS SELECT staff_id FROM staff",
        ("view_changed", None, "staff_list"),
    ),
    ("view_dropped", "DROP VIEW sales_by_store", ("view_missing", None, "sales_by_store")),
    (
        "trigger_added",
        "CREATE TRIGGER extra_trigger AFTER DELETE ON actor BEGIN SELECT 1; END",
        ("trigger_extra", "actor", "extra_trigger"),
    ),
]


@pytest.mark.parametrize(("sql", "expected"), [pytest.param(s, e, id=i) for i, s, e in PLANTS])
def test_planted_change_is_found_and_the_plan_converges(
    sql: str, expected: tuple[str, str | None, str], sakila: str, sqlite_factory: Callable[[], str]
) -> None:
    desired: Schema = api.inspect_url(sakila)
    url = _copy(sakila, sqlite_factory)
    con = sqlite3.connect(sqlite_file(url))
    con.executescript(sql)
    con.close()
    actual = api.inspect_url(url)
    changes = diff_schemas(desired, actual, LITE)
    assert [(c.kind.value, c.table, c.object) for c in changes] == [expected]
    apply_statements(url, LITE.plan(changes, desired, actual))
    assert diff_schemas(desired, api.inspect_url(url), LITE) == []


def test_strict_dropped_is_a_table_options_change(sakila: str, sqlite_factory: Callable[[], str]) -> None:
    desired = api.inspect_url(sakila)
    url = _copy(sakila, sqlite_factory)
    con = sqlite3.connect(sqlite_file(url))
    con.executescript("DROP TABLE strict_only; CREATE TABLE strict_only (id INTEGER PRIMARY KEY, n INT);")
    con.close()
    changes = diff_schemas(desired, api.inspect_url(url), LITE)
    assert [(c.kind.value, c.object) for c in changes] == [("table_options_changed", "strict_only")]


def test_postgresql_only_objects_of_a_master_are_not_compared_on_sqlite(sakila: str, tmp_path: Path) -> None:
    # A master declaring a function, compared with SQLite: reported as not compared (the dialect has none),
    # never as missing, and never silently.
    schema = api.inspect_url(sakila)
    master = tmp_path / "master.yaml"
    text = dump_yaml_master(schema) + "functions:\n  add_one(x integer):\n    definition: SELECT 1\n"
    master.write_text(text, encoding="utf-8")
    from schemaguard.config import Config

    report = api.diff(Config(), desired=str(master), actual=sakila)
    assert report.changes == ()
    assert report.coverage is not None
    entries = [(side, e.what, e.names) for side, e in report.coverage.not_compared]
    assert entries == [("desired", "function", ("add_one(x integer)",))]
