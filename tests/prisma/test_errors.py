"""Parser and loader errors: one clear SchemaError with file, line and column, never a traceback."""

from __future__ import annotations

import pytest

from schemaguard.errors import SchemaError
from schemaguard.prisma.loader import load_prisma
from schemaguard.prisma.parser import parse_prisma

HEAD = 'datasource db {\n  provider = "postgresql"\n}\n\n'  # 4 lines: models start on line 5


def _error(text: str) -> SchemaError:
    with pytest.raises(SchemaError) as info:
        load_prisma("schema.prisma", text=HEAD + text)
    return info.value


def test_unterminated_block_points_at_its_opening_brace() -> None:
    err = _error("model User {\n  id Int @id\n  name String\n")
    assert (err.path, err.line, err.column) == ("schema.prisma", 5, 12)
    assert "unterminated model block 'User'" in err.problem
    assert str(err).startswith("schema.prisma:5:12: ")


def test_block_left_open_before_the_next_block() -> None:
    err = _error("model User {\n  id Int @id\n\nmodel Post {\n  id Int @id\n}\n")
    assert (err.line, err.column) == (5, 12)
    assert "missing '}' before the next block" in err.problem


def test_unknown_attribute() -> None:
    err = _error("model User {\n  id    Int    @id\n  email String @uniqe\n}\n")
    assert (err.line, err.column) == (7, 16)
    assert err.problem == "unknown attribute @uniqe; did you mean @unique?"


def test_unknown_block_attribute() -> None:
    err = _error("model User {\n  id Int @id\n  @@indx([id])\n}\n")
    assert (err.line, err.column) == (7, 3)
    assert "@@indx" in err.problem and "@@index" in err.problem


def test_unknown_type() -> None:
    err = _error("model User {\n  id   Int    @id\n  name Strin\n}\n")
    assert (err.line, err.column) == (7, 8)
    assert (
        err.problem
        == "unknown type 'Strin' for field User.name: not a scalar type, enum or model; did you mean String?"
    )


def test_bad_relation_fields_references_mismatch() -> None:
    err = _error(
        "model User {\n  id Int @id\n  posts Post[]\n}\n\n"
        "model Post {\n  id Int @id\n  authorId Int\n"
        "  author User @relation(fields: [authorId], references: [id, id])\n}\n"
    )
    assert (err.line, err.column) == (13, 15)
    assert err.problem == "bad relation: Post.author needs as many fields as references (got 1 and 2)"


def test_bad_relation_unknown_field() -> None:
    err = _error(
        "model User {\n  id Int @id\n  posts Post[]\n}\n\n"
        "model Post {\n  id Int @id\n  author User @relation(fields: [authorId], references: [id])\n}\n"
    )
    assert (err.line, err.column) == (12, 15)
    assert "unknown scalar field 'authorId' of Post" in err.problem


def test_bad_relation_without_opposite_field() -> None:
    err = _error(
        "model User {\n  id Int @id\n}\n\n"
        "model Post {\n  id Int @id\n  authorId Int\n  author User @relation(fields: [authorId], references: [id])\n}\n"
    )
    assert (err.line, err.column) == (12, 3)
    assert "no opposite relation field on model User" in err.problem


def test_unterminated_string() -> None:
    with pytest.raises(SchemaError) as info:
        parse_prisma('model A {\n  id String @id @default("abc)\n}\n', "x.prisma")
    assert (info.value.line, info.value.column) == (2, 26)
    assert info.value.problem == "unterminated string literal"


def test_garbage_at_top_level() -> None:
    with pytest.raises(SchemaError) as info:
        parse_prisma("modle User {\n}\n", "x.prisma")
    assert (info.value.line, info.value.column) == (1, 1)
    assert "expected a block" in info.value.problem


def test_unknown_native_type() -> None:
    err = _error("model User {\n  id String @id @db.VarCha(10)\n}\n")
    assert (err.line, err.column) == (6, 17)
    assert "unknown native type @db.VarCha" in err.problem


def test_unsupported_provider() -> None:
    with pytest.raises(SchemaError) as info:
        load_prisma("s.prisma", text='datasource db {\n  provider = "mysql"\n}\n')
    assert (info.value.line, info.value.column) == (2, 14)
    assert "mysql" in info.value.problem


def test_missing_file() -> None:
    with pytest.raises(SchemaError) as info:
        load_prisma("/nonexistent/schema.prisma")
    assert info.value.path == "/nonexistent/schema.prisma"
    assert "cannot read" in info.value.problem
