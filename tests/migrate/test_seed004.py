"""Seed 004 "Option 1: extend schema" as a revision on a database that already holds rows: no row is lost."""

from __future__ import annotations

from tests.conftest import run_sql
from tests.migrate.test_workflow import _rows

ROWS = [
    "INSERT INTO \"Account\" (id) VALUES ('acc1')",
    'INSERT INTO "Call" (id, "accountId", direction, "phoneNumber", status, "startedAt") '
    "VALUES ('c1', 'acc1', 'INBOUND', '+15550001', 'COMPLETED', '2024-01-02 03:04:05')",
    'INSERT INTO "MediaFile" (id, "accountId", url, bucket, key, "mimeType", size) '
    "VALUES ('f1', 'acc1', 'https://x/f1', 'media', 'k/f1', 'image/png', 42)",
    'INSERT INTO "Message" (id, "accountId", "conversationId", direction, content, "mediaFileId") '
    "VALUES ('m1', 'acc1', 'conv1', 'OUTBOUND', 'hello', 'f1')",
]


def test_option1_extend_keeps_rows(make_project, dialect_db) -> None:
    dialect, new_db = dialect_db
    p = make_project(dialect)
    url = new_db()
    p.master("seed004_current.yaml")
    assert p.run("migrate", "generate", "-m", "current channel schema") == 0
    assert p.run("migrate", "upgrade", "--url", url) == 0
    run_sql(url, ROWS)
    p.master("seed004_extended.yaml")
    assert p.run("migrate", "generate", "-m", "extend channel schema") == 0
    assert p.run("migrate", "lint", "--url", url, "0002") == 0  # additive only: no error-level finding
    assert p.run("migrate", "upgrade", "--url", url) == 0
    assert p.run("diff", "--url", url) == 0
    assert _rows(url, 'SELECT id, "phoneNumber", "from", "to" FROM "Call"') == [("c1", "+15550001", "", "")]
    assert _rows(url, 'SELECT id, key, name, size FROM "MediaFile"') == [("f1", "k/f1", "", 42)]
    assert _rows(url, 'SELECT id, content, "mediaFileId" FROM "Message"') == [("m1", "hello", "f1")]
    assert _rows(url, 'SELECT id FROM "Account"') == [("acc1",)]
