"""inspect_schema against real SQLite files, opened read-only through schemaguard.db.connect."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from schemaguard.db import connect
from schemaguard.dialects.sqlite.diff import adapt
from schemaguard.dialects.sqlite.inspect import inspect_schema
from schemaguard.errors import InspectError
from schemaguard.model import (
    Check,
    Column,
    ColumnType,
    Default,
    Enum,
    ForeignKey,
    Index,
    IndexPart,
    PrimaryKey,
    ReferentialAction,
    Schema,
    Table,
    TypeKind,
)
from tests.conftest import CORPUS, run_sql


def inspect(url: str, namespace: str = "main") -> Schema:
    with connect(url) as conn:
        return inspect_schema(conn, namespace)


def table(schema: Schema, name: str) -> Table:
    t = schema.table(name)
    assert t is not None, f"table {name!r} missing; have {[x.name for x in schema.tables]}"
    return t


def column(t: Table, name: str) -> Column:
    c = t.column(name)
    assert c is not None, f"column {name!r} missing from {t.name!r}"
    return c


# declared type -> expected logical type
TYPE_CASES: list[tuple[str, ColumnType]] = [
    ("VARCHAR(255)", ColumnType(TypeKind.STRING, length=255)),
    ("varchar", ColumnType(TypeKind.STRING)),
    ("CHARACTER VARYING(40)", ColumnType(TypeKind.STRING, length=40)),
    ("NVARCHAR(160)", ColumnType(TypeKind.STRING, length=160)),
    ("VARYING CHARACTER(20)", ColumnType(TypeKind.STRING, length=20)),
    ("CHAR(3)", ColumnType(TypeKind.CHAR, length=3)),
    ("NCHAR(55)", ColumnType(TypeKind.CHAR, length=55)),
    ("CHARACTER(20)", ColumnType(TypeKind.CHAR, length=20)),
    ("TEXT", ColumnType(TypeKind.TEXT)),
    ("clob", ColumnType(TypeKind.TEXT)),
    ("INTEGER", ColumnType(TypeKind.INTEGER)),
    ("INT", ColumnType(TypeKind.INTEGER)),
    ("MEDIUMINT", ColumnType(TypeKind.INTEGER)),
    ("TINYINT", ColumnType(TypeKind.SMALLINT)),
    ("SMALLINT", ColumnType(TypeKind.SMALLINT)),
    ("INT2", ColumnType(TypeKind.SMALLINT)),
    ("BIGINT", ColumnType(TypeKind.BIGINT)),
    ("INT8", ColumnType(TypeKind.BIGINT)),
    ("UNSIGNED BIG INT", ColumnType(TypeKind.BIGINT)),
    ("REAL", ColumnType(TypeKind.FLOAT)),
    ("FLOAT", ColumnType(TypeKind.FLOAT)),
    ("DOUBLE", ColumnType(TypeKind.DOUBLE)),
    ("DOUBLE PRECISION", ColumnType(TypeKind.DOUBLE)),
    ("NUMERIC", ColumnType(TypeKind.DECIMAL)),
    ("NUMERIC(10,2)", ColumnType(TypeKind.DECIMAL, precision=10, scale=2)),
    ("decimal(12, 4)", ColumnType(TypeKind.DECIMAL, precision=12, scale=4)),
    ("DECIMAL(8)", ColumnType(TypeKind.DECIMAL, precision=8)),
    ("BOOLEAN", ColumnType(TypeKind.BOOLEAN)),
    ("bool", ColumnType(TypeKind.BOOLEAN)),
    ("DATE", ColumnType(TypeKind.DATE)),
    ("TIME", ColumnType(TypeKind.TIME)),
    ("DATETIME", ColumnType(TypeKind.DATETIME)),
    ("TIMESTAMP", ColumnType(TypeKind.DATETIME)),
    ("DATETIME(3)", ColumnType(TypeKind.DATETIME, precision=3)),
    ("JSON", ColumnType(TypeKind.JSON, binary=False)),
    ("JSONB", ColumnType(TypeKind.JSON, binary=True)),
    ("BLOB", ColumnType(TypeKind.BYTES)),
    ("BYTEA", ColumnType(TypeKind.BYTES)),
    ("UUID", ColumnType(TypeKind.UUID)),
    ("", ColumnType(TypeKind.NATIVE, native="")),
    ("GEOMETRY", ColumnType(TypeKind.NATIVE, native="GEOMETRY")),
    ("INT(11)", ColumnType(TypeKind.NATIVE, native="INT(11)")),
    ("VARCHAR(-1)", ColumnType(TypeKind.NATIVE, native="VARCHAR(-1)")),
    ("FLOAT(53)", ColumnType(TypeKind.NATIVE, native="FLOAT(53)")),
    ("varchar ( 30 )", ColumnType(TypeKind.STRING, length=30)),
    ("NATIVE CHARACTER(70)", ColumnType(TypeKind.NATIVE, native="NATIVE CHARACTER(70)")),
]


def test_every_declared_type_maps_to_its_logical_type(sqlite_url: str) -> None:
    cols = ", ".join(f'"c{i}" {declared}' for i, (declared, _) in enumerate(TYPE_CASES))
    run_sql(sqlite_url, f"CREATE TABLE types ({cols})")
    t = table(inspect(sqlite_url), "types")
    got = {c.name: c.type for c in t.columns}
    want = {f"c{i}": expected for i, (_, expected) in enumerate(TYPE_CASES)}
    assert got == want


def test_columns_keep_definition_order_and_nullability(sqlite_url: str) -> None:
    run_sql(sqlite_url, "CREATE TABLE t (z TEXT NOT NULL, a TEXT, m INT NOT NULL)")
    t = table(inspect(sqlite_url), "t")
    assert [(c.name, c.nullable) for c in t.columns] == [("z", False), ("a", True), ("m", False)]
    assert t.primary_key is None


def test_defaults(sqlite_url: str) -> None:
    run_sql(
        sqlite_url,
        """CREATE TABLE d (
            s TEXT DEFAULT 'ACTIVE',
            q TEXT DEFAULT 'it''s',
            n INTEGER DEFAULT 42,
            neg INTEGER DEFAULT -7,
            f REAL DEFAULT 1.5,
            ts DATETIME DEFAULT CURRENT_TIMESTAMP,
            yes BOOLEAN DEFAULT true,
            no BOOLEAN DEFAULT FALSE,
            nul TEXT DEFAULT NULL,
            expr TEXT DEFAULT (lower('X')),
            plain TEXT
        )""",
    )
    t = table(inspect(sqlite_url), "d")
    assert {c.name: c.default for c in t.columns} == {
        "s": Default.literal("ACTIVE"),
        "q": Default.literal("it's"),
        "n": Default.literal(42),
        "neg": Default.literal(-7),
        "f": Default.literal(1.5),
        "ts": Default.expression("CURRENT_TIMESTAMP"),
        "yes": Default.literal(True),
        "no": Default.literal(False),
        "nul": None,
        "expr": Default.expression("LOWER('X')"),
        "plain": None,
    }


def test_primary_key_flavours(sqlite_url: str) -> None:
    run_sql(
        sqlite_url,
        """
        CREATE TABLE alias (id INTEGER PRIMARY KEY, v TEXT);
        CREATE TABLE alias_kw (id integer PRIMARY KEY AUTOINCREMENT, v TEXT);
        CREATE TABLE alias_tbl (id INTEGER DEFAULT 5, v TEXT, PRIMARY KEY (id));
        CREATE TABLE big (id BIGINT PRIMARY KEY, v TEXT);
        CREATE TABLE int_pk (id INT NOT NULL PRIMARY KEY);
        CREATE TABLE text_pk (code TEXT PRIMARY KEY);
        CREATE TABLE composite (b INTEGER, a INTEGER, v TEXT, PRIMARY KEY (a, b));
        CREATE TABLE no_rowid (id INTEGER PRIMARY KEY, v TEXT) WITHOUT ROWID;
        CREATE TABLE pk_desc (id INTEGER PRIMARY KEY DESC, v TEXT);
        CREATE TABLE no_pk (v TEXT);
        """,
    )
    s = inspect(sqlite_url)
    for name in ("alias", "alias_kw", "alias_tbl"):
        t = table(s, name)
        assert t.primary_key == PrimaryKey(("id",))
        # AUTOINCREMENT (rowids never reused) is its own flag since issue 12; the other two may reuse rowids.
        strict = name == "alias_kw"
        assert column(t, "id") == Column(
            "id", ColumnType(TypeKind.INTEGER), nullable=False, autoincrement=True, strict_autoincrement=strict
        )
    big = column(table(s, "big"), "id")
    assert (big.type.kind, big.autoincrement, big.nullable) == (TypeKind.BIGINT, False, True)
    int_pk = column(table(s, "int_pk"), "id")
    # INT (not INTEGER) makes no rowid alias: kept as declared, so it is never rendered as INTEGER PRIMARY KEY.
    assert (int_pk.type, int_pk.autoincrement, int_pk.nullable) == (
        ColumnType(TypeKind.NATIVE, native="INT"),
        False,
        False,
    )
    assert column(table(s, "text_pk"), "code").nullable is True  # SQLite really allows NULL there
    composite = table(s, "composite")
    assert composite.primary_key == PrimaryKey(("a", "b"))
    assert not any(c.autoincrement for c in composite.columns)
    # WITHOUT ROWID tables have no rowid to alias, and SQLite makes their PK columns NOT NULL.
    no_rowid = column(table(s, "no_rowid"), "id")
    assert (no_rowid.autoincrement, no_rowid.nullable) == (False, False)
    assert table(s, "no_rowid").indexes == ()
    assert column(table(s, "pk_desc"), "id").autoincrement is False
    assert table(s, "no_pk").primary_key is None


def test_unique_constraints_inline_and_table_level(sqlite_url: str) -> None:
    run_sql(
        sqlite_url,
        """CREATE TABLE u (
            id INTEGER PRIMARY KEY,
            email TEXT NOT NULL UNIQUE,
            org INT, slug TEXT,
            CONSTRAINT ignored_name UNIQUE (org, slug)
        )""",
    )
    t = table(inspect(sqlite_url), "u")
    assert t.indexes == (
        Index("u_email_key", (IndexPart("email"),), unique=True, constraint=True),
        Index("u_org_slug_key", (IndexPart("org"), IndexPart("slug")), unique=True, constraint=True),
    )


def test_created_indexes(sqlite_url: str) -> None:
    run_sql(
        sqlite_url,
        """
        CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INT, deleted_at DATETIME);
        CREATE UNIQUE INDEX t_a_uq ON t (a);
        CREATE INDEX t_b_desc ON t (b DESC, a COLLATE NOCASE ASC);
        CREATE INDEX t_live ON t (a) WHERE deleted_at IS NULL AND b > 0;
        CREATE INDEX t_expr ON t (lower(a), (b + 1) DESC, b);
        """,
    )
    t = table(inspect(sqlite_url), "t")
    assert t.indexes == (
        Index("t_a_uq", (IndexPart("a"),), unique=True),
        # The collation is kept (H9 F6): as an expression, the model having no collation field.
        Index("t_b_desc", (IndexPart("b", descending=True), IndexPart(expression='"a" COLLATE NOCASE'))),
        Index(
            "t_expr", (IndexPart(expression="lower(a)"), IndexPart(expression="b + 1", descending=True), IndexPart("b"))
        ),
        Index("t_live", (IndexPart("a"),), where="deleted_at IS NULL AND b > 0"),
    )
    assert all(ix.method is None and all(p.opclass is None for p in ix.parts) for ix in t.indexes)


def test_foreign_keys(sqlite_url: str) -> None:
    run_sql(
        sqlite_url,
        """
        CREATE TABLE Parent (id INTEGER PRIMARY KEY, x INT, y INT, UNIQUE (x, y));
        CREATE TABLE pair (k1 TEXT, k2 TEXT, PRIMARY KEY (k1, k2));
        CREATE TABLE child (
            id INTEGER PRIMARY KEY,
            parent_id INT REFERENCES parent ON DELETE CASCADE,
            x INT, y INT, k1 TEXT, k2 TEXT, other INT,
            FOREIGN KEY (x, y) REFERENCES Parent (x, y) ON DELETE SET NULL ON UPDATE RESTRICT,
            FOREIGN KEY (k1, k2) REFERENCES pair,
            FOREIGN KEY (other) REFERENCES Parent (id) ON UPDATE SET DEFAULT ON DELETE NO ACTION
        );
        """,
    )
    fks = table(inspect(sqlite_url), "child").foreign_keys
    assert fks == (
        ForeignKey(None, ("parent_id",), "Parent", ("id",), on_delete=ReferentialAction.CASCADE),
        ForeignKey(
            None,
            ("x", "y"),
            "Parent",
            ("x", "y"),
            on_delete=ReferentialAction.SET_NULL,
            on_update=ReferentialAction.RESTRICT,
        ),
        ForeignKey(None, ("k1", "k2"), "pair", ("k1", "k2")),
        ForeignKey(None, ("other",), "Parent", ("id",), on_update=ReferentialAction.SET_DEFAULT),
    )


def test_foreign_key_to_missing_parent_keeps_what_is_known(sqlite_url: str) -> None:
    # SQLite accepts dangling references; an implicit column list then cannot be resolved.
    run_sql(sqlite_url, "CREATE TABLE c (a INT REFERENCES ghost, b INT REFERENCES ghost2 (gid))")
    fks = table(inspect(sqlite_url), "c").foreign_keys
    assert fks == (ForeignKey(None, ("a",), "ghost", ()), ForeignKey(None, ("b",), "ghost2", ("gid",)))


def test_checks_named_and_unnamed_in_source_order(sqlite_url: str) -> None:
    run_sql(
        sqlite_url,
        """CREATE TABLE c (
            price NUMERIC CONSTRAINT price_positive CHECK (price > 0) NOT NULL,
            qty INT CHECK (qty BETWEEN 1 AND 100) CONSTRAINT named_nn NOT NULL CHECK (qty <> 13),
            label TEXT CHECK (label NOT IN (')', 'a,b')),
            CONSTRAINT "price cap" CHECK (price < 1000 OR (qty = 1 AND price < 5000)),
            CHECK (length(label) > 0)
        )""",
    )
    assert table(inspect(sqlite_url), "c").checks == (
        Check("price_positive", "price > 0"),
        Check(None, "qty BETWEEN 1 AND 100"),
        Check(None, "qty <> 13"),
        Check(None, "label NOT IN (')', 'a,b')"),
        Check("price cap", "price < 1000 OR (qty = 1 AND price < 5000)"),
        Check(None, "length(label) > 0"),
    )


def test_generated_columns(sqlite_url: str) -> None:
    run_sql(
        sqlite_url,
        """CREATE TABLE g (
            a INT NOT NULL,
            b INT GENERATED ALWAYS AS (a * 2) STORED,
            c TEXT AS (printf('%d,%d', a, b)) VIRTUAL,
            "generated" INT
        )""",
    )
    t = table(inspect(sqlite_url), "g")
    assert [(c.name, c.generated) for c in t.columns] == [
        ("a", None),
        ("b", "a * 2"),
        ("c", "printf('%d,%d', a, b)"),
        ("generated", None),
    ]
    assert column(t, "b").default is None


def test_quoted_identifiers(sqlite_url: str) -> None:
    run_sql(
        sqlite_url,
        '''
        CREATE TABLE "order items; DROP TABLE x" (
            "line ""no""" INTEGER PRIMARY KEY,
            [weird;col] TEXT CONSTRAINT "ck; ""q""" CHECK ([weird;col] <> ';'),
            `back tick` INT UNIQUE
        );
        CREATE TABLE "child ""t""" (
            ref INT REFERENCES "order items; DROP TABLE x",
            "s p" TEXT
        );
        CREATE INDEX "ix ""1"";" ON "child ""t""" ("s p" DESC, upper("s p"));
        ''',
    )
    s = inspect(sqlite_url)
    assert [t.name for t in s.tables] == ['child "t"', "order items; DROP TABLE x"]
    parent = table(s, "order items; DROP TABLE x")
    assert [c.name for c in parent.columns] == ['line "no"', "weird;col", "back tick"]
    assert parent.primary_key == PrimaryKey(('line "no"',))
    assert column(parent, 'line "no"').autoincrement
    assert parent.checks == (Check('ck; "q"', "[weird;col] <> ';'"),)
    assert [ix.columns for ix in parent.indexes] == [("back tick",)]
    child = table(s, 'child "t"')
    assert child.foreign_keys == (ForeignKey(None, ("ref",), "order items; DROP TABLE x", ('line "no"',)),)
    assert child.indexes == (
        Index('ix "1";', (IndexPart("s p", descending=True), IndexPart(expression='upper("s p")'))),
    )


def test_ddl_that_sqlglot_cannot_parse(sqlite_url: str) -> None:
    # ON CONFLICT clauses, UNSIGNED BIG INT and WITHOUT ROWID defeat sqlglot.parse_one; the scanner copes.
    run_sql(
        sqlite_url,
        """CREATE TABLE odd (
            id INTEGER PRIMARY KEY ON CONFLICT REPLACE,
            n UNSIGNED BIG INT NOT NULL ON CONFLICT ABORT CHECK (n >= 0),
            k TEXT COLLATE NOCASE UNIQUE ON CONFLICT IGNORE,
            g INT AS (n % 7) STORED
        ) WITHOUT ROWID;
        CREATE TABLE strict_one (id INTEGER PRIMARY KEY, v ANY CHECK (v IS NOT NULL)) STRICT""",
    )
    s = inspect(sqlite_url)
    strict = table(s, "strict_one")
    assert column(strict, "id").autoincrement
    assert column(strict, "v").type == ColumnType(TypeKind.NATIVE, native="ANY")
    assert strict.checks == (Check(None, "v IS NOT NULL"),)
    t = table(s, "odd")
    assert column(t, "id").autoincrement is False  # WITHOUT ROWID
    assert column(t, "n").type == ColumnType(TypeKind.BIGINT)
    assert t.checks == (Check(None, "n >= 0"),)
    assert column(t, "g").generated == "n % 7"
    assert [ix.name for ix in t.indexes] == ["odd_k_key"]


def test_internal_views_and_virtual_tables_are_skipped(sqlite_url: str) -> None:
    run_sql(
        sqlite_url,
        """
        CREATE TABLE real_one (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT);
        INSERT INTO real_one (body) VALUES ('x');
        CREATE INDEX real_one_body ON real_one (body);
        ANALYZE;
        CREATE VIEW v AS SELECT * FROM real_one;
        CREATE TRIGGER trg AFTER INSERT ON real_one BEGIN SELECT 1; END;
        CREATE VIRTUAL TABLE docs USING fts5(body);
        CREATE TABLE docs_notes (note TEXT);
        CREATE TABLE sqlitely_named (x INT);
        """,
    )
    con = sqlite3.connect(sqlite_url.split(":///", 1)[1])
    stored = {r[0] for r in con.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")}
    con.close()
    assert {"sqlite_sequence", "sqlite_stat1", "docs", "docs_data"} <= stored
    assert [t.name for t in inspect(sqlite_url).tables] == ["docs_notes", "real_one", "sqlitely_named"]


def test_attached_namespace_and_unknown_namespace(sqlite_factory: Callable[[], str]) -> None:
    main_url, other_url = sqlite_factory(), sqlite_factory()
    run_sql(main_url, "CREATE TABLE in_main (a INT)")
    run_sql(other_url, "CREATE TABLE in_other (b TEXT PRIMARY KEY, c INT REFERENCES in_other)")
    other_path = other_url.split(":///", 1)[1]
    with connect(main_url) as conn:
        conn.exec_driver_sql("ATTACH DATABASE ? AS other", (f"file:{other_path}?mode=ro",))
        main, other = inspect_schema(conn), inspect_schema(conn, "other")
        with pytest.raises(InspectError, match="nowhere"):
            inspect_schema(conn, "nowhere")
    assert [t.name for t in main.tables] == ["in_main"]
    assert [t.name for t in other.tables] == ["in_other"]
    assert table(other, "in_other").foreign_keys == (ForeignKey(None, ("c",), "in_other", ("b",)),)


def test_empty_database(sqlite_url: str) -> None:
    run_sql(sqlite_url, "PRAGMA user_version = 1")
    assert inspect(sqlite_url) == Schema(tables=(), enums=())


def _make_tables(url: str, n: int) -> None:
    statements = []
    for i in range(n):
        statements.append(
            f"CREATE TABLE t{i} (id INTEGER PRIMARY KEY, parent INT REFERENCES t{i} (id) ON DELETE CASCADE, "
            f"code TEXT UNIQUE, qty INT CHECK (qty > 0), twice INT AS (qty * 2))"
        )
        statements.append(f"CREATE INDEX t{i}_expr ON t{i} (lower(code)) WHERE qty > 1")
    run_sql(url, "BEGIN;\n" + ";\n".join(statements) + ";\nCOMMIT;")  # one transaction: one fsync


def _inspect_counting(url: str) -> tuple[Schema, list[str]]:
    seen: list[str] = []

    def count(conn: sa.Connection, cursor: object, statement: str, *args: object) -> None:
        seen.append(statement)

    with connect(url) as conn:
        sa.event.listen(conn, "before_cursor_execute", count)
        return inspect_schema(conn), seen


def test_statement_count_does_not_grow_with_tables(sqlite_factory: Callable[[], str]) -> None:
    counts = {}
    for n in (5, 50):
        url = sqlite_factory()
        _make_tables(url, n)
        schema, statements = _inspect_counting(url)
        assert len(schema.tables) == n
        assert all(len(t.checks) == 1 and len(t.indexes) == 2 and len(t.foreign_keys) == 1 for t in schema.tables)
        assert all(column(t, "twice").generated == "qty * 2" for t in schema.tables)
        counts[n] = len(statements)
    # database check, objects, columns, indexes, foreign keys; views and triggers, attached databases (issue 14)
    assert counts[5] == counts[50] == 7


@pytest.mark.slow
def test_five_thousand_tables_in_five_statements(sqlite_url: str) -> None:
    _make_tables(sqlite_url, 5000)
    started = time.perf_counter()
    schema, statements = _inspect_counting(sqlite_url)
    elapsed = time.perf_counter() - started
    assert len(schema.tables) == 5000
    assert len(statements) == 7  # as in test_statement_count_does_not_grow_with_tables
    # About 2 s on a laptop with every table needing its CREATE text scanned; the bound only catches O(n^2).
    assert elapsed < 30, f"inspecting 5000 tables took {elapsed:.1f} s"


def test_chinook_corpus(sqlite_url: str) -> None:
    script = (CORPUS / "sql" / "chinook.sqlite.sql").read_text(encoding="utf-8-sig")
    run_sql(sqlite_url, script)
    s = inspect(sqlite_url)
    expected_pk = {
        "Album": ("AlbumId",),
        "Artist": ("ArtistId",),
        "Customer": ("CustomerId",),
        "Employee": ("EmployeeId",),
        "Genre": ("GenreId",),
        "Invoice": ("InvoiceId",),
        "InvoiceLine": ("InvoiceLineId",),
        "MediaType": ("MediaTypeId",),
        "Playlist": ("PlaylistId",),
        "PlaylistTrack": ("PlaylistId", "TrackId"),
        "Track": ("TrackId",),
    }
    assert [t.name for t in s.tables] == sorted(expected_pk)
    assert {t.name: t.primary_key.columns if t.primary_key else None for t in s.tables} == expected_pk
    fks = {t.name: sorted((fk.columns, fk.ref_table, fk.ref_columns) for fk in t.foreign_keys) for t in s.tables}
    assert fks == {
        "Album": [(("ArtistId",), "Artist", ("ArtistId",))],
        "Artist": [],
        "Customer": [(("SupportRepId",), "Employee", ("EmployeeId",))],
        "Employee": [(("ReportsTo",), "Employee", ("EmployeeId",))],
        "Genre": [],
        "Invoice": [(("CustomerId",), "Customer", ("CustomerId",))],
        "InvoiceLine": [(("InvoiceId",), "Invoice", ("InvoiceId",)), (("TrackId",), "Track", ("TrackId",))],
        "MediaType": [],
        "Playlist": [],
        "PlaylistTrack": [(("PlaylistId",), "Playlist", ("PlaylistId",)), (("TrackId",), "Track", ("TrackId",))],
        "Track": [
            (("AlbumId",), "Album", ("AlbumId",)),
            (("GenreId",), "Genre", ("GenreId",)),
            (("MediaTypeId",), "MediaType", ("MediaTypeId",)),
        ],
    }
    track = table(s, "Track")
    assert column(track, "TrackId").autoincrement
    assert column(track, "Name") == Column("Name", ColumnType(TypeKind.STRING, length=200), nullable=False)
    assert column(track, "UnitPrice").type == ColumnType(TypeKind.DECIMAL, precision=10, scale=2)
    assert "IFK_TrackAlbumId" in {ix.name for ix in track.indexes}
    assert not any(c.autoincrement for c in table(s, "PlaylistTrack").columns)


def _fingerprint(path: Path) -> tuple[int, int, str]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest()


def test_inspect_leaves_the_file_untouched(sqlite_url: str) -> None:
    _make_tables(sqlite_url, 3)
    path = Path(sqlite_url.split(":///", 1)[1])
    before = _fingerprint(path)
    siblings_before = sorted(os.listdir(path.parent))
    schema = inspect(sqlite_url)
    assert len(schema.tables) == 3
    assert _fingerprint(path) == before
    assert sorted(os.listdir(path.parent)) == siblings_before


def test_round_trip_equals_adapted_master(sqlite_url: str) -> None:
    # The DDL below is what the master stores as on SQLite: enum -> TEXT + named CHECK, array -> TEXT (JSON),
    # serial id -> INTEGER rowid alias, inline UNIQUE named by the {table}_{cols}_key convention.
    master = Schema(
        tables=(
            Table(
                "User",
                (
                    Column("id", ColumnType(TypeKind.BIGINT), nullable=False, autoincrement=True),
                    Column("email", ColumnType(TypeKind.STRING, length=255), nullable=False),
                    Column("status", ColumnType(TypeKind.ENUM, enum_name="Status"), False, Default.literal("ACTIVE")),
                    Column("tags", ColumnType(TypeKind.TEXT, array_dims=1)),
                    Column("created_at", ColumnType(TypeKind.DATETIME), False, Default.expression("CURRENT_TIMESTAMP")),
                ),
                primary_key=PrimaryKey(("id",), "User_pkey"),
                indexes=(Index("User_email_key", (IndexPart("email"),), unique=True, constraint=True),),
            ),
            Table(
                "Post",
                (
                    Column("id", ColumnType(TypeKind.INTEGER), nullable=False),
                    Column("author_id", ColumnType(TypeKind.BIGINT), nullable=False),
                    Column("score", ColumnType(TypeKind.DECIMAL, precision=5, scale=2), default=Default.literal(0)),
                ),
                primary_key=PrimaryKey(("id",)),
                foreign_keys=(
                    ForeignKey("Post_author_id_fkey", ("author_id",), "User", ("id",), ReferentialAction.CASCADE),
                ),
                checks=(Check("Post_score_check", "score >= 0"),),
            ),
        ),
        enums=(Enum("Status", ("ACTIVE", "BANNED")),),
    )
    run_sql(
        sqlite_url,
        """
        CREATE TABLE "User" (
            "id" INTEGER NOT NULL PRIMARY KEY,
            "email" VARCHAR(255) NOT NULL UNIQUE,
            "status" TEXT NOT NULL DEFAULT 'ACTIVE',
            "tags" TEXT,
            "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
            CONSTRAINT "User_status_check" CHECK ("status" IN ('ACTIVE', 'BANNED'))
        );
        CREATE TABLE "Post" (
            "id" INTEGER NOT NULL PRIMARY KEY,
            "author_id" BIGINT NOT NULL REFERENCES "User" ("id") ON DELETE CASCADE,
            "score" DECIMAL(5,2) DEFAULT 0,
            CONSTRAINT "Post_score_check" CHECK (score >= 0)
        );
        """,
    )
    wanted = adapt(master)
    got = inspect(sqlite_url)
    assert got == replace_tables_sorted(wanted)


def replace_tables_sorted(schema: Schema) -> Schema:
    return Schema(tables=tuple(sorted(schema.tables, key=lambda t: t.name)), enums=schema.enums)
