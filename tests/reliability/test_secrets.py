"""Secrets never reach an output: passwords in URLs, in ``${ENV}`` values and in driver error messages are masked
in every report format of every command that takes a database, in errors, and in the backfill ledger. Each test
greps everything the command printed (stdout and stderr) for the password.

The test server trusts local connections, so a password is accepted whatever it is; driver errors are provoked
with a refused port, an unknown database or host, and an unencoded ``@`` or space in the password (which libpq
then echoes as part of a host name).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from schemaguard import api
from schemaguard.backfills.demo import seed_demo
from schemaguard.db import mask, mask_url
from tests.conftest import ROOT
from tests.helpers import free_port, run_cli

SECRET = "Pw-7x!q$Zr%40k"  # %40 is an encoded "@": the decoded form must be masked too
DECODED = SECRET.replace("%40", "@")
MASTER = ROOT / "schemas" / "master.yaml"


@pytest.fixture
def secret_role(pg_url: str) -> Iterator[tuple[str, str]]:
    """(admin URL, URL of a real LOGIN role whose password is SECRET) on a database with the demo schema."""
    seed_demo(pg_url, schema=api.load_master(api.load_config(cwd=ROOT), MASTER), orgs=2, threads_per_org=4)
    role = f"sg_secret_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(role), sql.Literal(DECODED)))
        conn.execute(sql.SQL("GRANT ALL ON SCHEMA public TO {}").format(sql.Identifier(role)))
        conn.execute(sql.SQL("GRANT ALL ON ALL TABLES IN SCHEMA public TO {}").format(sql.Identifier(role)))
        conn.execute(sql.SQL("GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {}").format(sql.Identifier(role)))
    yield pg_url, pg_url.replace("postgres@", f"{role}:{SECRET}@", 1)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def _assert_clean(text: str, *secrets: str) -> None:
    for s in (SECRET, DECODED, *secrets):
        assert s not in text, f"secret {s!r} leaked:\n{text}"
    assert "Traceback" not in text


def _commands(url_args: list[str], out_dir: Path) -> list[list[str]]:
    """Every command and report format that touches a database."""
    cmds = [["diff", *url_args, "--sql", "--format", f] for f in ("table", "json", "markdown")]
    cmds += [["inspect", *url_args, "--format", f] for f in ("yaml", "json", "prisma")]
    cmds += [["proof", *url_args, "--format", f] for f in ("table", "json", "junit")]
    cmds += [["proof", *url_args, "--format", "junit", "--out", str(out_dir / "proof.xml")]]
    cmds += [["backfill", "--list", *url_args], ["backfill", "phase-1-4", "--dry-run", *url_args]]
    cmds += [["backfill", "phase-1-4", "--yes", *url_args]]
    cmds += [["migrate", "status", *url_args]]
    cmds += [["gate", *url_args, "--format", f] for f in ("table", "json", "markdown", "junit", "github")]
    cmds += [["gate", *url_args, "--format", "junit", "--out", str(out_dir / "gate.xml")]]
    return cmds


def _run_everything(
    base: list[str], url_args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str], *secrets: str
) -> list[int]:
    codes = []
    for args in _commands(url_args, tmp_path):
        code, out, err = run_cli([*base, *args], capsys)
        _assert_clean(out + err, *secrets)
        codes.append(code)
    for f in tmp_path.rglob("*"):
        if f.is_file():
            _assert_clean(f.read_text(encoding="utf-8", errors="replace"), *secrets)
    return codes


def test_password_in_url_is_masked_everywhere(
    secret_role: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    admin, url = secret_role
    codes = _run_everything(["--config", str(ROOT / "schemaguard.toml")], ["--url", url], tmp_path, capsys)
    assert codes[:6] == [0, 0, 0, 0, 0, 0]  # diff and inspect really ran against the database as the role
    _assert_ledger_clean(admin)


def test_password_from_env_is_masked_everywhere(
    secret_role: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``${VAR}`` expansion: the password alone in one variable, and a whole URL in another."""
    admin, url = secret_role
    role = url.split("//", 1)[1].split(":", 1)[0]
    rest = admin.split("@", 1)[1]
    monkeypatch.setenv("SG_TEST_PW", SECRET)
    monkeypatch.setenv("SG_TEST_URL", url)
    (tmp_path / "master.yaml").write_bytes(MASTER.read_bytes())  # configured paths stay inside the project
    (tmp_path / "schemaguard.toml").write_text(
        'master = "master.yaml"\nenv_allow = ["SG_TEST_PW", "SG_TEST_URL"]\n'
        f'[targets.split]\nurl = "postgresql://{role}:${{SG_TEST_PW}}@{rest}"\n'
        '[targets.whole]\nurl = "${SG_TEST_URL}"\n',
        encoding="utf-8",
    )
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    base = ["--config", str(tmp_path / "schemaguard.toml")]
    for target in ("split", "whole"):
        codes = _run_everything(base, ["--target", target], out_dir, capsys)
        assert codes[:6] == [0, 0, 0, 0, 0, 0], (target, codes)
    _assert_ledger_clean(admin)


def _assert_ledger_clean(admin: str) -> None:
    with psycopg.connect(admin) as conn:
        rows = conn.execute("SELECT * FROM schemaguard_backfill_runs").fetchall()
    assert rows, "the backfill did not record a run"
    _assert_clean(json.dumps(rows, default=str))


@pytest.mark.parametrize(
    ("url", "extra_secrets"),
    [
        (f"postgresql://app:{SECRET}@127.0.0.1:{free_port()}/db", ()),  # connection refused
        (f"postgresql://postgres:{SECRET}@127.0.0.1:5432/no_such_db_{uuid.uuid4().hex[:6]}", ()),
        (f"postgresql://postgres:{SECRET}@no-such-host.invalid:5432/db", ()),
        ("postgresql://postgres:unencoded@Secret99@127.0.0.1:5432/db", ("unencoded", "Secret99")),
        ("postgresql://postgres:has space99@127.0.0.1:1/db", ("has space99", "space99")),
        (f"postgresql://postgres:x@127.0.0.1:5432/db?password={SECRET}&sslmode=bogus", ()),
    ],
    ids=["refused", "unknown-db", "unknown-host", "unencoded-at", "space", "query-password"],
)
def test_driver_errors_are_masked(
    url: str, extra_secrets: tuple[str, ...], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for args in _commands(["--url", url], tmp_path)[:7]:
        code, out, err = run_cli(["--config", str(ROOT / "schemaguard.toml"), *args], capsys)
        assert code == 2, (args, err)
        assert err.startswith("error:"), err
        _assert_clean(out + err, *extra_secrets)


def test_mask_handles_every_spelling() -> None:
    """The masking primitives on their own: URL userinfo, ``password=`` pairs, registered secrets."""
    assert mask_url("postgresql://u:p%40ss-word@h/db") == "postgresql://u:***@h/db"
    assert "p@ss-word" not in mask("driver said: p@ss-word was wrong")
    assert mask("host=h password='a b c' user=u") == "host=h password=*** user=u"
    assert mask("postgres://u:weird@pw@h:5432/db") == "postgres://u:***@h:5432/db"
