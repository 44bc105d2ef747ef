"""Seed 004: the "current" CRM schema against the one the channel code expects shows exactly the seed's
mismatch list (Call: from, to, externalId, conversationId, channelId; MediaFile: name next to key; Message: a
list of media files instead of one; Integration: the compound unique; enum values lowercase vs UPPERCASE)."""

from __future__ import annotations

from pathlib import Path

from schemaguard.dialects.registry import get_dialect
from schemaguard.diff.differ import diff_schemas
from schemaguard.prisma.loader import load_prisma, load_prisma_with_info
from schemaguard.rules import validate_schema

FIXTURES = Path(__file__).parent / "fixtures"


def test_current_vs_expected_is_exactly_the_seed_mismatch_list() -> None:
    current = load_prisma(FIXTURES / "crm_current.prisma")
    expected = load_prisma(FIXTURES / "crm_expected.prisma")
    changes = diff_schemas(expected, current, get_dialect("postgresql"))
    found = {(c.kind.value, c.table, c.object) for c in changes}
    assert found == {
        ("enum_values", None, "ChannelType"),
        ("column_missing", "Call", "from"),
        ("column_missing", "Call", "to"),
        ("column_missing", "Call", "externalId"),
        ("column_missing", "Call", "conversationId"),
        ("column_missing", "Call", "channelId"),
        ("index_missing", "Call", "Call_externalId_idx"),
        ("index_missing", "Call", "Call_conversationId_idx"),
        ("foreign_key_missing", "Call", "Call_conversationId_fkey"),
        ("column_missing", "MediaFile", "name"),
        ("column_missing", "MediaFile", "messageId"),
        ("foreign_key_missing", "MediaFile", "MediaFile_messageId_fkey"),
        ("column_missing", "Message", "mediaFileIds"),
        ("column_extra", "Message", "mediaFileId"),
        ("foreign_key_extra", "Message", "Message_mediaFileId_fkey"),
        ("index_missing", "Integration", "Integration_accountId_integrationId_externalId_key"),
    }


def test_enum_case_mismatch_is_flagged_by_the_house_rules() -> None:
    loaded = load_prisma_with_info(FIXTURES / "crm_current.prisma")
    findings = validate_schema(loaded.schema, info=loaded.info)
    # Every enum in the current schema is lowercase: consistent, so no SG011; the expected one mixes nothing either.
    assert not [f for f in findings if f.rule.startswith("SG011")]
    # camelCase fields without @map("snake_case") are what seed 003's rules forbid.
    snake = {f.object for f in findings if f.rule.startswith("SG002") and f.table == "Call"}
    assert {"accountId", "leadId", "phoneNumber", "recordingId", "startedAt", "endedAt"} <= snake
