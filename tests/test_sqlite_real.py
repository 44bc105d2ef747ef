"""SQLite fidelity on real schemas (h7 findings 01, 07, 18 and the PostgreSQL rendering of SQLite-made masters).

Every case builds real SQLite files (and, for the PostgreSQL side, a real fresh PostgreSQL database): a database
is inspected, written as a master, loaded back, rendered, applied and compared. Sources:
https://www.sqlite.org/datatype3.html (section 3.1: a column with no declared type has BLOB affinity),
https://www.sqlite.org/lang_conflict.html, https://www.sqlite.org/vtab.html, https://www.sqlite.org/fts5.html,
https://www.postgresql.org/docs/15/collation.html
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from schemaguard import api
from schemaguard.dialects import get_dialect
from schemaguard.diff.coverage import _plural
from schemaguard.diff.differ import diff_schemas
from schemaguard.loaders.yaml_master import dump_yaml_master, load_yaml_master
from tests.helpers import apply_statements, run_cli, sqlite_file

LITE = get_dialect("sqlite")
PG = get_dialect("postgresql")

# zotero's resource/schema/userdata.sql (zotero/zotero @046944131860219d) declares such columns: `value,`,
# `dateDeleted DEFAULT CURRENT_TIMESTAMP NOT NULL`.
UNTYPED = """
CREATE TABLE settings (setting TEXT, key TEXT, value, PRIMARY KEY (setting, key));
CREATE TABLE d (id INTEGER PRIMARY KEY, dateDeleted DEFAULT CURRENT_TIMESTAMP NOT NULL);
"""


def _db(factory: Callable[[], str], script: str) -> str:
    url = factory()
    con = sqlite3.connect(sqlite_file(url))
    con.executescript(script)
    con.close()
    return url


def _stored_sql(url: str, name: str) -> str:
    con = sqlite3.connect(sqlite_file(url))
    try:
        (sql,) = con.execute("SELECT sql FROM sqlite_schema WHERE name = ?", (name,)).fetchone()
    finally:
        con.close()
    return str(sql)


def _master(url: str, tmp_path: Path, name: str = "master.yaml") -> Path:
    path = tmp_path / name
    path.write_text(dump_yaml_master(api.inspect_url(url)), encoding="utf-8")
    return path


# --- finding 07: columns without a declared type --------------------------------------------------------------


def test_untyped_columns_round_trip_through_the_yaml_master(
    sqlite_factory: Callable[[], str], tmp_path: Path, capsys: Any
) -> None:
    url = _db(sqlite_factory, UNTYPED)
    master = _master(url, tmp_path)
    text = master.read_text(encoding="utf-8")
    assert "native()" not in text
    assert "value: {type: any" in text
    loaded = load_yaml_master(str(master))  # was: "native type needs the native name", exit 2
    assert diff_schemas(loaded, api.inspect_url(url), LITE) == []
    copy = sqlite_factory()
    apply_statements(copy, api.render(loaded, "sqlite"))
    # Typeless again on SQLite (BLOB affinity), not TEXT: the stored CREATE text has no type after the name.
    assert '"value" ,' in _stored_sql(copy, "settings") or '"value"\n' in _stored_sql(copy, "settings")
    con = sqlite3.connect(sqlite_file(copy))
    types = {r[1]: r[2] for r in con.execute("SELECT * FROM pragma_table_info('d')")}
    con.close()
    assert types["dateDeleted"] == ""
    assert diff_schemas(loaded, api.inspect_url(copy), LITE) == []
    rc, out, _ = run_cli(["diff", "--from", url, "--to", str(master)], capsys)
    assert rc == 0, out


def test_untyped_column_differs_from_a_typed_one(sqlite_factory: Callable[[], str], tmp_path: Path) -> None:
    master = _master(_db(sqlite_factory, UNTYPED), tmp_path)
    typed = _db(sqlite_factory, UNTYPED.replace("key TEXT, value,", "key TEXT, value TEXT,"))
    changes = diff_schemas(load_yaml_master(str(master)), api.inspect_url(typed), LITE)
    assert [(c.kind.value, c.table, c.object) for c in changes] == [("column_type", "settings", "value")]


def test_untyped_column_renders_as_text_on_postgresql_and_says_so(
    sqlite_factory: Callable[[], str], pg_url: str, tmp_path: Path, capsys: Any
) -> None:
    master = _master(_db(sqlite_factory, UNTYPED), tmp_path)
    rc, out, err = run_cli(["render", "--master", str(master), "-d", "postgresql"], capsys)
    assert rc == 0, err
    assert '"value" text' in out
    assert "settings.value" in err and "d.dateDeleted" in err and "rendered as text" in err
    loaded = load_yaml_master(str(master))
    apply_statements(pg_url, api.render(loaded, "postgresql"))
    assert diff_schemas(loaded, api.inspect_url(pg_url), PG) == []


# --- SQLite-only collations rendered for PostgreSQL -------------------------------------------------------------


def test_sqlite_collations_are_dropped_for_postgresql_and_named(
    sqlite_factory: Callable[[], str], pg_url: str, tmp_path: Path, capsys: Any
) -> None:
    url = _db(
        sqlite_factory, "CREATE TABLE u (id INTEGER PRIMARY KEY, email TEXT COLLATE NOCASE, tag TEXT COLLATE RTRIM);"
    )
    master = _master(url, tmp_path)
    assert "NOCASE" in master.read_text(encoding="utf-8")
    rc, out, err = run_cli(["render", "--master", str(master), "-d", "postgresql"], capsys)
    assert rc == 0, err
    assert "NOCASE" not in out.upper() and "RTRIM" not in out.upper()
    assert "u.email" in err and "u.tag" in err
    loaded = load_yaml_master(str(master))
    apply_statements(pg_url, api.render(loaded, "postgresql"))  # PostgreSQL refused COLLATE "NOCASE"
    assert diff_schemas(loaded, api.inspect_url(pg_url), PG) == []
    # SQLite keeps them: the same master rendered for SQLite still says NOCASE.
    copy = sqlite_factory()
    apply_statements(copy, api.render(loaded, "sqlite"))
    assert "COLLATE NOCASE" in _stored_sql(copy, "u")


# --- coverage wording -------------------------------------------------------------------------------------------


def test_coverage_plural_of_kinds_already_plural() -> None:
    assert _plural("table_options", 2) == "table options"
    assert _plural("options", 3) == "options"
    assert _plural("match", 2) == "matches"
    assert _plural("virtual table", 2) == "virtual tables"


# --- finding 18: conflict clauses -------------------------------------------------------------------------------

CONFLICTS = (
    "CREATE TABLE settings (id INTEGER PRIMARY KEY ON CONFLICT FAIL, key TEXT NOT NULL ON CONFLICT IGNORE, "
    "val TEXT, UNIQUE (key) ON CONFLICT REPLACE);"
)
PLAIN = "CREATE TABLE settings (id INTEGER PRIMARY KEY, key TEXT NOT NULL, val TEXT, UNIQUE (key));"
INSERTS = "INSERT INTO settings(key, val) VALUES ('k', '1'); INSERT INTO settings(key, val) VALUES ('k', '2');"


def _behaviour(url: str) -> list[tuple[str, str]] | str:
    """What the conflicting INSERTs leave (REPLACE keeps the second row), or SQLite's error text."""
    con = sqlite3.connect(sqlite_file(url))
    try:
        con.executescript("DELETE FROM settings;" + INSERTS + "INSERT INTO settings(key, val) VALUES (NULL, '3');")
        return [tuple(r) for r in con.execute("SELECT key, val FROM settings ORDER BY id")]
    except sqlite3.IntegrityError as exc:
        return str(exc)
    finally:
        con.close()


def test_conflict_clauses_are_compared(sqlite_factory: Callable[[], str], capsys: Any) -> None:
    desired, actual = _db(sqlite_factory, CONFLICTS), _db(sqlite_factory, PLAIN)
    assert _behaviour(desired) == [("k", "2")] and "UNIQUE constraint failed" in str(_behaviour(actual))
    changes = diff_schemas(api.inspect_url(desired), api.inspect_url(actual), LITE, desired_syntax="sqlite")
    assert [(c.kind.value, c.object) for c in changes] == [("table_options_changed", "settings")]
    assert "on_conflict.unique.key=replace" in changes[0].message
    assert "on_conflict.not_null.key=ignore" in changes[0].message
    assert "on_conflict.primary_key=fail" in changes[0].message
    rc, out, _ = run_cli(["diff", "--from", actual, "--to", desired], capsys)
    assert rc == 1, out  # was "no drift", exit 0
    # One resolution changed (REPLACE -> IGNORE) is a difference too; the same clauses are none.
    other = _db(sqlite_factory, CONFLICTS.replace("ON CONFLICT REPLACE", "ON CONFLICT IGNORE"))
    changes = diff_schemas(api.inspect_url(desired), api.inspect_url(other), LITE, desired_syntax="sqlite")
    assert [c.kind.value for c in changes] == ["table_options_changed"]
    same = _db(sqlite_factory, CONFLICTS.replace("settings (", "settings  (").lower())
    assert diff_schemas(api.inspect_url(desired), api.inspect_url(same), LITE, desired_syntax="sqlite") == []


def test_conflict_clauses_round_trip_through_the_master(sqlite_factory: Callable[[], str], tmp_path: Path) -> None:
    url = _db(sqlite_factory, CONFLICTS)
    master = _master(url, tmp_path)
    assert "on_conflict.unique.key: replace" in master.read_text(encoding="utf-8")
    loaded = load_yaml_master(str(master))
    copy = sqlite_factory()
    apply_statements(copy, api.render(loaded, "sqlite"))
    stored = _stored_sql(copy, "settings")
    assert "ON CONFLICT REPLACE" in stored and "ON CONFLICT IGNORE" in stored and "ON CONFLICT FAIL" in stored
    assert _behaviour(copy) == _behaviour(url) == [("k", "2")]
    assert diff_schemas(loaded, api.inspect_url(copy), LITE) == []
    assert diff_schemas(api.inspect_url(url), api.inspect_url(copy), LITE, desired_syntax="sqlite") == []


def test_conflict_clauses_survive_a_table_rebuild(sqlite_factory: Callable[[], str]) -> None:
    """Plan plain → with clauses (a rebuild), apply: converged and behaving so; then a column type change on the
    table (another rebuild) keeps them; the reverse plan gives the plain table back."""
    from schemaguard.migrate.planner import plan

    desired, actual = _db(sqlite_factory, CONFLICTS), _db(sqlite_factory, PLAIN)
    d, a = api.inspect_url(desired), api.inspect_url(actual)
    p = plan(diff_schemas(d, a, LITE, desired_syntax="sqlite"), d, a, LITE)
    apply_statements(actual, p.statements())
    assert diff_schemas(d, api.inspect_url(actual), LITE, desired_syntax="sqlite") == []
    assert _behaviour(actual) == [("k", "2")]
    retyped = _db(sqlite_factory, CONFLICTS.replace("val TEXT", "val INTEGER"))
    r = api.inspect_url(retyped)
    now = api.inspect_url(actual)
    p2 = plan(diff_schemas(r, now, LITE, desired_syntax="sqlite"), r, now, LITE)
    apply_statements(actual, p2.statements())
    assert diff_schemas(r, api.inspect_url(actual), LITE, desired_syntax="sqlite") == []
    assert "ON CONFLICT REPLACE" in _stored_sql(actual, "settings")
    apply_statements(actual, p2.reverse().statements())
    apply_statements(actual, p.reverse().statements())
    assert diff_schemas(a, api.inspect_url(actual), LITE, desired_syntax="sqlite") == []


def test_conflict_clauses_rendered_for_postgresql_are_named(
    sqlite_factory: Callable[[], str], pg_url: str, tmp_path: Path, capsys: Any
) -> None:
    master = _master(_db(sqlite_factory, CONFLICTS), tmp_path)
    rc, out, err = run_cli(["render", "--master", str(master), "-d", "postgresql"], capsys)
    assert rc == 0, err
    assert "ON CONFLICT" not in out.upper()
    assert "settings.on_conflict.unique.key" in err and "settings.on_conflict.not_null.key" in err
    loaded = load_yaml_master(str(master))
    apply_statements(pg_url, api.render(loaded, "postgresql"))
    assert diff_schemas(loaded, api.inspect_url(pg_url), PG) == []


# --- finding 01: virtual tables ---------------------------------------------------------------------------------

BASE = "CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT);"
FTS = "CREATE VIRTUAL TABLE t_fts USING fts5(body, content='t', content_rowid='id');"
# calibre's resources/metadata_sqlite.sql keeps its annotations' FTS5 index up to date this way.
FTS_TRIGGER = (
    "CREATE TRIGGER t_ai AFTER INSERT ON t BEGIN INSERT INTO t_fts(rowid, body) VALUES (new.id, new.body); END;"
)


def test_virtual_table_on_one_side_is_drift(sqlite_factory: Callable[[], str], capsys: Any) -> None:
    with_fts, without = _db(sqlite_factory, BASE + FTS), _db(sqlite_factory, BASE)
    d, a = api.inspect_url(with_fts), api.inspect_url(without)
    changes = diff_schemas(d, a, LITE, desired_syntax="sqlite")
    assert [(c.kind.value, c.object) for c in changes] == [("virtual_table_missing", "t_fts")]
    back = diff_schemas(a, d, LITE, desired_syntax="sqlite")
    assert [(c.kind.value, c.object) for c in back] == [("virtual_table_extra", "t_fts")]
    rc, out, _ = run_cli(["diff", "--from", without, "--to", with_fts], capsys)
    assert rc == 1, out  # was "no drift", exit 0
    assert "NOT compared" not in out and "1 virtual table" in out
    # Module arguments changed (tokenizer): changed; the shadow tables (t_fts_data, _idx, ...) are never compared.
    other = _db(sqlite_factory, BASE + FTS.replace("content_rowid='id'", "content_rowid='id', tokenize='porter'"))
    changes = diff_schemas(d, api.inspect_url(other), LITE, desired_syntax="sqlite")
    assert [(c.kind.value, c.object) for c in changes] == [("virtual_table_changed", "t_fts")]
    spaced = _db(sqlite_factory, BASE + FTS.replace("USING fts5(", "using  FTS5 ("))
    assert diff_schemas(d, api.inspect_url(spaced), LITE, desired_syntax="sqlite") == []
    assert all(t.name == "t" for t in d.tables)


def test_virtual_table_round_trips_through_the_master(sqlite_factory: Callable[[], str], tmp_path: Path) -> None:
    url = _db(sqlite_factory, BASE + FTS + FTS_TRIGGER)
    master = _master(url, tmp_path)
    assert "virtual_tables:" in master.read_text(encoding="utf-8")
    loaded = load_yaml_master(str(master))
    copy = sqlite_factory()
    apply_statements(copy, api.render(loaded, "sqlite"))
    assert diff_schemas(loaded, api.inspect_url(copy), LITE) == []
    con = sqlite3.connect(sqlite_file(copy))
    con.execute("INSERT INTO t (body) VALUES ('hello world')")  # the trigger writes into the virtual table
    assert con.execute("SELECT rowid FROM t_fts WHERE t_fts MATCH 'hello'").fetchall() == [(1,)]
    con.close()


def test_virtual_table_planned_create_and_drop(sqlite_factory: Callable[[], str]) -> None:
    from schemaguard.migrate.planner import plan

    desired, actual = _db(sqlite_factory, BASE + FTS + FTS_TRIGGER), _db(sqlite_factory, BASE)
    d, a = api.inspect_url(desired), api.inspect_url(actual)
    p = plan(diff_schemas(d, a, LITE, desired_syntax="sqlite"), d, a, LITE)
    apply_statements(actual, p.statements())
    assert diff_schemas(d, api.inspect_url(actual), LITE, desired_syntax="sqlite") == []
    apply_statements(actual, p.reverse().statements())
    assert diff_schemas(a, api.inspect_url(actual), LITE, desired_syntax="sqlite") == []
    con = sqlite3.connect(sqlite_file(actual))
    left = [r[0] for r in con.execute("SELECT name FROM sqlite_schema ORDER BY name")]
    con.close()
    assert left == ["t"]  # the shadow tables went with the virtual table


def test_virtual_table_rendered_for_postgresql_is_named(
    sqlite_factory: Callable[[], str], tmp_path: Path, capsys: Any
) -> None:
    master = _master(_db(sqlite_factory, BASE + FTS), tmp_path)
    rc, out, err = run_cli(["render", "--master", str(master), "-d", "postgresql"], capsys)
    assert rc == 0, err
    assert "CREATE VIRTUAL" not in out.upper() and "t_fts" in err
