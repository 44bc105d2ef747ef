"""End-to-end drift detection on real databases: render → apply → diff is clean; each planted kind of drift
is reported as exactly that kind on exactly that object; the ``--sql`` plan applied brings diff back to 0."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.helpers import apply_statements, build_from_master, diff_json, pg_exec, sqlite_rebuild

MASTER = ROOT / "tests" / "fixtures" / "drift_master.yaml"
ODD = 'odd; table "name"'


@dataclass(frozen=True)
class Plant:
    """One kind of drift: how to plant it on each dialect and what diff must report."""

    kind: str
    table: str | None
    object: str
    postgresql: str | None
    sqlite: str | Callable[[str], None] | None
    sqlite_object: str | None = None
    """SQLite keeps no foreign key names: the report names the object by the default convention instead."""


def _sub(table: str, old: str, new: str) -> Callable[[str], None]:
    def plant(url: str) -> None:
        def transform(sql: str) -> str:
            assert old in sql, f"{old!r} not in {sql}"
            return sql.replace(old, new)

        sqlite_rebuild(url, table, transform)

    return plant


PLANTS = [
    Plant("table_missing", "messages", "messages", 'DROP TABLE "messages"', 'DROP TABLE "messages"'),
    Plant("table_extra", "stray", "stray", "CREATE TABLE stray (id int)", "CREATE TABLE stray (id int)"),
    Plant(
        "column_missing",
        "messages",
        "body",
        'ALTER TABLE messages DROP COLUMN "body"',
        'ALTER TABLE messages DROP COLUMN "body"',
    ),
    Plant(
        "column_extra",
        "messages",
        "junk",
        "ALTER TABLE messages ADD COLUMN junk text",
        "ALTER TABLE messages ADD COLUMN junk text",
    ),
    Plant(
        "column_type",
        "messages",
        "body",
        'ALTER TABLE messages ALTER COLUMN "body" TYPE varchar(50)',
        _sub("messages", '"body" TEXT NOT NULL', '"body" INTEGER NOT NULL'),
    ),
    Plant(
        "column_nullable",
        "messages",
        "body",
        'ALTER TABLE messages ALTER COLUMN "body" DROP NOT NULL',
        _sub("messages", '"body" TEXT NOT NULL', '"body" TEXT'),
    ),
    Plant(
        "column_default",
        "messages",
        "isRead",
        'ALTER TABLE messages ALTER COLUMN "isRead" SET DEFAULT true',
        _sub("messages", '"isRead" BOOLEAN DEFAULT FALSE', '"isRead" BOOLEAN DEFAULT TRUE'),
    ),
    Plant(
        "primary_key",
        "messages",
        "messages_pkey",
        'ALTER TABLE messages DROP CONSTRAINT messages_pkey; ALTER TABLE messages ADD CONSTRAINT messages_pkey PRIMARY KEY (id, "accountId")',
        _sub("messages", 'PRIMARY KEY ("id")', 'PRIMARY KEY ("id", "accountId")'),
    ),
    Plant(
        "index_missing",
        "messages",
        "messages_unread_idx",
        "DROP INDEX messages_unread_idx",
        "DROP INDEX messages_unread_idx",
    ),
    Plant(
        "index_extra",
        "messages",
        "stray_idx",
        "CREATE INDEX stray_idx ON messages (body)",
        "CREATE INDEX stray_idx ON messages (body)",
    ),
    Plant(
        "index_changed",
        "messages",
        "messages_accountId_readAt_idx",
        'DROP INDEX "messages_accountId_readAt_idx"; CREATE INDEX "messages_accountId_readAt_idx" ON messages ("readAt", "accountId")',
        'DROP INDEX "messages_accountId_readAt_idx"; CREATE INDEX "messages_accountId_readAt_idx" ON messages ("readAt", "accountId")',
    ),
    Plant(
        "foreign_key_missing",
        "messages",
        "messages_accountId_fkey",
        'ALTER TABLE messages DROP CONSTRAINT "messages_accountId_fkey"',
        _sub("messages", ', \n\tFOREIGN KEY("accountId") REFERENCES "accounts" ("id") ON DELETE CASCADE', ""),
    ),
    Plant(
        "foreign_key_extra",
        ODD,
        "odd_select_fkey",
        'ALTER TABLE "odd; table ""name""" ADD CONSTRAINT odd_select_fkey FOREIGN KEY ("select") REFERENCES accounts (id)',
        None,
        sqlite_object='odd; table "name"_select_fkey',
    ),
    Plant(
        "foreign_key_changed",
        "messages",
        "messages_accountId_fkey",
        'ALTER TABLE messages DROP CONSTRAINT "messages_accountId_fkey"; '
        'ALTER TABLE messages ADD CONSTRAINT "messages_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES accounts (id) ON DELETE RESTRICT',
        _sub("messages", "ON DELETE CASCADE", "ON DELETE RESTRICT"),
    ),
    Plant(
        "check_missing",
        "accounts",
        "accounts_balance_nonneg",
        "ALTER TABLE accounts DROP CONSTRAINT accounts_balance_nonneg",
        _sub("accounts", 'CONSTRAINT "accounts_balance_nonneg" CHECK (balance >= 0), \n\t', ""),
    ),
    Plant(
        "check_extra",
        "accounts",
        "stray_check",
        "ALTER TABLE accounts ADD CONSTRAINT stray_check CHECK (length(email) > 3)",
        _sub(
            "accounts",
            'PRIMARY KEY ("id"), ',
            'PRIMARY KEY ("id"), CONSTRAINT "stray_check" CHECK (length(email) > 3), ',
        ),
    ),
    Plant("enum_missing", None, "Priority", 'DROP TYPE "Priority"', None),
    Plant("enum_extra", None, "Mood", "CREATE TYPE \"Mood\" AS ENUM ('happy')", None),
    Plant("enum_values", None, "Priority", "ALTER TYPE \"Priority\" ADD VALUE 'urgent'", None),
]


EXAMPLE = ROOT / "schemas" / "master.yaml"
MV2 = "messages_v2"

EXAMPLE_PLANTS = [
    Plant(
        "table_missing",
        "notifications_v2",
        "notifications_v2",
        "DROP TABLE notifications_v2",
        "DROP TABLE notifications_v2",
    ),
    Plant("table_extra", "stray", "stray", "CREATE TABLE stray (id int)", "CREATE TABLE stray (id int)"),
    Plant(
        "column_missing",
        MV2,
        "readAt",
        'ALTER TABLE messages_v2 DROP COLUMN "readAt"',
        'ALTER TABLE messages_v2 DROP COLUMN "readAt"',
    ),
    Plant(
        "column_extra",
        MV2,
        "junk",
        "ALTER TABLE messages_v2 ADD COLUMN junk text",
        "ALTER TABLE messages_v2 ADD COLUMN junk text",
    ),
    Plant(
        "column_type",
        MV2,
        "content",
        'ALTER TABLE messages_v2 ALTER COLUMN "content" TYPE varchar(50)',
        _sub(MV2, '"content" TEXT NOT NULL', '"content" INTEGER NOT NULL'),
    ),
    Plant(
        "column_nullable",
        MV2,
        "content",
        'ALTER TABLE messages_v2 ALTER COLUMN "content" DROP NOT NULL',
        _sub(MV2, '"content" TEXT NOT NULL', '"content" TEXT'),
    ),
    Plant(
        "column_default",
        MV2,
        "type",
        "ALTER TABLE messages_v2 ALTER COLUMN \"type\" SET DEFAULT 'IMAGE'",
        _sub(MV2, "\"type\" TEXT DEFAULT 'TEXT'", "\"type\" TEXT DEFAULT 'IMAGE'"),
    ),
    Plant(
        "primary_key",
        MV2,
        "messages_v2_pkey",
        'ALTER TABLE messages_v2 DROP CONSTRAINT messages_v2_pkey; ALTER TABLE messages_v2 ADD CONSTRAINT messages_v2_pkey PRIMARY KEY (id, "senderId")',
        _sub(MV2, 'PRIMARY KEY ("id")', 'PRIMARY KEY ("id", "senderId")'),
    ),
    Plant(
        "index_missing",
        MV2,
        "messages_v2_senderId_idx",
        'DROP INDEX "messages_v2_senderId_idx"',
        'DROP INDEX "messages_v2_senderId_idx"',
    ),
    Plant(
        "index_extra",
        MV2,
        "stray_idx",
        "CREATE INDEX stray_idx ON messages_v2 (content)",
        "CREATE INDEX stray_idx ON messages_v2 (content)",
    ),
    Plant(
        "index_changed",
        MV2,
        "messages_v2_conversationId_createdAt_idx",
        'DROP INDEX "messages_v2_conversationId_createdAt_idx"; CREATE INDEX "messages_v2_conversationId_createdAt_idx" ON messages_v2 ("createdAt", "conversationId")',
        'DROP INDEX "messages_v2_conversationId_createdAt_idx"; CREATE INDEX "messages_v2_conversationId_createdAt_idx" ON messages_v2 ("createdAt", "conversationId")',
    ),
    Plant(
        "foreign_key_missing",
        MV2,
        "messages_v2_conversationId_fkey",
        'ALTER TABLE messages_v2 DROP CONSTRAINT "messages_v2_conversationId_fkey"',
        _sub(
            MV2,
            ', \n\tFOREIGN KEY("conversationId") REFERENCES "property_conversations" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
            "",
        ),
    ),
    Plant(
        "foreign_key_extra",
        MV2,
        "stray_fkey",
        'ALTER TABLE messages_v2 ADD CONSTRAINT stray_fkey FOREIGN KEY ("senderId") REFERENCES property_conversations (id)',
        _sub(
            MV2,
            'PRIMARY KEY ("id"), ',
            'PRIMARY KEY ("id"), FOREIGN KEY ("senderId") REFERENCES property_conversations (id), ',
        ),
        sqlite_object="messages_v2_senderId_fkey",
    ),
    Plant(
        "foreign_key_changed",
        MV2,
        "messages_v2_conversationId_fkey",
        'ALTER TABLE messages_v2 DROP CONSTRAINT "messages_v2_conversationId_fkey"; ALTER TABLE messages_v2 ADD CONSTRAINT '
        '"messages_v2_conversationId_fkey" FOREIGN KEY ("conversationId") REFERENCES property_conversations (id) '
        "ON DELETE RESTRICT ON UPDATE CASCADE",
        _sub(MV2, "ON DELETE CASCADE ON UPDATE CASCADE", "ON DELETE RESTRICT ON UPDATE CASCADE"),
    ),
    Plant(
        "check_missing",
        "property_conversations",
        "property_conversations_unread_nonneg",
        "ALTER TABLE property_conversations DROP CONSTRAINT property_conversations_unread_nonneg",
        _sub(
            "property_conversations",
            ', \n\tCONSTRAINT "property_conversations_unread_nonneg" CHECK ("unreadAgentCount" >= 0 AND "unreadClientCount" >= 0)',
            "",
        ),
    ),
    Plant(
        "check_extra",
        MV2,
        "stray_check",
        "ALTER TABLE messages_v2 ADD CONSTRAINT stray_check CHECK (length(content) > 0)",
        _sub(MV2, 'PRIMARY KEY ("id"), ', 'PRIMARY KEY ("id"), CONSTRAINT "stray_check" CHECK (length(content) > 0), '),
    ),
    Plant("enum_extra", None, "Mood", "CREATE TYPE \"Mood\" AS ENUM ('happy')", None),
    Plant("enum_values", None, "NumberClass", "ALTER TYPE \"NumberClass\" ADD VALUE 'shared'", None),
]
"""The same kinds planted on the example master built from the seeds (``enum_missing`` needs an unused enum,
which the example master does not have: the fixture master covers it)."""


def _sqlite_fk_extra(url: str) -> None:
    sqlite_rebuild(
        url,
        ODD,
        lambda sql: sql.replace(
            'PRIMARY KEY ("we\'ird col")',
            'PRIMARY KEY ("we\'ird col"), FOREIGN KEY ("select") REFERENCES accounts (id)',
        ),
    )


def _plant(url: str, dialect: str, p: Plant) -> None:
    action = p.postgresql if dialect == "postgresql" else p.sqlite
    if dialect == "sqlite" and p.kind == "foreign_key_extra" and action is None:
        action = _sqlite_fk_extra
    assert action is not None
    if callable(action):
        action(url)
    elif dialect == "postgresql":
        pg_exec(url, action)
    else:
        apply_statements(url, [s for s in action.split("; ") if s])


def _build(
    dialect: str, sqlite_factory: Callable[[], str], pg_factory: Callable[[], str], master: Path = MASTER
) -> tuple[str, str]:
    url = sqlite_factory() if dialect == "sqlite" else pg_factory()
    build_from_master(url, master)
    return dialect, url


@pytest.fixture(params=["sqlite", "postgresql"])
def dialect_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


# Enums are types of their own only on PostgreSQL; on SQLite they are TEXT + CHECK (test_sqlite_enum_drift).
CASES = [
    (m, d, p)
    for m, plants in ((MASTER, PLANTS), (EXAMPLE, EXAMPLE_PLANTS))
    for d in ("sqlite", "postgresql")
    for p in plants
    if d == "postgresql" or p.sqlite is not None or p.kind == "foreign_key_extra"
]


@pytest.mark.parametrize("master", [MASTER, EXAMPLE], ids=["fixture", "example"])
def test_rendered_master_has_no_drift(
    master: Path,
    dialect_name: str,
    sqlite_factory: Callable[[], str],
    pg_factory: Callable[[], str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    dialect, url = _build(dialect_name, sqlite_factory, pg_factory, master)
    code, report = diff_json(["diff", "--to", str(master), "--url", url], capsys)
    assert report["changes"] == []
    assert code == 0 and report["drift"] is False and report["dialect"] == dialect


@pytest.mark.parametrize(("master", "dialect", "plant"), CASES, ids=[f"{m.stem}-{d}-{p.kind}" for m, d, p in CASES])
def test_planted_drift_is_reported_and_repaired(
    master: Path,
    dialect: str,
    plant: Plant,
    sqlite_factory: Callable[[], str],
    pg_factory: Callable[[], str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, url = _build(dialect, sqlite_factory, pg_factory, master)
    _plant(url, dialect, plant)
    code, report = diff_json(["diff", "--to", str(master), "--url", url, "--sql"], capsys)
    found = [(c["kind"], c["table"], c["object"]) for c in report["changes"]]
    assert code == 1 and report["drift"] is True
    expected_object = plant.sqlite_object if dialect == "sqlite" and plant.sqlite_object else plant.object
    assert found == [(plant.kind, plant.table, expected_object)], found
    assert report["summary"][report["changes"][0]["severity"]] == 1
    apply_statements(url, report["sql"])
    code, after = diff_json(["diff", "--to", str(master), "--url", url], capsys)
    assert after["changes"] == [] and code == 0, (report["sql"], after["changes"])


def test_sqlite_enum_drift_shows_as_check(sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """On SQLite an enum is TEXT + CHECK (col IN (...)): a value added behind the master's back is a changed check."""
    build_from_master(sqlite_url, MASTER)
    _sub("accounts", "'paused', 'closed')", "'paused', 'closed', 'archived')")(sqlite_url)
    code, report = diff_json(["diff", "--to", str(MASTER), "--url", sqlite_url, "--sql"], capsys)
    kinds = sorted((c["kind"], c["object"]) for c in report["changes"])
    assert code == 1
    assert kinds == [("check_extra", "accounts_status_check"), ("check_missing", "accounts_status_check")]
    apply_statements(sqlite_url, report["sql"])
    assert diff_json(["diff", "--to", str(MASTER), "--url", sqlite_url], capsys)[0] == 0


def test_sql_plan_keeps_rows_through_a_sqlite_rebuild(sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    build_from_master(sqlite_url, MASTER)
    apply_statements(
        sqlite_url,
        [
            "INSERT INTO accounts (email) VALUES ('a@example.com')",
            "INSERT INTO messages (id, \"accountId\", body) VALUES ('m1', 1, 'hello')",
        ],
    )
    _sub("messages", '"body" TEXT NOT NULL', '"body" TEXT')(sqlite_url)
    _, report = diff_json(["diff", "--to", str(MASTER), "--url", sqlite_url, "--sql"], capsys)
    apply_statements(sqlite_url, report["sql"])
    import sqlite3

    con = sqlite3.connect(Path(sqlite_url.split(":///", 1)[1]))
    assert con.execute('SELECT id, "accountId", body FROM messages').fetchall() == [("m1", 1, "hello")]
    con.close()
