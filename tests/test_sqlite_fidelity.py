"""SQLite fidelity: what an adversarial tester found missed or phantom on real SQLite files.

Each case builds real SQLite files: a database is inspected, rendered into a fresh file and compared (no drift);
a difference planted by SQL is reported as exactly that change; where the planner is involved, the plan is applied
and the database converges (and the reverse plan converges back). Sources: https://www.sqlite.org/lang_createtable.html,
https://www.sqlite.org/gencol.html, https://www.sqlite.org/datatype3.html#collation,
https://www.sqlite.org/stricttables.html, https://www.sqlite.org/withoutrowid.html
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from schemaguard import api
from schemaguard.dialects import get_dialect
from schemaguard.diff.changes import Change
from schemaguard.diff.differ import diff_schemas
from schemaguard.loaders.yaml_master import dump_yaml_master, load_yaml_master
from schemaguard.migrate.planner import plan
from schemaguard.model import Schema
from tests.helpers import apply_statements, sqlite_file

LITE = get_dialect("sqlite")


def _db(factory: Callable[[], str], script: str) -> str:
    url = factory()
    con = sqlite3.connect(sqlite_file(url))
    con.executescript(script)
    con.close()
    return url


def _stored_sql(url: str, table: str) -> str:
    con = sqlite3.connect(sqlite_file(url))
    try:
        (sql,) = con.execute("SELECT sql FROM sqlite_schema WHERE name = ?", (table,)).fetchone()
    finally:
        con.close()
    return str(sql)


def _round_trip(script: str, factory: Callable[[], str], tmp_path: Path) -> tuple[Schema, str]:
    """Inspect ``script``'s database, write it as a YAML master, render that into a fresh file: no drift both ways
    (the inspected schema against the copy, and the master against the copy). Returns the schema and the copy."""
    schema = api.inspect_url(_db(factory, script))
    master = tmp_path / "master.yaml"
    master.write_text(dump_yaml_master(schema), encoding="utf-8")
    loaded = load_yaml_master(str(master))
    copy = factory()
    apply_statements(copy, api.render(loaded, "sqlite"))
    rebuilt = api.inspect_url(copy)
    assert diff_schemas(schema, rebuilt, LITE, desired_syntax="sqlite") == []
    assert diff_schemas(loaded, rebuilt, LITE) == []
    return schema, copy


def _changes(desired: str, actual: str, factory: Callable[[], str]) -> tuple[list[Change], Schema, Schema, str]:
    d_url, a_url = _db(factory, desired), _db(factory, actual)
    d, a = api.inspect_url(d_url), api.inspect_url(a_url)
    return diff_schemas(d, a, LITE, desired_syntax="sqlite"), d, a, a_url


def _summary(changes: list[Change]) -> list[tuple[str, str | None, str | None]]:
    return [(c.kind.value, c.table, c.object) for c in changes]


def _converges(desired: str, actual: str, factory: Callable[[], str]) -> list[Change]:
    """Plan ``actual`` → ``desired``, apply, no drift; then the reverse plan, applied, gives ``actual`` back."""
    changes, d, a, url = _changes(desired, actual, factory)
    assert changes
    p = plan(changes, d, a, LITE)
    apply_statements(url, p.statements())
    assert diff_schemas(d, api.inspect_url(url), LITE, desired_syntax="sqlite") == []
    apply_statements(url, p.reverse().statements())
    assert diff_schemas(a, api.inspect_url(url), LITE, desired_syntax="sqlite") == []
    return changes


# --- 1. column collations ---------------------------------------------------------------------------------------

COLLATED = (
    "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT COLLATE NOCASE NOT NULL, code TEXT COLLATE RTRIM, "
    'name TEXT COLLATE "nocase", plain TEXT COLLATE BINARY);'
    "CREATE INDEX users_email ON users (email);"
    "CREATE INDEX users_name_binary ON users (name COLLATE BINARY);"
    "INSERT INTO users (email, code, name) VALUES ('A@x', 'c', 'n');"
)


def test_collations_are_inspected_rendered_and_round_trip(sqlite_factory: Callable[[], str], tmp_path: Path) -> None:
    schema, copy = _round_trip(COLLATED, sqlite_factory, tmp_path)
    (coll,) = [o for o in schema.objects if o.kind.value == "collation"]
    # BINARY is the default: an explicit COLLATE BINARY is no difference; names are case-insensitive.
    assert (coll.name, coll.attributes) == ("users", (("code", "RTRIM"), ("email", "NOCASE"), ("name", "NOCASE")))
    users = schema.table("users")
    assert users is not None
    ix = {i.name: i for i in users.indexes}
    # An index on a collated column uses the column's collation: it is a plain column index...
    assert ix["users_email"].columns == ("email",)
    # ...and one that names another collation is an expression.
    assert ix["users_name_binary"].parts[0].expression == '"name" COLLATE BINARY'
    assert "COLLATE" in _stored_sql(copy, "users")


def test_a_dropped_collation_is_drift_and_the_plan_converges(sqlite_factory: Callable[[], str]) -> None:
    desired = (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT COLLATE NOCASE, b TEXT); INSERT INTO t VALUES (1, 'x', 'y');"
    )
    actual = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT); INSERT INTO t VALUES (1, 'x', 'y');"
    changes = _converges(desired, actual, sqlite_factory)
    assert _summary(changes) == [("collation_changed", None, "t")]


def test_a_changed_collation_is_drift(sqlite_factory: Callable[[], str]) -> None:
    changes, *_ = _changes(
        "CREATE TABLE t (a TEXT COLLATE NOCASE)", "CREATE TABLE t (a TEXT COLLATE RTRIM)", sqlite_factory
    )
    assert _summary(changes) == [("collation_changed", None, "t")]
    assert "NOCASE" in changes[0].message and "RTRIM" in changes[0].message


def test_a_new_table_with_a_collation_is_created_with_it(sqlite_factory: Callable[[], str]) -> None:
    changes = _converges(
        "CREATE TABLE keep (id INTEGER PRIMARY KEY); CREATE TABLE t (a TEXT COLLATE NOCASE)",
        "CREATE TABLE keep (id INTEGER PRIMARY KEY)",
        sqlite_factory,
    )
    assert ("table_missing", "t", "t") in _summary(changes)


def test_a_master_collation_sqlite_lacks_is_not_compared_but_listed(
    sqlite_factory: Callable[[], str], tmp_path: Path
) -> None:
    # A PostgreSQL master's "C" collation cannot exist on SQLite: not drift, and not silent either.
    url = _db(sqlite_factory, "CREATE TABLE t (a TEXT COLLATE NOCASE, b TEXT)")
    master = tmp_path / "m.yaml"
    master.write_text(
        "version: 1\ntables:\n  t:\n    columns:\n      a: {type: text}\n      b: {type: text}\n"
        "collations:\n  t:\n    a: nocase\n    b: C\n",
        encoding="utf-8",
    )
    from schemaguard.config import Config

    report = api.diff(Config(), desired=str(master), actual=url)
    assert report.changes == ()
    assert report.coverage is not None
    assert ("desired", "column collation", ("t.b",)) in [(s, e.what, e.names) for s, e in report.coverage.not_compared]


# --- 2. generated columns: VIRTUAL or STORED ---------------------------------------------------------------------

GENERATED = (
    "CREATE TABLE g (a INT, s INT GENERATED ALWAYS AS (a * 2) STORED, v INT AS (a + 1), w INT AS (a - 1) VIRTUAL);"
    "INSERT INTO g (a) VALUES (1), (2);"
)


def test_generated_storage_is_inspected_and_round_trips(sqlite_factory: Callable[[], str], tmp_path: Path) -> None:
    schema, copy = _round_trip(GENERATED, sqlite_factory, tmp_path)
    g = schema.table("g")
    assert g is not None
    # SQLite's default, no keyword, is VIRTUAL (https://www.sqlite.org/gencol.html).
    assert {c.name: c.generated_virtual for c in g.columns if c.generated} == {"s": False, "v": True, "w": True}
    con = sqlite3.connect(sqlite_file(copy))
    hidden = dict(con.execute("SELECT name, hidden FROM pragma_table_xinfo('g')").fetchall())
    con.close()
    assert hidden == {"a": 0, "s": 3, "v": 2, "w": 2}


def test_virtual_against_stored_is_drift_and_the_plan_converges(sqlite_factory: Callable[[], str]) -> None:
    changes = _converges(
        "CREATE TABLE g (id INTEGER PRIMARY KEY, a INT, b INT AS (a * 2) STORED); INSERT INTO g (a) VALUES (3);",
        "CREATE TABLE g (id INTEGER PRIMARY KEY, a INT, b INT AS (a * 2) VIRTUAL); INSERT INTO g (a) VALUES (3);",
        sqlite_factory,
    )
    assert _summary(changes) == [("column_default", "g", "b")]
    assert changes[0].aspects == ("generated",)
    assert "STORED" in changes[0].message and "VIRTUAL" in changes[0].message


def test_a_master_says_virtual(sqlite_factory: Callable[[], str], tmp_path: Path) -> None:
    master = tmp_path / "m.yaml"
    master.write_text(
        "version: 1\ntables:\n  g:\n    columns:\n      a: {type: integer}\n"
        "      v: {type: integer, generated: a + 1, generated_storage: virtual}\n"
        "      s: {type: integer, generated: a * 2}\n",
        encoding="utf-8",
    )
    loaded = load_yaml_master(str(master))
    url = sqlite_factory()
    apply_statements(url, api.render(loaded, "sqlite"))
    assert diff_schemas(loaded, api.inspect_url(url), LITE) == []
    assert "VIRTUAL" in _stored_sql(url, "g") and "STORED" in _stored_sql(url, "g")
    # The master with the kinds swapped differs: one change per column.
    swapped = load_yaml_master(str(master)).tables[0]
    other = url.replace(".sqlite", "_b.sqlite")
    apply_statements(other, ["CREATE TABLE g (a INTEGER, v INTEGER AS (a + 1) STORED, s INTEGER AS (a * 2) VIRTUAL)"])
    changes = diff_schemas(loaded, api.inspect_url(other), LITE)
    assert swapped.name == "g" and _summary(changes) == [("column_default", "g", "v"), ("column_default", "g", "s")]


# --- 3. DEFAULT "dq": a double-quoted string default -------------------------------------------------------------


def test_a_double_quoted_default_is_the_string_and_round_trips(
    sqlite_factory: Callable[[], str], tmp_path: Path
) -> None:
    script = (
        'CREATE TABLE d (id INTEGER PRIMARY KEY, a TEXT DEFAULT "dq", b TEXT DEFAULT "it""s", c TEXT DEFAULT \'sq\')'
    )
    schema, copy = _round_trip(script, sqlite_factory, tmp_path)
    d = schema.table("d")
    assert d is not None
    assert [(c.name, c.default.kind.value, c.default.value) for c in d.columns if c.default is not None] == [
        ("a", "literal", "dq"),
        ("b", "literal", 'it"s'),
        ("c", "literal", "sq"),
    ]
    con = sqlite3.connect(sqlite_file(copy))
    con.execute("INSERT INTO d (id) VALUES (1)")
    assert con.execute("SELECT a, b, c FROM d").fetchone() == ("dq", 'it"s', "sq")
    con.close()


def test_a_dropped_double_quoted_default_is_drift(sqlite_factory: Callable[[], str]) -> None:
    changes = _converges(
        'CREATE TABLE d (id INTEGER PRIMARY KEY, a TEXT DEFAULT "dq")',
        "CREATE TABLE d (id INTEGER PRIMARY KEY, a TEXT)",
        sqlite_factory,
    )
    assert _summary(changes) == [("column_default", "d", "a")]
    # ...and the same text single-quoted is the same default.
    same, *_ = _changes('CREATE TABLE d (a TEXT DEFAULT "dq")', "CREATE TABLE d (a TEXT DEFAULT 'dq')", sqlite_factory)
    assert same == []


# --- 4. INT PRIMARY KEY is no rowid alias --------------------------------------------------------------------------

INT_KEYS = (
    "CREATE TABLE i (id INT NOT NULL PRIMARY KEY, x TEXT);"
    "CREATE TABLE m (id MEDIUMINT NOT NULL PRIMARY KEY, x TEXT);"
    "CREATE TABLE r (id INTEGER PRIMARY KEY, x TEXT);"
    "INSERT INTO i VALUES (7, 'a'); INSERT INTO r VALUES (7, 'a');"
)


def test_int_primary_key_stays_int_and_round_trips(sqlite_factory: Callable[[], str], tmp_path: Path) -> None:
    _schema, copy = _round_trip(INT_KEYS, sqlite_factory, tmp_path)
    for name, declared in (("i", "INT"), ("m", "MEDIUMINT"), ("r", "INTEGER")):
        con = sqlite3.connect(sqlite_file(copy))
        (got,) = con.execute(f"SELECT type FROM pragma_table_info('{name}') WHERE name = 'id'").fetchone()
        con.close()
        assert got == declared, name
    # In the copy, i.id is still no rowid alias: the rowid is its own hidden column.
    con = sqlite3.connect(sqlite_file(copy))
    con.execute("INSERT INTO i VALUES (5, 'b')")
    assert con.execute("SELECT rowid, id FROM i").fetchone() == (1, 5)
    con.close()


def test_int_against_integer_primary_key_is_drift_and_the_plan_converges(sqlite_factory: Callable[[], str]) -> None:
    changes = _converges(
        "CREATE TABLE i (id INT NOT NULL PRIMARY KEY, x TEXT); INSERT INTO i VALUES (7, 'a');",
        "CREATE TABLE i (id INTEGER NOT NULL PRIMARY KEY, x TEXT); INSERT INTO i VALUES (7, 'a');",
        sqlite_factory,
    )
    assert _summary(changes) == [("column_default", "i", "id")]
    assert changes[0].aspects == ("autoincrement",)


# --- 5. STRICT / WITHOUT ROWID (and the other CREATE TABLE-only properties) are planned -----------------------------


@pytest.mark.parametrize(
    ("desired", "actual"),
    [
        pytest.param(
            "CREATE TABLE s (id INTEGER PRIMARY KEY, x TEXT) STRICT; INSERT INTO s VALUES (1, 'a');",
            "CREATE TABLE s (id INTEGER PRIMARY KEY, x TEXT); INSERT INTO s VALUES (1, 'a');",
            id="strict_added",
        ),
        pytest.param(
            "CREATE TABLE s (k TEXT NOT NULL PRIMARY KEY, x TEXT) WITHOUT ROWID; INSERT INTO s VALUES ('k', 'a');",
            "CREATE TABLE s (k TEXT NOT NULL PRIMARY KEY, x TEXT) STRICT; INSERT INTO s VALUES ('k', 'a');",
            id="strict_to_without_rowid",
        ),
    ],
)
def test_table_option_change_is_planned_as_a_rebuild(
    desired: str, actual: str, sqlite_factory: Callable[[], str]
) -> None:
    changes = _converges(desired, actual, sqlite_factory)
    assert _summary(changes) == [("table_options_changed", None, "s")]


def test_a_new_strict_table_is_created_strict(sqlite_factory: Callable[[], str]) -> None:
    changes = _converges(
        "CREATE TABLE keep (id INTEGER PRIMARY KEY);"
        "CREATE TABLE s (id INTEGER PRIMARY KEY, k TEXT NOT NULL COLLATE NOCASE REFERENCES keep (id)) STRICT;"
        "CREATE INDEX s_k ON s (k);",
        "CREATE TABLE keep (id INTEGER PRIMARY KEY)",
        sqlite_factory,
    )
    assert sorted(c[0] for c in _summary(changes)) == ["collation_changed", "table_missing", "table_options_changed"]


V1 = """version: 1
tables:
  account:
    columns:
      id: {type: integer, primary_key: true}
      email: {type: text, nullable: false}
      total: {type: integer, generated: id * 2}
"""
V2 = """version: 1
tables:
  account:
    columns:
      id: {type: integer, primary_key: true}
      email: {type: text, nullable: false}
      total: {type: integer, generated: id * 2, generated_storage: virtual}
  setting:
    columns:
      k: {type: text, primary_key: true}
      v: {type: text}
table_options:
  account: {strict: true}
  setting: {without_rowid: true}
collations:
  account: {email: NOCASE}
"""


def test_migrate_generate_upgrade_downgrade_converge(
    sqlite_factory: Callable[[], str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same through Alembic revisions (``migrate generate``/``upgrade``/``downgrade``), rows kept."""
    from schemaguard.cli.app import main
    from schemaguard.cli.context import STATE

    def run(*args: str) -> int:
        STATE._config = None
        STATE.config_path = None
        return main(list(args))

    root = tmp_path / "proj"
    root.mkdir()
    (root / "schemaguard.toml").write_text('master = "master.yaml"\ndialect = "sqlite"\n', encoding="utf-8")
    monkeypatch.chdir(root)
    url = sqlite_factory()
    (root / "master.yaml").write_text(V1, encoding="utf-8")
    assert run("migrate", "generate", "-m", "initial") == 0
    assert run("migrate", "upgrade", "--url", url) == 0
    apply_statements(url, ["INSERT INTO account (id, email) VALUES (1, 'A@x')"])
    (root / "master.yaml").write_text(V2, encoding="utf-8")
    assert run("diff", "--url", url) == 1
    assert run("migrate", "generate", "-m", "strict") == 0
    assert run("migrate", "upgrade", "--url", url) == 0
    assert run("diff", "--url", url) == 0
    assert "STRICT" in _stored_sql(url, "account") and "WITHOUT ROWID" in _stored_sql(url, "setting")
    con = sqlite3.connect(sqlite_file(url))
    # NOCASE: the same email in other case is found; the rows survived the rebuild.
    assert con.execute("SELECT id, total FROM account WHERE email = 'a@X'").fetchall() == [(1, 2)]
    con.close()
    assert run("migrate", "downgrade", "-1", "--url", url) == 0
    (root / "master.yaml").write_text(V1, encoding="utf-8")
    assert run("diff", "--url", url) == 0
    assert "STRICT" not in _stored_sql(url, "account")
