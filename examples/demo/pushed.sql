-- Changes made to the demo database with `prisma db push` (SQLite), without a migration file and without
-- updating the master. Run it on a SQLite database created from the SQLite rendering of
-- examples/demo/master_v1.yaml (see README.md in this folder for the story).
--
-- The statements are written the way Prisma's SQLite engine writes them (CREATE TABLE with inline PRIMARY KEY and
-- named FOREIGN KEY constraints, ALTER TABLE ADD COLUMN for nullable additions, the "new_X" table redefinition
-- for anything ALTER TABLE cannot do). What they leave out compared with schemas/master.yaml is deliberate: it
-- is the drift `schemaguard diff` is expected to find.

-- ---------------------------------------------------------------------------------------------------------
-- V2 tables (seed 001), pushed from a work-in-progress branch
-- ---------------------------------------------------------------------------------------------------------

-- Without the unread-count check the master has.
CREATE TABLE "property_conversations" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "propertyId" TEXT NOT NULL,
    "timelineId" TEXT NOT NULL,
    "agentId" TEXT NOT NULL,
    "clientId" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'ACTIVE',
    "unreadAgentCount" INTEGER NOT NULL DEFAULT 0,
    "unreadClientCount" INTEGER NOT NULL DEFAULT 0,
    "lastMessageAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);
CREATE UNIQUE INDEX "property_conversations_propertyId_key" ON "property_conversations"("propertyId");
CREATE INDEX "property_conversations_agentId_status_idx" ON "property_conversations"("agentId", "status");
CREATE INDEX "property_conversations_clientId_status_idx" ON "property_conversations"("clientId", "status");
CREATE INDEX "property_conversations_timelineId_idx" ON "property_conversations"("timelineId");

-- Pushed before "readAt" was added to the model, and without the senderId index.
CREATE TABLE "messages_v2" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "conversationId" TEXT NOT NULL,
    "senderId" TEXT NOT NULL,
    "senderType" TEXT NOT NULL,
    "content" TEXT NOT NULL,
    "type" TEXT NOT NULL DEFAULT 'TEXT',
    "isRead" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "messages_v2_conversationId_fkey" FOREIGN KEY ("conversationId") REFERENCES "property_conversations" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "messages_v2_conversationId_createdAt_idx" ON "messages_v2"("conversationId", "createdAt");

-- Matches the master.
CREATE TABLE "notifications_v2" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "conversationId" TEXT NOT NULL,
    "recipientId" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "isRead" BOOLEAN NOT NULL DEFAULT false,
    "readAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "notifications_v2_conversationId_fkey" FOREIGN KEY ("conversationId") REFERENCES "property_conversations" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "notifications_v2_recipientId_isRead_idx" ON "notifications_v2"("recipientId", "isRead");
CREATE INDEX "notifications_v2_conversationId_idx" ON "notifications_v2"("conversationId");

-- ---------------------------------------------------------------------------------------------------------
-- Phase 1.1 (seed 002), pushed half-way: AssignmentWindow and AntiPoachingAttempt never made it
-- ---------------------------------------------------------------------------------------------------------

-- numberClass without its CHECK (ALTER TABLE ADD COLUMN left it out); lastAssignedAt forgotten; the front-desk
-- partial index with an older predicate (active numbers only, any class).
ALTER TABLE "MessageNumber" ADD COLUMN "numberClass" TEXT NOT NULL DEFAULT 'pool';
ALTER TABLE "MessageNumber" ADD COLUMN "assignedSitterId" TEXT REFERENCES "Sitter" ("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "MessageNumber" ADD COLUMN "ownerId" TEXT;
ALTER TABLE "MessageNumber" ADD COLUMN "isRotating" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "MessageNumber" ADD COLUMN "rotationPriority" INTEGER;
CREATE INDEX "MessageNumber_orgId_numberClass_idx" ON "MessageNumber"("orgId", "numberClass");
CREATE INDEX "MessageNumber_assignedSitterId_idx" ON "MessageNumber"("assignedSitterId");
CREATE INDEX "MessageNumber_active_front_desk_idx" ON "MessageNumber"("orgId") WHERE "isActive" = true;

-- Three of the five Phase 1.1 fields, plus a debugging column nobody put in the model.
ALTER TABLE "MessageThread" ADD COLUMN "numberClass" TEXT;
ALTER TABLE "MessageThread" ADD COLUMN "messageNumberId" TEXT REFERENCES "MessageNumber" ("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "MessageThread" ADD COLUMN "isOneTimeClient" BOOLEAN;
ALTER TABLE "MessageThread" ADD COLUMN "debugLastWebhookPayload" TEXT;
CREATE INDEX "MessageThread_messageNumberId_idx" ON "MessageThread"("messageNumberId");

-- Status default from an earlier draft of the model ('assigned' instead of 'active').
CREATE TABLE "SitterMaskedNumber" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "orgId" TEXT NOT NULL,
    "sitterId" TEXT NOT NULL,
    "messageNumberId" TEXT NOT NULL,
    "status" VARCHAR(32) NOT NULL DEFAULT 'assigned',
    "assignedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "releasedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "SitterMaskedNumber_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Organization" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "SitterMaskedNumber_sitterId_fkey" FOREIGN KEY ("sitterId") REFERENCES "Sitter" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "SitterMaskedNumber_messageNumberId_fkey" FOREIGN KEY ("messageNumberId") REFERENCES "MessageNumber" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "SitterMaskedNumber_messageNumberId_key" ON "SitterMaskedNumber"("messageNumberId");
CREATE INDEX "SitterMaskedNumber_orgId_idx" ON "SitterMaskedNumber"("orgId");
CREATE INDEX "SitterMaskedNumber_sitterId_idx" ON "SitterMaskedNumber"("sitterId");

-- ---------------------------------------------------------------------------------------------------------
-- CRM channel fields (seed 004), pushed from a branch that had only part of "Option 1"; enum values stayed
-- lowercase, so the CHECKs emulating the enums still hold the old values
-- ---------------------------------------------------------------------------------------------------------

-- from/to made optional so the push would not fail on existing rows; no conversationId, metadata or cost.
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Call" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "accountId" TEXT NOT NULL,
    "leadId" TEXT,
    "direction" TEXT NOT NULL,
    "from" TEXT,
    "to" TEXT,
    "phoneNumber" TEXT NOT NULL,
    "externalId" TEXT,
    "status" TEXT NOT NULL,
    "duration" INTEGER,
    "recordingId" TEXT,
    "startedAt" DATETIME NOT NULL,
    "endedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Call_duration_nonneg" CHECK ("duration" IS NULL OR "duration" >= 0),
    CONSTRAINT "Call_direction_check" CHECK ("direction" IN ('inbound', 'outbound')),
    CONSTRAINT "Call_status_check" CHECK ("status" IN ('ringing', 'in_progress', 'completed', 'busy', 'no_answer', 'failed', 'canceled')),
    CONSTRAINT "Call_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Call_leadId_fkey" FOREIGN KEY ("leadId") REFERENCES "Lead" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Call" ("id", "accountId", "leadId", "direction", "phoneNumber", "status", "duration", "recordingId", "startedAt", "endedAt", "createdAt")
SELECT "id", "accountId", "leadId", "direction", "phoneNumber", "status", "duration", "recordingId", "startedAt", "endedAt", "createdAt" FROM "Call";
DROP TABLE "Call";
ALTER TABLE "new_Call" RENAME TO "Call";
CREATE INDEX "Call_accountId_startedAt_idx" ON "Call"("accountId", "startedAt");
CREATE INDEX "Call_leadId_idx" ON "Call"("leadId");
CREATE INDEX "Call_externalId_idx" ON "Call"("externalId");
PRAGMA foreign_key_check;
PRAGMA foreign_keys=ON;

-- "name" added as optional; the messageId relation never pushed.
ALTER TABLE "MediaFile" ADD COLUMN "name" TEXT;

-- The new list column was pushed, but the old single-attachment column (and its FK and index) was kept.
ALTER TABLE "Message" ADD COLUMN "mediaFileIds" TEXT NOT NULL DEFAULT '[]';

-- An index someone created by hand while debugging lead search.
CREATE INDEX "Lead_email_idx" ON "Lead"("email");
