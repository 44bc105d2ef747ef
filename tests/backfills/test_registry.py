"""Registering project backfills: configuration module paths and the entry point group."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from schemaguard.backfills.registry import get_backfill, load_registry
from schemaguard.backfills.spec import BackfillError
from schemaguard.cli.app import main
from schemaguard.config import load_config
from tests.conftest import run_sql

CUSTOM = """
import sqlalchemy as sa
from schemaguard.backfills.spec import Backfill, Step, Update, count_equals

STATUS = Backfill(
    name="order-status",
    description="Default missing order statuses to 'open'",
    requires={"Order": ("id", "status")},
    steps=(Step("status", "Fill status", updates=(
        Update("Order", lambda t: t.Order.c.status.is_(None), lambda t: {"status": "open"}, "status -> open"),
    )),),
    proofs=(count_equals("Orders without status", lambda t: sa.select(sa.func.count()).select_from(t.Order)
            .where(t.Order.c.status.is_(None)), 0),),
    rollback=lambda t: [sa.update(t.Order).values(status=None)],
)
"""


def _project(tmp_path: Path, url: str) -> Path:
    (tmp_path / "custom_backfills.py").write_text(CUSTOM)
    cfg = tmp_path / "schemaguard.toml"
    cfg.write_text(f'backfill_modules = ["custom_backfills.py"]\n[targets.dev]\nurl = "{url}"\n')
    return cfg


def test_config_module_backfill_runs_through_the_cli(
    tmp_path: Path, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run_sql(
        sqlite_url,
        'CREATE TABLE "Order" (id TEXT PRIMARY KEY, status TEXT);'
        + "".join(
            f"INSERT INTO \"Order\" VALUES ('o{i:03d}', {'NULL' if i % 3 else quote('paid')});" for i in range(30)
        ),
    )
    cfg = _project(tmp_path, sqlite_url)
    assert sorted(load_registry(load_config(cfg))) == ["order-status", "phase-1-4"]
    assert main(["-c", str(cfg), "proof", "order-status", "-t", "dev"]) == 1
    assert main(["-c", str(cfg), "backfill", "order-status", "-t", "dev", "--yes", "--batch-size", "4"]) == 0
    assert "20 Order row(s) changed" in capsys.readouterr().out
    assert main(["-c", str(cfg), "proof", "order-status", "-t", "dev"]) == 0


def quote(s: str) -> str:
    return f"'{s}'"


def test_entry_point_backfill_is_registered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pkg = tmp_path / "site"
    (pkg / "acme_backfills.py").parent.mkdir(parents=True)
    (pkg / "acme_backfills.py").write_text(CUSTOM)
    dist = pkg / "acme_backfills-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-backfills\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[schemaguard.backfills]\norder-status = acme_backfills:STATUS\n")
    monkeypatch.syspath_prepend(str(pkg))
    spec = get_backfill("order-status", load_config(cwd=tmp_path))
    assert spec.source == "acme_backfills" and spec.steps[0].name == "status"
    sys.modules.pop("acme_backfills", None)


def test_broken_registrations_are_configuration_errors(tmp_path: Path) -> None:
    (tmp_path / "schemaguard.toml").write_text('backfill_modules = ["does_not_exist_xyz"]\n')
    with pytest.raises(BackfillError, match="cannot import backfill module 'does_not_exist_xyz'"):
        load_registry(load_config(cwd=tmp_path))
    (tmp_path / "dup.py").write_text(
        "from schemaguard.backfills.builtin.phase_1_4 import BACKFILL\nfrom dataclasses import replace\n"
        "COPY = replace(BACKFILL, source='dup')\n"
    )
    (tmp_path / "schemaguard.toml").write_text('backfill_modules = ["dup.py"]\n')
    with pytest.raises(BackfillError, match="defined twice"):
        load_registry(load_config(cwd=tmp_path))
