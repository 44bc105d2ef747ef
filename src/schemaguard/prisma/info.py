"""What a Prisma schema says beyond the table model: Prisma names next to database names, relations, docs.

:func:`schemaguard.prisma.loader.load_prisma_with_info` returns a :class:`PrismaSchemaInfo` next to the
:class:`~schemaguard.model.Schema`. House rules (``schemaguard.rules``) read it to check Prisma field names
against column names, and :func:`schemaguard.prisma.writer.render_prisma` uses it to keep model and field names,
relation field names and ``///`` docs when writing a Prisma schema back.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from schemaguard.model import SourceLocation


@dataclass(frozen=True, slots=True)
class RelationInfo:
    """A relation field's ``@relation``.

    Attributes:
        target: the related model's Prisma name.
        name: the relation name (``@relation("x")``), or None.
        fields: Prisma names of the scalar fields holding the foreign key on this side (empty on the back side).
        references: Prisma names of the referenced fields in ``target``.
        on_delete, on_update: the actions as written (``Cascade``...), None when left to Prisma's default.
        map: the foreign key's database name when given.
    """

    target: str
    name: str | None = None
    fields: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    on_delete: str | None = None
    on_update: str | None = None
    map: str | None = None


@dataclass(frozen=True, slots=True)
class FieldInfo:
    """One field of a model.

    Attributes:
        name: the Prisma field name (``createdAt``).
        column: the database column (``created_at`` via ``@map``), None for relation fields.
        type_name: the Prisma type as written (``String``, an enum, a model, ``Unsupported``).
        kind: ``scalar``, ``enum``, ``relation`` or ``unsupported``.
        optional, is_list: the ``?`` and ``[]`` modifiers.
        mapped: the field has an explicit ``@map``.
        native: the ``@db.X(args)`` attribute as written without ``@`` (``db.VarChar(255)``), or None.
        default: the ``@default(...)`` argument as written (``now()``, ``"x"``), or None.
        updated_at: has ``@updatedAt``.
        ignored: has ``@ignore``.
        relation: for relation fields, the parsed ``@relation``.
        doc: ``///`` documentation.
    """

    name: str
    column: str | None
    type_name: str
    kind: str
    optional: bool = False
    is_list: bool = False
    mapped: bool = False
    native: str | None = None
    default: str | None = None
    updated_at: bool = False
    ignored: bool = False
    relation: RelationInfo | None = None
    doc: str | None = None
    loc: SourceLocation | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """A model (or view) and its fields.

    Attributes:
        name: the Prisma model name.
        table: the database table (``@@map``) — for views the view name.
        kind: ``model`` or ``view``.
        mapped: has ``@@map``.
        ignored: has ``@@ignore``.
        id_fields: Prisma names of the primary-key fields (``@id`` or ``@@id``).
        unique_sets: Prisma field-name tuples of every ``@unique``/``@@unique``.
        index_sets: Prisma field-name tuples of every ``@@index``.
    """

    name: str
    table: str
    kind: str = "model"
    fields: tuple[FieldInfo, ...] = ()
    mapped: bool = False
    ignored: bool = False
    id_fields: tuple[str, ...] = ()
    unique_sets: tuple[tuple[str, ...], ...] = ()
    index_sets: tuple[tuple[str, ...], ...] = ()
    doc: str | None = None
    loc: SourceLocation | None = field(default=None, compare=False)

    def field(self, name: str) -> FieldInfo | None:
        """The field called ``name`` (Prisma name), or None."""
        for f in self.fields:
            if f.name == name:
                return f
        return None

    def field_for_column(self, column: str) -> FieldInfo | None:
        """The scalar field stored in ``column``, or None."""
        for f in self.fields:
            if f.column == column:
                return f
        return None


@dataclass(frozen=True, slots=True)
class EnumInfo:
    """An enum: Prisma name, database name (``@@map``) and values as ``(prisma_name, db_name)`` pairs."""

    name: str
    db_name: str
    values: tuple[tuple[str, str], ...] = ()
    doc: str | None = None
    loc: SourceLocation | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class PrismaSchemaInfo:
    """The Prisma-level facts of a loaded schema.

    Attributes:
        provider: ``postgresql`` or ``sqlite`` (what the model was built for).
        relation_mode: ``foreignKeys`` (default) or ``prisma`` (no foreign keys in the database).
        models: models and views in source order.
        enums: enums in source order.
        datasource: the datasource block's name (``db``).
        generators: ``(name, {key: value-as-written})`` of each generator block.
        extensions: PostgreSQL extensions listed in the datasource (``pg_trgm``, ``vector``).
        paths: the files read.
    """

    provider: str
    relation_mode: str = "foreignKeys"
    models: tuple[ModelInfo, ...] = ()
    enums: tuple[EnumInfo, ...] = ()
    datasource: str = "db"
    generators: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    extensions: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()

    def model(self, name: str) -> ModelInfo | None:
        """The model called ``name`` (Prisma name), or None."""
        for m in self.models:
            if m.name == name:
                return m
        return None

    def model_for_table(self, table: str) -> ModelInfo | None:
        """The model stored in ``table``, or None (also None for implicit many-to-many tables)."""
        for m in self.models:
            if m.table == table and m.kind == "model":
                return m
        return None

    def enum(self, name: str) -> EnumInfo | None:
        """The enum called ``name`` (Prisma name), or None."""
        for e in self.enums:
            if e.name == name:
                return e
        return None

    def enum_for_db_name(self, db_name: str) -> EnumInfo | None:
        """The enum stored as ``db_name``, or None."""
        for e in self.enums:
            if e.db_name == db_name:
                return e
        return None
