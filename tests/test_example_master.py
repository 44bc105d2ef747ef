"""The example master (schemas/master.yaml) and the demo (examples/demo/): they load, they hold what the seeds
and the phase-1-4 backfill require, they render and apply on real SQLite and PostgreSQL databases, and the demo
database (master_v1 + pushed.sql) drifts from the master in exactly the planted ways, which the planned SQL
repairs.

The expectations below are the seeds' facts (notes 001, 002, 004 in docs/seeds.md) and the column contract the
phase-1-4 backfill is built against; they are written out here on purpose, not read back from the master.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest

from schemaguard.db import connect
from schemaguard.dialects import get_dialect
from schemaguard.diff.differ import diff_schemas
from schemaguard.loaders.yaml_master import load_yaml_master
from schemaguard.model import Default, DefaultKind, ReferentialAction, Schema, Table
from tests.conftest import ROOT, run_sql

MASTER = ROOT / "schemas" / "master.yaml"
DEMO = ROOT / "examples" / "demo"
MASTER_V1 = DEMO / "master_v1.yaml"
PUSHED = DEMO / "pushed.sql"

SEED_000_MESSAGING = [
    "MessageAccount",
    "MessageNumber",
    "MessageThread",
    "MessageParticipant",
    "MessageEvent",
    "ThreadAssignmentAudit",
    "AssignmentWindow",
    "AntiPoachingAttempt",
    "SitterMaskedNumber",
    "OptOutState",
    "ResponseRecord",
]
SEED_001_V2 = ["property_conversations", "messages_v2", "notifications_v2"]
SEED_004_CRM = [
    "Account",
    "Lead",
    "Integration",
    "Conversation",
    "Message",
    "MediaFile",
    "Call",
    "CallRecording",
    "ContentItem",
]
INVENTED = ["Organization", "Sitter", "Client"]

NOW = Default.expression("CURRENT_TIMESTAMP")
CASCADE = ReferentialAction.CASCADE
SET_NULL = ReferentialAction.SET_NULL

# (table, column, type spec, nullable, default, (referenced table, on delete) or None)
BACKFILL_COLUMNS: list[tuple[str, str, str, bool, Default | None, tuple[str, ReferentialAction] | None]] = [
    ("MessageNumber", "id", "text", False, None, None),
    ("MessageNumber", "orgId", "text", False, None, ("Organization", CASCADE)),
    ("MessageNumber", "accountId", "text", False, None, ("MessageAccount", CASCADE)),
    ("MessageNumber", "e164", "text", False, None, None),
    ("MessageNumber", "isActive", "boolean", False, Default.literal(True), None),
    ("MessageNumber", "numberClass", "enum(NumberClass)", False, Default.literal("pool"), None),
    ("MessageNumber", "assignedSitterId", "text", True, None, ("Sitter", SET_NULL)),
    ("MessageNumber", "ownerId", "text", True, None, None),
    ("MessageNumber", "isRotating", "boolean", False, Default.literal(False), None),
    ("MessageNumber", "rotationPriority", "integer", True, None, None),
    ("MessageNumber", "lastAssignedAt", "datetime(3)", True, None, None),
    ("MessageNumber", "createdAt", "datetime(3)", False, NOW, None),
    ("MessageNumber", "updatedAt", "datetime(3)", False, None, None),
    ("MessageThread", "id", "text", False, None, None),
    ("MessageThread", "orgId", "text", False, None, ("Organization", CASCADE)),
    ("MessageThread", "accountId", "text", False, None, ("MessageAccount", CASCADE)),
    ("MessageThread", "clientId", "text", True, None, ("Client", SET_NULL)),
    ("MessageThread", "assignedSitterId", "text", True, None, ("Sitter", SET_NULL)),
    ("MessageThread", "status", "varchar(32)", False, Default.literal("open"), None),
    ("MessageThread", "lastMessageAt", "datetime(3)", True, None, None),
    ("MessageThread", "numberClass", "enum(NumberClass)", True, None, None),
    ("MessageThread", "messageNumberId", "text", True, None, ("MessageNumber", SET_NULL)),
    ("MessageThread", "isOneTimeClient", "boolean", True, None, None),
    ("MessageThread", "isMeetAndGreet", "boolean", False, Default.literal(False), None),
    ("MessageThread", "meetAndGreetApprovedAt", "datetime(3)", True, None, None),
    ("MessageThread", "createdAt", "datetime(3)", False, NOW, None),
    ("MessageThread", "updatedAt", "datetime(3)", False, None, None),
    ("SitterMaskedNumber", "id", "text", False, None, None),
    ("SitterMaskedNumber", "orgId", "text", False, None, ("Organization", CASCADE)),
    ("SitterMaskedNumber", "sitterId", "text", False, None, ("Sitter", CASCADE)),
    ("SitterMaskedNumber", "messageNumberId", "text", False, None, ("MessageNumber", CASCADE)),
    ("SitterMaskedNumber", "status", "varchar(32)", False, Default.literal("active"), None),
    ("SitterMaskedNumber", "assignedAt", "datetime(3)", False, NOW, None),
    ("SitterMaskedNumber", "releasedAt", "datetime(3)", True, None, None),
    ("SitterMaskedNumber", "createdAt", "datetime(3)", False, NOW, None),
    ("SitterMaskedNumber", "updatedAt", "datetime(3)", False, None, None),
    ("MessageAccount", "id", "text", False, None, None),
    ("MessageAccount", "orgId", "text", False, None, ("Organization", CASCADE)),
    ("MessageAccount", "provider", "varchar(32)", False, Default.literal("twilio"), None),
    ("MessageAccount", "providerConfigJson", "jsonb", True, None, None),
    ("MessageAccount", "createdAt", "datetime(3)", False, NOW, None),
    ("MessageAccount", "updatedAt", "datetime(3)", False, None, None),
    ("Client", "isRecurring", "boolean", True, None, None),
    ("Sitter", "isActive", "boolean", False, Default.literal(True), None),
]

# Seed 001, column by column: (name, type spec, nullable, default).
V2_COLUMNS: dict[str, list[tuple[str, str, bool, Default | None]]] = {
    "property_conversations": [
        ("id", "text", False, None),
        ("propertyId", "text", False, None),
        ("timelineId", "text", False, None),
        ("agentId", "text", False, None),
        ("clientId", "text", False, None),
        ("status", "text", False, Default.literal("ACTIVE")),
        ("unreadAgentCount", "integer", False, Default.literal(0)),
        ("unreadClientCount", "integer", False, Default.literal(0)),
        ("lastMessageAt", "datetime(3)", True, None),
        ("createdAt", "datetime(3)", False, NOW),
        ("updatedAt", "datetime(3)", False, None),
    ],
    "messages_v2": [
        ("id", "text", False, None),
        ("conversationId", "text", False, None),
        ("senderId", "text", False, None),
        ("senderType", "text", False, None),
        ("content", "text", False, None),
        ("type", "text", False, Default.literal("TEXT")),
        ("isRead", "boolean", False, Default.literal(False)),
        ("readAt", "datetime(3)", True, None),
        ("createdAt", "datetime(3)", False, NOW),
        ("updatedAt", "datetime(3)", False, None),
    ],
    "notifications_v2": [
        ("id", "text", False, None),
        ("conversationId", "text", False, None),
        ("recipientId", "text", False, None),
        ("type", "text", False, None),
        ("title", "text", False, None),
        ("message", "text", False, None),
        ("isRead", "boolean", False, Default.literal(False)),
        ("readAt", "datetime(3)", True, None),
        ("createdAt", "datetime(3)", False, NOW),
    ],
}

V2_INDEXES: dict[str, tuple[str, tuple[str, ...]]] = {
    "property_conversations_agentId_status_idx": ("property_conversations", ("agentId", "status")),
    "property_conversations_clientId_status_idx": ("property_conversations", ("clientId", "status")),
    "property_conversations_timelineId_idx": ("property_conversations", ("timelineId",)),
    "messages_v2_conversationId_createdAt_idx": ("messages_v2", ("conversationId", "createdAt")),
    "messages_v2_senderId_idx": ("messages_v2", ("senderId",)),
    "notifications_v2_recipientId_isRead_idx": ("notifications_v2", ("recipientId", "isRead")),
    "notifications_v2_conversationId_idx": ("notifications_v2", ("conversationId",)),
}

# Tables whose timestamps follow the seed's own shape instead of createdAt + updatedAt.
TIMESTAMP_EXCEPTIONS = {
    "notifications_v2": ("createdAt",),  # seed 001: no updatedAt
    "Call": ("createdAt",),  # seed 004 Option 1 model: createdAt only
    "Message": ("createdAt",),  # seed 004 Option 1 model: createdAt only
    "MediaFile": ("uploadedAt",),  # seed 004 Option 1 model: uploadedAt only
}


@pytest.fixture(scope="module")
def master() -> Schema:
    return load_yaml_master(MASTER)


@pytest.fixture(scope="module")
def master_v1() -> Schema:
    return load_yaml_master(MASTER_V1)


def _table(schema: Schema, name: str) -> Table:
    t = schema.table(name)
    assert t is not None, f"table {name} missing"
    return t


def _default_key(d: Default | None) -> tuple[Any, ...] | None:
    # type() keeps True from comparing equal to 1.
    return None if d is None else (d.kind, d.value, type(d.value))


def _has_index(t: Table, columns: tuple[str, ...], *, unique: bool) -> bool:
    return any(ix.columns == columns and ix.unique == unique and ix.where is None for ix in t.indexes)


# --- the master's content ---------------------------------------------------------------------------------


def test_master_has_every_table_the_seeds_name(master: Schema) -> None:
    """Seeds 000, 001 and 004 name 23 tables; Organization, Sitter and Client are the invented rest."""
    names = [t.name for t in master.tables]
    assert len(names) == len(set(names))
    assert sorted(names) == sorted(SEED_000_MESSAGING + SEED_001_V2 + SEED_004_CRM + INVENTED)


@pytest.mark.parametrize(
    ("table", "column", "spec", "nullable", "default", "ref"),
    BACKFILL_COLUMNS,
    ids=[f"{r[0]}.{r[1]}" for r in BACKFILL_COLUMNS],
)
def test_backfill_contract_columns(
    master: Schema,
    table: str,
    column: str,
    spec: str,
    nullable: bool,
    default: Default | None,
    ref: tuple[str, ReferentialAction] | None,
) -> None:
    """Each column the phase-1-4 backfill is built against has its exact type, nullability, default and FK."""
    t = _table(master, table)
    c = t.column(column)
    assert c is not None, f"{table}.{column} missing"
    assert c.type.spec() == spec
    assert c.nullable is nullable
    assert _default_key(c.default) == _default_key(default)
    fks = [fk for fk in t.foreign_keys if fk.columns == (column,)]
    if ref is None:
        assert fks == []
    else:
        assert len(fks) == 1
        assert (fks[0].ref_table, fks[0].ref_columns, fks[0].on_delete) == (ref[0], ("id",), ref[1])


def test_backfill_contract_keys_and_indexes(master: Schema) -> None:
    """NumberClass values, primary keys, uniques and indexes the backfill relies on."""
    nc = master.enum("NumberClass")
    assert nc is not None and nc.values == ("front_desk", "sitter", "pool")
    for name in ("MessageNumber", "MessageThread", "SitterMaskedNumber", "MessageAccount"):
        pk = _table(master, name).primary_key
        assert pk is not None and pk.columns == ("id",)
    number = _table(master, "MessageNumber")
    assert _has_index(number, ("orgId", "e164"), unique=True)
    assert _has_index(number, ("orgId", "numberClass"), unique=False)
    front_desk = [ix for ix in number.indexes if ix.where is not None]
    assert len(front_desk) == 1 and "front_desk" in (front_desk[0].where or "")
    thread = _table(master, "MessageThread")
    for cols in (("orgId", "status"), ("messageNumberId",), ("clientId",)):
        assert _has_index(thread, cols, unique=False), cols
    assert _has_index(_table(master, "SitterMaskedNumber"), ("messageNumberId",), unique=True)
    assert _has_index(_table(master, "MessageAccount"), ("orgId",), unique=True)


@pytest.mark.parametrize("table", SEED_001_V2)
def test_v2_tables_match_seed_001(master: Schema, table: str) -> None:
    """The V2 tables have seed 001's columns in order, with its nullability and defaults."""
    t = _table(master, table)
    got = [(c.name, c.type.spec(), c.nullable, _default_key(c.default)) for c in t.columns]
    want = [(n, s, null, _default_key(d)) for n, s, null, d in V2_COLUMNS[table]]
    assert got == want
    assert t.primary_key is not None and t.primary_key.columns == ("id",)


def test_v2_indexes_by_their_seed_names(master: Schema) -> None:
    """The seven V2 indexes exist under seed 001's names, and propertyId is UNIQUE."""
    found = {ix.name: (t.name, ix.columns, ix.unique) for t in master.tables for ix in t.indexes}
    for name, (table, columns) in V2_INDEXES.items():
        assert found.get(name) == (table, columns, False), name
    # "propertyId is UNIQUE - no more shared conversations"
    assert found.get("property_conversations_propertyId_key") == ("property_conversations", ("propertyId",), True)


def test_crm_extended_form_of_seed_004(master: Schema) -> None:
    """Option 1 of seed 004: the Integration compound unique, Call/MediaFile fields, FK actions, UPPERCASE enums."""
    integration = _table(master, "Integration")
    keys = [ix for ix in integration.indexes if ix.unique]
    assert [(ix.name, ix.columns) for ix in keys] == [
        ("Integration_accountId_integrationId_externalId_key", ("accountId", "integrationId", "externalId"))
    ]
    call = _table(master, "Call")
    for col in ("from", "to", "phoneNumber"):
        c = call.column(col)
        assert c is not None and c.type.spec() == "text" and not c.nullable
    for col in ("externalId", "conversationId", "metadata"):
        assert call.column(col) is not None, col
    assert _has_index(call, ("externalId",), unique=False)
    assert _has_index(call, ("conversationId",), unique=False)
    media = _table(master, "MediaFile")
    assert media.column("name") is not None and media.column("key") is not None
    actions = {(t.name, fk.columns, fk.ref_table): fk.on_delete for t in master.tables for fk in t.foreign_keys}
    assert actions[("Call", ("accountId",), "Account")] is CASCADE
    assert actions[("Call", ("leadId",), "Lead")] is SET_NULL
    assert actions[("Call", ("conversationId",), "Conversation")] is SET_NULL
    assert actions[("MediaFile", ("accountId",), "Account")] is CASCADE
    assert actions[("MediaFile", ("messageId",), "Message")] is SET_NULL
    assert actions[("Message", ("conversationId",), "Conversation")] is CASCADE
    channel = master.enum("Channel")
    assert channel is not None and channel.values == ("WHATSAPP", "TELEGRAM", "TELEPHONY")
    for name in ("Channel", "CallDirection", "CallStatus", "MessageDirection", "MessageStatus"):
        enum = master.enum(name)
        assert enum is not None and all(v == v.upper() for v in enum.values), name


def test_richer_features_are_exercised(master: Schema) -> None:
    """An array with a default, an enum with a default, a decimal and a named check are present."""
    media_ids = _table(master, "Message").column("mediaFileIds")
    assert media_ids is not None and media_ids.type.spec() == "text[]"
    assert _default_key(media_ids.default) == (DefaultKind.LITERAL, [], list)
    status = _table(master, "Message").column("status")
    assert status is not None and status.type.spec() == "enum(MessageStatus)"
    assert _default_key(status.default) == _default_key(Default.literal("PENDING"))
    cost = _table(master, "Call").column("cost")
    assert cost is not None and cost.type.spec() == "decimal(10,2)"
    checks = {ck.name: ck.expression for ck in _table(master, "property_conversations").checks}
    assert "unreadAgentCount" in checks["property_conversations_unread_nonneg"]


def test_every_model_has_timestamps(master: Schema) -> None:
    """createdAt/updatedAt as Prisma writes them, except where the seed's model has another shape."""
    for t in master.tables:
        expected = TIMESTAMP_EXCEPTIONS.get(t.name, ("createdAt", "updatedAt"))
        present = tuple(c.name for c in t.columns if c.name in ("createdAt", "updatedAt", "uploadedAt"))
        assert present == expected, t.name
        for name in expected:
            c = t.column(name)
            assert c is not None and c.type.spec() == "datetime(3)" and not c.nullable, (t.name, name)
            # Prisma: @default(now()) on creation stamps, @updatedAt (client-side, no server default) on updatedAt.
            assert c.default == (None if name == "updatedAt" else NOW), (t.name, name)


def test_every_foreign_key_column_is_indexed(master: Schema) -> None:
    """Every FK's columns lead some index, unique constraint or primary key."""
    for t in master.tables:
        leading = [ix.columns for ix in t.indexes]
        if t.primary_key is not None:
            leading.append(t.primary_key.columns)
        for fk in t.foreign_keys:
            n = len(fk.columns)
            assert any(cols[:n] == fk.columns for cols in leading), (t.name, fk.columns)


# --- the demo's older version -----------------------------------------------------------------------------


def test_master_v1_is_the_pre_phase_1_1_version(master: Schema, master_v1: Schema) -> None:
    """The demo's older version lacks Phase 1.1, the V2 tables and the CRM extension."""
    v1_tables = {t.name for t in master_v1.tables}
    assert v1_tables < {t.name for t in master.tables}
    assert v1_tables.isdisjoint({"SitterMaskedNumber", "AssignmentWindow", "AntiPoachingAttempt", *SEED_001_V2})
    phase_1_1 = {
        "MessageNumber": ["numberClass", "assignedSitterId", "ownerId", "isRotating", "rotationPriority"],
        "MessageThread": ["numberClass", "messageNumberId", "isOneTimeClient", "isMeetAndGreet"],
    }
    for table, cols in phase_1_1.items():
        t = _table(master_v1, table)
        assert [c for c in cols if t.column(c) is not None] == [], table
    call = _table(master_v1, "Call")
    assert call.column("phoneNumber") is not None
    assert [c for c in ("from", "to", "externalId", "conversationId") if call.column(c) is not None] == []
    media = _table(master_v1, "MediaFile")
    assert media.column("name") is None and media.column("messageId") is None
    assert master_v1.enum("NumberClass") is None
    channel = master_v1.enum("Channel")
    assert channel is not None and channel.values == ("whatsapp", "telegram", "telephony")
    assert not any(ix.unique for ix in _table(master_v1, "Integration").indexes)


# --- rendering on real databases --------------------------------------------------------------------------


def _tables_in(url: str) -> set[str]:
    if url.startswith("sqlite"):
        con = sqlite3.connect(url.split(":///", 1)[1])
        try:
            rows = con.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        finally:
            con.close()
    else:
        with psycopg.connect(url) as conn:
            rows = conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
            ).fetchall()
    return {r[0] for r in rows}


def _dialect_of(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


@pytest.mark.parametrize("path", [MASTER, MASTER_V1], ids=["master", "master_v1"])
def test_renders_and_applies_to_an_empty_database(db_factory: Callable[[], str], path: Path) -> None:
    """The rendering runs without error on a fresh database and creates every table."""
    schema = load_yaml_master(path)
    url = db_factory()
    dialect = get_dialect(_dialect_of(url))
    run_sql(url, dialect.render(schema))
    assert _tables_in(url) == {t.name for t in schema.tables}


@pytest.mark.parametrize("path", [MASTER, MASTER_V1], ids=["master", "master_v1"])
def test_applied_rendering_shows_no_drift(db_factory: Callable[[], str], path: Path) -> None:
    """A database built from the rendering introspects back to the same schema."""
    schema = load_yaml_master(path)
    url = db_factory()
    dialect = get_dialect(_dialect_of(url))
    run_sql(url, dialect.render(schema))
    with connect(url) as conn:
        actual = dialect.inspect(conn)
    assert [c.message for c in diff_schemas(schema, actual, dialect)] == []


def _demo_database(url: str) -> None:
    run_sql(url, get_dialect("sqlite").render(load_yaml_master(MASTER_V1)))
    run_sql(url, PUSHED.read_text(encoding="utf-8"))


def test_demo_pushed_sql_applies_on_master_v1(sqlite_url: str) -> None:
    """pushed.sql runs on a master_v1 database and leaves a consistent database."""
    _demo_database(sqlite_url)
    con = sqlite3.connect(sqlite_url.split(":///", 1)[1])
    try:

        def columns(table: str) -> list[str]:
            return [r[1] for r in con.execute(f'PRAGMA table_info("{table}")')]

        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        assert "readAt" not in columns("messages_v2")
        assert "debugLastWebhookPayload" in columns("MessageThread")
        assert {"from", "to", "externalId"} <= set(columns("Call"))
        # The redefined Call table is still the target of CallRecording's foreign key.
        assert {r[2] for r in con.execute('PRAGMA foreign_key_list("CallRecording")')} == {"Call", "MediaFile"}
    finally:
        con.close()
    assert _tables_in(sqlite_url) == {t.name for t in load_yaml_master(MASTER_V1).tables} | {
        "property_conversations",
        "messages_v2",
        "notifications_v2",
        "SitterMaskedNumber",
    }


def test_demo_drift_report(sqlite_url: str, master: Schema) -> None:
    """Diffing the master against the demo database finds exactly the drift pushed.sql planted."""
    _demo_database(sqlite_url)
    dialect = get_dialect("sqlite")
    with connect(sqlite_url) as conn:
        actual = dialect.inspect(conn)
    changes = diff_schemas(master, actual, dialect)
    found = {(c.kind.value, c.table, c.object) for c in changes}
    planted = {
        ("table_missing", "AssignmentWindow", "AssignmentWindow"),
        ("table_missing", "AntiPoachingAttempt", "AntiPoachingAttempt"),
        ("column_missing", "messages_v2", "readAt"),
        ("index_missing", "messages_v2", "messages_v2_senderId_idx"),
        ("check_missing", "property_conversations", "property_conversations_unread_nonneg"),
        ("column_missing", "MessageNumber", "lastAssignedAt"),
        ("check_missing", "MessageNumber", "MessageNumber_numberClass_check"),
        ("index_changed", "MessageNumber", "MessageNumber_active_front_desk_idx"),
        ("column_missing", "MessageThread", "isMeetAndGreet"),
        ("column_missing", "MessageThread", "meetAndGreetApprovedAt"),
        ("column_extra", "MessageThread", "debugLastWebhookPayload"),
        ("check_missing", "MessageThread", "MessageThread_numberClass_check"),
        ("column_default", "SitterMaskedNumber", "status"),
        ("column_missing", "Call", "conversationId"),
        ("column_missing", "Call", "cost"),
        ("column_missing", "Call", "metadata"),
        ("column_nullable", "Call", "from"),
        ("column_nullable", "Call", "to"),
        ("index_missing", "Call", "Call_conversationId_idx"),
        ("column_nullable", "MediaFile", "name"),
        ("column_missing", "MediaFile", "messageId"),
        ("index_missing", "MediaFile", "MediaFile_messageId_idx"),
        ("column_extra", "Message", "mediaFileId"),
        ("column_default", "Message", "status"),
        ("index_extra", "Message", "Message_mediaFileId_idx"),
        ("index_missing", "Integration", "Integration_accountId_integrationId_externalId_key"),
        ("index_extra", "Lead", "Lead_email_idx"),
    }
    assert planted <= found, sorted(planted - found)
    fk_changes = {(c.kind.value, c.table) for c in changes if c.kind.value.startswith("foreign_key")}
    assert fk_changes == {
        ("foreign_key_missing", "Call"),
        ("foreign_key_missing", "MediaFile"),
        ("foreign_key_extra", "Message"),
    }
    # Enums are CHECKs on SQLite: the lowercase values pushed against the UPPERCASE master show as a pair.
    enum_checks = {(c.kind.value, c.object) for c in changes if c.kind.value.startswith("check") and c.table}
    for table, column in [("Call", "direction"), ("Call", "status"), ("Message", "status"), ("Integration", "channel")]:
        assert ("check_missing", f"{table}_{column}_check") in enum_checks
        assert ("check_extra", f"{table}_{column}_check") in enum_checks
    # Nothing is reported where the push matched the master.
    untouched = {"notifications_v2", "Organization", "Sitter", "Client", "MessageAccount", "MessageEvent"}
    assert {c.table for c in changes} & untouched == set()


def test_demo_plan_brings_the_database_to_the_master(sqlite_url: str, master: Schema) -> None:
    """The planned SQL applied to the demo database leaves no drift."""
    _demo_database(sqlite_url)
    dialect = get_dialect("sqlite")
    with connect(sqlite_url) as conn:
        actual = dialect.inspect(conn)
    changes = diff_schemas(master, actual, dialect)
    assert changes
    run_sql(sqlite_url, dialect.plan(changes, master, actual))
    with connect(sqlite_url) as conn:
        after = dialect.inspect(conn)
    assert [c.message for c in diff_schemas(master, after, dialect)] == []
