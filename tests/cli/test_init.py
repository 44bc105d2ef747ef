"""15.11: ``schemaguard init`` in an empty folder writes schemaguard.toml and a master, says what to run next,
and never overwrites."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemaguard.loaders.yaml_master import load_yaml_master
from tests.conftest import ROOT
from tests.helpers import build_from_master, run_cli

MASTER = ROOT / "tests" / "fixtures" / "drift_master.yaml"


def test_init_writes_an_example_that_validates_and_renders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(["init"], capsys)
    assert code == 0, err
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == [
        "schemaguard.toml",
        "schemas",
        "schemas/master.yaml",
    ]
    assert "next:" in err and "schemaguard validate" in err
    assert "#" in (tmp_path / "schemas" / "master.yaml").read_text()  # commented
    assert run_cli(["validate"], capsys)[0] == 0
    code, out, _ = run_cli(["render", "--dialect", "sqlite"], capsys)
    assert code == 0 and 'CREATE TABLE "account"' in out


@pytest.mark.parametrize("existing", ["schemaguard.toml", "schemas/master.yaml"])
def test_init_never_overwrites(
    existing: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / existing).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / existing).write_text("mine\n")
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    code, _, err = run_cli(["init"], capsys)
    assert code == 2 and "never overwrites" in err
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before
    assert (tmp_path / existing).read_text() == "mine\n"


def test_init_from_url_inspects_the_database(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    build_from_master(sqlite_url, MASTER)
    project = tmp_path / "proj"
    project.mkdir()
    monkeypatch.chdir(project)
    code, _, err = run_cli(["init", "--from-url", sqlite_url], capsys)
    assert code == 0, err
    config = (project / "schemaguard.toml").read_text()
    assert 'dialect = "sqlite"' in config and f'url = "{sqlite_url}"' in config
    master = load_yaml_master(project / "schemas" / "master.yaml")
    assert {t.name for t in master.tables} == {t.name for t in load_yaml_master(MASTER).tables}
    code, out, err = run_cli(["diff"], capsys)  # the default target is the inspected database: no drift
    assert code == 0, out + err


def test_init_from_url_with_a_password_keeps_it_out_of_the_file(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    build_from_master(pg_url, MASTER)
    monkeypatch.chdir(tmp_path)
    url = pg_url.replace("postgres@", "postgres:Init-S3cret@", 1)
    code, out, err = run_cli(["init", "--from-url", url], capsys)
    assert code == 0, err
    written = (tmp_path / "schemaguard.toml").read_text() + (tmp_path / "schemas" / "master.yaml").read_text()
    assert "Init-S3cret" not in written + out + err
    assert 'url = "${DATABASE_URL}"' in written


def test_failed_inspection_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(["init", "--from-url", f"sqlite:///{tmp_path / 'missing.db'}"], capsys)
    assert code == 2 and "does not exist" in err
    assert list(tmp_path.iterdir()) == []
