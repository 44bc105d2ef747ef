"""Write a Prisma schema from the model: what ``prisma db pull`` does, and how dev/production variants are made.

:func:`render_prisma` turns a :class:`~schemaguard.model.Schema` into Prisma Schema Language for one provider.
Only what differs from Prisma's conventions is written (``@map``/``@@map``, ``map:`` names, non-default
referential actions, ``@db.*`` types), so loading the result with :func:`schemaguard.prisma.loader.load_prisma`
gives back an equal schema for every schema Prisma can express.

For ``sqlite`` (the dev variant of a PostgreSQL master):
- lists (``String[]``, ``Role[]``) become a ``String`` holding JSON, with a ``///`` comment saying so, because the
  SQLite connector has no scalar lists;
- enums stay enums: the SQLite connector supports them since Prisma 6.2.0 (stored as TEXT);
  Source: https://github.com/prisma/prisma/releases/tag/6.2.0
- ``@db.*`` attributes, index ``type:``/``ops:`` and PostgreSQL-only ``dbgenerated`` defaults are dropped
  (SQLite has no native type attributes). Source: https://www.prisma.io/docs/orm/overview/databases/sqlite

When a :class:`~schemaguard.prisma.info.PrismaSchemaInfo` is given (the schema came from a Prisma file), model,
field, enum and relation-field names, ``@updatedAt``, client-side defaults (``uuid()``, ``cuid()``) and ``///``
docs are taken from it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from schemaguard.errors import SchemaError
from schemaguard.model import (
    Column,
    ColumnType,
    Default,
    DefaultKind,
    ForeignKey,
    Index,
    ObjectKind,
    Schema,
    Table,
    TypeKind,
)
from schemaguard.model.naming import split_key
from schemaguard.prisma import conventions as cv
from schemaguard.prisma.ast import quote
from schemaguard.prisma.info import FieldInfo, ModelInfo, PrismaSchemaInfo
from schemaguard.prisma.loader import DEFAULT_NAMESPACE

_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")

RESERVED_MODEL_NAMES = frozenset(
    [
        "PrismaClient",
        "break",
        "case",
        "catch",
        "class",
        "const",
        "continue",
        "debugger",
        "default",
        "delete",
        "do",
        "else",
        "enum",
        "export",
        "extends",
        "false",
        "finally",
        "for",
        "function",
        "if",
        "implements",
        "import",
        "in",
        "instanceof",
        "interface",
        "let",
        "new",
        "null",
        "package",
        "private",
        "protected",
        "public",
        "return",
        "super",
        "switch",
        "this",
        "throw",
        "true",
        "try",
        "typeof",
        "var",
        "void",
        "while",
        "with",
        "yield",
    ]
)
"""Names a model cannot have (they clash in the generated client): ``prisma db pull`` calls such a table's model
``Renamed<table>``. Source: prisma-engines ``psl/parser-database/src/names/reserved_model_names.rs``."""


def introspected_name(name: str) -> str:
    """The Prisma name ``prisma db pull`` gives a table or column: unchanged when it is a PSL identifier, else
    leading non-letters dropped and every other character outside ``[A-Za-z0-9_]`` replaced by ``_`` (the original
    goes in ``@map``/``@@map``). Source: prisma-engines ``introspection/sanitize_datamodel_names.rs``."""
    return re.sub(r"[^_a-zA-Z0-9]", "_", re.sub(r"^[^a-zA-Z]+", "", name))


_NATIVE_STRING = {
    "inet": "Inet", "citext": "Citext", "xml": "Xml", "bit": "Bit", "varbit": "VarBit", "bit varying": "VarBit",
}  # fmt: skip
"""PostgreSQL string types with a ``@db.*`` attribute (``bit varying`` is how format_type() spells VARBIT)."""


@dataclass
class _Field:
    name: str
    type: str
    attrs: list[str] = field(default_factory=list)
    doc: list[str] = field(default_factory=list)
    comment: str | None = None


@dataclass
class _Model:
    name: str
    table: Table
    info: ModelInfo | None
    fields: list[_Field] = field(default_factory=list)
    block_attrs: list[str] = field(default_factory=list)
    doc: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def render_prisma(
    schema: Schema,
    provider: str,
    *,
    info: PrismaSchemaInfo | None = None,
    datasource: str = "db",
    url_env: str | None = "DATABASE_URL",
    generators: Sequence[tuple[str, Sequence[tuple[str, str]]]] | None = None,
    header: str | None = None,
) -> str:
    """Prisma schema text for ``schema`` on ``provider``.

    Args:
        schema: the model (a master, a loaded Prisma schema or an inspected database).
        provider: ``postgresql`` or ``sqlite``.
        info: Prisma names and docs from :func:`~schemaguard.prisma.loader.load_prisma_with_info`, if any.
        datasource: the datasource block's name.
        url_env: environment variable for ``url = env(...)`` (None: no url line, as Prisma 7 wants).
        generators: ``(name, [(key, value-as-PSL)])`` generator blocks; default: info's, else
            ``client { provider = "prisma-client-js" }``.
        header: a ``//`` comment put at the top (e.g. "generated by schemaguard from master.prisma").

    Returns:
        The schema text, ending with a newline.

    Raises:
        SchemaError: ``provider`` is not postgresql or sqlite.
    """
    canonical = cv.canonical_provider(provider)
    if canonical is None:
        raise SchemaError(f"cannot render Prisma for provider {provider!r}; use postgresql or sqlite")
    namespaces: dict[str, str] = {}
    if canonical == "postgresql":
        schema, namespaces = _unqualified(schema)
    return _Writer(schema, canonical, info, namespaces).render(datasource, url_env, generators, header)


def _unqualified(schema: Schema) -> tuple[Schema, dict[str, str]]:
    """``schema`` with tables and enums keyed ``ns.name`` renamed ``name`` (references too), and ``{name: ns}``:
    Prisma names the schema with ``@@schema("ns")`` (multiSchema), never in ``@@map``, where a dot is part of the
    name. Left as it is when two objects would get the same name. Source:
    https://www.prisma.io/docs/orm/prisma-schema/data-model/multi-schema"""
    keys = [t.name for t in schema.tables] + [e.name for e in schema.enums]
    split = {k: split_key(k) for k in keys if split_key(k)[0] is not None}
    if not split:
        return schema, {}
    bare = {k: name for k, (_, name) in split.items()}
    names = [bare.get(k, k) for k in keys]
    if len(set(names)) != len(names):
        return schema, {}

    def b(key: str | None) -> str | None:
        return bare.get(key, key) if key else key

    def col(c: Column) -> Column:
        if c.type.kind is TypeKind.ENUM and c.type.enum_name in bare:
            return replace(c, type=replace(c.type, enum_name=b(c.type.enum_name)))
        return c

    tables = tuple(
        replace(
            t,
            name=b(t.name) or t.name,
            columns=tuple(col(c) for c in t.columns),
            foreign_keys=tuple(replace(f, ref_table=b(f.ref_table) or f.ref_table) for f in t.foreign_keys),
        )
        for t in schema.tables
    )
    enums = tuple(replace(e, name=b(e.name) or e.name) for e in schema.enums)
    m2m = tuple(b(n) or n for n in schema.implicit_m2m)
    # ``public.audit.log`` (a name holding a dot, keyed with its schema) is "audit.log" in the default schema.
    return replace(schema, tables=tables, enums=enums, implicit_m2m=m2m), {
        name: ns for k, (ns, name) in split.items() if ns is not None and ns != DEFAULT_NAMESPACE
    }


class _Writer:
    def __init__(self, schema: Schema, provider: str, info: PrismaSchemaInfo | None, namespaces: dict[str, str]):
        self.schema = schema
        self.namespaces = namespaces  # table or enum name -> its schema, outside the default one
        self.provider = provider
        self.info = info
        self.sqlite = provider == "sqlite"
        self.models: dict[str, _Model] = {}  # by table name
        self.enum_names: dict[str, str] = {}  # db name -> Prisma name
        self.enum_values: dict[str, dict[str, str]] = {}  # db name -> {db value: prisma name}

    # --- names -----------------------------------------------------------------------------------------
    def _model_name(self, table: Table, used: set[str]) -> tuple[str, ModelInfo | None]:
        minfo = self.info.model_for_table(table.name) if self.info else None
        if minfo is not None:
            return minfo.name, minfo
        if table.name in RESERVED_MODEL_NAMES:
            name = f"Renamed{table.name}"
        else:
            name = introspected_name(table.name) or _pascal(table.name)
        base, i = name, 2
        while name in used:
            name, i = f"{base}{i}", i + 1
        return name, None

    def _field_name(self, model: _Model, column: str) -> tuple[str, FieldInfo | None]:
        finfo = model.info.field_for_column(column) if model.info else None
        if finfo is not None:
            return finfo.name, finfo
        return introspected_name(column) or _camel_ident(column), None

    # --- top level ---------------------------------------------------------------------------------------
    def render(
        self,
        datasource: str,
        url_env: str | None,
        generators: Sequence[tuple[str, Sequence[tuple[str, str]]]] | None,
        header: str | None,
    ) -> str:
        self._enums()
        used: set[str] = set(self.enum_names.values())
        m2m: list[tuple[Table, ForeignKey, ForeignKey]] = []
        for t in self.schema.tables:
            pair = self._implicit_m2m(t)
            if pair is not None:
                m2m.append((t, *pair))
                continue
            name, minfo = self._model_name(t, used)
            used.add(name)
            self.models[t.name] = _Model(name, t, minfo, doc=_doc_lines(minfo.doc if minfo else t.comment))
        for m in self.models.values():
            self._scalar_fields(m)
        self._relations(m2m)
        for m in self.models.values():
            self._block_attributes(m)
        out: list[str] = []
        if header:
            out += [f"// {line}" if line else "//" for line in header.splitlines()] + [""]
        gens = generators
        if gens is None:
            gens = (
                [(n, list(props)) for n, props in self.info.generators]
                if self.info and self.info.generators
                else [("client", [("provider", '"prisma-client-js"')])]
            )
            features = [
                quote(feature)
                for feature, kind in (("postgresqlExtensions", ObjectKind.EXTENSION), ("views", ObjectKind.VIEW))
                if not self.info
                and (kind is ObjectKind.VIEW or not self.sqlite)
                and any(o.kind is kind for o in self.schema.objects)
            ]
            if features:
                gens = [(n, [*props, ("previewFeatures", f"[{', '.join(features)}]")]) for n, props in gens]
        for gname, props in gens:
            out += [*self._kv_block("generator", gname, list(props)), ""]
        ds_props = [("provider", quote(self.provider))]
        if url_env:
            ds_props.append(("url", f"env({quote(url_env)})"))
        if self.info and self.info.relation_mode == "prisma":
            ds_props.append(("relationMode", '"prisma"'))
        # The master's list; else the schema's extensions (the default generator then enables Prisma's
        # postgresqlExtensions preview feature, without which Prisma rejects the property).
        extensions = list(self.info.extensions) if self.info else self._extensions()
        if self.namespaces or any(o.kind is ObjectKind.SCHEMA for o in self.schema.objects):
            spaces = {*self.namespaces.values(), *(o.name for o in self.schema.objects if o.kind is ObjectKind.SCHEMA)}
            if len(self.namespaces) < len(self.schema.tables) + len(self.schema.enums):
                spaces.add("public")
            ds_props.append(("schemas", "[" + ", ".join(quote(n) for n in sorted(spaces)) + "]"))
        if not self.sqlite and extensions:
            ds_props.append(("extensions", "[" + ", ".join(_ext(e) for e in extensions) + "]"))
        out += [*self._kv_block("datasource", datasource, ds_props), ""]
        for m in self.models.values():
            out += [*self._model_text(m), ""]
        used |= {m.name for m in self.models.values()}
        for o in self.schema.objects:
            if o.kind is ObjectKind.VIEW:
                out += [*self._view_text(o.name, used), ""]
        for e in self.schema.enums:
            out += [*self._enum_text(e.name, e.values), ""]
        return "\n".join(out).rstrip("\n") + "\n"

    def _kv_block(self, kind: str, name: str, props: list[tuple[str, str]]) -> list[str]:
        width = max((len(k) for k, _ in props), default=0)
        return [f"{kind} {name} {{", *(f"  {k.ljust(width)} = {v}" for k, v in props), "}"]

    # --- enums -------------------------------------------------------------------------------------------
    def _enums(self) -> None:
        for e in self.schema.enums:
            einfo = self.info.enum_for_db_name(e.name) if self.info else None
            self.enum_names[e.name] = einfo.name if einfo else (e.name if _IDENT.match(e.name) else _pascal(e.name))
            names: dict[str, str] = {}
            for v in e.values:
                pname = next((p for p, d in einfo.values if d == v), None) if einfo else None
                names[v] = pname or (v if _IDENT.match(v) else _enum_ident(v))
            self.enum_values[e.name] = names

    def _enum_text(self, db_name: str, values: Sequence[str]) -> list[str]:
        name = self.enum_names[db_name]
        einfo = self.info.enum_for_db_name(db_name) if self.info else None
        lines = [f"/// {d}" for d in _doc_lines(einfo.doc if einfo else None)]
        lines.append(f"enum {name} {{")
        width = max(len(self.enum_values[db_name][v]) for v in values)
        for v in values:
            pname = self.enum_values[db_name][v]
            lines.append(f"  {pname.ljust(width)} @map({quote(v)})".rstrip() if pname != v else f"  {pname}")
        block = [f"@@map({quote(db_name)})"] if name != db_name else []
        if db_name in self.namespaces:
            block.append(f"@@schema({quote(self.namespaces[db_name])})")
        if block:
            lines += ["", *(f"  {a}" for a in block)]
        lines.append("}")
        return lines

    # --- scalar fields -------------------------------------------------------------------------------------
    def _scalar_fields(self, m: _Model) -> None:
        t = m.table
        single_pk = t.primary_key.columns[0] if t.primary_key and len(t.primary_key.columns) == 1 else None
        for c in t.columns:
            name, finfo = self._field_name(m, c.name)
            f = _Field(name, "", doc=_doc_lines(finfo.doc if finfo else c.comment))
            ptype, native, notes = self._type(c.type)
            f.doc += notes
            is_list = c.type.is_array and not self.sqlite
            f.type = ptype + ("[]" if is_list else ("?" if c.nullable else ""))
            if single_pk == c.name and t.primary_key is not None:
                f.attrs.append("@id" + self._map_suffix(t.primary_key.name, cv.primary_key_name(t.name, self.provider)))
            default = self._default(c, finfo, f)
            if default:
                f.attrs.append(f"@default({default})")
            if finfo is not None and finfo.updated_at:
                f.attrs.append("@updatedAt")
            for ix in t.indexes:
                if ix.unique and len(ix.parts) == 1 and ix.parts[0].column == c.name and not ix.where and not ix.method:
                    if ix.parts[0].opclass and not self.sqlite:
                        continue
                    args = []
                    if ix.name != cv.unique_name(t.name, [c.name], self.provider):
                        args.append(f"map: {quote(ix.name)}")
                    if ix.parts[0].descending:
                        args.append("sort: Desc")
                    f.attrs.append("@unique" + (f"({', '.join(args)})" if args else ""))
                    break
            if name != c.name:
                f.attrs.append(f"@map({quote(c.name)})")
            if native and not self.sqlite:
                f.attrs.append(native)
            if finfo is not None and finfo.ignored:
                f.attrs.append("@ignore")
            m.fields.append(f)

    def _map_suffix(self, name: str | None, default: str) -> str:
        return f"(map: {quote(name)})" if name and name != default and not self.sqlite else ""

    def _type(self, ct: ColumnType) -> tuple[str, str | None, list[str]]:
        """(Prisma type without modifiers, ``@db.*`` attribute or None, doc notes)."""
        notes: list[str] = []
        if ct.is_array and self.sqlite:
            el, _, _ = self._type(ct.element())
            return "String", None, [f"JSON array of {el} (a {el}[] list on PostgreSQL; SQLite has no scalar lists)"]
        k = ct.kind
        if k is TypeKind.ENUM:
            return self.enum_names.get(ct.enum_name or "", ct.enum_name or "String"), None, notes
        if k is TypeKind.TEXT:
            return "String", None, notes
        if k is TypeKind.STRING:
            return "String", "@db.VarChar" + (f"({ct.length})" if ct.length is not None else ""), notes
        if k is TypeKind.CHAR:
            return "String", f"@db.Char({ct.length if ct.length is not None else 1})", notes
        if k is TypeKind.UUID:
            return "String", "@db.Uuid", notes
        if k is TypeKind.SMALLINT:
            return "Int", "@db.SmallInt", notes
        if k is TypeKind.INTEGER:
            return "Int", None, notes
        if k is TypeKind.BIGINT:
            return "BigInt", None, notes
        if k is TypeKind.FLOAT:
            return "Float", "@db.Real", notes
        if k is TypeKind.DOUBLE:
            return "Float", None, notes
        if k is TypeKind.DECIMAL:
            if self.sqlite or (ct.precision, ct.scale) == (65, 30):
                return "Decimal", None, notes
            if ct.precision is None:
                return "Decimal", "@db.Decimal", notes
            return "Decimal", f"@db.Decimal({ct.precision}, {ct.scale or 0})", notes
        if k is TypeKind.BOOLEAN:
            return "Boolean", None, notes
        if k is TypeKind.DATE:
            return "DateTime", "@db.Date", notes
        if k is TypeKind.TIME:
            name = "Timetz" if ct.timezone else "Time"
            return "DateTime", f"@db.{name}" + (f"({ct.precision})" if ct.precision is not None else ""), notes
        if k is TypeKind.DATETIME:
            if not ct.timezone and ct.precision == 3:
                return "DateTime", None, notes
            name = "Timestamptz" if ct.timezone else "Timestamp"
            return "DateTime", f"@db.{name}" + (f"({ct.precision})" if ct.precision is not None else ""), notes
        if k is TypeKind.JSON:
            return "Json", None if ct.binary else "@db.Json", notes
        if k is TypeKind.BYTES:
            return "Bytes", None, notes
        native = (ct.native or "").strip()
        base = native.split("(")[0].strip().lower()
        arg = native[len(base) :].strip() if "(" in native else ""
        if base in _NATIVE_STRING:
            if self.sqlite:
                return "String", None, [f"{native} on PostgreSQL"]
            return "String", f"@db.{_NATIVE_STRING[base]}{arg}", notes
        if base == "money":
            return "Decimal", "@db.Money", notes
        if base == "oid":
            return "Int", "@db.Oid", notes
        if k is TypeKind.INTERVAL:
            native = "interval"
        if self.sqlite:
            return "String", None, [f"{native} on PostgreSQL (no SQLite equivalent; stored as text)"]
        return f"Unsupported({quote(native)})", None, notes

    def _default(self, c: Column, finfo: FieldInfo | None, f: _Field) -> str | None:
        if c.autoincrement:
            return "autoincrement()"
        d = c.default
        if d is None:
            if finfo is not None and finfo.default and re.match(r"^(uuid|cuid|nanoid|ulid)\(", finfo.default):
                return finfo.default
            return None
        if d.kind is DefaultKind.EXPRESSION:
            text = str(d.value)
            if text.upper() == "CURRENT_TIMESTAMP":
                return "now()"
            if self.sqlite:
                from schemaguard.dialects.sqlite.diff import sqlite_evaluates

                if not sqlite_evaluates(text):  # a native SQLite default stays, as `prisma db pull` writes it
                    f.doc.append(f"PostgreSQL default {text} left out (no SQLite equivalent)")
                    return None
            return f"dbgenerated({quote(text)})"
        return self._literal(d, c.type)

    def _literal(self, d: Default, ct: ColumnType) -> str | None:
        value = d.value
        if ct.is_array:
            items = value if isinstance(value, list) else None
            if items is None:
                return None
            if ct.kind is TypeKind.BYTES and not self.sqlite:
                encoded = [cv.bytes_base64(v) if isinstance(v, str) else None for v in items]
                if any(e is None for e in encoded):
                    return None
                return "[" + ", ".join(quote(e or "") for e in encoded) + "]"
            if self.sqlite:
                import json

                return quote(json.dumps(items, separators=(",", ":")) if items else "[]")
            return "[" + ", ".join(self._scalar_literal(v, ct.element()) for v in items) + "]"
        if ct.kind is TypeKind.BYTES and isinstance(value, str):
            # Prisma's Bytes default is base64 of the bytea hex literal; what is not one (and every SQLite default,
            # which Prisma writes as the hex text '010203') is kept as SQL, as `prisma db pull` writes it.
            b64 = None if self.sqlite else cv.bytes_base64(value)
            return quote(b64) if b64 is not None else f"dbgenerated({quote(d.describe())})"
        return self._scalar_literal(value, ct)

    def _scalar_literal(self, value: object, ct: ColumnType) -> str:
        if ct.kind is TypeKind.ENUM and isinstance(value, str):
            return self.enum_values.get(ct.enum_name or "", {}).get(value, value)
        if isinstance(value, bool):
            return "true" if value else "false"
        if ct.kind is TypeKind.BOOLEAN and isinstance(value, str) and value.lower() in ("true", "false", "t", "f"):
            return "true" if value.lower() in ("true", "t") else "false"
        if isinstance(value, int | float) and ct.kind not in (TypeKind.TEXT, TypeKind.STRING, TypeKind.CHAR):
            return repr(value) if isinstance(value, float) else str(value)
        if isinstance(value, str) and ct.kind in (
            TypeKind.SMALLINT, TypeKind.INTEGER, TypeKind.BIGINT, TypeKind.DECIMAL, TypeKind.FLOAT, TypeKind.DOUBLE,
        ) and re.fullmatch(r"-?\d+(\.\d+)?", value):  # fmt: skip
            return value
        return quote(str(value))

    # --- relations -------------------------------------------------------------------------------------------
    def _implicit_m2m(self, t: Table) -> tuple[ForeignKey, ForeignKey] | None:
        if not t.name.startswith("_") or [c.name for c in t.columns] != ["A", "B"]:
            return None
        fks = {fk.columns: fk for fk in t.foreign_keys}
        a, b = fks.get(("A",)), fks.get(("B",))
        if a is None or b is None or len(t.foreign_keys) != 2:
            return None
        names = cv.implicit_m2m_names(t.name[1:], self.provider)
        index_names = {ix.name for ix in t.indexes}
        keyed = (t.primary_key is not None and t.primary_key.columns == ("A", "B")) or names["unique"] in index_names
        if not keyed or names["b_index"] not in index_names:
            return None
        return a, b

    def _relations(self, m2m: list[tuple[Table, ForeignKey, ForeignKey]]) -> None:
        """Relation fields for every foreign key and implicit many-to-many table.

        Names not taken from the Prisma information follow ``prisma db pull`` exactly (prisma-engines,
        ``sql-schema-connector/src/introspection/introspection_map/relation_names.rs``): see
        :meth:`_ambiguous_pairs`, :meth:`_fk_relation` and :meth:`_m2m_relation`.
        """
        ambiguous = self._ambiguous_pairs(m2m)
        for m in list(self.models.values()):
            seen: set[tuple[tuple[str, ...], str, tuple[str, ...]]] = set()
            for fk in m.table.foreign_keys:
                key = (fk.columns, fk.ref_table, fk.ref_columns)
                if key in seen:
                    continue  # a duplicate of an earlier foreign key: Prisma makes no second relation
                seen.add(key)
                target = self.models.get(fk.ref_table)
                if target is None:
                    m.notes.append(f"foreign key {fk.name} references {fk.ref_table}, which is not a model here")
                    continue
                self._fk_relation(m, target, fk, frozenset((m.table.name, fk.ref_table)) in ambiguous)
        for t, a, b in m2m:
            ma, mb = self.models.get(a.ref_table), self.models.get(b.ref_table)
            if ma is not None and mb is not None:
                self._m2m_relation(t, ma, mb, frozenset((a.ref_table, b.ref_table)) in ambiguous)

    def _ambiguous_pairs(self, m2m: list[tuple[Table, ForeignKey, ForeignKey]]) -> set[frozenset[str]]:
        """Pairs of tables whose relations ``prisma db pull`` names with the relation name in the field names.

        A relation is ambiguous when another relation joins the same two tables (a second foreign key with other
        columns, either way round, or an implicit many-to-many table), or when the field it would get (the
        referenced model's name) is also the name of one of its foreign-key fields.
        """
        fks = {
            name: [fk for fk in m.table.foreign_keys if fk.ref_table in self.models] for name, m in self.models.items()
        }
        out: set[frozenset[str]] = set()
        for name, m in self.models.items():
            for fk in fks[name]:
                pair = frozenset((name, fk.ref_table))
                others = [(name, o) for o in fks[name] if o.columns != fk.columns]
                if fk.ref_table != name:
                    others += [(fk.ref_table, o) for o in fks[fk.ref_table]]
                if any(frozenset((owner, o.ref_table)) == pair for owner, o in others):
                    out.add(pair)
                target = self.models[fk.ref_table].name
                if any(self._field_name(m, c)[0] == target for c in fk.columns):
                    out.add(pair)
        pairs = [frozenset((a.ref_table, b.ref_table)) for _, a, b in m2m]
        for i, pair in enumerate(pairs):
            if pairs.count(pair) > 1 or any(
                frozenset((owner, fk.ref_table)) == pair for owner in pair if owner in fks for fk in fks[owner]
            ):
                out.add(pair)
            del i
        return out

    def _m2m_relation(self, t: Table, ma: _Model, mb: _Model, ambiguous: bool) -> None:
        """An implicit many-to-many relation: each model gets a list field named after the other model (with
        ``_A``/``_B`` in a self-relation, and the table name appended when ambiguous); the relation is named
        (the table name without ``_``) unless that is the default ``{A}To{B}``."""
        relation = t.name[1:]
        first, second = sorted([ma, mb], key=lambda m: m.table.name)
        self_rel = ma is mb
        named = ambiguous or self_rel or relation != f"{first.name}To{second.name}"
        rel_attr = [f"@relation({quote(relation)})"] if named else []
        suffix = t.name if ambiguous else ""
        fa = self._info_relation_field(first, second.name, relation if named else None, is_list=True)
        fb = self._info_relation_field(second, first.name, relation if named else None, is_list=True, skip=fa)
        first_field = fa or self._fresh(first, f"{second.name}{suffix}{'_A' if self_rel else ''}")
        first.fields.append(_Field(first_field, f"{second.name}[]", list(rel_attr)))
        second_field = fb or self._fresh(second, f"{first.name}{suffix}{'_B' if self_rel else ''}")
        second.fields.append(_Field(second_field, f"{first.name}[]", list(rel_attr)))

    def _info_relation_field(
        self, m: _Model, target: str, relation: str | None, *, is_list: bool, fk_fields: tuple[str, ...] | None = None,
        skip: str | None = None,
    ) -> str | None:  # fmt: skip
        if m.info is None:
            return None
        taken = {f.name for f in m.fields}
        for fi in m.info.fields:
            if fi.kind != "relation" or fi.type_name != target or fi.is_list != is_list or fi.name in taken:
                continue
            if fi.name == skip or fi.relation is None or fi.relation.name != relation:
                continue
            if fk_fields is not None and fi.relation.fields != fk_fields:
                continue
            if fk_fields is None and fi.relation.fields:
                continue
            return fi.name
        return None

    def _fresh(self, m: _Model, name: str) -> str:
        taken = {f.name for f in m.fields}
        base, i = name, 2
        while name in taken:
            name, i = f"{base}{i}", i + 1
        return name

    def _fk_relation(self, m: _Model, target: _Model, fk: ForeignKey, ambiguous: bool) -> None:
        t = m.table
        fk_fields = tuple(self._field_name(m, c)[0] for c in fk.columns)
        ref_fields = tuple(self._field_name(target, c)[0] for c in fk.ref_columns)
        self_rel = m is target
        rel_name: str | None = None
        info_field = None
        if m.info is not None:
            info_field = next(
                (fi for fi in m.info.fields if fi.relation is not None and fi.relation.fields == fk_fields), None
            )
        if info_field is not None and info_field.relation is not None:
            rel_name = info_field.relation.name
        elif ambiguous:
            rel_name = f"{m.name}_{'_'.join(fk_fields)}To{target.name}"
        elif self_rel:
            rel_name = f"{m.name}To{target.name}"
        optional = any((c := t.column(col)) is not None and c.nullable for col in fk.columns)
        args = []
        if rel_name:
            args.append(quote(rel_name))
        args.append(f"fields: [{', '.join(fk_fields)}]")
        args.append(f"references: [{', '.join(ref_fields)}]")
        if fk.on_delete != cv.default_on_delete(optional):
            args.append(f"onDelete: {_action_name(fk.on_delete)}")
        if fk.on_update != cv.DEFAULT_ON_UPDATE:
            args.append(f"onUpdate: {_action_name(fk.on_update)}")
        if fk.name and not self.sqlite and fk.name != cv.foreign_key_name(t.name, fk.columns, self.provider):
            args.append(f"map: {quote(fk.name)}")
        # prisma db pull: the forward field is the referenced model's name, the back field the referencing
        # model's ("other_" first in a self-relation); an ambiguous relation appends its relation name to both.
        forward, back_name = target.name, ("other_" if self_rel else "") + m.name
        if ambiguous and rel_name:
            forward, back_name = f"{forward}_{rel_name}", f"{back_name}_{rel_name}"
        fname = info_field.name if info_field is not None else self._fresh(m, forward)
        m.fields.append(_Field(fname, target.name + ("?" if optional else ""), [f"@relation({', '.join(args)})"]))
        # The back side: a list, or an optional single field when the foreign key columns are unique (1:1).
        one_to_one = any(
            ix.unique and not ix.where and tuple(p.column for p in ix.parts) == fk.columns for ix in t.indexes
        ) or (t.primary_key is not None and t.primary_key.columns == fk.columns)
        back = self._info_relation_field(
            target, m.name, rel_name, is_list=not one_to_one, skip=fname if self_rel else None
        )
        if back is None:
            back = self._fresh(target, back_name)
        back_attr = [f"@relation({quote(rel_name)})"] if rel_name else []
        target.fields.append(_Field(back, m.name + ("?" if one_to_one else "[]"), back_attr))

    # --- block attributes -----------------------------------------------------------------------------------
    def _block_attributes(self, m: _Model) -> None:
        t = m.table
        pk = t.primary_key
        if pk is not None and len(pk.columns) > 1:
            cols = ", ".join(self._field_name(m, c)[0] for c in pk.columns)
            args = f"[{cols}]"
            if pk.name and not self.sqlite and pk.name != cv.primary_key_name(t.name, self.provider):
                args += f", map: {quote(pk.name)}"
            m.block_attrs.append(f"@@id({args})")
        elif pk is None:
            m.notes.append("this table has no primary key; Prisma needs @id, @@id or @unique to use it")
        for ix in t.indexes:
            self._index_attr(m, ix)
        for ck in t.checks:
            m.notes.append(f"check constraint {ck.name or ''} ({ck.expression}) is not expressible in Prisma")
        if m.name != t.name:
            m.block_attrs.append(f"@@map({quote(t.name)})")
        if t.name in self.namespaces:
            m.block_attrs.append(f"@@schema({quote(self.namespaces[t.name])})")
        if m.info is not None and m.info.ignored:
            m.block_attrs.append("@@ignore")

    def _index_attr(self, m: _Model, ix: Index) -> None:
        t = m.table
        if ix.where or any(p.column is None for p in ix.parts):
            m.notes.append(f"index {ix.name} uses an expression or a predicate, which Prisma cannot express")
            return
        cols = [p.column for p in ix.parts if p.column is not None]
        is_field_unique = ix.unique and len(ix.parts) == 1 and not ix.method and not ix.parts[0].opclass
        if is_field_unique:
            return  # written as @unique on the field
        if ix.unique and len(ix.parts) == 1 and ix.parts[0].opclass and self.sqlite:
            return
        if self.sqlite and _sqlite_copy(ix, t.indexes):
            # What told it apart (a method such as GIN, an operator class) does not exist on SQLite; SQLite's
            # adapt() drops such a copy too (dialects/sqlite/diff.py, _dedupe), so the variant matches it.
            m.notes.append(f"index {ix.name} is left out: on SQLite it would copy another index of {t.name}")
            return
        items = []
        for p in ix.parts:
            name = self._field_name(m, p.column or "")[0]
            args = []
            if p.descending:
                args.append("sort: Desc")
            if p.opclass and not self.sqlite:
                args.append(f"ops: raw({quote(p.opclass)})")
            items.append(name + (f"({', '.join(args)})" if args else ""))
        parts = [f"[{', '.join(items)}]"]
        default = (cv.unique_name if ix.unique else cv.index_name)(t.name, cols, self.provider)
        if ix.name != default:
            parts.append(f"map: {quote(ix.name)}")
        if ix.method and not self.sqlite:
            method = next((k for k, v in cv.INDEX_METHODS.items() if v == ix.method), None)
            if method is None:
                m.notes.append(f"index {ix.name} uses method {ix.method}, which Prisma cannot express")
                return
            parts.append(f"type: {method}")
        m.block_attrs.append(f"@@{'unique' if ix.unique else 'index'}({', '.join(parts)})")

    # --- text ------------------------------------------------------------------------------------------------
    def _extensions(self) -> list[str]:
        return [o.name for o in self.schema.objects if o.kind is ObjectKind.EXTENSION]

    def _view_text(self, key: str, used: set[str]) -> list[str]:
        """A ``view`` block for the view keyed ``key``: its fields as the Prisma master wrote them (with info);
        from a database only the name (Prisma knows a view's columns, never its body; ``prisma db pull`` writes
        the columns, which the model does not hold). Source: prisma.io/docs/orm/prisma-schema/data-model/views"""
        schema_part, bare = split_key(key)
        ns = schema_part or ""
        minfo = next((m for m in (self.info.models if self.info else ()) if m.kind == "view" and m.table == bare), None)
        name = minfo.name if minfo else (introspected_name(bare) or _pascal(bare))
        base, i = name, 2
        while minfo is None and name in used:
            name, i = f"{base}{i}", i + 1
        used.add(name)
        lines = [f"/// {d}" for d in _doc_lines(minfo.doc if minfo else None)]
        lines.append(f"view {name} {{")
        if minfo is None:
            lines.append("  // columns not known to schemaguard (its model holds a view's name and body only)")
        for f in minfo.fields if minfo else ():
            if f.kind in ("relation", "unsupported"):
                continue
            ftype = f.type_name + ("[]" if f.is_list else "?" if f.optional else "")
            attrs = [a for a in (f"@{f.native}" if f.native else None,) if a]
            if minfo and (f.name,) == minfo.id_fields:
                attrs.insert(0, "@id")
            elif minfo and (f.name,) in minfo.unique_sets:
                attrs.insert(0, "@unique")
            if f.mapped and f.column:
                attrs.append(f"@map({quote(f.column)})")
            lines.append(f"  {f.name} {ftype} {' '.join(attrs)}".rstrip())
        block = []
        if name != bare:
            block.append(f"@@map({quote(bare)})")
        if ns:
            block.append(f"@@schema({quote(ns)})")
        if block:
            lines += ["", *(f"  {a}" for a in block)]
        lines.append("}")
        return lines

    def _model_text(self, m: _Model) -> list[str]:
        lines = [f"/// {d}" for d in m.doc]
        lines += [f"// {n}" for n in m.notes]
        lines.append(f"model {m.name} {{")
        wn = max((len(f.name) for f in m.fields), default=0)
        wt = max((len(f.type) for f in m.fields), default=0)
        for f in m.fields:
            lines += [f"  /// {d}" for d in f.doc]
            text = f"  {f.name.ljust(wn)} {f.type.ljust(wt)} {' '.join(f.attrs)}".rstrip()
            lines.append(text)
        if m.block_attrs:
            lines.append("")
            lines += [f"  {a}" for a in m.block_attrs]
        lines.append("}")
        return lines


def _doc_lines(text: str | None) -> list[str]:
    return text.splitlines() if text else []


def _pascal(name: str) -> str:
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", name) if p]
    out = "".join(p[:1].upper() + p[1:] for p in parts) or "Model"
    return out if out[0].isalpha() else "M" + out


def _camel_ident(name: str) -> str:
    out = cv.to_camel(re.sub(r"[^A-Za-z0-9_]+", "_", name))
    out = re.sub(r"[^A-Za-z0-9_]", "", out) or "field"
    return out if out[0].isalpha() else "f" + out


def _enum_ident(value: str) -> str:
    out = re.sub(r"[^A-Za-z0-9_]+", "_", value).strip("_") or "VALUE"
    return out if out[0].isalpha() else "V" + out


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def _action_name(action: object) -> str:
    return next(k for k, v in cv.REFERENTIAL_ACTIONS.items() if v == action)


def _ext(name: str) -> str:
    return name if _IDENT.match(name) else f"{_pascal(name)}(map: {quote(name)})"


def _sqlite_copy(ix: Index, indexes: tuple[Index, ...]) -> bool:
    """Whether ``ix`` (of a table's ``indexes``) becomes a copy of another once SQLite drops index methods and
    operator classes: another index that had none, or an earlier one that lost them, has the same key."""

    def stripped(i: Index) -> bool:
        return bool(i.method) or any(p.opclass for p in i.parts)

    def key(i: Index) -> tuple[object, ...]:
        return (tuple((p.column, p.expression, p.descending) for p in i.parts), i.unique, i.where)

    if not stripped(ix):
        return False
    earlier = indexes[: indexes.index(ix)]
    return any(key(o) == key(ix) for o in indexes if o is not ix and (not stripped(o) or o in earlier))
