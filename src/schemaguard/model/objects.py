"""Database objects beyond tables and enums: views, functions, triggers, sequences, domains, extensions, policies,
rules, schemas, and table properties (inheritance, partitioning, row-level security, collations, comments).

They share one shape, :class:`DbObject`: a kind, a key, the definition in the database's own words (PostgreSQL's
``pg_get_viewdef`` / ``pg_get_functiondef`` / ``pg_get_triggerdef``..., SQLite's stored ``CREATE`` text) and a
few named attributes (a view's ``check_option``, a function's ``volatility``). One shape keeps the differ, the
master format, JSON and the coverage report generic: a new object type is one :class:`ObjectKind` member and one
catalog query, not a new class in every layer.

Keys: objects outside the default namespace (``public`` on PostgreSQL) are named ``schema.name``; objects that
belong to a table (triggers, policies, rules, exclusion constraints, table properties) carry that table's key in
``table`` and are matched by ``(kind, table, name)``. Functions and procedures are keyed with their identity
arguments, ``name(integer, text)``, because PostgreSQL overloads them.

:class:`NotCompared` records what an inspector saw but did not put in the model (an excluded schema, an object
type the model has no kind for, privileges when they are not compared), so a report can say so.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from schemaguard.model.types import pickled_by_fields


class ObjectKind(StrEnum):
    """Every object type beyond tables and enums, by its name in change kinds, the master format and JSON.

    The value is the singular name; :attr:`section` the master file's plural section name.
    """

    SCHEMA = "schema"
    EXTENSION = "extension"
    DOMAIN = "domain"
    COMPOSITE_TYPE = "composite_type"
    SEQUENCE = "sequence"
    # SQLite ``CREATE VIRTUAL TABLE name USING module(args)`` (FTS5, R*Tree...), compared by that text; its shadow
    # tables (``name_data``, ``name_idx``...) are the module's own and never compared. https://www.sqlite.org/vtab.html
    VIRTUAL_TABLE = "virtual_table"
    VIEW = "view"
    MATERIALIZED_VIEW = "materialized_view"
    FUNCTION = "function"
    PROCEDURE = "procedure"
    AGGREGATE = "aggregate"
    TRIGGER = "trigger"
    RULE = "rule"
    POLICY = "policy"
    EXCLUSION_CONSTRAINT = "exclusion_constraint"
    PARTITION = "partition"
    # A collation made with CREATE COLLATION (a user schema's pg_collation row): provider, locale, deterministic.
    # Source: https://www.postgresql.org/docs/15/sql-createcollation.html
    COLLATION_DEFINITION = "collation_definition"
    # Table properties: one object per table that has the property, keyed by the table.
    ROW_SECURITY = "row_security"
    INHERITANCE = "inheritance"
    PARTITIONING = "partitioning"
    TABLE_OPTIONS = "table_options"
    COLLATION = "collation"
    # A comment on something that is no model object of its own, keyed by its table (or view) and
    # "constraint <name>" / "index <name>" / "column <name>": constraints, indexes (of tables and materialized
    # views) and columns of views and materialized views. Source: https://www.postgresql.org/docs/15/sql-comment.html
    COMMENT = "comment"
    PRIVILEGES = "privileges"

    @property
    def section(self) -> str:
        """The master file's section name: ``views``, ``functions``, ``row_security``..."""
        return _SECTIONS.get(self, self.value + "s")

    @property
    def is_property(self) -> bool:
        """A property of a table (or column) rather than an object of its own: it differs, it is never missing
        or extra (change kind ``<kind>_changed``)."""
        return self in _PROPERTIES


_SECTIONS = {
    ObjectKind.ROW_SECURITY: "row_security",
    ObjectKind.INHERITANCE: "inheritance",
    ObjectKind.PARTITIONING: "partitioning",
    ObjectKind.TABLE_OPTIONS: "table_options",
    ObjectKind.PRIVILEGES: "privileges",
    ObjectKind.MATERIALIZED_VIEW: "materialized_views",
    ObjectKind.POLICY: "policies",
}
_PROPERTIES = frozenset(
    (
        ObjectKind.ROW_SECURITY,
        ObjectKind.INHERITANCE,
        ObjectKind.PARTITIONING,
        ObjectKind.TABLE_OPTIONS,
        ObjectKind.COLLATION,
        ObjectKind.COMMENT,
        ObjectKind.PRIVILEGES,
    )
)
KIND_BY_SECTION: Mapping[str, ObjectKind] = {k.section: k for k in ObjectKind}
"""Master-file section name → kind."""

TABLE_BOUND = frozenset(
    (
        ObjectKind.TRIGGER,
        ObjectKind.RULE,
        ObjectKind.POLICY,
        ObjectKind.EXCLUSION_CONSTRAINT,
    )
)
"""Kinds whose objects live on a table and are keyed ``(table, name)``."""


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class DbObject:
    """One database object (or table property) of a kind other than table and enum.

    Attributes:
        kind: the object type.
        name: its key: ``name`` or ``schema.name`` (functions ``name(argtypes)``; table properties the table's
            key; a collation or column comment ``table.column``).
        definition: the definition in the database's own words, compared after :func:`normalize_definition`
            (e.g. a view's SELECT from ``pg_get_viewdef``; a trigger's ``CREATE TRIGGER`` text), or None.
        attributes: other compared facts as sorted ``(name, value)`` text pairs, e.g.
            ``(("check_option", "cascaded"),)`` or a sequence's ``(("increment", "1"), ...)``.
        table: the table the object belongs to (triggers, rules, policies, exclusion constraints), else None.
        comment: ``COMMENT ON`` text, or None (compared).
    """

    kind: ObjectKind
    name: str
    definition: str | None = None
    attributes: tuple[tuple[str, str], ...] = ()
    table: str | None = None
    comment: str | None = None
    loc: Any = field(default=None, compare=False)

    @property
    def key(self) -> tuple[str, str, str]:
        """``(kind, table or "", name)``: what the differ matches objects by."""
        return (self.kind.value, self.table or "", self.name)

    @property
    def label(self) -> str:
        """Human name: ``view sales.v``, ``trigger t on orders``."""
        what = self.kind.value.replace("_", " ")
        if self.kind.is_property:
            return f"{what} of {self.name}"
        on = f" on {self.table}" if self.table else ""
        return f"{what} {self.name}{on}"

    def attribute(self, name: str) -> str | None:
        """The attribute called ``name``, or None."""
        for k, v in self.attributes:
            if k == name:
                return v
        return None


def make_object(
    kind: ObjectKind,
    name: str,
    definition: str | None = None,
    attributes: Mapping[str, Any] | Iterable[tuple[str, Any]] = (),
    *,
    table: str | None = None,
    comment: str | None = None,
    loc: Any = None,
) -> DbObject:
    """Build a DbObject; attributes with a None value are left out, the rest become sorted text pairs."""
    items = attributes.items() if isinstance(attributes, Mapping) else attributes
    attrs = tuple(sorted((str(k), _text(v)) for k, v in items if v is not None))
    return DbObject(kind, name, definition, attrs, table, comment, loc)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class NotCompared:
    """Something an inspector or loader saw but left out of the model, for the coverage report.

    Attributes:
        what: the object type as the database names it (``foreign table``, ``aggregate``, ``table``...).
        reason: why it was not compared (``schema sales not selected``, ``no model for this object type``,
            ``privileges are compared only with --compare privileges``).
        names: the objects' keys, sorted.
    """

    what: str
    reason: str
    names: tuple[str, ...] = ()


_WS_RE = re.compile(r"\s+")


def normalize_definition(text: str | None) -> str | None:
    """A definition in comparable form: whitespace runs outside quotes collapsed to one space (none next to
    ``(``, ``)`` and ``,``), unquoted text lowercased, a trailing ``;`` dropped.

    This makes ``pg_get_viewdef``'s indentation and a hand-written master's layout compare equal; the texts must
    otherwise be the server's own words (the master written by ``inspect`` is).
    """
    if text is None:
        return None
    out: list[str] = []
    i, n = 0, len(text)
    quote: str | None = None
    start = 0
    while i < n:
        ch = text[i]
        if quote is None:
            if ch in ("'", '"'):
                out.append(_squash(text[start:i]))
                quote, start = ch, i
            elif ch == "$":
                # A dollar-quoted body ($$...$$ or $tag$...$tag$) is kept as written, apart from its ends.
                m = re.match(r"\$[A-Za-z_0-9]*\$", text[i:])
                if m:
                    tag = m.group(0)
                    end = text.find(tag, i + len(tag))
                    if end != -1:
                        out.append(_squash(text[start:i]))
                        out.append(text[i : end + len(tag)])
                        i = start = end + len(tag)
                        continue
        elif ch == quote:
            if i + 1 < n and text[i + 1] == quote:
                i += 1
            else:
                out.append(text[start : i + 1])
                quote, start = None, i + 1
        i += 1
    out.append(_squash(text[start:]) if quote is None else text[start:])
    result = "".join(out).strip()
    while result.endswith(";"):
        result = result[:-1].rstrip()
    return result


def _squash(chunk: str) -> str:
    chunk = _WS_RE.sub(" ", chunk.lower())
    for sym in ("(", ")", ","):
        chunk = chunk.replace(f" {sym}", sym).replace(f"{sym} ", sym)
    return chunk


_WORD_RE = re.compile(r'"((?:[^"]|"")+)"|([A-Za-z_][A-Za-z_0-9$]*)')


def referenced_names(text: str | None) -> set[str]:
    """Identifiers (lowercased unless quoted) and ``schema.name`` pairs appearing in SQL text: a cheap way to
    see which views a view or function uses, to order their creation."""
    if not text:
        return set()
    words = [
        m.group(1).replace('""', '"') if m.group(1) is not None else m.group(2).lower() for m in _WORD_RE.finditer(text)
    ]
    out = set(words)
    out.update(f"{a}.{b}" for a, b in itertools.pairwise(words))
    return out


def dependency_order(objects: Iterable[DbObject]) -> list[DbObject]:
    """``objects`` so that each comes after those among them its creation reads (views on views, whatever their
    names' case); otherwise in the given order. See :func:`schemaguard.model.depends.dependency_order`."""
    from schemaguard.model.depends import dependency_order as order  # imports sqlglot: loaded on first use

    return order(objects)


NESTED_BY_TABLE = TABLE_BOUND | {ObjectKind.PARTITION, ObjectKind.COMMENT}
"""Sections written ``{table: {name: {...}}}`` in the master format (the rest are ``{name: {...}}``)."""


class ObjectSpecError(ValueError):
    """A master-file object section is malformed: ``path`` (keys from the top) and ``problem``."""

    def __init__(self, path: tuple[str, ...], problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{'.'.join(path)}: {problem}")


def objects_from_sections(data: Mapping[str, Any], loc: Any = None) -> list[DbObject]:
    """The objects of a master file's object sections (``views:``, ``functions:``, ``triggers:``...).

    Args:
        data: the whole document (other keys are ignored).
        loc: ``loc(*path) -> SourceLocation | None`` to set where each object is defined.

    Returns:
        DbObjects sorted by key. Each entry is a mapping: ``definition`` and ``comment`` are text, every other
        key a scalar attribute (``check_option: local``, ``enabled: false``...). An entry may be null
        (``schemas: {sales: }``).

    Raises:
        ObjectSpecError: a section, table group or entry is not a mapping, or a value is not a scalar.
    """
    out: list[DbObject] = []
    for kind in ObjectKind:
        section = data.get(kind.section)
        if section is None:
            continue
        if not isinstance(section, Mapping):
            raise ObjectSpecError((kind.section,), "expected a mapping of names to definitions")
        if kind in NESTED_BY_TABLE:
            for table, entries in section.items():
                if not isinstance(entries, Mapping):
                    raise ObjectSpecError((kind.section, str(table)), f"expected a mapping of {kind.value} names")
                for name, entry in entries.items():
                    path = (kind.section, str(table), str(name))
                    out.append(_object(kind, str(name), entry, path, str(table), loc))
        else:
            for name, entry in section.items():
                out.append(_object(kind, str(name), entry, (kind.section, str(name)), None, loc))
    return sorted(out, key=lambda o: o.key)


def _object(kind: ObjectKind, name: str, entry: Any, path: tuple[str, ...], table: str | None, loc: Any) -> DbObject:
    if entry is None:
        entry = {}
    if isinstance(entry, str) and kind not in _PROPERTIES:
        entry = {"definition": entry}
    if not isinstance(entry, Mapping):
        raise ObjectSpecError(path, "expected a mapping (definition, comment, attributes) or the definition text")
    attrs: list[tuple[str, Any]] = []
    definition = comment = None
    for key, value in entry.items():
        if isinstance(value, Mapping | list):
            raise ObjectSpecError((*path, str(key)), "expected a single value (text, number or true/false)")
        if key == "definition":
            definition = None if value is None else str(value)
        elif key == "comment":
            comment = None if value is None else str(value)
        else:
            attrs.append((str(key), value))
    return make_object(kind, name, definition, attrs, table=table, comment=comment, loc=loc(*path) if loc else None)


def objects_to_sections(objects: Iterable[DbObject]) -> dict[str, Any]:
    """The master file's object sections for ``objects`` (inverse of :func:`objects_from_sections`)."""
    out: dict[str, Any] = {}
    for o in sorted(objects, key=lambda o: (list(ObjectKind).index(o.kind), o.key)):
        entry: dict[str, Any] = {}
        if o.definition is not None:
            entry["definition"] = o.definition
        entry.update((k, {"true": True, "false": False}.get(v, v)) for k, v in o.attributes)
        if o.comment is not None:
            entry["comment"] = o.comment
        section = out.setdefault(o.kind.section, {})
        if o.kind in NESTED_BY_TABLE:
            section.setdefault(o.table or "", {})[o.name] = entry or None
        else:
            section[o.name] = entry or None
    return out
