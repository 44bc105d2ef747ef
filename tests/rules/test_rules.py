"""House rules of seed 003 on Prisma schemas and on plain schemas (YAML masters, inspected databases)."""

from __future__ import annotations

import pytest

from schemaguard.errors import ConfigError
from schemaguard.model import Column, ColumnType, ForeignKey, Index, IndexPart, PrimaryKey, Schema, Table, TypeKind
from schemaguard.prisma.loader import load_prisma_with_info
from schemaguard.rules import RulesConfig, Severity, has_errors, validate_schema

GOOD = """
datasource db {
  provider = "postgresql"
}

enum Status {
  ACTIVE
  ARCHIVED
}

model Account {
  id        String   @id @default(uuid())
  email     String   @unique
  status    Status   @default(ACTIVE)
  createdAt DateTime @default(now()) @map("created_at")
  updatedAt DateTime @updatedAt @map("updated_at")
  leads     Lead[]

  @@map("accounts")
}

model Lead {
  id        String   @id @default(uuid())
  accountId String   @map("account_id")
  createdAt DateTime @default(now()) @map("created_at")
  updatedAt DateTime @updatedAt @map("updated_at")
  account   Account  @relation(fields: [accountId], references: [id])

  @@index([accountId])
  @@map("leads")
}
"""

BAD = """
datasource db {
  provider     = "postgresql"
  relationMode = "prisma"
}

enum Channel {
  whatsapp
  telegram
}

enum Status {
  ACTIVE
}

enum Kind {
  A
}

model Lead {
  id          String   @id @default(dbgenerated("gen_random_uuid()")) @db.Uuid
  account_id  String
  email       String
  tags        String[]
  ip          String   @db.Inet
  createdAt   DateTime @default(now())
  updatedAt   DateTime
  account     Account  @relation(fields: [account_id], references: [id])

  @@index([email(ops: raw("gin_trgm_ops"))], type: Gin)
}

model Account {
  id    String @id
  leads Lead[]
}
"""


def _rules(text: str, config: RulesConfig | None = None) -> dict[str, set[tuple[str | None, str | None]]]:
    loaded = load_prisma_with_info("schema.prisma", text=text)
    out: dict[str, set[tuple[str | None, str | None]]] = {}
    for f in validate_schema(loaded.schema, config, info=loaded.info):
        out.setdefault(f.rule.split()[0], set()).add((f.table, f.object))
        assert f.message and (f.location is None or f.location.path == "schema.prisma")
    return out


def test_schema_following_the_house_rules_has_no_findings() -> None:
    assert _rules(GOOD) == {}


def test_every_rule_fires_on_the_bad_schema() -> None:
    found = _rules(BAD)
    assert found["SG001"] == {("Lead", "account_id")}
    assert ("Lead", "createdAt") in found["SG002"] and ("Lead", "account_id") not in found["SG002"]
    assert found["SG003"] == {("Lead", None), ("Account", None)}
    assert found["SG004"] == {("Account", "createdAt"), ("Account", "updatedAt")}
    assert found["SG005"] == {("Lead", "updatedAt")}
    assert found["SG006"] == {("Lead", "account")}
    assert found["SG007"] == {("Lead", "account")}
    assert found["SG008"] == {("Lead", "email")}
    assert found["SG009"] == {("Lead", "id"), ("Lead", "ip"), ("Lead", "Lead_email_idx")}
    assert found["SG010"] == {("Lead", "tags")}
    assert found["SG011"] == {(None, "Channel")}


def test_findings_carry_location_and_fix() -> None:
    loaded = load_prisma_with_info("schema.prisma", text=BAD)
    f = next(x for x in validate_schema(loaded.schema, info=loaded.info) if x.rule.startswith("SG002"))
    assert f.location is not None and (f.location.line, f.location.column) == (26, 3)  # the createdAt line
    assert f.message.endswith('add @map("created_at") to Lead.createdAt')
    assert f.to_dict()["location"] == "schema.prisma:26:3"


def test_severity_configuration_and_off() -> None:
    cfg = RulesConfig.from_mapping({"severity": {"SG002": "off", "required-fields": "info"}})
    loaded = load_prisma_with_info("schema.prisma", text=BAD)
    findings = validate_schema(loaded.schema, cfg, info=loaded.info)
    assert not [f for f in findings if f.rule.startswith("SG002")]
    assert {f.severity for f in findings if f.rule.startswith("SG004")} == {Severity.INFO}
    assert has_errors(findings)
    only_info = RulesConfig.from_mapping({"severity": {r: "info" for r in [f"SG{i:03d}" for i in range(1, 12)]}})
    assert not has_errors(validate_schema(loaded.schema, only_info, info=loaded.info))


def test_bad_configuration_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        RulesConfig.from_mapping({"severity": {"SG001": "fatal"}})
    with pytest.raises(ConfigError):
        RulesConfig.from_mapping({"severty": {}})


def test_plain_schema_skips_prisma_only_rules() -> None:
    text = ColumnType(TypeKind.TEXT)
    table = Table(
        "orders",
        (
            Column("id", ColumnType(TypeKind.INTEGER), nullable=False),
            Column("customerId", text),
            Column("user_id", text),
            Column("created_at", ColumnType(TypeKind.DATETIME)),
        ),
        PrimaryKey(("id",), "orders_pkey"),
        indexes=(Index("orders_user_idx", (IndexPart(column="user_id"),)),),
        foreign_keys=(ForeignKey("orders_user_fkey", ("user_id",), "users", ("id",)),),
    )
    findings = validate_schema(Schema((table,)))
    rules = {(f.rule.split()[0], f.object) for f in findings}
    assert ("SG002", "customerId") in rules
    assert ("SG004", "updatedAt") in rules and ("SG004", "createdAt") not in rules
    assert ("SG006", "customerId") in rules and ("SG006", "user_id") not in rules
    assert not any(r.startswith(("SG001", "SG005")) for r, _ in rules)
