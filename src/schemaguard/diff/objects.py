"""Comparison of the objects beyond tables and enums (views, functions, triggers, sequences, ...), of table and
column comments, and the dialect adaptation of a desired side's objects. Pure: no I/O.

Objects are matched by ``(kind, table, name)`` (:attr:`~schemaguard.model.DbObject.key`); a pair differs when
its normalised definition (:func:`~schemaguard.model.objects.normalize_definition`), its attributes or its
comment differ. Objects a schema implies without declaring them are added before matching, so they are no
difference: the schemas (namespaces) of qualified names, and an owned sequence with default parameters (its
serial / identity column says it exists; PostgreSQL's inspector leaves it out, see ``inspect_objects``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from schemaguard.diff.changes import Change, ChangeKind, Severity
from schemaguard.model import DbObject, NotCompared, ObjectKind, Schema, Table, make_object
from schemaguard.model.naming import key_schemas
from schemaguard.model.objects import normalize_definition

_MILD = frozenset((ObjectKind.SEQUENCE, ObjectKind.TABLE_OPTIONS, ObjectKind.PRIVILEGES, ObjectKind.EXTENSION))
"""Kinds whose change is a warning (behaviour mostly unchanged); every other change is an error."""


def supported(schema: Schema, kinds: frozenset[str], dialect: str) -> Schema:
    """``schema`` without objects of kinds ``dialect`` cannot hold; they become ``not_compared`` entries.

    Args:
        schema: a schema (usually the desired side: a master may declare PostgreSQL functions that a SQLite
            database cannot have).
        kinds: the dialect's :attr:`~schemaguard.dialects.base.Dialect.object_kinds`.
        dialect: its name, for the reason text.

    Returns:
        The same schema when every object is supported, else a copy.
    """
    dropped = [o for o in schema.objects if o.kind.value not in kinds]
    if not dropped:
        return schema
    by_kind: dict[str, list[str]] = {}
    for o in dropped:
        by_kind.setdefault(o.kind.value.replace("_", " "), []).append(o.name if not o.table else f"{o.table}.{o.name}")
    extra = tuple(
        NotCompared(what, f"{dialect} has no such objects", tuple(sorted(names))) for what, names in by_kind.items()
    )
    return replace(
        schema,
        objects=tuple(o for o in schema.objects if o.kind.value in kinds),
        not_compared=schema.not_compared + extra,
    )


def scope_uncompared(desired: Schema, actual: Schema) -> tuple[Schema, Schema]:
    """Both sides without the object kinds either side says it does not describe.

    A source marks a kind it cannot describe with a ``not_compared`` entry whose ``what`` is the kind and whose
    ``names`` is empty (a Prisma master without ``extensions = [...]``: Prisma ignores extensions then). That
    kind's objects are taken out of both sides and listed, by name, as not compared on the side that had them.
    The kind ``comment`` (a Prisma master: Prisma does not manage database comments) also takes the comments of
    tables, columns, enums and objects out, listed as ``table`` / ``table.column`` / the enum or object name.

    Returns:
        ``(desired, actual)``, unchanged when no side carries such a marker.
    """
    kinds = {e.what for s in (desired, actual) for e in s.not_compared if not e.names and e.what in _KIND_VALUES}
    if not kinds:
        return desired, actual

    def scoped(schema: Schema) -> Schema:
        markers = {e for e in schema.not_compared if not e.names and e.what in kinds}
        kept = tuple(e for e in schema.not_compared if e not in markers)
        reasons = {e.what: e.reason for s in (desired, actual) for e in s.not_compared if not e.names}
        commented: tuple[str, ...] = ()
        if ObjectKind.COMMENT.value in kinds:
            schema, commented = _without_comments(schema)
        for kind in sorted(kinds):
            names = tuple(sorted(o.name for o in schema.objects if o.kind.value == kind))
            if kind == ObjectKind.COMMENT.value:
                names = tuple(sorted(names + commented))
            if names:
                kept += (NotCompared(kind, reasons[kind], names),)
        objects = tuple(o for o in schema.objects if o.kind.value not in kinds)
        return replace(schema, objects=objects, not_compared=kept)

    return scoped(desired), scoped(actual)


def _without_comments(schema: Schema) -> tuple[Schema, tuple[str, ...]]:
    """``schema`` with no table, column, enum or object comment, and the names of what had one."""
    names: list[str] = []
    tables = []
    for t in schema.tables:
        names += [t.name] if t.comment else []
        names += [f"{t.name}.{c.name}" for c in t.columns if c.comment]
        columns = tuple(replace(c, comment=None) if c.comment else c for c in t.columns)
        tables.append(replace(t, comment=None, columns=columns))
    names += [e.name for e in schema.enums if e.comment]
    names += [o.name if not o.table else f"{o.table}.{o.name}" for o in schema.objects if o.comment]
    enums = tuple(replace(e, comment=None) for e in schema.enums)
    objects = tuple(replace(o, comment=None) for o in schema.objects)
    return replace(schema, tables=tuple(tables), enums=enums, objects=objects), tuple(names)


_KIND_VALUES = frozenset(k.value for k in ObjectKind)


def diff_objects(
    desired: Schema, actual: Schema, *, comments: bool = True, case_insensitive: bool = False
) -> list[Change]:
    """Every difference in objects (and, with ``comments``, in table, column and enum comments).

    Args:
        desired: the desired schema (already adapted to the dialect).
        actual: the actual schema.
        comments: the dialect stores comments (SQLite does not: never compared there).
        case_insensitive: the dialect's names match whatever their ASCII case (``Dialect.case_insensitive_names``,
            SQLite: a view ``V`` and ``v`` are one object, https://www.sqlite.org/lang_keywords.html): objects are
            paired by their key with the table and name ASCII-lowercased (:func:`_folded_key`), as tables are.
            PostgreSQL's quoted names stay case-sensitive (``"V"`` and ``v`` are two views).

    Returns:
        Changes sorted by kind then key: ``<kind>_missing`` (error), ``<kind>_extra`` (warning; an empty extra
        schema is info), ``<kind>_changed`` (error; warning for sequences, table options, privileges and
        extensions), ``comment_changed`` (info) when only a comment differs.
    """
    out: list[Change] = []
    desired, actual = scope_uncompared(desired, actual)
    if desired.objects or actual.objects or _qualified(desired) or _qualified(actual):
        key_of = _folded_key if case_insensitive else _exact_key
        d = {key_of(o): o for o in _with_implied(desired, actual)}
        a = {key_of(o): o for o in _with_implied(actual, desired)}
        for key in sorted(set(d) | set(a)):
            out += _compare(d.get(key), a.get(key), comments=comments, case_insensitive=case_insensitive)
    if comments:
        out += _comments(desired, actual)
    return out


def _exact_key(o: DbObject) -> tuple[str, str, str]:
    return o.key


_ASCII_FOLD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _folded_key(o: DbObject) -> tuple[str, str, str]:
    """``o.key`` with the table and name ASCII-lowercased: SQLite folds only ASCII letters when it compares
    names (https://www.sqlite.org/lang_keywords.html, https://www.sqlite.org/lang_createtable.html)."""
    kind, table, name = o.key
    return (kind, table.translate(_ASCII_FOLD), name.translate(_ASCII_FOLD))


_SQL_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|[^'\"]+|['\"]")
_PLAIN_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _folded_definition(text: str | None) -> str | None:
    """:func:`normalize_definition` of ``text`` with each double-quoted identifier ASCII-lowercased, and unquoted
    when it is a plain one (``"V_Active"`` → ``v_active``), string literals untouched: for dialects whose names
    are case-insensitive, quoted or not (SQLite: https://www.sqlite.org/lang_keywords.html), ``CREATE VIEW
    "V_Active"`` and ``CREATE VIEW v_active`` are the same statement."""
    normal = normalize_definition(text)
    if normal is None or '"' not in normal:
        return normal
    out = []
    for token in _SQL_TOKENS.findall(normal):
        if len(token) > 1 and token[0] == '"':
            inner = token[1:-1].translate(_ASCII_FOLD)
            token = inner if _PLAIN_IDENTIFIER.fullmatch(inner) else f'"{inner}"'
        out.append(token)
    return "".join(out)


def _qualified(schema: Schema) -> bool:
    return any("." in t.name for t in schema.tables) or any("." in e.name for e in schema.enums)


def _schemas(schema: Schema) -> tuple[set[str], set[str]]:
    """``(certain, maybe_default)`` schemas of ``schema``'s keys (:func:`key_schemas`), declared ones certain."""
    names = [t.name for t in schema.tables] + [e.name for e in schema.enums]
    kinds = (ObjectKind.EXTENSION, ObjectKind.SCHEMA)
    names += [o.table or o.name for o in schema.objects if o.kind not in kinds]
    certain, maybe = key_schemas(names)
    return certain | {o.name for o in schema.objects if o.kind is ObjectKind.SCHEMA}, maybe


def _with_implied(schema: Schema, other: Schema) -> list[DbObject]:
    objects = list(schema.objects)
    have = {o.key for o in objects}
    # A schema named by a key is implied (a master need not declare it), except one named only by keys whose
    # name holds a dot: those carry their schema even in the default one (public.audit.log), which is never a
    # schema object; it is implied when the other side has it.
    certain, maybe = _schemas(schema)
    for ns in sorted(certain | (maybe & _schemas(other)[0])):
        if ("schema", "", ns) not in have:
            have.add(("schema", "", ns))
            objects.append(make_object(ObjectKind.SCHEMA, ns))
    # An owned sequence with default parameters is implied by its column (the inspector leaves it out). So is
    # the serial sequence of a column here that the other side lists without an owner (OWNED BY NONE, listed when
    # its parameters are not the defaults): owned by that column here, so the difference is reported as owned_by
    # and planned as ALTER SEQUENCE ... OWNED BY (was: sequence_extra, planned as a DROP SEQUENCE PostgreSQL refuses).
    tables = {t.name: t for t in schema.tables}
    serial_seqs = {f"{t.name}_{c.name}_seq": f"{t.name}.{c.name}" for t in schema.tables for c in t.columns}
    for o in other.objects:
        owner = o.attribute("owned_by") or (serial_seqs.get(o.name) if o.kind is ObjectKind.SEQUENCE else None)
        if o.kind is ObjectKind.SEQUENCE and o.key not in have and owner:
            table, _, column = owner.rpartition(".")
            t = tables.get(table)
            c = t.column(column) if t is not None else None
            if c is not None and c.autoincrement:
                from schemaguard.dialects.postgresql.inspect_objects import sequence_defaults

                attrs = sequence_defaults(o.attribute("data_type") or "bigint")
                attrs["owned_by"] = owner
                if o.attribute("identity"):
                    attrs["identity"] = "true"
                objects.append(make_object(ObjectKind.SEQUENCE, o.name, None, attrs))
    return objects


def _compare(d: DbObject | None, a: DbObject | None, *, comments: bool, case_insensitive: bool = False) -> list[Change]:
    o = d or a
    assert o is not None
    kind, label = o.kind, o.label
    if kind is ObjectKind.COMMENT:
        # A comment on a constraint, an index or a view column: only its text is compared (none on one side is a
        # comment_changed too), at info level as every comment.
        text_d, text_a = (d.comment if d else None) or None, (a.comment if a else None) or None
        if not comments or text_d == text_a:
            return []
        target, _, bare = o.name.partition(" ")
        what = f"column {o.table}.{bare}" if target == "column" else f"{o.name} on {o.table}"
        message = f"comment on {what} differs: {_quote(text_d)} != {_quote(text_a)}"
        return [Change(ChangeKind.COMMENT_CHANGED, o.table, o.name, d, a, Severity.INFO, message, ("comment",))]
    if a is None and d is not None:
        if kind.is_property:
            text = f"{label} is missing{_listed(d)}"
            return [_change(kind, "changed", d, None, Severity.ERROR, text, ("present",))]
        return [_change(kind, "missing", d, None, Severity.ERROR, f"{label} is missing")]
    if d is None and a is not None:
        if kind.is_property:
            sev = Severity.WARNING if kind in _MILD else Severity.ERROR
            text = f"{label} is not in the desired schema{_listed(a)}"
            return [_change(kind, "changed", None, a, sev, text, ("present",))]
        sev = Severity.INFO if kind is ObjectKind.SCHEMA else Severity.WARNING
        return [_change(kind, "extra", None, a, sev, f"{label} is not in the desired schema")]
    assert d is not None and a is not None
    aspects = [k for k in sorted(set(dict(d.attributes)) | set(dict(a.attributes))) if d.attribute(k) != a.attribute(k)]
    # A view declared without its body (a Prisma view block) is compared by presence only; the coverage lists
    # its body as not compared.
    bodiless = kind in (ObjectKind.VIEW, ObjectKind.MATERIALIZED_VIEW) and (
        d.definition is None or a.definition is None
    )
    if (
        not bodiless
        and d.definition != a.definition
        and normalize_definition(d.definition) != normalize_definition(a.definition)
        and not (case_insensitive and _folded_definition(d.definition) == _folded_definition(a.definition))
    ):
        aspects.append("definition")
    comment_differs = comments and (d.comment or None) != (a.comment or None)
    if not aspects:
        if comment_differs:
            return [
                Change(
                    ChangeKind.COMMENT_CHANGED,
                    d.table,
                    d.name,
                    d,
                    a,
                    Severity.INFO,
                    f"comment on {label} differs",
                    ("comment",),
                )
            ]
        return []
    if comment_differs:
        aspects.append("comment")
    details = "; ".join(_aspect_text(k, d, a) for k in aspects)
    sev = Severity.WARNING if kind in _MILD else Severity.ERROR
    return [_change(kind, "changed", d, a, sev, f"{label} differs: {details}", tuple(aspects))]


def _listed(o: DbObject) -> str:
    """`` (strict=true, on_conflict.unique.key=replace)``: what a table property present on one side only says."""
    return f" ({', '.join(f'{k}={v}' for k, v in o.attributes)})" if o.attributes else ""


def _aspect_text(aspect: str, d: DbObject, a: DbObject) -> str:
    if aspect == "definition":
        return "definition"
    if aspect == "comment":
        return "comment"
    return f"{aspect} {d.attribute(aspect) or '(none)'} != {a.attribute(aspect) or '(none)'}"


def _change(
    kind: ObjectKind,
    suffix: str,
    d: DbObject | None,
    a: DbObject | None,
    severity: Severity,
    message: str,
    aspects: tuple[str, ...] = (),
) -> Change:
    o = d or a
    assert o is not None
    return Change(ChangeKind(f"{kind.value}_{suffix}"), o.table, o.name, d, a, severity, message, aspects)


def _comments(desired: Schema, actual: Schema) -> list[Change]:
    """Table, column and enum comments of the objects both sides have (a missing table is reported as such)."""
    out: list[Change] = []
    at = {t.name: t for t in actual.tables}
    for t1 in desired.tables:
        t2 = at.get(t1.name)
        if t2 is None or t1 is t2:
            continue
        if (t1.comment or None) != (t2.comment or None):
            out.append(_comment_change(t1.name, t1.name, f"table {t1.name}", t1.comment, t2.comment))
        out += _column_comments(t1, t2)
    ae = {e.name: e for e in actual.enums}
    for e1 in desired.enums:
        e2 = ae.get(e1.name)
        if e2 is not None and (e1.comment or None) != (e2.comment or None):
            out.append(_comment_change(None, e1.name, f"enum {e1.name}", e1.comment, e2.comment))
    return out


def _column_comments(t1: Table, t2: Table) -> Iterable[Change]:
    cols = {c.name: c for c in t2.columns}
    for c1 in t1.columns:
        c2 = cols.get(c1.name)
        if c2 is not None and (c1.comment or None) != (c2.comment or None):
            yield _comment_change(t1.name, c1.name, f"column {t1.name}.{c1.name}", c1.comment, c2.comment)


def _comment_change(table: str | None, name: str, label: str, desired: str | None, actual: str | None) -> Change:
    return Change(
        ChangeKind.COMMENT_CHANGED,
        table,
        name,
        desired,
        actual,
        Severity.INFO,
        f"comment on {label} differs: {_quote(desired)} != {_quote(actual)}",
        ("comment",),
    )


def _quote(text: str | None) -> str:
    if text is None:
        return "(none)"
    return repr(text if len(text) <= 40 else text[:37] + "...")


def count_by_kind(objects: Sequence[DbObject]) -> dict[str, int]:
    """``{kind: count}`` of ``objects``."""
    out: dict[str, int] = {}
    for o in objects:
        out[o.kind.value] = out.get(o.kind.value, 0) + 1
    return out
