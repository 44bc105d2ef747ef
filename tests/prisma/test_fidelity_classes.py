"""Issue 12, Prisma loading and rendering: one test per class of bug found on real schemas.

Each test failed before its fix: block comments were rejected, deep nesting raised RecursionError, a schema folder
could not be a ``diff`` side, subfolders of a schema folder were ignored, implicit many-to-many tables of a
PostgreSQL-provider master were keyed by PRIMARY KEY (A, B) on SQLite where Prisma uses a unique index, and a list
default was spelled one way in our SQLite DDL and another in our Prisma variant.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from schemaguard import api
from schemaguard.config import Config
from schemaguard.errors import SchemaError
from schemaguard.prisma.loader import load_prisma, load_prisma_with_info
from schemaguard.prisma.parser import MAX_NESTING
from schemaguard.prisma.writer import render_prisma
from tests.conftest import COPYLEFT, run_sql
from tests.helpers import apply_statements, diff_json, run_cli

FIXTURES = Path(__file__).parent / "fixtures" / "fidelity"


def test_block_comments_are_skipped_and_lines_still_counted(tmp_path: Path) -> None:
    text = (
        "/* leading\n   block comment */\n"
        'datasource db {\n  provider = "postgresql" /* inline */\n}\n'
        "model A {\n  id Int @id /* trailing */\n  /* a whole\n     line */\n  name String\n}\n"
    )
    schema = load_prisma("comments.prisma", text=text)
    assert [c.name for c in schema.tables[0].columns] == ["id", "name"]
    # A line after a multi-line comment still reports its own line and column.
    with pytest.raises(SchemaError) as err:
        load_prisma("bad.prisma", text=text.replace("  name String\n", "  name String @@@\n"))
    assert (err.value.line, err.value.column) == (10, 15)
    with pytest.raises(SchemaError, match=r"unterminated /\* comment") as err:
        load_prisma("open.prisma", text="model A {\n  id Int @id /* never closed\n}\n")
    assert (err.value.line, err.value.column) == (2, 14)


def test_deep_nesting_is_one_located_error_with_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    deep = tmp_path / "deep.prisma"
    deep.write_text("model A {\n  id Int @id @default(" + "f(" * 5000 + ")" * 5000 + ")\n}\n")
    code, out, err = run_cli(["validate", "--master", str(deep)], capsys)
    assert code == 2 and out == ""
    assert err.strip().count("\n") == 0 and "Traceback" not in err
    assert f"{deep}:2:" in err and f"nested more than {MAX_NESTING} levels" in err
    # The limit is far above what real schemas use.
    ok = 'datasource db {\n  provider = "postgresql"\n}\nmodel A {\n  id Int @id @default(dbgenerated("1"))\n}\n'
    assert load_prisma("ok.prisma", text=ok).tables


def test_schema_folder_subfolders_load_as_prisma_reads_them(tmp_path: Path) -> None:
    folder = tmp_path / "prisma"
    (folder / "models").mkdir(parents=True)
    (folder / "schema.prisma").write_text('datasource db {\n  provider = "postgresql"\n}\n')
    (folder / "models" / "user.prisma").write_text("model User {\n  id Int @id\n  posts Post[]\n}\n")
    (folder / "models" / "post.prisma").write_text(
        "model Post {\n  id Int @id\n  userId Int\n  user User @relation(fields: [userId], references: [id])\n}\n"
    )
    assert sorted(t.name for t in load_prisma(folder).tables) == ["Post", "User"]


@pytest.mark.parametrize("side", ["--to", "--from"])
def test_schema_folder_is_a_diff_side(
    side: str, sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "rallly"
    shutil.copytree(COPYLEFT / "prisma" / "rallly", folder)
    code, report = diff_json(["diff", "--from", str(folder), "--to", str(folder)], capsys)
    assert code == 0 and report["changes"] == []
    apply_statements(sqlite_url, api.render(api.load_master(Config(), folder), "sqlite"))
    args = ["diff", "--to", str(folder), "--url", sqlite_url] if side == "--to" else [
        "diff", "--from", sqlite_url, "--to", str(folder)]  # fmt: skip
    code, report = diff_json(args, capsys)
    assert report["changes"] == [] and code == 0


def test_implicit_m2m_of_a_postgresql_master_renders_prismas_sqlite_key(
    sqlite_factory: Callable[[], str], capsys: pytest.CaptureFixture[str]
) -> None:
    master = FIXTURES / "implicit_m2m.prisma"
    ours, prisma = sqlite_factory(), sqlite_factory()
    statements = api.render(api.load_master(Config(), master), "sqlite")
    text = "\n".join(statements)
    assert 'UNIQUE INDEX "_PostToTag_AB_unique"' in text and 'UNIQUE INDEX "_PostCategories_AB_unique"' in text
    assert 'PRIMARY KEY ("A", "B")' not in text
    apply_statements(ours, statements)
    run_sql(prisma, (FIXTURES / "implicit_m2m.variant.sqlite.sql").read_text(encoding="utf-8"))
    for args in (["--to", str(master), "--url", prisma], ["--from", ours, "--to", prisma]):
        code, report = diff_json(["diff", *args], capsys)
        assert report["changes"] == [] and code == 0, args


def test_list_default_has_one_spelling_in_sql_and_prisma_variant(
    sqlite_factory: Callable[[], str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Our SQLite DDL and the database Prisma builds from our SQLite variant agree on the default text, which is
    Prisma's compact JSON (``["draft","needs review"]``)."""
    loaded = load_prisma_with_info(FIXTURES / "implicit_m2m.prisma")
    variant = render_prisma(loaded.schema, "sqlite", info=loaded.info)
    assert '@default("[\\"draft\\",\\"needs review\\"]")' in variant
    sql = "\n".join(api.render(loaded.schema, "sqlite"))
    assert """DEFAULT '["draft","needs review"]'""" in sql
    ours, prisma = sqlite_factory(), sqlite_factory()
    apply_statements(ours, api.render(loaded.schema, "sqlite"))
    run_sql(prisma, (FIXTURES / "implicit_m2m.variant.sqlite.sql").read_text(encoding="utf-8"))
    code, report = diff_json(["diff", "--from", ours, "--to", prisma], capsys)
    assert report["changes"] == [] and code == 0


def test_sqlite_int_ids_are_autoincrement_as_prisma_renders_them(
    sqlite_factory: Callable[[], str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Prisma's SQLite DDL gives every single-column ``Int`` id ``INTEGER PRIMARY KEY AUTOINCREMENT``, asked for or
    not (a ``BigInt`` id stays ``BIGINT PRIMARY KEY``): our model of the schema equals the database Prisma builds,
    and our rendering builds the same one."""
    master = FIXTURES / "int_ids.sqlite.prisma"
    prisma, ours = sqlite_factory(), sqlite_factory()
    run_sql(prisma, (FIXTURES / "int_ids.sqlite.sql").read_text(encoding="utf-8"))
    statements = api.render(api.load_master(Config(), master), "sqlite")
    assert sum("AUTOINCREMENT" in s for s in statements) == 3
    apply_statements(ours, statements)
    for args in (["--to", str(master), "--url", prisma], ["--from", ours, "--to", prisma]):
        code, report = diff_json(["diff", *args], capsys)
        assert report["changes"] == [] and code == 0, args
