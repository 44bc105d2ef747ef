"""Property-based fuzzing of every parser: YAML masters, Prisma schemas, SQL default/expression text and the
SQLite inspector's DDL scanner.

Contract: every input ends in a model (or canonical text) or in one SchemaGuardError — for file loaders a
``SchemaError`` naming the file and a line — never another exception and never a hang (each case runs under a
SIGALRM deadline). A model that loads must also render on both dialects and diff against itself with no change.

The number of examples per test is ``SG_FUZZ_EXAMPLES`` (default 300); the suite prints the cases it ran.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemaguard.dialects import get_dialect
from schemaguard.dialects.sqlite.inspect import scan_create_index, scan_create_table
from schemaguard.dialects.sqlite.render import expression as sqlite_expression
from schemaguard.diff.differ import diff_schemas
from schemaguard.errors import InspectError, SchemaError, SchemaGuardError
from schemaguard.loaders.yaml_master import load_yaml_master
from schemaguard.model import Default, Schema
from schemaguard.normalize import canonical_expression, parse_default
from schemaguard.prisma import load_prisma
from tests.conftest import COPYLEFT, CORPUS, ROOT, corpus_glob
from tests.reliability._support import FUZZ_CASES, deadline

EXAMPLES = int(os.environ.get("SG_FUZZ_EXAMPLES", "300"))
CASE_SECONDS = 10.0
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,  # our own SIGALRM deadline bounds each case; hypothesis' timing would flake on a busy host
    database=None,  # do not write .hypothesis/ into the work tree
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

YAML_SEEDS = {
    "drift_master.yaml": (ROOT / "tests" / "fixtures" / "drift_master.yaml").read_text(encoding="utf-8"),
    "master.yaml": (ROOT / "schemas" / "master.yaml").read_text(encoding="utf-8"),
}
PRISMA_SEEDS = {
    p.name: p.read_text(encoding="utf-8")
    for p in corpus_glob(CORPUS / "prisma", "*.prisma") + corpus_glob(COPYLEFT / "prisma", "*.prisma")
}

TYPES = [
    "text", "integer", "bigint", "smallint", "boolean", "uuid", "json", "jsonb", "date", "time", "datetime",
    "datetime(3)", "timestamptz", "decimal(10,2)", "decimal(x,2)", "decimal(2,10)", "varchar(255)", "varchar(0)",
    "varchar(-1)", "char(3)", "text[]", "text[][]", "integer[]", "bytes", "float", "double", "interval", "Status",
    "enum(Status)", "enum(Nope)", "native(tsvector)", "native()", "texty", "", " ", "(", "[]", "varchar(", "\U0001d518",
]  # fmt: skip
SPECIAL = "'\"\\;-/*:{}[]()#&!|>%@`, \n\t\r\x00\u00a0\u200b\u0301é\U0001d518"


# --- mutation strategies --------------------------------------------------------------------------------------


@st.composite
def mutated(draw: st.DrawFn, seeds: dict[str, str], words: list[str]) -> tuple[str, str]:
    """(seed name, text): a seed file with 1-6 edits — deleted spans, inserted noise, replaced characters, a word
    swapped for another from ``words``, duplicated or swapped lines, a random key/value line."""
    name = draw(st.sampled_from(sorted(seeds)))
    text = seeds[name]
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["delete", "insert", "replace", "word", "dup", "swap", "key"]))
        n = len(text)
        at = draw(st.integers(0, max(n - 1, 0)))
        if op == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 40)) :]
        elif op == "insert":
            text = (
                text[:at] + draw(st.text(alphabet=st.sampled_from(SPECIAL) | st.characters(), max_size=12)) + text[at:]
            )
        elif op == "replace" and n:
            text = text[:at] + draw(st.sampled_from(SPECIAL)) + text[at + 1 :]
        elif op == "word":
            spots = [m for m in re.finditer(r"[A-Za-z_][A-Za-z0-9_()\[\],]*", text)]
            if spots:
                m = draw(st.sampled_from(spots))
                text = text[: m.start()] + draw(st.sampled_from(words)) + text[m.end() :]
        else:
            lines = text.split("\n")
            i = draw(st.integers(0, len(lines) - 1))
            if op == "dup":
                lines.insert(i, lines[i])
            elif op == "swap":
                j = draw(st.integers(0, len(lines) - 1))
                lines[i], lines[j] = lines[j], lines[i]
            else:
                indent = " " * draw(st.sampled_from([0, 2, 4, 6, 8]))
                key = draw(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=10))
                lines.insert(i, f"{indent}{yaml.safe_dump(key).splitlines()[0]}: {draw(st.sampled_from(words))}")
            text = "\n".join(lines)
    return name, text


NAMES = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), min_size=0, max_size=12) | st.sampled_from(
    ["id", "t", "select", "x", "a.b", "a(b)", ""]
)
SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | NAMES
COLUMN_KEYS = ["type", "nullable", "primary_key", "default", "autoincrement", "unique", "references", "on_delete",
               "generated", "comment", "bogus"]  # fmt: skip


@st.composite
def random_master(draw: st.DrawFn) -> str:
    """A structurally plausible master: random table/column names, types, keys and values, then YAML-dumped."""
    tables: dict[Any, Any] = {}
    for _ in range(draw(st.integers(0, 3))):
        cols: dict[Any, Any] = {}
        for _ in range(draw(st.integers(0, 4))):
            spec: dict[str, Any] = {"type": draw(st.sampled_from(TYPES) | NAMES)}
            for key in draw(st.lists(st.sampled_from(COLUMN_KEYS), max_size=3)):
                spec[key] = draw(SCALARS | st.sampled_from(TYPES) | st.dictionaries(NAMES, SCALARS, max_size=2))
            cols[draw(NAMES)] = spec
        table: dict[str, Any] = {"columns": cols}
        if draw(st.booleans()):
            table["indexes"] = [{"columns": draw(st.lists(NAMES, max_size=3)), "unique": draw(st.booleans())}]
        if draw(st.booleans()):
            table["checks"] = [{"expression": draw(NAMES | st.sampled_from(["a > 0", "(", "x IN ('a', 'b')"]))}]
        if draw(st.booleans()):
            table["primary_key"] = draw(st.lists(NAMES, max_size=2))
        tables[draw(NAMES)] = table
    doc: dict[str, Any] = {"version": draw(st.sampled_from([1, 1, 1, 2, "1", None])), "tables": tables}
    if draw(st.booleans()):
        doc["enums"] = {draw(NAMES): draw(st.lists(NAMES, max_size=3))}
    return yaml.safe_dump(doc, allow_unicode=draw(st.booleans()), sort_keys=False)


SQL_TOKENS = [
    "'", "''", '"', "(", ")", "::", "::text", "::integer[]", "ARRAY[", "]", "CHECK", "CAST(", " AS ", "now()",
    "CURRENT_TIMESTAMP", "0", "-1", "1.5e10", "'{}'", "'{a,\"b\"}'", "x", "\"select\"", "--", "/*", "*/", ";",
    "||", "E'\\''", "$$", "$tag$", "=", "<>", "ANY", "ALL", "IN", "NOT", "NULL", "TRUE", "false", ",", "lower(",
    "gen_random_uuid()", "nextval('s'::regclass)", "CASE WHEN", "THEN", "ELSE", "END", "\\", "\n", "é", "\U0001d518",
    "DEFAULT", "PRIMARY KEY", "CONSTRAINT", "GENERATED ALWAYS", "WITHOUT ROWID", "COLLATE", "DESC", "WHERE",
]  # fmt: skip
SQL_TEXT = st.lists(st.sampled_from(SQL_TOKENS) | NAMES, max_size=25).map(" ".join) | st.text(max_size=80)


# --- the properties ---------------------------------------------------------------------------------------------


def _ends_well_as_model(schema: Schema) -> None:
    """A loaded model must render on both dialects and compare equal to itself (or fail with a SchemaGuardError)."""
    for name in ("postgresql", "sqlite"):
        dialect = get_dialect(name)
        try:
            statements = dialect.render(schema)
        except SchemaGuardError:
            continue
        assert all(isinstance(s, str) and s for s in statements)
        assert diff_schemas(schema, schema, dialect) == [], f"{name}: a schema differs from itself"


def _check_file_loader(load: Any, label: str, text: str, what: str) -> None:
    FUZZ_CASES[what] += 1
    try:
        with deadline(CASE_SECONDS, what):
            schema = load(label, text)
            _ends_well_as_model(schema)
    except SchemaError as err:
        assert err.path == label, f"SchemaError without the file: {err}"
        assert err.line is not None and err.line >= 1, f"SchemaError without a line: {err}"
        assert "Traceback" not in str(err)
        assert str(err).startswith(f"{label}:{err.line}"), str(err)


@FUZZ
@given(case=mutated(YAML_SEEDS, [*TYPES, "true", "false", "null", "[]", "{}", "{sql: now()}", "1", "-", "&a", "*a"]))
def test_mutated_yaml_masters(case: tuple[str, str]) -> None:
    name, text = case
    _check_file_loader(load_yaml_master, f"fuzz/{name}", text, "yaml (mutated seeds)")


@FUZZ
@given(text=random_master())
def test_random_yaml_masters(text: str) -> None:
    _check_file_loader(load_yaml_master, "fuzz/random.yaml", text, "yaml (random documents)")


@FUZZ
@given(text=st.text(max_size=200))
def test_arbitrary_text_as_yaml_master(text: str) -> None:
    _check_file_loader(load_yaml_master, "fuzz/any.yaml", text, "yaml (arbitrary text)")


PRISMA_WORDS = [
    "String", "Int", "BigInt", "Boolean", "DateTime", "Json", "Bytes", "Decimal", "Float", "Unsupported(\"x\")",
    "@id", "@unique", "@default(now())", "@default(autoincrement())", "@default(\"a\")", "@default(dbgenerated())",
    "@relation(fields: [a], references: [b])", "@@index([a])", "@@unique([a, b])", "@@id([a])", "@map(\"x\")",
    "@db.VarChar(10)", "@db.Text", "model", "enum", "{", "}", "?", "[]", "@@map(\"t\")", "datasource", "generator",
]  # fmt: skip


@FUZZ
@given(case=mutated(PRISMA_SEEDS, PRISMA_WORDS))
def test_mutated_prisma_schemas(case: tuple[str, str]) -> None:
    name, text = case
    _check_file_loader(load_prisma, f"fuzz/{name}", text, "prisma (mutated corpus)")


@FUZZ
@given(
    text=st.lists(st.sampled_from(PRISMA_WORDS) | NAMES | st.sampled_from(["\n", " ", '"', "(", ")", ","]), max_size=40)
    .map(" ".join)
    .map(lambda body: 'datasource db {\n  provider = "postgresql"\n  url = env("X")\n}\nmodel M {\n' + body + "\n}\n")
)
def test_random_prisma_models(text: str) -> None:
    _check_file_loader(load_prisma, "fuzz/random.prisma", text, "prisma (random models)")


@FUZZ
@given(sql=SQL_TEXT, dialect=st.sampled_from(["postgresql", "sqlite", None]))
def test_default_and_expression_text(sql: str, dialect: str | None) -> None:
    FUZZ_CASES["sql (parse_default, canonical_expression, SQLite transpile)"] += 1
    with deadline(CASE_SECONDS, "sql"):
        d = parse_default(sql, dialect)
        assert d is None or isinstance(d, Default)
        text = canonical_expression(sql, dialect)
        assert isinstance(text, str)
        # Canonical text is a fixed point for anything sqlglot understood: comparing it again changes nothing.
        assert isinstance(canonical_expression(text, "postgresql"), str)
        assert isinstance(sqlite_expression(sql), str)


@FUZZ
@given(body=SQL_TEXT, tail=st.sampled_from(["", " WITHOUT ROWID", " STRICT", ";", " -- x", ")"]))
def test_sqlite_ddl_scanner(body: str, tail: str) -> None:
    FUZZ_CASES["sql (SQLite DDL scanner)"] += 1
    with deadline(CASE_SECONDS, "scan"):
        for sql in (f'CREATE TABLE "t" ({body}){tail}', f"CREATE TABLE t {body}", body):
            try:
                scan_create_table(sql, "t")
            except InspectError as err:
                assert "SQLite" in str(err)
        for sql in (f'CREATE INDEX "i" ON "t" ({body}){tail}', f"CREATE UNIQUE INDEX i ON t (a) WHERE {body}"):
            try:
                scan_create_index(sql, "i")
            except InspectError as err:
                assert "SQLite" in str(err)


def test_deadline_catches_a_hang() -> None:
    """The bound itself works: a runaway case is stopped, not waited for."""
    import time

    from tests.reliability._support import Hang

    with pytest.raises(Hang), deadline(0.2, "sleep"):
        time.sleep(5)


def test_seeds_load() -> None:
    """The mutation seeds are valid themselves, so mutations start from a real model."""
    for name, text in YAML_SEEDS.items():
        assert load_yaml_master(name, text).tables
    for name, text in PRISMA_SEEDS.items():
        assert load_prisma(name, text).tables
    assert Path(CORPUS / "prisma").is_dir()


def test_lone_surrogate_is_a_located_error() -> None:
    """Found by the arbitrary-text fuzzer: a lone surrogate (possible in text handed to the API, never in a UTF-8
    file) raised UnicodeEncodeError from the YAML parser instead of a located SchemaError."""
    for text in ("\ud800", "version: 1\ntables:\n  a\udfff:\n"):
        with pytest.raises(SchemaError, match="lone surrogate") as err:
            load_yaml_master("fuzz/s.yaml", text)
        assert err.value.line is not None


@pytest.mark.parametrize("sql", ["0?", "1 ?", "? 0"])
def test_sqlglot_assertion_is_unparsed_text(sql: str, tmp_path: Path) -> None:
    """Found by the SQL fuzzer: sqlglot's postgres parser raises TypeError (not ParseError) on ``0?``; the text is
    then simply not an expression it understands, and a master holding it is a located error, not a traceback."""
    d = parse_default(sql, "postgresql")
    assert d is None or isinstance(d, Default)
    assert isinstance(canonical_expression(sql, "postgresql"), str)
    assert isinstance(sqlite_expression(sql), str)
    master = tmp_path / "m.yaml"
    master.write_text(f"version: 1\ntables:\n  t:\n    columns:\n      a: {{type: int, default: {{sql: '{sql}'}}}}\n")
    with pytest.raises(SchemaError) as err:
        load_yaml_master(master)
    assert err.value.line == 5
