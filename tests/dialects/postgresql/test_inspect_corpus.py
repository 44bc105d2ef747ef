"""Inspect real-world schemas from the corpus and check them against what the SQL files declare."""

from __future__ import annotations

import re
from pathlib import Path

import psycopg
import pytest

from schemaguard.db import connect
from schemaguard.dialects.postgresql.inspect import inspect_schema
from schemaguard.model import ReferentialAction, Schema
from tests.conftest import CORPUS

pytestmark = pytest.mark.postgres

SQL_DIR = CORPUS / "sql"

_CREATE_TABLE_RE = re.compile(r"^CREATE TABLE\s+(\w+)\s*\((.*?)^\);", re.M | re.S | re.I)
_PK_RE = re.compile(r"CONSTRAINT\s+(\w+)\s+PRIMARY KEY\s*\(([^)]*)\)", re.I)
_FK_RE = re.compile(
    r"ALTER TABLE\s+(?:ONLY\s+)?(\w+)\s+ADD CONSTRAINT\s+(\w+)\s+FOREIGN KEY\s*\(([^)]*)\)\s*"
    r"REFERENCES\s+(\w+)(?:\s*\(([^)]*)\))?",
    re.I,
)
_INDEX_RE = re.compile(r"^CREATE INDEX\s+(\w+)\s+ON\s+(\w+)\s*\(([^)]*)\)", re.M | re.I)


def _names(text: str) -> tuple[str, ...]:
    return tuple(n.strip() for n in text.split(","))


def _load(url: str, path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    # Chinook starts by recreating its own database and switching to it with psql's \c: keep what follows.
    marker = re.search(r"^\\c\s+\w+;?\s*$", text, re.M)
    if marker:
        text = text[marker.end() :]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(text)  # no parameters: the simple-query protocol runs the whole script
    return text


def _inspect(url: str) -> Schema:
    with connect(url) as conn:
        return inspect_schema(conn)


def _check_against_file(schema: Schema, sql: str) -> None:
    declared = {m.group(1): m.group(2) for m in _CREATE_TABLE_RE.finditer(sql)}
    assert sorted(declared) == [t.name for t in schema.tables]
    for name, body in declared.items():
        columns = [
            line.split()[0]
            for line in body.splitlines()
            if line.strip() and not line.strip().upper().startswith("CONSTRAINT")
        ]
        table = schema.table(name)
        assert table is not None
        assert [c.name for c in table.columns] == columns

    pks = {(m.group(1), _names(m.group(2))) for m in _PK_RE.finditer(sql)}
    found_pks = {(t.primary_key.name, t.primary_key.columns) for t in schema.tables if t.primary_key}
    assert found_pks == pks
    assert len(pks) == len(schema.tables)

    fks = list(_FK_RE.finditer(sql))
    found_fks = {(t.name, fk.name): fk for t in schema.tables for fk in t.foreign_keys}
    assert sorted(found_fks) == sorted((m.group(1), m.group(2)) for m in fks)
    for m in fks:
        fk = found_fks[(m.group(1), m.group(2))]
        assert fk.columns == _names(m.group(3))
        assert fk.ref_table == m.group(4)
        ref = schema.table(m.group(4))
        assert ref is not None and ref.primary_key is not None
        # REFERENCES without a column list points at the primary key
        assert fk.ref_columns == (_names(m.group(5)) if m.group(5) else ref.primary_key.columns)
        assert fk.on_delete is ReferentialAction.NO_ACTION and fk.on_update is ReferentialAction.NO_ACTION

    indexes = {(m.group(2), m.group(1), _names(m.group(3))) for m in _INDEX_RE.finditer(sql)}
    found_indexes = {(t.name, i.name, i.columns) for t in schema.tables for i in t.indexes}
    assert found_indexes == indexes


def test_chinook(pg_url: str) -> None:
    sql = _load(pg_url, SQL_DIR / "chinook.postgres.sql")
    schema = _inspect(pg_url)
    assert len(schema.tables) == 11
    _check_against_file(schema, sql)
    assert sum(len(t.foreign_keys) for t in schema.tables) == 11
    track = schema.table("track")
    assert track is not None
    assert track.column("unit_price") is not None
    assert str(track.column("unit_price").type) == "decimal(10,2)"  # type: ignore[union-attr]
    assert str(track.column("name").type) == "varchar(200)"  # type: ignore[union-attr]


def test_northwind(pg_url: str) -> None:
    sql = _load(pg_url, SQL_DIR / "northwind.postgres.sql")
    schema = _inspect(pg_url)
    assert len(schema.tables) == 14
    _check_against_file(schema, sql)
    assert sum(len(t.foreign_keys) for t in schema.tables) == 13
    categories = schema.table("categories")
    assert categories is not None
    assert [str(c.type) for c in categories.columns] == ["smallint", "varchar(15)", "text", "bytes"]
    details = schema.table("order_details")
    assert details is not None
    assert details.primary_key is not None and details.primary_key.columns == ("order_id", "product_id")
    assert str(details.column("unit_price").type) == "float"  # type: ignore[union-attr]
