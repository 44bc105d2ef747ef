"""Prisma emulates enums on SQLite as bare TEXT (no CHECK): a Prisma master diffs clean against such a database,
and schemaguard's own SQLite rendering of a Prisma master matches it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import apply_statements, diff_json

MASTER = """
datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}

enum Channel {
  WHATSAPP
  TELEGRAM
}

model Conversation {
  id      String  @id
  channel Channel @default(WHATSAPP)
}
"""

# What `prisma db push` creates on SQLite for the dev variant (Prisma 6.2+: enums are TEXT, no CHECK).
PRISMA_SQLITE_DDL = (
    """CREATE TABLE "Conversation" ("id" TEXT NOT NULL PRIMARY KEY, "channel" TEXT NOT NULL DEFAULT 'WHATSAPP')"""
)


def test_prisma_master_against_prisma_made_sqlite(
    tmp_path: Path, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    master = tmp_path / "schema.prisma"
    master.write_text(MASTER, encoding="utf-8")
    apply_statements(sqlite_url, [PRISMA_SQLITE_DDL])
    code, report = diff_json(["diff", "--to", str(master), "--url", sqlite_url], capsys)
    assert report["changes"] == [] and code == 0


def test_yaml_master_keeps_enum_checks_on_sqlite(
    tmp_path: Path, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    master = tmp_path / "master.yaml"
    master.write_text(
        "version: 1\nenums:\n  Channel: [WHATSAPP, TELEGRAM]\ntables:\n  Conversation:\n    columns:\n"
        "      id: {type: text, primary_key: true}\n      channel: {type: Channel, nullable: false, default: WHATSAPP}\n",
        encoding="utf-8",
    )
    apply_statements(sqlite_url, [PRISMA_SQLITE_DDL])
    code, report = diff_json(["diff", "--to", str(master), "--url", sqlite_url], capsys)
    assert code == 1
    assert [(c["kind"], c["object"]) for c in report["changes"]] == [("check_missing", "Conversation_channel_check")]
