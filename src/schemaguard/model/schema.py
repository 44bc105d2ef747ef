"""The dialect-neutral schema model: every loader and inspector produces it; renderers and the differ consume it.

All classes are frozen dataclasses holding tuples, so a Schema is a value: safe to share, hash-free but cheap
to compare. Build a changed copy with :func:`dataclasses.replace`. ``loc`` fields carry where an object was
defined (file, line, column) and never take part in comparisons.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from schemaguard.model.objects import DbObject, NotCompared
from schemaguard.model.types import ColumnType, pickled_by_fields


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class SourceLocation:
    """Where an object was defined: a file path and a 1-based line and column."""

    path: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


class DefaultKind(StrEnum):
    """How a column default is expressed."""

    LITERAL = "literal"  # a constant: str, int, float, bool, or a list for array columns
    EXPRESSION = "expression"  # SQL text, e.g. CURRENT_TIMESTAMP or gen_random_uuid()


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Default:
    """A column's server default.

    Attributes:
        kind: literal value or SQL expression.
        value: for LITERAL the Python value (str, int, float, bool, list for arrays); for EXPRESSION the SQL
            text in PostgreSQL syntax (``CURRENT_TIMESTAMP`` is the canonical spelling of "now").
    """

    kind: DefaultKind
    value: Any

    @classmethod
    def literal(cls, value: Any) -> Default:
        return cls(DefaultKind.LITERAL, value)

    @classmethod
    def expression(cls, sql: str) -> Default:
        return cls(DefaultKind.EXPRESSION, sql)

    def describe(self) -> str:
        """Human text: ``'ACTIVE'``, ``0``, ``CURRENT_TIMESTAMP``."""
        if self.kind is DefaultKind.EXPRESSION:
            return str(self.value)
        if isinstance(self.value, str):
            return "'" + self.value.replace("'", "''") + "'"
        if isinstance(self.value, bool):
            return "true" if self.value else "false"
        return repr(self.value) if isinstance(self.value, list) else str(self.value)


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Column:
    """A table column.

    Attributes:
        name: the column name as stored in the database (case-sensitive).
        type: the logical type.
        nullable: NULL allowed.
        default: server default, or None.
        autoincrement: values come from a sequence/identity/rowid (PostgreSQL serial or identity, SQLite
            INTEGER PRIMARY KEY); normalised so serial and identity compare equal.
        generated: SQL expression of a stored generated column, or None.
        comment: column comment (PostgreSQL ``COMMENT ON COLUMN``); not compared.
        strict_autoincrement: SQLite's ``AUTOINCREMENT`` keyword on an ``INTEGER PRIMARY KEY``: rowids of
            deleted rows are never reused (a plain rowid alias may reuse the largest). Only meaningful with
            ``autoincrement``; PostgreSQL sequences never reuse values, so it is not compared there.
            Source: https://www.sqlite.org/autoinc.html
    """

    name: str
    type: ColumnType
    nullable: bool = True
    default: Default | None = None
    autoincrement: bool = False
    generated: str | None = None
    comment: str | None = None
    loc: SourceLocation | None = field(default=None, compare=False)
    strict_autoincrement: bool = False


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class PrimaryKey:
    """A primary key: ordered column names and the constraint name (None where the dialect has none)."""

    columns: tuple[str, ...]
    name: str | None = None


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class IndexPart:
    """One element of an index: a column or an expression, its sort order and operator class.

    ``opclass`` is an explicit, non-default operator class. ``default_opclass`` is set by introspection only:
    the name of the operator class the database chose by default for this element (``pg_opclass.opcdefault``);
    a master naming that class explicitly (Prisma's ``ops: ArrayOps`` on a GIN index) means the same index.
    It is not compared itself.
    """

    column: str | None = None
    expression: str | None = None
    descending: bool = False
    opclass: str | None = None
    default_opclass: str | None = field(default=None, compare=False)

    def describe(self) -> str:
        text = self.column if self.column is not None else f"({self.expression})"
        if self.opclass:
            text += f" {self.opclass}"
        return text + (" DESC" if self.descending else "")


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Index:
    """An index, unique or not.

    A UNIQUE constraint is modelled as a unique Index with ``constraint=True``: the two are the same object for
    comparison (the flag only changes how it is rendered).

    Attributes:
        name: index (or unique constraint) name.
        parts: the indexed columns/expressions in order.
        unique: UNIQUE index.
        where: predicate of a partial index (SQL text), or None.
        method: access method other than the default btree (``gin``, ``gist``, ``hash``...), or None.
        constraint: backed by a UNIQUE constraint rather than a bare index.
        deferrable: a UNIQUE constraint declared ``DEFERRABLE`` (PostgreSQL; only with ``constraint``).
        initially_deferred: ``DEFERRABLE INITIALLY DEFERRED``: checked at commit rather than per statement.
            Source: https://www.postgresql.org/docs/15/sql-createtable.html
    """

    name: str
    parts: tuple[IndexPart, ...]
    unique: bool = False
    where: str | None = None
    method: str | None = None
    constraint: bool = False
    loc: SourceLocation | None = field(default=None, compare=False)
    deferrable: bool = False
    initially_deferred: bool = False

    @property
    def columns(self) -> tuple[str, ...]:
        """Names of the plain-column parts (expressions left out)."""
        return tuple(p.column for p in self.parts if p.column is not None)


class ReferentialAction(StrEnum):
    """ON DELETE / ON UPDATE actions (SQL standard names)."""

    NO_ACTION = "NO ACTION"
    RESTRICT = "RESTRICT"
    CASCADE = "CASCADE"
    SET_NULL = "SET NULL"
    SET_DEFAULT = "SET DEFAULT"


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class ForeignKey:
    """A foreign key from ``columns`` to ``ref_table(ref_columns)``; ``deferrable``/``initially_deferred`` as
    for :class:`Index` (``DEFERRABLE [INITIALLY DEFERRED]``, both dialects)."""

    name: str | None
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]
    on_delete: ReferentialAction = ReferentialAction.NO_ACTION
    on_update: ReferentialAction = ReferentialAction.NO_ACTION
    loc: SourceLocation | None = field(default=None, compare=False)
    deferrable: bool = False
    initially_deferred: bool = False


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Check:
    """A CHECK constraint: its name (None if unnamed) and boolean SQL expression."""

    name: str | None
    expression: str
    loc: SourceLocation | None = field(default=None, compare=False)


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Table:
    """A table with its columns (in definition order) and constraints."""

    name: str
    columns: tuple[Column, ...]
    primary_key: PrimaryKey | None = None
    indexes: tuple[Index, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    checks: tuple[Check, ...] = ()
    comment: str | None = None
    loc: SourceLocation | None = field(default=None, compare=False)

    def column(self, name: str) -> Column | None:
        """The column called ``name``, or None."""
        for c in self.columns:
            if c.name == name:
                return c
        return None


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Enum:
    """An enumerated type: its name and ordered values."""

    name: str
    values: tuple[str, ...]
    comment: str | None = None
    loc: SourceLocation | None = field(default=None, compare=False)


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Schema:
    """A whole schema: tables and enums, in definition order.

    Attributes:
        tables: the tables.
        enums: the enum types (PostgreSQL ``CREATE TYPE ... AS ENUM``; emulated on SQLite).
        source: where it came from, for reports (a file path or a password-masked URL).
        enum_checks: where enums are emulated (SQLite), guard the TEXT column with ``CHECK (col IN (...))``.
            Prisma's SQLite connector emulates enums as plain TEXT without a CHECK (Prisma 6.2+:
            https://www.prisma.io/docs/orm/reference/database-features#enums), so Prisma masters set it False.
        wide_rowid: where only ``INTEGER`` can be an autoincrementing primary key (SQLite's rowid alias), a
            ``BIGINT``/``SMALLINT`` autoincrement primary key becomes that ``INTEGER`` rowid alias. Prisma's
            SQLite connector instead renders ``BigInt @id @default(autoincrement())`` as ``BIGINT PRIMARY KEY``
            with no autoincrement at all (checked against Prisma's schema engine 7), so Prisma masters set False.
        objects: views, functions, triggers, sequences... and table properties (:mod:`schemaguard.model.objects`),
            sorted by key.
        implicit_m2m: names of Prisma implicit many-to-many tables (``_AToB``), which Prisma keys by provider:
            ``PRIMARY KEY (A, B)`` on PostgreSQL, a unique index ``_AToB_AB_unique`` on SQLite; SQLite's adapt() gives a
            PostgreSQL-provider master's tables that form (:func:`schemaguard.prisma.conventions.implicit_m2m_table`).
        not_compared: what the inspector or loader saw but left out of the model (for the coverage report);
            never compared.
    """

    tables: tuple[Table, ...] = ()
    enums: tuple[Enum, ...] = ()
    source: str | None = field(default=None, compare=False)
    enum_checks: bool = True
    wide_rowid: bool = True
    objects: tuple[DbObject, ...] = ()
    implicit_m2m: tuple[str, ...] = ()
    not_compared: tuple[NotCompared, ...] = field(default=(), compare=False)

    def table(self, name: str) -> Table | None:
        """The table called ``name``, or None."""
        for t in self.tables:
            if t.name == name:
                return t
        return None

    def enum(self, name: str) -> Enum | None:
        """The enum called ``name``, or None."""
        for e in self.enums:
            if e.name == name:
                return e
        return None
