"""Issue 16.1: no table name, column name, enum value or ``-m`` message can change the structure of a generated
revision (it was pasted into the docstring: `pwn\"\"\"⏎import os...` closed it and ran on the next import).

Every revision generated from a hostile-names master is parsed with ``ast`` and must hold only a docstring equal to
the message, imports of alembic/sqlalchemy, the four revision identifiers, the NativeType helper and
``upgrade()``/``downgrade()`` made of ``op`` calls; every hostile name must come back as a string constant; the
revisions then replay, upgrade and downgrade on a real database, and no payload ever runs (no file is created).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.conftest import PG_ADMIN_URL

PAYLOAD = 'pwn"""\nimport os; os.system(\'touch pwned\')\n"""'
# Names hold no "." (a dotted table name is schema-qualified in the master format): the payload imports without one.
NAME_PAYLOAD = 'pwn"""\nfrom os import system; system(\'touch pwned\')\n"""'
HOSTILE = [
    NAME_PAYLOAD,
    "q'''x",
    "back\\slash\\",
    "cr\rlf",
    "ls\u2028ps\u2029",
    "${HOME}x",
    "%(x)s",
    "<% from os import system; system('touch pwned') %>",
    "${exec('import os\\x2e system')}",
    "[/nope]",
    "# coding: utf-7",
]
MESSAGES = [
    PAYLOAD,
    "'''\nimport os; os.system('touch pwned')\n'''",
    "# -*- coding: utf-7 -*-\n+AAo-import os",
    "<% import os; os.system('touch pwned') %> ${__import__('os').system('touch pwned')} %(x)s \\ \r \u2028 end",
]
ENUM_VALUES = ['a"""', "b\\", "<%c%>", "${d}", "e\u2028"]


def _master(drop: str | None = None, extra_column: bool = False) -> str:
    tables: dict[str, object] = {}
    for i, name in enumerate(HOSTILE):
        if name == drop:
            continue
        columns: dict[str, object] = {
            "id": {"type": "text", "primary_key": True},
            name + "c": {"type": "text"},
            "mood": {"type": "Mood"},
            "ref": {"type": "text", "references": "%(x)s.id"},
        }
        if extra_column:
            columns[name + "new"] = {"type": "integer", "default": 0, "nullable": False}
        tables[name] = {"columns": columns, "indexes": [{"name": f"ix{i}_{name}"[:60], "columns": [name + "c"]}]}
    return yaml.safe_dump({"version": 1, "enums": {"Mood": ENUM_VALUES}, "tables": tables}, allow_unicode=True)


def _allowed_names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _assert_structure(path: Path, message: str) -> set[str]:
    """Parse a revision and check its top-level statements; returns every string constant in it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    body = tree.body
    assert isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
    assert body[0].value.value == message, "the docstring is the message, exactly"
    functions = []
    for node in body[1:]:
        if isinstance(node, ast.ImportFrom):
            assert node.module and node.module.split(".")[0] in ("alembic", "sqlalchemy"), ast.dump(node)
        elif isinstance(node, ast.Import):
            assert all(a.name.split(".")[0] == "sqlalchemy" for a in node.names), ast.dump(node)
        elif isinstance(node, ast.Assign):
            (target,) = node.targets
            assert isinstance(target, ast.Name)
            assert target.id in ("revision", "down_revision", "branch_labels", "depends_on")
            assert isinstance(node.value, ast.Constant)
        elif isinstance(node, ast.ClassDef):
            assert node.name == "NativeType"
            assert _allowed_names(node) <= {"sa", "self", "spec", "kw", "cache_ok"}
        elif isinstance(node, ast.FunctionDef):
            functions.append(node.name)
            assert not node.args.args and not node.decorator_list
            for st in node.body:
                calls = st.body if isinstance(st, ast.With) else [st]
                for call in calls:
                    assert isinstance(call, ast.Expr | ast.Pass), ast.dump(call)
            assert _allowed_names(node) <= {"op", "batch_op", "sa", "postgresql", "sqlite", "NativeType"}
            assert not any(isinstance(n, ast.Lambda | ast.Subscript | ast.BinOp) for n in ast.walk(node))
        else:
            raise AssertionError(f"unexpected statement {ast.dump(node)[:200]}")
    assert functions == ["upgrade", "downgrade"]
    return {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def _no_payload_ran(root: Path) -> None:
    assert not list(root.rglob("pwned*")), "a payload ran"
    assert not Path("pwned").exists()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Path]:
    def make(dialect: str) -> Path:
        root = tmp_path / dialect
        root.mkdir()
        lines = ['master = "master.yaml"', f'dialect = "{dialect}"']
        if dialect == "postgresql":
            lines.append(f'dev_url = "{PG_ADMIN_URL}"')
        (root / "schemaguard.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        monkeypatch.chdir(root)
        return root

    return make


def _run(*args: str) -> int:
    from schemaguard.cli.app import main
    from schemaguard.cli.context import STATE

    STATE._config = None
    STATE.config_path = None
    return main(list(args))


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_hostile_names_and_messages_stay_data(
    dialect: str, project: Callable[[str], Path], sqlite_factory: Callable[[], str], pg_factory: Callable[[], str]
) -> None:
    root = project(dialect)
    url = sqlite_factory() if dialect == "sqlite" else pg_factory()
    master = root / "master.yaml"
    master.write_text(_master(), encoding="utf-8")
    assert _run("migrate", "generate", "-m", MESSAGES[0]) == 0
    # second revision: a hostile table dropped, hostile columns added (the downgrade re-creates and drops them)
    master.write_text(_master(drop=HOSTILE[1], extra_column=True), encoding="utf-8")
    assert _run("migrate", "generate", "-m", MESSAGES[1]) == 0
    master.write_text(_master(drop=HOSTILE[1], extra_column=False), encoding="utf-8")
    assert _run("migrate", "generate", "-m", MESSAGES[2]) == 0
    revisions = sorted((root / "migrations" / "versions").glob("*.py"))
    assert len(revisions) == 3
    constants: set[str] = set()
    for path, message in zip(revisions, MESSAGES, strict=False):
        lines = path.read_text(encoding="utf-8").splitlines()
        assert lines[0].startswith("# An Alembic revision generated by schemaguard")  # no user text on lines 1-2
        assert lines[1] == f"# Dialect: {dialect}"
        constants |= _assert_structure(path, message)
    for name in HOSTILE:
        assert name in constants and name + "c" in constants, f"{name!r} did not come back as a string"
    # PostgreSQL: ENUM values; SQLite: inside the CHECK constraint's SQL text
    assert all(any(v in c for c in constants) for v in ENUM_VALUES)
    _no_payload_ran(root)

    # The revisions import, replay and run: Alembic loads every file; the names reach the database intact.
    assert _run("migrate", "check") == 0
    assert _run("migrate", "upgrade", "--url", url) == 0
    assert _run("diff", "--url", url) == 0
    assert _run("migrate", "downgrade", "0001", "--url", url) == 0
    master.write_text(_master(), encoding="utf-8")
    assert _run("diff", "--url", url) == 0
    _no_payload_ran(root)


def test_message_with_every_hostile_form(project: Callable[[str], Path]) -> None:
    root = project("sqlite")
    (root / "master.yaml").write_text(
        yaml.safe_dump({"version": 1, "tables": {"t": {"columns": {"id": {"type": "integer", "primary_key": True}}}}}),
        encoding="utf-8",
    )
    assert _run("migrate", "generate", "-m", MESSAGES[3]) == 0
    (path,) = (root / "migrations" / "versions").glob("*.py")
    _assert_structure(path, MESSAGES[3])
    changelog = next((root / "changelog").glob("*.yaml"))
    assert yaml.safe_load(changelog.read_text(encoding="utf-8"))["message"] == MESSAGES[3]
    assert _run("migrate", "check") == 0
    _no_payload_ran(root)


def test_tampered_template_is_never_rendered_by_generate(project: Callable[[str], Path]) -> None:
    """``migrate generate`` writes revisions itself: a ``<% %>`` block planted in script.py.mako does not run."""
    root = project("sqlite")
    master = root / "master.yaml"
    master.write_text(
        yaml.safe_dump({"version": 1, "tables": {"t": {"columns": {"id": {"type": "integer", "primary_key": True}}}}}),
        encoding="utf-8",
    )
    assert _run("migrate", "generate", "-m", "first") == 0
    template = root / "migrations" / "script.py.mako"
    template.write_text("<% import os; os.system('touch pwned') %>\n" + template.read_text(encoding="utf-8"))
    columns = {"id": {"type": "integer", "primary_key": True}, "x": {"type": "text"}}
    master.write_text(yaml.safe_dump({"version": 1, "tables": {"t": {"columns": columns}}}), encoding="utf-8")
    assert _run("migrate", "generate", "-m", "second") == 2  # schemaguard.sum covers the template
    _no_payload_ran(root)
    assert _run("migrate", "hash") == 0  # even once it is blessed, generate never renders it
    assert _run("migrate", "generate", "-m", "second") == 0
    assert len(list((root / "migrations" / "versions").glob("*.py"))) == 2
    _no_payload_ran(root)


def test_plain_alembic_revision_template_keeps_the_message_as_data(project: Callable[[str], Path]) -> None:
    """The script.py.mako schemaguard writes (for plain ``alembic revision``) renders the message with repr()."""
    from alembic import command

    from schemaguard.config import load_config
    from schemaguard.migrate.project import MigrationsDir

    root = project("sqlite")
    (root / "master.yaml").write_text(
        yaml.safe_dump({"version": 1, "tables": {"t": {"columns": {"id": {"type": "integer", "primary_key": True}}}}}),
        encoding="utf-8",
    )
    assert _run("migrate", "generate", "-m", "first") == 0
    mdir = MigrationsDir.from_config(load_config(root / "schemaguard.toml"))
    for i, message in enumerate(MESSAGES):
        script = command.revision(mdir.alembic_config(), message=message, rev_id=f"x{i}")
        assert script is not None
        _assert_structure(Path(script.path), message)
    _no_payload_ran(root)


def test_the_guard_refuses_code_it_did_not_write() -> None:
    from schemaguard.migrate.errors import MigrationError
    from schemaguard.migrate.writer import check_revision_source

    good = "'m'\nfrom alembic import op\nimport sqlalchemy as sa\nrevision = '1'\ndown_revision = None\n\n\ndef upgrade():\n    op.drop_table('t')\n\n\ndef downgrade():\n    pass\n"
    check_revision_source(good)
    for bad in (
        good.replace("import sqlalchemy as sa", "import os"),
        good + "\nos.system('x')\n",
        good.replace("op.drop_table('t')", "__import__('os').system('x')"),
        good.replace("op.drop_table('t')", "op.drop_table(open('x').read())"),
        good.replace("revision = '1'", "revision = f()"),
        good.replace("def downgrade():\n    pass", "def downgrade():\n    import os"),
        good.replace("'m'", "f()"),
    ):
        with pytest.raises(MigrationError):
            check_revision_source(bad)


def _one_table(root: Path) -> None:
    (root / "master.yaml").write_text(
        yaml.safe_dump({"version": 1, "tables": {"t": {"columns": {"id": {"type": "integer", "primary_key": True}}}}}),
        encoding="utf-8",
    )


def test_prisma_migration_keeps_the_message_in_comments(project: Callable[[str], Path]) -> None:
    """A ``-m`` message in a Prisma migration.sql is ``--`` comment lines only: it cannot add a statement."""
    import sqlite3

    root = project("sqlite")
    _one_table(root)
    message = 'x\nDROP TABLE "t";\r\nCREATE TABLE pwned (id int);\u2028-- end */ /*'
    assert _run("migrate", "generate", "-m", message, "--format", "prisma") == 0
    (script,) = (root / "prisma" / "migrations").glob("*/migration.sql")
    text = script.read_text(encoding="utf-8")
    header = text.split("\n\n", 1)[0].split("\n")
    assert all(line.startswith("-- ") for line in header) and len(header) == 2
    db = root / "x.db"
    con = sqlite3.connect(db)
    con.executescript(text)
    names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    con.close()
    assert names == {"t"}


def test_changelog_markdown_keeps_messages_as_text(project: Callable[[str], Path], capsys) -> None:
    root = project("sqlite")
    _one_table(root)
    message = "fix\n# injected heading\n<img src=x> @org/team [click](https://evil.example)"
    assert _run("migrate", "generate", "-m", message) == 0
    capsys.readouterr()
    assert _run("changelog") == 0
    md = capsys.readouterr().out
    assert not any(line.startswith("# injected") for line in md.splitlines())
    assert "<img" not in md and "@org" not in md and "[click](" not in md
    assert "&lt;img src=x&gt;" in md


def test_baseline_of_a_database_with_hostile_names(project: Callable[[str], Path], sqlite_url: str) -> None:
    """The baseline revision is built from a live database's names: they stay data too."""
    import sqlite3

    root = project("sqlite")
    _one_table(root)
    con = sqlite3.connect(sqlite_url.split(":///", 1)[1])
    for name in HOSTILE:
        quoted = '"' + name.replace('"', '""') + '"'
        col = '"' + (name + "c").replace('"', '""') + '"'
        con.execute(f"CREATE TABLE {quoted} (id INTEGER PRIMARY KEY, {col} TEXT)")
    con.commit()
    con.close()
    assert _run("migrate", "baseline", "--url", sqlite_url, "-m", MESSAGES[0]) == 0
    (path,) = (root / "migrations" / "versions").glob("*.py")
    constants = _assert_structure(path, MESSAGES[0])
    assert all(name in constants for name in HOSTILE)
    assert _run("migrate", "check") == 1  # the database has the hostile tables, the master only t: not converged
    _no_payload_ran(root)
