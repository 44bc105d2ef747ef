"""Regression tests for the core bugs the fuzzers found (each failed before its fix)."""

from __future__ import annotations

import pytest

from schemaguard import api
from schemaguard.errors import SchemaError
from schemaguard.loaders.yaml_master import load_yaml_master
from schemaguard.prisma import load_prisma


@pytest.mark.parametrize(
    ("text", "line", "column", "needle"),
    [
        # yaml.reader.ReaderError has no mark: it used to give a two-line message without a location.
        ("\x1fversion: 1\n", 1, 1, "U+001F"),
        ("version: 1\ntables:\n  a\x07b: {}\n", 3, 4, "U+0007"),
        # A list as a mapping key used to crash with TypeError: unhashable type: 'list'.
        ("version: 1\n[]:\n  a: 1\n", 2, 1, "a key must be a plain name"),
        ("version: 1\ntables:\n  ? [a, b]\n  : {columns: {id: {type: text}}}\n", 3, 5, "a key must be a plain name"),
        # Empty names used to load and then crash SQLAlchemy in render (ArgumentError).
        ('version: 1\ntables:\n  "":\n    columns: {a: {type: text}}\n', 4, 5, "empty name"),
        ('version: 1\ntables:\n  t:\n    columns: {"": {type: text}}\n', 4, 19, "empty name"),
        # A schema-wide duplicate index name used to be reported without any line.
        (
            "version: 1\ntables:\n  a:\n    columns: {x: {type: int}}\n    indexes: [{columns: [x], name: ix}]\n"
            "  b:\n    columns: {x: {type: int}}\n    indexes:\n      - {columns: [x], name: ix}\n",
            9,
            9,
            "index name 'ix' is used 2 times",
        ),
    ],
)
def test_yaml_loader_locates_what_used_to_crash(text: str, line: int, column: int, needle: str) -> None:
    with pytest.raises(SchemaError) as info:
        load_yaml_master("m.yaml", text)
    err = info.value
    assert (err.path, err.line, err.column) == ("m.yaml", line, column), str(err)
    assert needle in str(err) and "\n" not in str(err)


def test_render_rejects_a_duplicate_column_with_its_location() -> None:
    """A field declared twice is a located load error; a schema built in code with a duplicate column is a
    located render error (it used to raise SQLAlchemy's DuplicateColumnError)."""
    from dataclasses import replace

    text = 'datasource db {\n  provider = "postgresql"\n  url = env("X")\n}\nmodel M {\n  id Int @id\n  a Int\n  a Int\n}\n'
    with pytest.raises(SchemaError, match="column 'a' twice") as loaded:
        load_prisma("s.prisma", text)
    assert loaded.value.path == "s.prisma" and loaded.value.line is not None
    ok = load_prisma("s.prisma", text.replace("  a Int\n  a Int\n", "  a Int\n"))
    table = ok.tables[0]
    schema = replace(ok, tables=(replace(table, columns=(*table.columns, table.columns[-1])),))
    for dialect in ("postgresql", "sqlite"):
        with pytest.raises(SchemaError, match="column 'a' is defined twice") as info:
            api.render(schema, dialect)
        assert info.value.path == "s.prisma" and info.value.line is not None


def test_enum_named_like_a_builtin_type_is_a_located_error() -> None:
    """An enum called ``text`` used to escape render as SQLAlchemy's CompileError."""
    schema = load_yaml_master(
        "m.yaml", "version: 1\nenums:\n  text: [a, b]\ntables:\n  t:\n    columns: {id: {type: integer}}\n"
    )
    with pytest.raises(SchemaError, match="built-in PostgreSQL type") as info:
        api.render(schema, "postgresql")
    assert (info.value.path, info.value.line) == ("m.yaml", 3)
    assert api.render(schema, "sqlite")  # SQLite has no named types: nothing collides
