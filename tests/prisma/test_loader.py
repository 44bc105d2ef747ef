"""Loader conventions not covered by the corpus: defaults, composite keys, sort/type/ops, enum @map, implicit
many-to-many self relations, default referential actions, the SQLite provider."""

from __future__ import annotations

from schemaguard.model import Default, ReferentialAction, TypeKind
from schemaguard.prisma.conventions import foreign_key_name, index_name, unique_name
from schemaguard.prisma.loader import load_prisma, load_prisma_with_info

SCHEMA = """
datasource db {
  provider = "postgresql"
}

/// Roles of a user
enum Role {
  ADMIN  @map("admin")
  MEMBER @map("member")

  @@map("user_role")
}

model User {
  id        Int       @id @default(autoincrement())
  uid       String    @default(uuid()) @db.Uuid
  token     String    @default(dbgenerated("gen_random_uuid()")) @db.Uuid
  role      Role      @default(MEMBER)
  roles     Role[]    @default([ADMIN, MEMBER])
  tags      String[]  @default([])
  score     Decimal   @default(0.5) @db.Decimal(10, 2)
  big       BigInt    @default(-1)
  createdAt DateTime  @default(now()) @map("created_at") @db.Timestamptz(6)
  updatedAt DateTime  @updatedAt @map("updated_at")
  name      String    @unique(map: "custom_name_key", sort: Desc) @db.VarChar(200)
  posts     Post[]
  friends   User[]    @relation("friends")
  friendOf  User[]    @relation("friends")

  @@index([name(sort: Desc), createdAt], type: Hash)
  @@map("users")
}

model Post {
  authorId Int
  slug     String
  editorId Int?
  author   User  @relation(fields: [authorId], references: [id])
  editor   Editor? @relation(fields: [editorId], references: [id], onUpdate: NoAction, map: "post_editor")

  @@id([authorId, slug])
  @@unique([slug, authorId], name: "clientOnlyName")
}

model Editor {
  id    Int    @id
  posts Post[]
}
"""


def test_defaults_follow_prisma() -> None:
    s = load_prisma("s.prisma", text=SCHEMA)
    users = s.table("users")
    assert users is not None
    col = {c.name: c for c in users.columns}
    assert col["id"].autoincrement and col["id"].default is None
    assert col["uid"].default is None  # uuid() is evaluated by Prisma Client
    assert col["token"].default == Default.expression("gen_random_uuid()")
    assert col["role"].default == Default.literal("member")  # the @map'ped value is stored
    assert col["roles"].default == Default.literal(["admin", "member"])
    assert col["tags"].default == Default.literal([]) and col["tags"].nullable
    assert col["score"].default == Default.literal(0.5) and col["score"].type.precision == 10
    assert col["big"].default == Default.literal(-1)
    assert col["created_at"].default == Default.expression("CURRENT_TIMESTAMP")
    assert col["created_at"].type.timezone and col["created_at"].type.precision == 6
    assert col["updated_at"].default is None and col["updated_at"].type.precision == 3
    assert col["name"].type.kind is TypeKind.STRING and col["name"].type.length == 200
    assert s.enums[0].name == "user_role" and s.enums[0].values == ("admin", "member")
    assert col["role"].type.enum_name == "user_role"


def test_indexes_keys_and_names() -> None:
    s = load_prisma("s.prisma", text=SCHEMA)
    users = s.table("users")
    assert users is not None and users.primary_key is not None
    assert users.primary_key.name == "users_pkey"
    by_name = {ix.name: ix for ix in users.indexes}
    assert by_name["custom_name_key"].unique and by_name["custom_name_key"].parts[0].descending
    hashed = by_name[index_name("users", ["name", "created_at"])]
    assert hashed.method == "hash" and hashed.parts[0].descending and not hashed.parts[1].descending
    post = s.table("Post")
    assert post is not None and post.primary_key is not None
    assert post.primary_key.columns == ("authorId", "slug") and post.primary_key.name == "Post_pkey"
    assert [ix.name for ix in post.indexes] == [unique_name("Post", ["slug", "authorId"])]  # name: is client-only


def test_referential_action_defaults() -> None:
    s = load_prisma("s.prisma", text=SCHEMA)
    post = s.table("Post")
    assert post is not None
    fks = {fk.columns: fk for fk in post.foreign_keys}
    required = fks[("authorId",)]
    assert required.name == foreign_key_name("Post", ["authorId"])
    assert (required.on_delete, required.on_update) == (ReferentialAction.RESTRICT, ReferentialAction.CASCADE)
    optional = fks[("editorId",)]
    assert optional.name == "post_editor"
    assert (optional.on_delete, optional.on_update) == (ReferentialAction.SET_NULL, ReferentialAction.NO_ACTION)


def test_implicit_self_many_to_many() -> None:
    s = load_prisma("s.prisma", text=SCHEMA)
    join = s.table("_friends")
    assert join is not None
    assert [c.name for c in join.columns] == ["A", "B"] and all(c.type.kind is TypeKind.INTEGER for c in join.columns)
    assert join.primary_key is not None and join.primary_key.name == "_friends_AB_pkey"
    assert [ix.name for ix in join.indexes] == ["_friends_B_index"]
    assert {fk.name for fk in join.foreign_keys} == {"_friends_A_fkey", "_friends_B_fkey"}
    assert all(fk.ref_table == "users" and fk.on_delete is ReferentialAction.CASCADE for fk in join.foreign_keys)


def test_info_keeps_prisma_names() -> None:
    loaded = load_prisma_with_info("s.prisma", text=SCHEMA)
    user = loaded.info.model("User")
    assert user is not None and user.table == "users" and user.mapped
    created = user.field("createdAt")
    assert created is not None and created.column == "created_at" and created.native == "db.Timestamptz(6)"
    updated = user.field("updatedAt")
    assert updated is not None and updated.updated_at
    role = loaded.info.enum("Role")
    assert role is not None and role.db_name == "user_role" and role.doc == "Roles of a user"


def test_prisma_name_truncation_differs_from_postgres() -> None:
    # Prisma clips the joined text at the end; PostgreSQL would shorten the longer part instead.
    long_table = "A" * 40
    cols = ["b" * 10, "c" * 10]
    name = unique_name(long_table, cols)
    assert len(name) == 63 and name == (long_table + "_" + "_".join(cols))[:59] + "_key"


def test_sqlite_provider_types() -> None:
    text = (
        'datasource db {\n  provider = "sqlite"\n}\nmodel T {\n  id Int @id @default(autoincrement())\n'
        "  at DateTime @default(now())\n  n Float\n  d Decimal\n  j Json\n}\n"
    )
    t = load_prisma("s.prisma", text=text).tables[0]
    col = {c.name: c for c in t.columns}
    assert col["id"].autoincrement
    assert col["at"].type.kind is TypeKind.DATETIME and col["at"].type.precision is None
    assert col["n"].type.kind is TypeKind.DOUBLE and col["d"].type.precision is None
    assert col["j"].type.kind is TypeKind.JSON
