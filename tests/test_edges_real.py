"""Edges met on real schemas (h7 findings 12 and 15, enum values used in the plan that adds them, diff options),
on real PostgreSQL and SQLite."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from schemaguard.errors import SchemaError
from schemaguard.loaders.sql_file import load_sql_file
from tests.conftest import PG_ADMIN_URL, run_sql
from tests.helpers import run_cli

# The shape of a Rails structure.sql / pg_dump file: session settings, an untrusted extension (installed with
# PostgreSQL's contrib, not marked trusted: only a superuser may create it) and its comment, then the tables.
STRUCTURE_SQL = """\
SET statement_timeout = 0;
SET client_encoding = 'UTF8';
SELECT pg_catalog.set_config('search_path', '', false);

--
-- Name: pgstattuple; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS pgstattuple WITH SCHEMA public;

--
-- Name: EXTENSION pgstattuple; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON EXTENSION pgstattuple IS 'show tuple-level statistics';

CREATE TABLE public.posts (
    id bigint NOT NULL PRIMARY KEY,
    title text
);
"""


def _server_has(extension: str) -> bool:
    with psycopg.connect(PG_ADMIN_URL) as conn:
        return (
            conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = %s", (extension,)).fetchone() is not None
        )


@pytest.fixture
def pg_stattuple() -> None:
    """Skip unless the server has pgstattuple (contrib) installed."""
    if not _server_has("pgstattuple"):
        pytest.skip("pgstattuple is not installed on the test server")


@pytest.fixture
def createdb_role() -> Iterator[str]:
    """A dev_url for a role that may CREATE DATABASE but is no superuser (dropped after the test)."""
    role = f"sg_edges_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN CREATEDB NOSUPERUSER").format(sql.Identifier(role)))
    base = PG_ADMIN_URL.split("://", 1)[1].split("@", 1)[-1]
    try:
        yield f"postgresql://{role}@{base}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


# -- 1. (finding 12) untrusted extensions in a structure.sql master -------------------------------------------------


def test_structure_sql_with_untrusted_extension_loads(pg_stattuple: None) -> None:
    schema = load_sql_file("structure.sql", STRUCTURE_SQL, dev_url=PG_ADMIN_URL)
    assert [t.name for t in schema.tables] == ["posts"]


def test_structure_sql_master_diffs_clean_against_the_database_built_from_it(
    pg_stattuple: None, pg_url: str, tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_sql(pg_url, STRUCTURE_SQL)
    (tmp_path / "structure.sql").write_text(STRUCTURE_SQL)
    (tmp_path / "schemaguard.toml").write_text(
        f'dialect = "postgresql"\nmaster = "structure.sql"\ndev_url = "{PG_ADMIN_URL}"\n'
    )
    monkeypatch.chdir(tmp_path)
    code, _out, err = run_cli(["diff", "--url", pg_url], capsys)
    assert code == 0, err


def test_untrusted_extension_still_refused_for_the_rest_of_the_script(pg_stattuple: None) -> None:
    # Only the validated CREATE EXTENSION statement runs as the dev_url user: the rest still runs unprivileged.
    script = STRUCTURE_SQL + "\nCOPY (SELECT 1) TO PROGRAM 'true';\n"
    with pytest.raises(SchemaError) as err:
        load_sql_file("structure.sql", script, dev_url=PG_ADMIN_URL)
    assert err.value.line == script.count("\n")  # the COPY line
    assert "must be superuser" in err.value.problem


def test_error_without_a_position_is_located_after_the_extension_is_created_again(pg_stattuple: None) -> None:
    # PostgreSQL gives no position for an error raised inside a DO block: the script runs again one statement at a
    # time in a fresh database, where the extension is created the same way (else the error would be line 9's).
    script = STRUCTURE_SQL + "DO $$BEGIN RAISE EXCEPTION 'boom'; END$$;\n"
    with pytest.raises(SchemaError) as err:
        load_sql_file("structure.sql", script, dev_url=PG_ADMIN_URL)
    assert (err.value.line, err.value.column) == (script.count("\n"), 1)
    assert "boom" in err.value.problem


def test_extension_with_cascade_is_not_pre_created(pg_stattuple: None) -> None:
    # CASCADE (or any other clause) is outside the validated statement shape: it runs as the throw-away role.
    script = "CREATE EXTENSION IF NOT EXISTS pgstattuple WITH SCHEMA public CASCADE;\n"
    with pytest.raises(SchemaError) as err:
        load_sql_file("s.sql", "SET x.y = 1;\n" + script, dev_url=PG_ADMIN_URL)
    assert err.value.line == 2
    assert "permission denied" in err.value.problem


def test_extension_the_dev_user_cannot_create_is_one_clear_line(pg_stattuple: None, createdb_role: str) -> None:
    with pytest.raises(SchemaError) as err:
        load_sql_file("structure.sql", STRUCTURE_SQL, dev_url=createdb_role)
    message = str(err.value)
    assert message.startswith("structure.sql:9:1: ")
    assert '"pgstattuple"' in message
    assert "superuser" in message and "dev_url" in message
    assert "\n" not in message


# -- 2. diff --dev-url, and a PostgreSQL .sql side without a dev database ------------------------------------------

PG_DDL = "SET statement_timeout = 0;\nCREATE TABLE public.t (id integer PRIMARY KEY);\n"


def test_diff_dev_url_option_loads_a_postgresql_sql_file(
    pg_url: str, tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_sql(pg_url, PG_DDL)
    (tmp_path / "want.sql").write_text(PG_DDL)
    (tmp_path / "schemaguard.toml").write_text('dialect = "postgresql"\n')
    monkeypatch.chdir(tmp_path)
    code, _out, err = run_cli(["diff", "--url", pg_url, "--to", "want.sql", "--dev-url", PG_ADMIN_URL], capsys)
    assert code == 0, err


@pytest.mark.parametrize("side", ["--url", "-d"])
def test_postgresql_sql_file_without_dev_url_says_what_to_set(
    side: str, pg_url: str, tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "want.sql").write_text(PG_DDL)
    (tmp_path / "have.sql").write_text(PG_DDL)
    (tmp_path / "schemaguard.toml").write_text('dialect = "postgresql"\n')
    monkeypatch.chdir(tmp_path)
    actual = ["--url", pg_url] if side == "--url" else ["--from", "have.sql", "-d", "postgresql"]
    code, _out, err = run_cli(["diff", *actual, "--to", "want.sql"], capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "SQLite" not in lines[0]
    assert "--dev-url" in lines[0] and "dev_url" in lines[0] and ".sql" in lines[0]


# -- 4. an enum value added and used in the same plan ----------------------------------------------------------------

ENUM_V1 = """version: 1
enums:
  mood:
    values: [happy, sad]
tables:
  person:
    columns:
      id: {type: integer, primary_key: true}
      mood: {type: mood, nullable: false}
"""

# 'calm' is added and used at once: by a new column's default and by a check.
ENUM_V2 = """version: 1
enums:
  mood:
    values: [happy, sad, calm]
tables:
  person:
    columns:
      id: {type: integer, primary_key: true}
      mood: {type: mood, nullable: false}
      usual: {type: mood, nullable: false, default: calm}
    checks:
      - {name: not_calm_twice, expression: "mood <> 'calm'::mood OR usual <> 'calm'::mood"}
"""


def _master(tmp_path: Path, text: str) -> str:
    path = tmp_path / "master.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def _enum_values(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid"
            " WHERE t.typname = 'mood' ORDER BY e.enumsortorder"
        ).fetchall()
    return [r[0] for r in rows]


def test_sql_plan_adding_an_enum_value_it_uses_converges_in_one_transaction(tmp_path: Path, pg_url: str) -> None:
    from schemaguard import api
    from schemaguard.config import Config
    from tests.helpers import apply_statements

    run_sql(pg_url, api.render(api.load_master(Config(), _master(tmp_path, ENUM_V1)), "postgresql"))
    run_sql(pg_url, "INSERT INTO person VALUES (1, 'sad')")
    v2 = _master(tmp_path, ENUM_V2)
    report = api.diff(Config(), desired=v2, actual=pg_url, with_sql=True)
    apply_statements(pg_url, list(report.sql or ()))  # as `psql -1 -f plan.sql`: one transaction
    assert _enum_values(pg_url) == ["happy", "sad", "calm"]
    assert api.diff(Config(), desired=v2, actual=pg_url).changes == ()


def test_revision_adding_an_enum_value_it_uses_upgrades_and_downgrades(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    from schemaguard.cli.context import STATE

    (tmp_path / "schemaguard.toml").write_text(
        f'master = "master.yaml"\ndialect = "postgresql"\ndev_url = "{PG_ADMIN_URL}"\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)

    def cli(*args: str) -> int:
        STATE._config = None
        STATE.config_path = None
        code, _out, err = run_cli(list(args), capsys)
        assert code == 0, (args, err)
        return code

    _master(tmp_path, ENUM_V1)
    cli("migrate", "generate", "-m", "v1")
    _master(tmp_path, ENUM_V2)
    cli("migrate", "generate", "-m", "calm")
    cli("migrate", "upgrade", "--url", pg_url)
    assert _enum_values(pg_url) == ["happy", "sad", "calm"]
    cli("diff", "--url", pg_url)
    cli("migrate", "downgrade", "-1", "--url", pg_url)
    assert _enum_values(pg_url) == ["happy", "sad"]
    _master(tmp_path, ENUM_V1)
    cli("diff", "--url", pg_url)
    cli("migrate", "upgrade", "--url", pg_url)  # and up again
    assert _enum_values(pg_url) == ["happy", "sad", "calm"]


# -- 3. (finding 15) identifiers longer than PostgreSQL's 63 bytes ---------------------------------------------------

LONG_INDEX = "index_subscription_line_items_on_subscription_id_and_product_variant_id_and_created_at"
LONG_MASTER = f"""version: 1
tables:
  items:
    columns:
      id: {{type: integer, primary_key: true}}
      a: {{type: integer}}
    indexes:
      - name: {LONG_INDEX}
        columns: [a]
"""


def _project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dialect: str, master: str) -> None:
    from schemaguard.cli.context import STATE

    (tmp_path / "master.yaml").write_text(master, encoding="utf-8")
    (tmp_path / "schemaguard.toml").write_text(f'master = "master.yaml"\ndialect = "{dialect}"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    STATE._config = None
    STATE.config_path = None


def test_validate_locates_a_name_postgresql_would_truncate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    assert len(LONG_INDEX.encode()) > 63
    _project(tmp_path, monkeypatch, "postgresql", LONG_MASTER)
    code, _out, err = run_cli(["validate"], capsys)
    assert code == 2
    line = err.strip()
    assert line.startswith("error: master.yaml:8:"), err
    assert LONG_INDEX in line and "63 bytes" in line
    assert "\n" not in line


def test_diff_against_postgresql_names_the_file_not_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any, pg_url: str
) -> None:
    _project(tmp_path, monkeypatch, "postgresql", LONG_MASTER)
    code, _out, err = run_cli(["diff", "--url", pg_url, "--sql"], capsys)
    assert code == 2
    assert err.strip().startswith("error: master.yaml:8:"), err
    assert "database" not in err.split("63 bytes", 1)[0]


def test_multibyte_names_count_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    # 32 characters, 64 bytes in UTF-8: PostgreSQL truncates it too (the limit is in bytes).
    name = "é" * 32
    _project(
        tmp_path,
        monkeypatch,
        "postgresql",
        LONG_MASTER.replace(LONG_INDEX, "short").replace("a:", f"{name}:", 1).replace("[a]", f"[{name}]"),
    )
    code, _out, err = run_cli(["validate"], capsys)
    assert code == 2 and "64 bytes" in err, err


def test_long_names_are_fine_for_a_sqlite_master(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any, sqlite_url: str
) -> None:
    _project(tmp_path, monkeypatch, "sqlite", LONG_MASTER)
    code, _out, err = run_cli(["validate"], capsys)
    assert code in (0, 1), err
    assert "63 bytes" not in err
