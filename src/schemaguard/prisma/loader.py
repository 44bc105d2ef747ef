"""Load Prisma schema files into the schema model, following Prisma's own conventions exactly.

The model describes the database Prisma's schema engine creates for the schema (``prisma migrate``), so a
database Prisma created compares without drift: scalar and ``@db.*`` type mapping per provider, database
defaults (only ``autoincrement()``, ``now()``, ``dbgenerated()`` and literals; ``uuid()``/``cuid()`` are
client-side), ``@updatedAt`` without a default, Prisma's constraint and index names, default referential actions,
no foreign keys under ``relationMode = "prisma"``, implicit many-to-many tables.

Sources:
- https://www.prisma.io/docs/orm/reference/prisma-schema-reference
- https://www.prisma.io/docs/orm/prisma-schema/data-model/database-mapping#constraint-and-index-names
- https://www.prisma.io/docs/orm/prisma-schema/data-model/relations/referential-actions#referential-action-defaults
- https://www.prisma.io/docs/orm/prisma-schema/data-model/relations/many-to-many-relations
- https://www.prisma.io/docs/orm/prisma-schema/data-model/relations/relation-mode
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from schemaguard.errors import SchemaError
from schemaguard.model import (
    Column,
    ColumnType,
    DbObject,
    Default,
    DefaultKind,
    Enum,
    ForeignKey,
    Index,
    IndexPart,
    NotCompared,
    ObjectKind,
    PrimaryKey,
    ReferentialAction,
    Schema,
    SourceLocation,
    Table,
    TypeKind,
    make_object,
)
from schemaguard.model.naming import qualify
from schemaguard.normalize import parse_default
from schemaguard.prisma import conventions as cv
from schemaguard.prisma.ast import (
    Array,
    Attribute,
    Block,
    Call,
    Const,
    Field,
    Num,
    PrismaFile,
    Str,
    Value,
    format_value,
)
from schemaguard.prisma.info import EnumInfo, FieldInfo, ModelInfo, PrismaSchemaInfo, RelationInfo
from schemaguard.prisma.parser import parse_prisma

FIELD_ATTRIBUTES = ("id", "default", "unique", "updatedAt", "map", "relation", "ignore")
"""Field attributes schemaguard understands (plus ``@db.*``). Source: prisma-schema-reference#attributes"""

_NOW = ("CURRENT_TIMESTAMP", "CURRENT_DATE")

BLOCK_ATTRIBUTES = ("id", "unique", "index", "map", "ignore", "schema", "fulltext")
"""Block attributes schemaguard understands (``@@fulltext`` is accepted and has no effect)."""

DEFAULT_NAMESPACE = "public"
"""Prisma's PostgreSQL schema when a model has no ``@@schema`` (the URL's ``?schema=`` defaults to public)."""

VIEW_BODY_NOT_COMPARED = NotCompared("view body", "a Prisma view block does not hold its SELECT")
"""Coverage entry for the views a Prisma schema declares (names filled in): Prisma knows a view's columns, never
its definition (https://www.prisma.io/docs/orm/prisma-schema/data-model/views), so only presence is compared."""

EXTENSIONS_NOT_COMPARED = NotCompared(
    "extension", "the Prisma schema declares no extensions (datasource extensions, postgresqlExtensions)"
)
"""Marker on a PostgreSQL Prisma master without ``extensions = [...]``: Prisma ignores the database's extensions
then (https://www.prisma.io/docs/orm/prisma-schema/postgresql-extensions), so they are listed as not compared
(:func:`schemaguard.diff.objects.scope_uncompared`) instead of reported as drift."""


COMMENTS_NOT_COMPARED = NotCompared(
    "comment", "Prisma does not manage database comments (/// doc comments create none, db pull reads none back)"
)
"""Marker on a PostgreSQL Prisma master: the engine writes no ``COMMENT ON`` for ``///`` doc comments, and its
``db pull`` writes none back, only a warning that database comments are "not yet fully supported"
(https://pris.ly/d/database-comments; checked with the engine, tests/prisma/fixtures/pf/README.md). So a
database's comments are listed as not compared (:func:`schemaguard.diff.objects.scope_uncompared`), not drift."""


@dataclass(frozen=True, slots=True)
class PrismaLoad:
    """The result of loading a Prisma schema: the table model and the Prisma-level information."""

    schema: Schema
    info: PrismaSchemaInfo


def load_prisma(path: str | Path, text: str | None = None, provider: str | None = None) -> Schema:
    """Load a ``.prisma`` file (or a folder of them) into a :class:`~schemaguard.model.Schema`.

    Args:
        path: the schema file, or a directory whose ``*.prisma`` files form one multi-file schema.
        text: the file's content, if already read (``path`` is then only used in messages).
        provider: ``postgresql`` or ``sqlite`` to build the model for, overriding the datasource's provider.

    Returns:
        The Schema (``source`` is the path).

    Raises:
        SchemaError: unreadable file, syntax error, or a semantic error (unknown type or attribute, bad
            relation, unsupported provider), with ``file:line:col``.
    """
    return load_prisma_with_info(path, text, provider).schema


def load_prisma_files(paths: Sequence[str | Path], provider: str | None = None) -> Schema:
    """Load a multi-file Prisma schema (Prisma 5.15+ ``prismaSchemaFolder``) given as a list of files.

    Raises:
        SchemaError: as :func:`load_prisma`.
    """
    return load_prisma_files_with_info(paths, provider).schema


def load_prisma_with_info(path: str | Path, text: str | None = None, provider: str | None = None) -> PrismaLoad:
    """Like :func:`load_prisma`, also returning the :class:`~schemaguard.prisma.info.PrismaSchemaInfo`.

    Raises:
        SchemaError: as :func:`load_prisma`.
    """
    p = Path(path)
    if text is None and p.is_dir():
        # Prisma reads every .prisma file under the schema folder, subfolders included (rallly keeps its models
        # in prisma/models/ beside prisma/schema.prisma).
        files = sorted(p.rglob("*.prisma"))
        if not files:
            raise SchemaError("no .prisma files in this directory", str(p))
        return load_prisma_files_with_info(files, provider)
    if text is None:
        text = _read(p)
    return build_schema([parse_prisma(text, str(path))], provider, source=str(path))


def load_prisma_files_with_info(paths: Sequence[str | Path], provider: str | None = None) -> PrismaLoad:
    """Like :func:`load_prisma_files`, also returning the Prisma information.

    Raises:
        SchemaError: as :func:`load_prisma`.
    """
    files = [parse_prisma(_read(Path(p)), str(p)) for p in paths]
    return build_schema(files, provider, source=", ".join(str(p) for p in paths))


def _read(p: Path) -> str:
    try:
        return p.read_text(encoding="utf-8")
    except OSError as exc:
        raise SchemaError(f"cannot read Prisma schema: {exc.strerror or exc}", str(p)) from None


def build_schema(files: Sequence[PrismaFile], provider: str | None = None, source: str | None = None) -> PrismaLoad:
    """Build the model from parsed files (one schema, possibly split over several files).

    Args:
        files: the parsed files.
        provider: overrides the datasource provider (needed when no file has a datasource block).
        source: recorded as ``Schema.source``.

    Raises:
        SchemaError: semantic errors with their location, including the model's own consistency checks
            (duplicate columns, references to missing tables or columns).
    """
    from schemaguard.model.validate import check_consistency

    loaded = _Builder(files, provider, source).build()
    problems = check_consistency(loaded.schema)
    if problems:
        first = problems[0]
        loc = first.loc
        raise SchemaError(
            first.message, loc.path if loc else source, loc.line if loc else None, loc.column if loc else None
        )
    return loaded


def _loc(path: str | None, line: int, column: int) -> SourceLocation:
    return SourceLocation(path or "<prisma>", line, column)


class _Builder:
    def __init__(self, files: Sequence[PrismaFile], provider: str | None, source: str | None):
        self.blocks: list[Block] = [b for f in files for b in f.blocks]
        self.paths = tuple(f.path or "<prisma>" for f in files)
        self.source = source
        self.provider_override = provider
        self.provider = "postgresql"
        self.relation_mode = "foreignKeys"
        self.models: dict[str, Block] = {}
        self.enums: dict[str, Block] = {}
        self.composites: set[str] = set()
        self.enum_infos: dict[str, EnumInfo] = {}
        self.model_infos: dict[str, ModelInfo] = {}
        # Model and enum name -> model key: ``name``, or ``schema.name`` outside the default namespace (@@schema),
        # as the YAML master and the PostgreSQL inspector key them.
        self.keys: dict[str, str] = {}
        self.namespaces: tuple[str, ...] = ()
        self.extensions_declared = False

    def err(self, problem: str, block: Block, line: int, column: int) -> SchemaError:
        return SchemaError(problem, block.path, line, column)

    # --- top level -----------------------------------------------------------------------------------------
    def build(self) -> PrismaLoad:
        ds_name, extensions, generators = self._datasource()
        seen: dict[str, Block] = {}
        for b in self.blocks:
            if b.kind in ("datasource", "generator"):
                continue
            if b.name in seen:
                first = seen[b.name]
                raise self.err(
                    f"{b.kind} '{b.name}' is defined twice (first at {first.path}:{first.line})", b, b.line, b.column
                )
            seen[b.name] = b
            if b.kind in ("model", "view"):
                self.models[b.name] = b
            elif b.kind == "enum":
                self.enums[b.name] = b
            elif b.kind == "type":
                self.composites.add(b.name)
        for b in self.enums.values():
            self.enum_infos[b.name] = self._enum_info(b)
            self.keys[b.name] = self._key(b, self.enum_infos[b.name].db_name)
        for b in self.models.values():
            self.model_infos[b.name] = self._model_info(b)
            self.keys[b.name] = self._key(b, self.model_infos[b.name].table)
        tables: list[Table] = []
        for b in self.models.values():
            if b.kind == "model":
                tables.append(self._table(b))
        m2m_tables = list(self._implicit_m2m_tables())
        tables.extend(m2m_tables)
        enums = tuple(
            Enum(self.keys[e.name], tuple(v for _, v in e.values), loc=e.loc) for e in self.enum_infos.values()
        )
        objects, not_compared = self._objects(extensions)
        info = PrismaSchemaInfo(
            provider=self.provider,
            relation_mode=self.relation_mode,
            models=tuple(self.model_infos.values()),
            enums=tuple(self.enum_infos.values()),
            datasource=ds_name,
            generators=generators,
            extensions=tuple(name for name, _ in extensions),
            paths=self.paths,
        )
        # Prisma emulates enums on SQLite as bare TEXT: no CHECK, so drift against a Prisma-made database is exact.
        m2m = tuple(t.name for t in m2m_tables)
        schema = Schema(
            tuple(tables), enums, source=self.source, enum_checks=False, wide_rowid=False, implicit_m2m=m2m,
            objects=objects, not_compared=not_compared,
        )  # fmt: skip
        return PrismaLoad(schema, info)

    def _key(self, b: Block, db_name: str) -> str:
        """The model key of a model/view/enum: ``schema.name`` under ``@@schema("schema")`` (PostgreSQL, outside
        the default namespace), else ``name``. Source: prisma.io/docs/orm/prisma-schema/data-model/multi-schema

        A mapped name is one identifier, dots included (``@@map("audit.log")`` is the table ``"audit.log"``: the
        engine writes ``CREATE TABLE "audit.log"``, tests/prisma/fixtures/pf/); its schema comes only from
        ``@@schema``. Model keys split at the first dot, so on PostgreSQL such a name is always keyed with its
        schema: ``public.audit.log``, as the PostgreSQL inspector keys it."""
        attr = b.attribute("schema")
        if self.provider != "postgresql":
            return db_name
        if attr is None:
            return qualify(None, db_name, DEFAULT_NAMESPACE)
        ns = self._map_arg(b, attr)
        if self.namespaces and ns not in self.namespaces:
            raise self.err(
                f"@@schema({ns!r}) names a schema the datasource does not list in schemas = [...]",
                b, attr.line, attr.column,
            )  # fmt: skip
        return qualify(ns, db_name, DEFAULT_NAMESPACE)  # @@schema("my.s") keys "my.s".name

    def _objects(self, extensions: tuple[tuple[str, str], ...]) -> tuple[tuple[DbObject, ...], tuple[NotCompared, ...]]:
        """Schemas, extensions (PostgreSQL) and views the Prisma schema declares, and what of them is not
        compared."""
        objects: list[DbObject] = []
        postgresql = self.provider == "postgresql"
        if postgresql:
            # Prisma's migrate creates each schema of `schemas = [...]` (CREATE SCHEMA IF NOT EXISTS), used or not,
            objects += [make_object(ObjectKind.SCHEMA, ns) for ns in self.namespaces if ns != DEFAULT_NAMESPACE]
            # ... and each listed extension, in the default schema unless `schema:` says otherwise.
            objects += [make_object(ObjectKind.EXTENSION, name, None, {"schema": ns}) for name, ns in extensions]
        # A view block declares the view (its body is unknown to Prisma: compared by presence only).
        views = [b.name for b in self.models.values() if b.kind == "view"]
        objects += [make_object(ObjectKind.VIEW, self.keys[n], None, loc=self.model_infos[n].loc) for n in views]
        uncompared: list[NotCompared] = []
        if views:
            uncompared.append(replace(VIEW_BODY_NOT_COMPARED, names=tuple(sorted(self.keys[n] for n in views))))
        if postgresql and not self.extensions_declared:
            uncompared.append(EXTENSIONS_NOT_COMPARED)
        if postgresql:
            uncompared.append(COMMENTS_NOT_COMPARED)
        return tuple(sorted(objects, key=lambda o: o.key)), tuple(uncompared)

    def _datasource(
        self,
    ) -> tuple[str, tuple[tuple[str, str], ...], tuple[tuple[str, tuple[tuple[str, str], ...]], ...]]:
        sources = [b for b in self.blocks if b.kind == "datasource"]
        generators = tuple(
            (b.name, tuple((p.key, format_value(p.value)) for p in b.properties))
            for b in self.blocks
            if b.kind == "generator"
        )
        if len(sources) > 1:
            b = sources[1]
            raise self.err("a Prisma schema has exactly one datasource block; found a second one", b, b.line, b.column)
        extensions: tuple[tuple[str, str], ...] = ()
        name = "db"
        written: str | None = None
        if sources:
            ds = sources[0]
            name = ds.name
            value = ds.property("provider")
            if not isinstance(value, Str):
                raise self.err(
                    f'datasource {ds.name} needs provider = "postgresql" or "sqlite"', ds, ds.line, ds.column
                )
            written = value.value
            mode = ds.property("relationMode") or ds.property("referentialIntegrity")
            if isinstance(mode, Str):
                self.relation_mode = mode.value
            ext = ds.property("extensions")
            if isinstance(ext, Array):
                self.extensions_declared = True
                extensions = tuple(_extension(v) for v in ext.items)
            schemas = ds.property("schemas")
            if isinstance(schemas, Array):
                self.namespaces = tuple(v.value for v in schemas.items if isinstance(v, Str))
            canonical = cv.canonical_provider(written)
            if canonical is None and self.provider_override is None:
                line, col = (value.line, value.column)
                raise self.err(
                    f'provider {written!r} is not supported by schemaguard; use "postgresql" or "sqlite"', ds, line, col
                )
            self.provider = canonical or "postgresql"
        if self.provider_override is not None:
            canonical = cv.canonical_provider(self.provider_override)
            if canonical is None:
                raise SchemaError(f"provider {self.provider_override!r} is not supported; use postgresql or sqlite")
            self.provider = canonical
        # Without a datasource (Prisma 7 keeps it in prisma.config.ts; a multi-file part) the model is Prisma's
        # PostgreSQL one: the dialect compared or rendered in adapts it, as for any PostgreSQL-provider master.
        return name, extensions, generators

    # --- enums ---------------------------------------------------------------------------------------------
    def _enum_info(self, b: Block) -> EnumInfo:
        for a in b.attributes:
            if a.name not in ("map", "schema"):
                raise self.err(f"unknown block attribute @@{a.name} on enum {b.name}", b, a.line, a.column)
        db_name = self._map_arg(b, b.attribute("map")) or b.name
        values = []
        for v in b.values:
            for a in v.attributes:
                if a.name != "map":
                    raise self.err(f"unknown attribute @{a.name} on enum value {b.name}.{v.name}", b, a.line, a.column)
            mapped = None
            for a in v.attributes:
                mapped = self._map_arg(b, a)
            values.append((v.name, mapped or v.name))
        if not values:
            raise self.err(f"enum {b.name} has no values", b, b.line, b.column)
        return EnumInfo(b.name, db_name, tuple(values), b.doc, _loc(b.path, b.line, b.column))

    def _map_arg(self, b: Block, attr: Attribute | None) -> str | None:
        if attr is None:
            return None
        value = attr.arg("name", 0)
        if not isinstance(value, Str):
            raise self.err(f'{attr.display} takes a string: {attr.display}("name")', b, attr.line, attr.column)
        return value.value

    # --- models: the Prisma-level view ----------------------------------------------------------------------
    def _model_info(self, b: Block) -> ModelInfo:
        for a in b.attributes:
            if a.name not in BLOCK_ATTRIBUTES:
                raise self.err(self._unknown_attr(a, BLOCK_ATTRIBUTES, "block attribute @@"), b, a.line, a.column)
        table = self._map_arg(b, b.attribute("map")) or b.name
        fields = tuple(self._field_info(b, f) for f in b.fields)
        id_fields: tuple[str, ...] = tuple(f.name for f in b.fields if f.attribute("id"))
        uniques: list[tuple[str, ...]] = [(f.name,) for f in b.fields if f.attribute("unique")]
        indexes: list[tuple[str, ...]] = []
        for a in b.attributes:
            if a.name in ("id", "unique", "index"):
                names = tuple(n for n, _, _ in self._field_list(b, a))
                if a.name == "id":
                    id_fields = names
                elif a.name == "unique":
                    uniques.append(names)
                else:
                    indexes.append(names)
        return ModelInfo(
            name=b.name, table=table, kind=b.kind, fields=fields, mapped=b.attribute("map") is not None,
            ignored=b.attribute("ignore") is not None, id_fields=id_fields, unique_sets=tuple(uniques),
            index_sets=tuple(indexes), doc=b.doc, loc=_loc(b.path, b.line, b.column),
        )  # fmt: skip

    def _unknown_attr(self, a: Attribute, known: Sequence[str], prefix: str) -> str:
        near = difflib.get_close_matches(a.name, list(known), n=1)
        hint = f"; did you mean {prefix}{near[0]}?" if near else f"; known: {', '.join(prefix + k for k in known)}"
        return f"unknown {prefix.rstrip('@').strip() or 'attribute'} {a.display}{hint}"

    def _field_info(self, b: Block, f: Field) -> FieldInfo:
        kind = self._field_kind(b, f)
        native = None
        for a in f.attributes:
            if a.name.startswith("db."):
                native = a.name + (f"({', '.join(format_value(x.value) for x in a.args)})" if a.args else "")
            elif a.name not in FIELD_ATTRIBUTES:
                raise self.err(self._unknown_attr(a, FIELD_ATTRIBUTES, "@"), b, a.line, a.column)
        column = None
        if kind != "relation":
            column = self._map_arg(b, f.attribute("map")) or f.name
        default = f.attribute("default")
        rel = self._relation_info(b, f) if kind == "relation" else None
        return FieldInfo(
            name=f.name, column=column, type_name=f.type_name, kind=kind, optional=f.optional, is_list=f.is_list,
            mapped=f.attribute("map") is not None, native=native,
            default=format_value(default.args[0].value) if default and default.args else None,
            updated_at=f.attribute("updatedAt") is not None, ignored=f.attribute("ignore") is not None,
            relation=rel, doc=f.doc, loc=_loc(b.path, f.line, f.column),
        )  # fmt: skip

    def _field_kind(self, b: Block, f: Field) -> str:
        t = f.type_name
        if f.unsupported is not None:
            return "unsupported"
        if t in cv.SCALAR_TYPES:
            return "scalar"
        if t in self.enums:
            return "enum"
        if t in self.models:
            return "relation"
        if t in self.composites:
            raise self.err(
                f"field {b.name}.{f.name} uses composite type {t}; composite types exist only on MongoDB",
                b, f.type_line, f.type_column,
            )  # fmt: skip
        candidates = list(cv.SCALAR_TYPES) + list(self.enums) + list(self.models)
        near = difflib.get_close_matches(t, candidates, n=1)
        hint = f"; did you mean {near[0]}?" if near else ""
        raise self.err(
            f"unknown type {t!r} for field {b.name}.{f.name}: not a scalar type, enum or model{hint}",
            b, f.type_line, f.type_column,
        )  # fmt: skip

    def _relation_info(self, b: Block, f: Field) -> RelationInfo:
        attr = f.attribute("relation")
        if attr is None:
            return RelationInfo(target=f.type_name)
        name_v = attr.arg("name", 0)
        if name_v is not None and not isinstance(name_v, Str):
            raise self.err('the relation name must be a string: @relation("name", ...)', b, attr.line, attr.column)
        fields = self._ident_list(b, attr, "fields")
        refs = self._ident_list(b, attr, "references")
        actions: dict[str, str | None] = {}
        for key in ("onDelete", "onUpdate"):
            v = attr.arg(key)
            if v is not None and (not isinstance(v, Const) or v.name not in cv.REFERENTIAL_ACTIONS):
                raise self.err(
                    f"{key} must be one of {', '.join(cv.REFERENTIAL_ACTIONS)}, got {format_value(v)}",
                    b, v.line, v.column,
                )  # fmt: skip
            actions[key] = v.name if isinstance(v, Const) else None
        map_v = attr.arg("map")
        return RelationInfo(
            target=f.type_name,
            name=name_v.value if isinstance(name_v, Str) else None,
            fields=fields,
            references=refs,
            on_delete=actions["onDelete"],
            on_update=actions["onUpdate"],
            map=map_v.value if isinstance(map_v, Str) else None,
        )

    def _ident_list(self, b: Block, attr: Attribute, key: str) -> tuple[str, ...]:
        v = attr.arg(key)
        if v is None:
            return ()
        if isinstance(v, Const):
            return (v.name,)
        if isinstance(v, Array) and all(isinstance(i, Const) for i in v.items):
            return tuple(i.name for i in v.items if isinstance(i, Const))
        raise self.err(f"{key} of @relation must be a list of field names: {key}: [a, b]", b, v.line, v.column)

    def _field_list(self, b: Block, a: Attribute) -> list[tuple[str, Call | Const, int]]:
        """The ``[a, b(sort: Desc)]`` list of ``@@id/@@unique/@@index`` as (name, node, position)."""
        v = a.arg("fields", 0)
        items: tuple[Value, ...]
        if isinstance(v, Array):
            items = v.items
        elif isinstance(v, Const | Call):
            items = (v,)
        else:
            raise self.err(f"{a.display} needs a list of fields: {a.display}([a, b])", b, a.line, a.column)
        out: list[tuple[str, Call | Const, int]] = []
        for i, item in enumerate(items):
            if not isinstance(item, Const | Call):
                raise self.err(f"{a.display} lists field names, got {format_value(item)}", b, item.line, item.column)
            field = next((f for f in b.fields if f.name == item.name), None)
            if field is None:
                raise self.err(f"{a.display} names unknown field '{item.name}' of {b.name}", b, item.line, item.column)
            if field.type_name in self.models:
                raise self.err(
                    f"{a.display} names relation field '{item.name}'; list the scalar foreign-key fields instead",
                    b, item.line, item.column,
                )  # fmt: skip
            out.append((item.name, item, i))
        return out

    # --- tables ---------------------------------------------------------------------------------------------
    def _column_name(self, b: Block, field_name: str) -> str:
        info = self.model_infos[b.name].field(field_name)
        assert info is not None and info.column is not None
        return info.column

    def _table(self, b: Block) -> Table:
        minfo = self.model_infos[b.name]
        table = minfo.table
        columns: list[Column] = []
        pk: PrimaryKey | None = None
        indexes: list[Index] = []
        fks: list[ForeignKey] = []
        for f, finfo in zip(b.fields, minfo.fields, strict=True):
            if finfo.kind == "relation":
                fk = self._foreign_key(b, f, finfo, table)
                if fk is not None:
                    fks.append(fk)
                continue
            col = self._column(b, f, finfo)
            columns.append(col)
            id_attr = f.attribute("id")
            if id_attr is not None:
                if pk is not None:
                    raise self.err(f"model {b.name} has more than one @id field", b, id_attr.line, id_attr.column)
                pk = PrimaryKey(
                    (col.name,), self._str_arg(b, id_attr, "map") or cv.primary_key_name(table, self.provider)
                )
            uq = f.attribute("unique")
            if uq is not None:
                desc = self._sort_desc(b, uq.arg("sort"))
                indexes.append(
                    Index(
                        self._str_arg(b, uq, "map") or cv.unique_name(table, [col.name], self.provider),
                        (IndexPart(column=col.name, descending=desc),),
                        unique=True,
                        loc=_loc(b.path, uq.line, uq.column),
                    )
                )
        for a in b.attributes:
            if a.name == "id":
                if pk is not None:
                    raise self.err(f"model {b.name} has both @id and @@id", b, a.line, a.column)
                parts = self._parts(b, a)
                cols = tuple(p.column for p in parts if p.column)
                pk = PrimaryKey(cols, self._str_arg(b, a, "map") or cv.primary_key_name(table, self.provider))
            elif a.name in ("unique", "index"):
                parts = self._parts(b, a)
                index_cols = [p.column for p in parts if p.column]
                unique = a.name == "unique"
                # @@index(name:) is the old (Prisma 2) spelling of map:; on @@unique, name: is the client name only.
                explicit = self._str_arg(b, a, "map") or (None if unique else self._str_arg(b, a, "name"))
                default = (cv.unique_name if unique else cv.index_name)(table, index_cols, self.provider)
                method = None
                type_v = a.arg("type")
                if type_v is not None:
                    if not isinstance(type_v, Const) or type_v.name not in cv.INDEX_METHODS:
                        raise self.err(
                            f"index type must be one of {', '.join(cv.INDEX_METHODS)}", b, type_v.line, type_v.column
                        )
                    method = cv.INDEX_METHODS[type_v.name] if self.provider == "postgresql" else None
                indexes.append(
                    Index(
                        explicit or default,
                        tuple(parts),
                        unique=unique,
                        method=method,
                        loc=_loc(b.path, a.line, a.column),
                    )
                )
        if self.provider == "sqlite" and pk is not None and len(pk.columns) == 1:
            # Prisma's SQLite DDL makes every single-column Int id INTEGER PRIMARY KEY AUTOINCREMENT, with or without
            # @default(autoincrement()) (schema engine 7.10; a BigInt id stays a plain BIGINT PRIMARY KEY).
            columns = [
                replace(c, autoincrement=True, strict_autoincrement=True, default=None)
                if c.name == pk.columns[0] and c.type == ColumnType(TypeKind.INTEGER) and c.default is None
                else c
                for c in columns
            ]
        return Table(
            name=self.keys[b.name],
            columns=tuple(columns),
            primary_key=pk,
            indexes=tuple(indexes),
            foreign_keys=tuple(fks),
            loc=_loc(b.path, b.line, b.column),
        )

    def _str_arg(self, b: Block, a: Attribute, key: str) -> str | None:
        v = a.arg(key)
        if v is None:
            return None
        if not isinstance(v, Str):
            raise self.err(f"{key}: of {a.display} must be a string", b, v.line, v.column)
        return v.value

    def _sort_desc(self, b: Block, v: Value | None) -> bool:
        if v is None:
            return False
        if isinstance(v, Const) and v.name in ("Asc", "Desc"):
            return v.name == "Desc"
        raise self.err(f"sort must be Asc or Desc, got {format_value(v)}", b, v.line, v.column)

    def _parts(self, b: Block, a: Attribute) -> list[IndexPart]:
        parts = []
        for name, node, _ in self._field_list(b, a):
            desc = False
            opclass = None
            if isinstance(node, Call):
                for arg in node.args:
                    if arg.name == "sort":
                        desc = self._sort_desc(b, arg.value)
                    elif arg.name == "ops":
                        opclass = self._ops(b, arg.value)
                    elif arg.name != "length":
                        raise self.err(f"unknown index field argument '{arg.name}'", b, arg.line, arg.column)
            if self.provider != "postgresql":
                opclass = None
            parts.append(IndexPart(column=self._column_name(b, name), descending=desc, opclass=opclass))
        return parts

    def _ops(self, b: Block, v: Value) -> str:
        if isinstance(v, Call) and v.name == "raw" and v.args and isinstance(v.args[0].value, Str):
            return v.args[0].value.value
        if isinstance(v, Const):
            return cv.ops_name(v.name)
        raise self.err('ops must be an operator class name or raw("opclass")', b, v.line, v.column)

    def _column(self, b: Block, f: Field, finfo: FieldInfo) -> Column:
        ctype = self._column_type(b, f, finfo)
        default, autoinc = self._default(b, f, finfo, ctype)
        return Column(
            name=finfo.column or f.name,
            type=ctype,
            nullable=f.optional or f.is_list,
            default=default,
            autoincrement=autoinc,
            # Prisma's SQLite DDL: INTEGER PRIMARY KEY AUTOINCREMENT (checked with Prisma's schema engine).
            strict_autoincrement=autoinc,
            loc=_loc(b.path, f.line, f.column),
        )

    def _column_type(self, b: Block, f: Field, finfo: FieldInfo) -> ColumnType:
        if finfo.kind == "unsupported":
            base = unsupported_type(f.unsupported or "", self.provider)
        elif finfo.kind == "enum":
            base = ColumnType(TypeKind.ENUM, enum_name=self.keys[f.type_name])
        else:
            base = cv.SCALARS[self.provider][f.type_name]
            for a in f.attributes:
                if a.name.startswith("db."):
                    base = self._native(b, f, a)
        if f.is_list:
            if self.provider == "sqlite":
                raise self.err(
                    f"field {b.name}.{f.name}: scalar lists ({f.type_name}[]) are not supported by the sqlite "
                    "provider; use a String holding JSON",
                    b, f.type_line, f.type_column,
                )  # fmt: skip
            return replace(base, array_dims=1)
        return base

    def _native(self, b: Block, f: Field, a: Attribute) -> ColumnType:
        name = a.name[3:]
        natives = cv.NATIVE_TYPES[self.provider]
        if name not in natives:
            known = ", ".join("@db." + n for n in natives) or "none"
            raise self.err(
                f"unknown native type @db.{name} for provider {self.provider} (known: {known})", b, a.line, a.column
            )
        scalars, max_args = natives[name]
        if f.type_name not in scalars:
            raise self.err(
                f"@db.{name} does not apply to {f.type_name} fields (only {', '.join(scalars)})", b, a.line, a.column
            )
        args: list[int] = []
        for arg in a.args:
            if not isinstance(arg.value, Num) or not isinstance(arg.value.value, int):
                raise self.err(f"@db.{name} takes integer arguments", b, arg.line, arg.column)
            args.append(int(arg.value.value))
        if len(args) > max_args:
            raise self.err(f"@db.{name} takes at most {max_args} argument(s)", b, a.line, a.column)
        return cv.native_type(name, args, self.provider, f.type_name)

    def _default(self, b: Block, f: Field, finfo: FieldInfo, ctype: ColumnType) -> tuple[Default | None, bool]:
        attr = f.attribute("default")
        if attr is None or not attr.args:
            return None, False
        v = attr.arg("value", 0)
        if v is None:
            return None, False
        if isinstance(v, Call):
            if v.name == "autoincrement":
                return None, True
            if v.name == "now":
                return Default.expression("CURRENT_TIMESTAMP"), False
            if v.name in cv.CLIENT_SIDE_DEFAULTS:
                return None, False
            if v.name == "dbgenerated":
                if not v.args:
                    return None, False
                sql = v.args[0].value
                if not isinstance(sql, Str):
                    raise self.err('dbgenerated takes the SQL as a string: dbgenerated("...")', b, v.line, v.column)
                parsed = parse_default(sql.value, self.provider)
                if parsed is not None and parsed.kind is DefaultKind.EXPRESSION and parsed.value not in _NOW:
                    # Keep the text as written (comparison canonicalises it anyway); literals and "now" normalise.
                    parsed = Default.expression(sql.value.strip())
                return parsed, False
            if v.name in ("sequence", "auto"):
                return None, False
            raise self.err(f"unknown default function {v.name}()", b, v.line, v.column)
        return Default.literal(self._literal(b, f, finfo, v)), False

    def _literal(self, b: Block, f: Field, finfo: FieldInfo, v: Value) -> object:
        if isinstance(v, Array):
            return [self._literal(b, f, finfo, i) for i in v.items]
        if isinstance(v, Str) and f.type_name == "Bytes" and finfo.kind == "scalar":
            literal = cv.bytes_default(v.value, self.provider)
            if literal is None:
                raise self.err(f"{v.value!r} is not a valid base64 string (a Bytes default is base64)", b, v.line,
                               v.column)  # fmt: skip
            return literal
        if isinstance(v, Str):
            return v.value
        if isinstance(v, Num):
            return v.value
        if isinstance(v, Const):
            if finfo.kind == "enum":
                e = self.enum_infos[f.type_name]
                for prisma_name, db_name in e.values:
                    if prisma_name == v.name:
                        return db_name
                raise self.err(f"{v.name} is not a value of enum {f.type_name}", b, v.line, v.column)
            if v.name in ("true", "false"):
                return v.name == "true"
        raise self.err(f"invalid default value {format_value(v)} for {f.type_name} field {f.name}", b, v.line, v.column)

    # --- relations ------------------------------------------------------------------------------------------
    def _opposite(self, b: Block, f: Field, rel: RelationInfo) -> FieldInfo | None:
        target = self.model_infos[rel.target]
        matches = [
            o
            for o in target.fields
            if o.kind == "relation"
            and o.type_name == b.name
            and o.relation is not None
            and o.relation.name == rel.name
            and not (rel.target == b.name and o.name == f.name)
        ]
        if len(matches) > 1:
            raise self.err(
                f"ambiguous relation: {b.name}.{f.name} and {len(matches)} fields of {rel.target} relate the two "
                "models; give each relation a name with @relation(\"name\")",
                b, f.line, f.column,
            )  # fmt: skip
        return matches[0] if matches else None

    def _foreign_key(self, b: Block, f: Field, finfo: FieldInfo, table: str) -> ForeignKey | None:
        rel = finfo.relation
        assert rel is not None
        attr = f.attribute("relation")
        line, col = (attr.line, attr.column) if attr else (f.line, f.column)
        target_block = self.models[rel.target]
        if target_block.kind != "model":
            return None
        opposite = self._opposite(b, f, rel)
        if opposite is None:
            raise self.err(
                f"bad relation: {b.name}.{f.name} has no opposite relation field on model {rel.target}; add a field "
                f"of type {b.name} (or {b.name}[]) there",
                b, f.line, f.column,
            )  # fmt: skip
        if not rel.fields and not rel.references:
            if not f.is_list and not (opposite.relation and opposite.relation.fields):
                raise self.err(
                    f"bad relation: neither {b.name}.{f.name} nor {rel.target}.{opposite.name} says which fields hold "
                    "the foreign key; add @relation(fields: [...], references: [...]) on one side",
                    b, line, col,
                )  # fmt: skip
            return None
        if len(rel.fields) != len(rel.references) or not rel.fields:
            raise self.err(
                f"bad relation: {b.name}.{f.name} needs as many fields as references "
                f"(got {len(rel.fields)} and {len(rel.references)})",
                b, line, col,
            )  # fmt: skip
        if f.is_list:
            raise self.err(f"bad relation: list field {b.name}.{f.name} cannot hold the foreign key", b, line, col)
        minfo = self.model_infos[b.name]
        tinfo = self.model_infos[rel.target]
        cols = []
        for name in rel.fields:
            sf = minfo.field(name)
            if sf is None or sf.column is None:
                raise self.err(f"bad relation: fields names unknown scalar field '{name}' of {b.name}", b, line, col)
            cols.append(sf.column)
        ref_cols = []
        for name in rel.references:
            rf = tinfo.field(name)
            if rf is None or rf.column is None:
                raise self.err(
                    f"bad relation: references names unknown scalar field '{name}' of {rel.target}", b, line, col
                )
            ref_cols.append(rf.column)
        if self.relation_mode == "prisma":
            return None
        on_delete = cv.REFERENTIAL_ACTIONS[rel.on_delete] if rel.on_delete else cv.default_on_delete(f.optional)
        on_update = cv.REFERENTIAL_ACTIONS[rel.on_update] if rel.on_update else cv.DEFAULT_ON_UPDATE
        return ForeignKey(
            name=rel.map or cv.foreign_key_name(table, cols, self.provider),
            columns=tuple(cols),
            ref_table=self.keys[rel.target],
            ref_columns=tuple(ref_cols),
            on_delete=on_delete,
            on_update=on_update,
            loc=_loc(b.path, line, col),
        )

    def _implicit_m2m_tables(self) -> Iterable[Table]:
        done: set[str] = set()
        for b in self.models.values():
            if b.kind != "model":
                continue
            for f, finfo in zip(b.fields, self.model_infos[b.name].fields, strict=True):
                rel = finfo.relation
                if rel is None or not f.is_list or rel.fields:
                    continue
                opposite = self._opposite(b, f, rel)
                if opposite is None or not opposite.is_list:
                    continue
                first, second = sorted([b.name, rel.target])
                name = rel.name or f"{first}To{second}"
                if name in done:
                    continue
                done.add(name)
                yield self._m2m_table(b, f, name, first, second)

    def _m2m_table(self, b: Block, f: Field, relation: str, first: str, second: str) -> Table:
        names = cv.implicit_m2m_names(relation, self.provider)
        cols = []
        fks = []
        for col, model in (("A", first), ("B", second)):
            info = self.model_infos[model]
            if len(info.id_fields) != 1:
                raise self.err(
                    f"bad relation: implicit many-to-many {b.name}.{f.name} needs a single-field @id on {model}",
                    b, f.line, f.column,
                )  # fmt: skip
            id_field = info.field(info.id_fields[0])
            assert id_field is not None and id_field.column is not None
            id_block = self.models[model]
            id_ast = next(x for x in id_block.fields if x.name == id_field.name)
            ctype = self._column_type(id_block, id_ast, id_field)
            cols.append(Column(col, ctype, nullable=False))
            if self.relation_mode != "prisma":
                fks.append(
                    ForeignKey(names[f"{col.lower()}_fkey"], (col,), self.keys[model], (id_field.column,),
                               ReferentialAction.CASCADE, ReferentialAction.CASCADE)
                )  # fmt: skip
        indexes = [Index(names["b_index"], (IndexPart(column="B"),))]
        pk = None
        if self.provider == "postgresql":
            pk = PrimaryKey(("A", "B"), names["pkey"])
        else:
            indexes.insert(0, Index(names["unique"], (IndexPart(column="A"), IndexPart(column="B")), unique=True))
        # The relation table lives in the schema of model A (@@schema), as Prisma's migrate creates it.
        prefix = self.keys[first][: len(self.keys[first]) - len(self.model_infos[first].table)]
        return Table(
            prefix + names["table"], tuple(cols), pk, tuple(indexes), tuple(fks), loc=_loc(b.path, f.line, f.column)
        )


def unsupported_type(text: str, provider: str) -> ColumnType:
    """The column type of ``Unsupported("text")``: the database type it names, mapped as the provider's inspector
    maps that type (``interval`` is the model's INTERVAL; ``point``/``tsvector`` stay NATIVE). Prisma writes the
    database's own type name there (``prisma db pull``), so both sides normalise alike."""
    if provider == "sqlite":
        from schemaguard.dialects.sqlite.inspect import column_type

        return column_type(text)
    from schemaguard.dialects.postgresql.inspect import map_type

    typname = text.partition("(")[0].strip().lower()
    return map_type(typname, "b", "pg_catalog", text.strip(), namespace=DEFAULT_NAMESPACE)


def _extension(v: Value) -> tuple[str, str]:
    """``(database name, schema)`` of one ``extensions = [...]`` item: ``pg_trgm`` or
    ``pgvector(map: "vector", schema: "x")`` (map: is the database name). Source:
    https://www.prisma.io/docs/orm/prisma-schema/postgresql-extensions"""
    if isinstance(v, Call):
        mapped = next((a.value for a in v.args if a.name == "map"), None)
        schema = next((a.value for a in v.args if a.name == "schema"), None)
        return (
            mapped.value if isinstance(mapped, Str) else v.name,
            schema.value if isinstance(schema, Str) else DEFAULT_NAMESPACE,
        )
    if isinstance(v, Const):
        return v.name, DEFAULT_NAMESPACE
    return format_value(v), DEFAULT_NAMESPACE
