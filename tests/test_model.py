"""The model's own contracts: type specs round-trip, default names follow PostgreSQL, serialisations invert."""

from __future__ import annotations

import json

import pytest

from schemaguard.dialects import get_dialect
from schemaguard.diff import diff_schemas
from schemaguard.loaders.json_model import load_json_model
from schemaguard.loaders.yaml_master import dump_yaml_master, load_yaml_master
from schemaguard.model import ColumnType, TypeKind, TypeSpecError, parse_type
from schemaguard.model.naming import index_name, make_object_name, unique_name
from schemaguard.model.serialize import schema_to_dict
from schemaguard.normalize import canonical_expression, default_key, parse_default
from tests.conftest import ROOT

SPECS = [
    "string",
    "varchar(255)",
    "char(2)",
    "text",
    "smallint",
    "integer",
    "bigint",
    "float",
    "double",
    "decimal",
    "decimal(10)",
    "decimal(10,2)",
    "boolean",
    "date",
    "time",
    "time(3,tz)",
    "datetime",
    "datetime(3)",
    "datetime(tz)",
    "datetime(6,tz)",
    "interval",
    "json",
    "jsonb",
    "uuid",
    "bytes",
    "enum(Status)",
    "native(tsvector)",
    "text[]",
    "integer[][]",
    "enum(Status)[]",
    "varchar(10)[]",
]


@pytest.mark.parametrize("spec", SPECS)
def test_type_spec_round_trips(spec: str) -> None:
    t = parse_type(spec)
    assert parse_type(t.spec()) == t
    assert t.spec() == spec


def test_type_aliases() -> None:
    assert parse_type("timestamptz") == ColumnType(TypeKind.DATETIME, timezone=True)
    assert parse_type("int") == parse_type("integer")
    assert parse_type("numeric(5, 1)") == ColumnType(TypeKind.DECIMAL, precision=5, scale=1)
    assert parse_type("Status", {"Status"}) == ColumnType(TypeKind.ENUM, enum_name="Status")


@pytest.mark.parametrize(
    "bad", ["texty", "varchar(x)", "decimal(1,2,3)", "enum()", "native()", "text(5)", "varchar(-1)"]
)
def test_bad_type_specs(bad: str) -> None:
    with pytest.raises(TypeSpecError):
        parse_type(bad)


def test_default_names_follow_postgresql_truncation() -> None:
    assert unique_name("users", ["email"]) == "users_email_key"
    long = make_object_name("t" * 40, ["c" * 40], "idx")
    # PostgreSQL shortens the longer part first and keeps the label (makeObjectName).
    assert long == "t" * 29 + "_" + "c" * 29 + "_idx" and len(long.encode()) == 63
    multibyte = index_name("é" * 40, ["x"])
    assert len(multibyte.encode()) <= 63 and multibyte.endswith("_x_idx")


def test_default_normalisation() -> None:
    ints = parse_type("integer")
    assert default_key(parse_default("'-5'::integer", "postgresql"), ints) == default_key(
        parse_default("-5", "sqlite"), ints
    )
    booleans = parse_type("boolean")
    assert default_key(parse_default("false", "postgresql"), booleans) == default_key(
        parse_default("0", "sqlite"), booleans
    )
    assert parse_default("now()", "postgresql") == parse_default("CURRENT_TIMESTAMP", "sqlite")
    assert parse_default("'{}'::text[]", "postgresql").value == []
    assert default_key(parse_default("'a'", "postgresql"), parse_type("text")) != default_key(
        parse_default("'b'", "postgresql"), parse_type("text")
    )


def test_expression_normalisation() -> None:
    pg = "((status)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[]))"
    assert canonical_expression(pg, "postgresql") == canonical_expression("status IN ('a', 'b')", "sqlite")
    assert canonical_expression("price > (0)::numeric", "postgresql") == canonical_expression("price > 0")
    assert canonical_expression("a > 1") != canonical_expression("a > 2")


def test_yaml_dump_and_json_round_trip_the_example_master(tmp_path) -> None:
    master = load_yaml_master(ROOT / "schemas" / "master.yaml")
    again = load_yaml_master("dumped.yaml", dump_yaml_master(master))
    from_json = load_json_model("m.json", json.dumps(schema_to_dict(master)))
    for dialect in ("sqlite", "postgresql"):
        d = get_dialect(dialect)
        assert diff_schemas(master, again, d) == []
        assert diff_schemas(master, from_json, d) == []
    assert {t.name for t in again.tables} == {t.name for t in master.tables}
