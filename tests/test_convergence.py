"""The convergence harness (issue 12, section 3): a catalogue of (current, desired) schema pairs, each checked on
real databases of both dialects through the importable API:

1. ``diff`` reports drift exactly when the pair differs (on that dialect);
2. the ``diff --sql`` plan applied to the current database leaves zero drift against the desired schema;
3. a pair of equivalent spellings reports nothing (and so plans nothing).

The catalogue holds pairs written for every expression/SQL bug class of issue 12, the corpus's Prisma schemas
with planted changes, and migra's own diff cases (PostgreSQL only; they are PostgreSQL SQL). Known failures are
``xfail(strict=True)`` with the owner of the fix named, so a fix makes them fail until they are unmarked.
"""

from __future__ import annotations

import dataclasses
import re
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import psycopg
import pytest

from schemaguard import api
from schemaguard.config import Config
from schemaguard.model import Column, ColumnType, Index, IndexPart, Schema, Table, TypeKind
from tests.conftest import PG_ADMIN_URL, ROOT, PgDatabases
from tests.helpers import apply_statements

CORPUS = ROOT / "tests" / "corpus"
CFG = Config()


@dataclass(frozen=True)
class Pair:
    """A (current, desired) pair. ``differs`` says per dialect whether the two are different schemas there."""

    name: str
    current: Callable[[], Schema]
    desired: Callable[[], Schema]
    differs: dict[str, bool]
    xfail: dict[str, str] = dataclasses.field(default_factory=dict)


def _yaml(tables: str) -> Callable[[], Schema]:
    text = "version: 1\ntables:\n" + tables

    def load() -> Schema:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "m.yaml"
            path.write_text(text, encoding="utf-8")
            return api.load_master(CFG, path, locations=False)

    return load


def _t(columns: str, extra: str = "", name: str = "t") -> str:
    body = f"  {name}:\n    columns:\n      id: {{type: integer, primary_key: true}}\n"
    body += "".join(f"      {line.strip()}\n" for line in columns.strip().splitlines())
    if extra:
        body += "".join(f"    {line}\n" for line in extra.strip("\n").splitlines())
    return body


def _edit(load: Callable[[], Schema], fn: Callable[[Schema], Schema]) -> Callable[[], Schema]:
    return lambda: fn(load())


def _map_columns(schema: Schema, fn: Callable[[Column], Column]) -> Schema:
    return replace(schema, tables=tuple(replace(t, columns=tuple(fn(c) for c in t.columns)) for t in schema.tables))


def _map_indexes(schema: Schema, fn: Callable[[Index], Index]) -> Schema:
    return replace(schema, tables=tuple(replace(t, indexes=tuple(fn(i) for i in t.indexes)) for t in schema.tables))


BOTH = {"sqlite": True, "postgresql": True}
NEITHER = {"sqlite": False, "postgresql": False}
PG_ONLY = {"postgresql": True}
PG_SAME = {"postgresql": False}

TS = "ts: {type: timestamptz}"
BASE = _yaml(_t(TS))

_FK = _yaml(_t("v: {type: text}", name="parent") + _t("pid: {type: integer, references: parent.id}", name="child"))

# --- pairs written for the bug classes of issue 12 ----------------------------------------------------------
CLASS_PAIRS = [
    Pair(
        "at-time-zone-check-spellings",
        _yaml(
            _t(TS, "checks:\n  - {name: t_ts, expression: \"timezone('utc', ts) > '2020-01-01 00:00:00'::timestamp\"}")
        ),
        _yaml(
            _t(
                TS,
                "checks:\n  - {name: t_ts, expression: \"ts AT TIME ZONE 'utc' > '2020-01-01 00:00:00'::timestamp\"}",
            )
        ),
        PG_SAME,
    ),
    Pair(
        "at-time-zone-index-spellings",
        _yaml(_t(TS, "indexes:\n  - {name: t_utc, columns: [{expression: \"timezone('utc', ts)\"}]}")),
        _yaml(_t(TS, "indexes:\n  - {name: t_utc, columns: [{expression: \"ts AT TIME ZONE 'utc'\"}]}")),
        PG_SAME,
    ),
    Pair(
        "at-time-zone-default-added",
        _yaml(_t("at: {type: datetime}")),
        _yaml(_t("at: {type: datetime, default: {sql: \"CURRENT_TIMESTAMP AT TIME ZONE 'utc'\"}}")),
        PG_ONLY,
    ),
    Pair(
        "at-time-zone-default-spellings",
        _yaml(_t("at: {type: datetime, default: {sql: \"timezone('utc', now())\"}}")),
        _yaml(_t("at: {type: datetime, default: {sql: \"CURRENT_TIMESTAMP AT TIME ZONE 'utc'\"}}")),
        PG_SAME,
    ),
    Pair(
        "bit-string-defaults-added",
        _yaml(_t('b: {type: "native(bit(4))"}\nv: {type: "native(bit varying(8))"}')),
        _yaml(
            _t(
                'b: {type: "native(bit(4))", default: {sql: "b\'0101\'"}}\nv: {type: "native(bit varying(8))", default: {sql: "x\'1F\'"}}'
            )
        ),
        PG_ONLY,
    ),
    Pair(
        "bit-string-hex-and-binary-spellings",
        _yaml(_t('v: {type: "native(bit varying(8))", default: {sql: "B\'00011111\'"}}')),
        _yaml(_t('v: {type: "native(bit varying(8))", default: {sql: "x\'1F\'"}}')),
        PG_SAME,
    ),
    Pair(
        "nested-array-default-added",
        _yaml(_t('grid: {type: "integer[]"}')),
        _yaml(_t('grid: {type: "integer[]", default: {sql: "ARRAY[ARRAY[1,2],ARRAY[3,4]]"}}')),
        BOTH,
    ),
    Pair(
        "nested-array-default-changed",
        _yaml(_t('grid: {type: "integer[]", default: {sql: "ARRAY[ARRAY[1,2],ARRAY[3,4]]"}}')),
        _yaml(_t('grid: {type: "integer[]", default: {sql: "ARRAY[ARRAY[1,2],ARRAY[3,5]]"}}')),
        BOTH,
    ),
    Pair(
        "current-time-default-added",
        _yaml(_t("at: {type: time}")),
        _yaml(_t("at: {type: time, default: {sql: CURRENT_TIME}}")),
        BOTH,
    ),
    Pair(
        "value-changing-casts-kept",
        _yaml(_t("day: {type: text, default: {sql: CURRENT_TIMESTAMP}}")),
        _yaml(_t('day: {type: text, default: {sql: "CURRENT_TIMESTAMP::date::text"}}')),
        PG_ONLY,
    ),
    Pair(
        "percent-in-check-and-predicate",
        _yaml(_t("login: {type: text}")),
        _yaml(
            _t(
                "login: {type: text}",
                "checks:\n  - {name: t_admin, expression: \"login LIKE 'admin%'\"}\n"
                "indexes:\n  - {name: t_pct, columns: [login], where: \"login LIKE '%x%'\"}",
            )
        ),
        BOTH,
    ),
    Pair(
        "expression-index-opclass-added",
        _yaml(_t('name: {type: "varchar(40)"}', 'indexes:\n  - {name: t_l, columns: [{expression: "lower(name)"}]}')),
        _yaml(
            _t(
                'name: {type: "varchar(40)"}',
                'indexes:\n  - {name: t_l, columns: [{expression: "lower(name)", opclass: text_pattern_ops}]}',
            )
        ),
        PG_ONLY,
    ),
    Pair(
        "default-opclass-spelled-or-not",
        _yaml(_t('tags: {type: "text[]"}', "indexes:\n  - {name: t_tags, method: gin, columns: [tags]}")),
        _yaml(
            _t(
                'tags: {type: "text[]"}',
                "indexes:\n  - {name: t_tags, method: gin, columns: [{column: tags, opclass: array_ops}]}",
            )
        ),
        PG_SAME,
    ),
    Pair(
        "table-and-column-name-case",
        _yaml(_t("Email: {type: text}", name="USERS")),
        _yaml(_t("email: {type: text}", name="users")),
        {"sqlite": False, "postgresql": True},
    ),
    Pair(
        "name-case-with-real-changes",
        _yaml(_t("Email: {type: text}\nOld: {type: text}", name="USERS")),
        _yaml(
            _t(
                "email: {type: text, nullable: false}\nnickname: {type: text}",
                "indexes:\n  - {name: users_email, columns: [email]}",
                name="users",
            )
        ),
        {"sqlite": True},
    ),
    Pair(
        "unique-made-deferrable",
        _yaml(_t("pos: {type: integer, unique: true}")),
        _edit(
            _yaml(_t("pos: {type: integer, unique: true}")),
            lambda s: _map_indexes(s, lambda i: replace(i, deferrable=True, initially_deferred=True)),
        ),
        {"sqlite": False, "postgresql": True},
    ),
    Pair(
        "foreign-key-made-deferrable",
        _FK,
        _edit(
            _FK,
            lambda s: replace(
                s,
                tables=tuple(
                    replace(
                        t,
                        foreign_keys=tuple(
                            replace(f, deferrable=True, initially_deferred=True) for f in t.foreign_keys
                        ),
                    )
                    for t in s.tables
                ),
            ),
        ),
        BOTH,
    ),
    Pair(
        "check-renamed",
        _yaml(_t("a: {type: integer}", 'checks:\n  - {name: t_a_check, expression: "a > 0"}')),
        _yaml(_t("a: {type: integer}", 'checks:\n  - {name: a_positive, expression: "a > 0"}')),
        {"sqlite": False, "postgresql": True},
    ),
    Pair(
        "sqlite-autoincrement-added",
        _yaml(_t("v: {type: text}")),
        _edit(
            _yaml(_t("v: {type: text}")),
            lambda s: _map_columns(
                s, lambda c: replace(c, autoincrement=True, strict_autoincrement=True) if c.name == "id" else c
            ),
        ),
        {"sqlite": True, "postgresql": True},  # on PostgreSQL: plain integer → serial
    ),
    Pair(
        "sqlite-autoincrement-only",
        _edit(
            _yaml(_t("v: {type: text}")),
            lambda s: _map_columns(s, lambda c: replace(c, autoincrement=True) if c.name == "id" else c),
        ),
        _edit(
            _yaml(_t("v: {type: text}")),
            lambda s: _map_columns(
                s, lambda c: replace(c, autoincrement=True, strict_autoincrement=True) if c.name == "id" else c
            ),
        ),
        {"sqlite": True, "postgresql": False},
    ),
]


# --- the corpus's Prisma schemas with planted changes ---------------------------------------------------------
def _prisma(name: str) -> Callable[[], Schema]:
    def load() -> Schema:
        return api.load_master(CFG, CORPUS / "prisma" / f"{name}.prisma", locations=False)

    return load


def _drop_last_column(s: Schema) -> Schema:
    t = next(t for t in s.tables if len(t.columns) > 2 and not t.foreign_keys)
    gone = t.columns[-1].name
    pk = t.primary_key.columns if t.primary_key else ()
    if gone in pk:
        return s
    nt = replace(
        t,
        columns=t.columns[:-1],
        indexes=tuple(i for i in t.indexes if gone not in i.columns and not any(p.expression for p in i.parts)),
        checks=(),
    )
    return replace(s, tables=tuple(nt if x is t else x for x in s.tables))


def _flip_nullability(s: Schema) -> Schema:
    t = next(t for t in s.tables if len(t.columns) > 1)
    pk = t.primary_key.columns if t.primary_key else ()
    c = next(c for c in t.columns if c.name not in pk and not c.autoincrement)
    nt = replace(t, columns=tuple(replace(x, nullable=not x.nullable) if x is c else x for x in t.columns))
    return replace(s, tables=tuple(nt if x is t else x for x in s.tables))


def _add_index(s: Schema) -> Schema:
    t = s.tables[0]
    col = t.columns[-1].name
    nt = replace(t, indexes=(*t.indexes, Index("planted_idx", (IndexPart(col),))))
    return replace(s, tables=tuple(nt if x is t else x for x in s.tables))


def _add_table(s: Schema) -> Schema:
    extra = Table("planted_table", (Column("id", ColumnType(TypeKind.TEXT), nullable=False),))
    return replace(s, tables=(*s.tables, extra))


PLANTS: dict[str, Callable[[Schema], Schema]] = {
    "drop-column": _drop_last_column,
    "not-null": _flip_nullability,
    "add-index": _add_index,
    "add-table": _add_table,
}
CORPUS_SCHEMAS = sorted(p.stem for p in (CORPUS / "prisma").glob("*.prisma"))
# One planted change per schema (taken in turn, so every kind is planted) plus the schema against itself: the
# harness stays within its time budget as the corpus grows.
_PLANT_NAMES = sorted(PLANTS)
CORPUS_PAIRS = [
    Pair(f"{name}-{plant}", _edit(_prisma(name), PLANTS[plant]), _prisma(name), BOTH)
    for i, name in enumerate(CORPUS_SCHEMAS)
    for plant in (_PLANT_NAMES[i % len(_PLANT_NAMES)],)
] + [Pair(f"{name}-itself", _prisma(name), _prisma(name), NEITHER) for name in CORPUS_SCHEMAS]

PAIRS = CLASS_PAIRS + CORPUS_PAIRS


def _cases() -> list[object]:
    out: list[object] = []
    for pair in PAIRS:
        for dialect, differs in pair.differs.items():
            marks = [pytest.mark.xfail(strict=True, reason=pair.xfail[dialect])] if dialect in pair.xfail else []
            out.append(pytest.param(pair, dialect, differs, id=f"{pair.name}-{dialect}", marks=marks))
    return out


def _diff(desired: Schema, url: str, *, with_sql: bool = False) -> object:
    actual = api.load_source(url, CFG)
    return api.diff_sources(api.Source(desired, "desired", None, "postgresql"), actual, CFG, with_sql=with_sql)


_RESET = r"""
DO $$DECLARE r record;
BEGIN
  FOR r IN SELECT nspname FROM pg_catalog.pg_namespace
           WHERE nspname NOT LIKE 'pg\_%' AND nspname <> 'information_schema' LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', r.nspname);
  END LOOP;
END$$;
CREATE SCHEMA public;
"""


@pytest.fixture(scope="module")
def _pg_scratch() -> Iterator[str]:
    """One PostgreSQL database for the module, emptied before each pair (every schema dropped): creating and
    dropping a database per pair cost more than the pair itself."""
    dbs = PgDatabases()
    yield dbs.create("sgconv")
    dbs.drop_all()


@pytest.fixture(scope="module")
def _pg_scratch2() -> Iterator[str]:
    dbs = PgDatabases()
    yield dbs.create("sgconv")
    dbs.drop_all()


def _emptied(url: str) -> str:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(_RESET)  # type: ignore[arg-type]
    return url


@pytest.fixture
def pg_empty(_pg_scratch: str) -> str:
    return _emptied(_pg_scratch)


@pytest.fixture
def pg_empty2(_pg_scratch2: str) -> str:
    return _emptied(_pg_scratch2)


@pytest.mark.parametrize(("pair", "dialect", "differs"), _cases())
def test_pair_converges(
    pair: Pair,
    dialect: str,
    differs: bool,
    sqlite_factory: Callable[[], str],
    request: pytest.FixtureRequest,
) -> None:
    current, desired = pair.current(), pair.desired()
    url = sqlite_factory() if dialect == "sqlite" else request.getfixturevalue("pg_empty")
    apply_statements(url, api.render(current, dialect))
    report = _diff(desired, url, with_sql=True)
    changes = [c.message for c in report.changes]  # type: ignore[attr-defined]
    assert bool(changes) == differs, changes
    apply_statements(url, list(report.sql))  # type: ignore[attr-defined]
    after = _diff(desired, url)
    assert [c.message for c in after.changes] == [], (report.sql, changes)  # type: ignore[attr-defined]


# --- the corpus's SQLite databases (real DDL and rows) with a planted change ---------------------------------
SQLITE_SQL = sorted((CORPUS / "sql").glob("*.sqlite.sql"))


def _plant_sqlite(s: Schema, which: int) -> Schema:
    """Plants that keep the rows valid: a new nullable column, a new index, an index less (in turn)."""
    t = max(s.tables, key=lambda t: (len(t.columns), t.name))
    if which % 3 == 0:
        nt = replace(t, columns=(*t.columns, Column("planted", ColumnType(TypeKind.TEXT))))
    elif which % 3 == 1 or not t.indexes:
        col = next(c.name for c in t.columns if not any(ix.columns == (c.name,) for ix in t.indexes))
        nt = replace(t, indexes=(*t.indexes, Index("planted_idx", (IndexPart(col),))))
    else:
        nt = replace(t, indexes=t.indexes[1:])
    return replace(s, tables=tuple(nt if x is t else x for x in s.tables))


@pytest.mark.parametrize("path", SQLITE_SQL, ids=[p.name for p in SQLITE_SQL])
def test_sqlite_corpus_planted_change_converges(path: Path, sqlite_factory: Callable[[], str]) -> None:
    url = sqlite_factory()
    con = sqlite3.connect(url.split(":///", 1)[1])
    con.execute("PRAGMA synchronous = OFF")  # loading rows one autocommit at a time: no fsync per row
    con.executescript(path.read_text(encoding="utf-8-sig"))
    con.close()
    inspected = api.inspect_url(url)
    desired = api.Source(_plant_sqlite(inspected, SQLITE_SQL.index(path)), "desired", None, "sqlite")
    itself = api.diff_sources(api.Source(inspected, "itself", None, "sqlite"), api.load_source(url, CFG), CFG)
    assert [c.message for c in itself.changes] == []
    report = api.diff_sources(desired, api.load_source(url, CFG), CFG, with_sql=True)
    assert report.changes
    apply_statements(url, list(report.sql or ()))
    after = api.diff_sources(desired, api.load_source(url, CFG), CFG)
    assert [c.message for c in after.changes] == [], report.sql


# --- migra's diff cases (PostgreSQL) ------------------------------------------------------------------------
MIGRA = CORPUS / "diffcases" / "migra"
MIGRA_LEFT_OUT: dict[str, str] = {}
"""migra cases that do not converge yet, with the reason; xfail(strict) so a fix is noticed."""
MIGRA_CASES = sorted(p.name for p in MIGRA.iterdir() if p.is_dir()) if MIGRA.is_dir() else []


@pytest.fixture(scope="module")
def _migra_role() -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute("DO $$BEGIN CREATE ROLE schemainspect_test_role; EXCEPTION WHEN duplicate_object THEN NULL; END$$")


def _load_sql(url: str, path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    if text.strip():
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(text)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(c, marks=[pytest.mark.xfail(strict=True, reason=MIGRA_LEFT_OUT[c])] if c in MIGRA_LEFT_OUT else [])
        for c in MIGRA_CASES
    ],
)
def test_migra_pair_converges(case: str, pg_empty: str, pg_empty2: str, _migra_role: None) -> None:
    a, b = pg_empty, pg_empty2
    _load_sql(a, MIGRA / case / "a.sql")
    _load_sql(b, MIGRA / case / "b.sql")
    for ext in re.findall(
        r'create extension\s+(?:if not exists\s+)?"?(\w+)"?', (MIGRA / case / "b.sql").read_text(), re.I
    ):
        apply_statements(a, [f'CREATE EXTENSION IF NOT EXISTS "{ext}"'])
    desired, actual = api.load_source(b, CFG), api.load_source(a, CFG)
    differs = (MIGRA / case / "a.sql").read_text() != (MIGRA / case / "b.sql").read_text()
    report = api.diff_sources(desired, actual, CFG, with_sql=True)
    if not differs:
        assert report.changes == ()
    apply_statements(a, list(report.sql or ()))
    after = api.diff_sources(api.load_source(b, CFG), api.load_source(a, CFG), CFG)
    assert [c.message for c in after.changes] == [], (report.sql, [c.message for c in report.changes])


def test_catalogue_size() -> None:
    """The README reports these counts; keep it honest."""
    assert len(CLASS_PAIRS) >= 18 and len(CORPUS_PAIRS) == 2 * len(CORPUS_SCHEMAS) and len(MIGRA_CASES) == 26
