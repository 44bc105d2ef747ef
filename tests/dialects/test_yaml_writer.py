"""The YAML master ``inspect --format yaml`` writes must load back: no anchors/aliases even when two columns share
one default object (H9 finding F1: two ``'{}'`` array defaults were written as ``&id001`` / ``*id001``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import run_sql
from tests.helpers import diff_json, run_cli


def test_shared_array_defaults_round_trip_without_anchors(pg_url: str, tmp_path: Path, capsys: Any) -> None:
    run_sql(
        pg_url,
        "create table a(id int primary key, t text[] not null default '{}');"
        "create table b(id int primary key, t text[] not null default '{}', u int[] default '{}');",
    )
    code, out, err = run_cli(["inspect", "--url", pg_url, "--format", "yaml"], capsys)
    assert code == 0, err
    assert "&id" not in out and "*id" not in out
    master = tmp_path / "m.yaml"
    master.write_text(out)
    code, report = diff_json(["diff", "--to", str(master), "--url", pg_url], capsys)
    assert code == 0, report["changes"]
    code, _, err = run_cli(["render", "--master", str(master), "--dialect", "postgresql"], capsys)
    assert code == 0, err
