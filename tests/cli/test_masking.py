"""15.1/15.2: one masking code path. Only the password field of a URL is masked, whatever it holds; every
command's errors pass through the CLI's one handler, which masks them and never prints a traceback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from schemaguard.db import forget_secrets, mask, mask_url, sqlalchemy_url
from tests.conftest import ROOT
from tests.helpers import free_port, run_cli

MASTER = ROOT / "tests" / "fixtures" / "drift_master.yaml"


@pytest.fixture(autouse=True)
def _fresh_secrets() -> Iterator[None]:
    forget_secrets()
    yield
    forget_secrets()


def test_password_equal_to_user_and_scheme_prefix_masks_only_the_password_field() -> None:
    url = "postgresql://postgres:postgres@127.0.0.1:5432/postgres"
    assert mask_url(url) == "postgresql://postgres:***@127.0.0.1:5432/postgres"
    # A later message quoting the URL again is masked the same way, field by field; the user and database
    # called like the password stay readable in a driver's message.
    assert mask(f'cannot connect to {url}: password authentication failed for user "postgres"') == (
        "cannot connect to postgresql://postgres:***@127.0.0.1:5432/postgres: "
        'password authentication failed for user "postgres"'
    )


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("postgresql://u:Sup3r@S3cret@127.0.0.1:5432/db", "postgresql://u:***@127.0.0.1:5432/db"),
        ("postgresql://u:a:b:c@h/db", "postgresql://u:***@h/db"),
        ("postgresql://u:pa/ss/word@h:5432/db?sslmode=disable", "postgresql://u:***@h:5432/db?sslmode=disable"),
        ("postgres://u:x@y:z/w@h/db", "postgres://u:***@h/db"),
        ("postgresql://u:has space@h/db", "postgresql://u:***@h/db"),
        ("postgresql://u@h/db", "postgresql://u@h/db"),
        ("sqlite:///tmp/x@y.db", "sqlite:///tmp/x@y.db"),
    ],
)
def test_passwords_with_at_colon_slash(url: str, masked: str) -> None:
    assert mask_url(url) == masked


def test_unencoded_password_reaches_the_driver_encoded() -> None:
    assert sqlalchemy_url("postgresql://u:Sup3r@S3cret@h:1/db") == "postgresql+psycopg://u:Sup3r%40S3cret@h:1/db"
    assert sqlalchemy_url("postgresql://u:a%40b@h/db") == "postgresql+psycopg://u:a%40b@h/db"


def test_unmasked_url_in_free_text() -> None:
    assert mask("see postgres://app:w@ird/pw@db.example:5432/x now") == "see postgres://app:***@db.example:5432/x now"


@pytest.fixture
def role_url(pg_url: str) -> Iterator[str]:
    """A LOGIN role named ``postgres_sg`` whose password is ``postgres`` and another with "@", ":" and "/"."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(
            "DO $$BEGIN CREATE ROLE sg_mask_role LOGIN PASSWORD 'Sup3r@S3:cr/et'; "
            "EXCEPTION WHEN duplicate_object THEN NULL; END$$"
        )
    yield pg_url.replace("postgres@", "sg_mask_role:Sup3r@S3:cr/et@", 1)


def test_unencoded_password_connects_and_never_leaks(
    role_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(["diff", "--to", str(MASTER), "--url", role_url, "--format", "json"], capsys)
    assert code == 1, err  # connected (the database is empty: drift)
    report = json.loads(out)
    assert report["actual"].startswith("postgresql://sg_mask_role:***@127.0.0.1:")
    assert "S3" not in out + err and "cr/et" not in out + err


def test_password_postgres_in_json_and_errors(pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    url = pg_url.replace("postgres@", "postgres:postgres@", 1)
    code, out, _ = run_cli(["diff", "--to", str(MASTER), "--url", url, "--format", "json"], capsys)
    assert code == 1
    assert json.loads(out)["actual"] == url.replace(":postgres@", ":***@")
    bad = f"postgresql://postgres:postgres@127.0.0.1:{free_port()}/postgres"
    code, out, err = run_cli(["inspect", "--url", bad], capsys)
    assert code == 2
    assert err.startswith(f"error: cannot connect to postgresql://postgres:***@127.0.0.1:{bad.split(':')[3]}")


@pytest.mark.parametrize(
    "args",
    [
        ["demo", "seed"],
        ["inspect"],
        ["diff", "--to", str(MASTER)],
        ["proof"],
        ["backfill", "phase-1-4", "--dry-run"],
        ["gate"],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_every_command_masks_the_same_way(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """15.2: the seed command used to print a traceback holding ``S3cret@127.0.0.1``."""
    url = f"postgresql://postgres:Sup3r@S3cret@127.0.0.1:{free_port()}/db"
    code, out, err = run_cli(["--config", str(ROOT / "schemaguard.toml"), *args, "--url", url], capsys)
    assert code == 2, err
    assert "Traceback" not in out + err
    assert "S3cret" not in out + err and "Sup3r" not in out + err
    assert "postgresql://postgres:***@127.0.0.1:" in out + err
    assert len(err.strip().splitlines()) == 1, err


def test_unexpected_exception_is_one_masked_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bug below the CLI still prints one line (exit 2, never 1) with the password masked."""
    from schemaguard import api

    def boom(*_a: object, **_k: object) -> None:
        raise RuntimeError("exploded near postgresql://u:Topsecret9@h/db")

    monkeypatch.setattr(api, "inspect_url", boom)
    code, out, err = run_cli(["inspect", "--url", "postgresql://u:Topsecret9@h/db"], capsys)
    assert code == 2
    assert "Traceback" not in err and "Topsecret9" not in out + err
    assert err.count("\n") == 1 and "internal error (RuntimeError" in err
