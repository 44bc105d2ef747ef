"""Structural consistency checks of a Schema: references resolve, names are unique, types are known.

Loaders call :func:`check_consistency` after building a Schema and raise the first problem as a SchemaError
with the object's source location.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from schemaguard.model.naming import split_key
from schemaguard.model.objects import ObjectKind
from schemaguard.model.schema import Schema, SourceLocation
from schemaguard.model.types import TypeKind


@dataclass(frozen=True, slots=True)
class Problem:
    """One consistency problem: a message and where the offending object was defined (if known)."""

    message: str
    loc: SourceLocation | None = None


def schema_names(schema: Schema) -> set[str | None]:
    """The schemas ``schema`` holds: ``None`` (the default one), those declared under ``schemas:`` (SCHEMA
    objects) and those any table, enum or object key names (:func:`schemaguard.model.naming.split_key`).
    A foreign key may reference a table outside them (Issue 14 §2: a master may cover some schemas of a
    database; PostgreSQL allows references across schemas, https://www.postgresql.org/docs/15/ddl-schemas.html)."""
    out: set[str | None] = {None}
    out.update(o.name for o in schema.objects if o.kind is ObjectKind.SCHEMA)
    keys = [t.name for t in schema.tables] + [e.name for e in schema.enums]
    keys += [o.table or o.name for o in schema.objects if o.kind not in (ObjectKind.SCHEMA, ObjectKind.EXTENSION)]
    out.update(split_key(k.partition("(")[0])[0] for k in keys)
    return out


def check_consistency(schema: Schema) -> list[Problem]:
    """Every structural problem of ``schema``, in definition order.

    Checks: tables/enums/columns unique by name; enum values unique and non-empty; enum types referenced by
    columns exist; primary key, index, unique and foreign key columns exist; foreign keys reference an existing
    table and columns of the same count (only a table of a schema ``schema`` holds, see :func:`schema_names`: a
    foreign key to a table of another schema, such as Supabase's ``auth.users``, is legal and its target is not
    checked); index and constraint names unique within the schema (PostgreSQL keeps
    index names in one namespace per schema: https://www.postgresql.org/docs/15/sql-createindex.html).

    Returns:
        list[Problem]; empty when consistent.
    """
    problems: list[Problem] = []
    for name, n in Counter(t.name for t in schema.tables).items():
        if n > 1:
            dup = schema.table(name)
            problems.append(Problem(f"duplicate table {name!r}", dup.loc if dup is not None else None))
    enum_names = {e.name for e in schema.enums}
    for e in schema.enums:
        if not e.values:
            problems.append(Problem(f"enum {e.name!r} has no values", e.loc))
        if any(v == "" for v in e.values):
            # PostgreSQL rejects empty enum labels: https://www.postgresql.org/docs/15/datatype-enum.html
            problems.append(Problem(f"enum {e.name!r} has an empty value", e.loc))
        for v, n in Counter(e.values).items():
            if n > 1:
                problems.append(Problem(f"enum {e.name!r} lists value {v!r} twice", e.loc))
    tables = {t.name: t for t in schema.tables}
    own = schema_names(schema)
    index_names: Counter[str] = Counter()
    index_locs: dict[str, SourceLocation | None] = {}
    for t in schema.tables:
        cols = {c.name: c for c in t.columns}
        if not t.columns:
            problems.append(Problem(f"table {t.name!r} has no columns", t.loc))
        for cname, n in Counter(c.name for c in t.columns).items():
            if n > 1:
                problems.append(Problem(f"table {t.name!r} has column {cname!r} twice", t.loc))
        for c in t.columns:
            if c.type.kind is TypeKind.ENUM and c.type.enum_name not in enum_names:
                problems.append(
                    Problem(f"column {t.name}.{c.name} uses enum {c.type.enum_name!r}, which is not defined", c.loc)
                )
        if t.primary_key is not None:
            for pc in t.primary_key.columns:
                if pc not in cols:
                    problems.append(Problem(f"primary key of {t.name!r} names unknown column {pc!r}", t.loc))
        for ix in t.indexes:
            index_names[ix.name] += 1
            if index_names[ix.name] == 2:
                index_locs[ix.name] = ix.loc  # point at the second use
            for part in ix.parts:
                if part.column is not None and part.column not in cols:
                    problems.append(
                        Problem(f"index {ix.name!r} on {t.name!r} names unknown column {part.column!r}", ix.loc)
                    )
            if not ix.parts:
                problems.append(Problem(f"index {ix.name!r} on {t.name!r} has no columns", ix.loc))
        for fk in t.foreign_keys:
            label = f"foreign key {fk.name or ''} on {t.name}({', '.join(fk.columns)})".replace("key  on", "key on")
            for fc in fk.columns:
                if fc not in cols:
                    problems.append(Problem(f"{label} names unknown column {fc!r}", fk.loc))
            target = tables.get(fk.ref_table)
            if target is None and split_key(fk.ref_table)[0] not in own:
                # A table in a schema this schema does not hold (auth.users from public.profiles, a master
                # inspected with --schema public): legal, kept and compared, its target not checked.
                if len(fk.columns) != len(fk.ref_columns):
                    problems.append(
                        Problem(f"{label} has {len(fk.columns)} columns but references {len(fk.ref_columns)}", fk.loc)
                    )
                continue
            if target is None:
                problems.append(Problem(f"{label} references missing table {fk.ref_table!r}", fk.loc))
                continue
            tcols = {c.name for c in target.columns}
            for rc in fk.ref_columns:
                if rc not in tcols:
                    problems.append(Problem(f"{label} references missing column {fk.ref_table}.{rc}", fk.loc))
            if len(fk.columns) != len(fk.ref_columns):
                problems.append(
                    Problem(f"{label} has {len(fk.columns)} columns but references {len(fk.ref_columns)}", fk.loc)
                )
        names = [n for n in [t.primary_key.name if t.primary_key else None] if n]
        names += [fk.name for fk in t.foreign_keys if fk.name]
        names += [ck.name for ck in t.checks if ck.name]
        for cname, n in Counter(names).items():
            if n > 1:
                problems.append(Problem(f"constraint name {cname!r} is used twice on table {t.name!r}", t.loc))
    for iname, n in index_names.items():
        if n > 1:
            problems.append(
                Problem(
                    f"index name {iname!r} is used {n} times (index names must be unique per schema)",
                    index_locs.get(iname),
                )
            )
    return problems


def long_names(schema: Schema, limit: int) -> list[Problem]:
    """Every name of ``schema`` longer than ``limit`` bytes in UTF-8, in definition order: table, schema and enum
    names (each part of a ``schema.name`` key), columns, primary key, index, unique, foreign key and check
    constraint names, enum labels.

    PostgreSQL keeps identifiers (and enum labels) to NAMEDATALEN-1 = 63 bytes and truncates a longer one, so
    the database would hold another name than the master
    (https://www.postgresql.org/docs/15/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS,
    https://www.postgresql.org/docs/15/datatype-enum.html). The caller passes the limit of the dialects the master
    targets.

    Returns:
        list[Problem] naming the object, the name and its length; empty when every name fits.
    """
    problems: list[Problem] = []

    def check(what: str, name: str | None, loc: SourceLocation | None) -> None:
        size = len(name.encode("utf-8")) if name else 0
        if size > limit:
            problems.append(Problem(f"{what} name {name!r} is {size} bytes: longer than {limit} bytes", loc))

    def check_key(what: str, key: str, loc: SourceLocation | None) -> None:
        namespace, name = split_key(key)
        check("schema", namespace, loc)
        check(what, name, loc)

    for e in schema.enums:
        check_key("enum", e.name, e.loc)
        for v in e.values:
            check(f"enum {e.name!r} label", v, e.loc)
    for t in schema.tables:
        check_key("table", t.name, t.loc)
        for c in t.columns:
            check(f"table {t.name!r} column", c.name, c.loc)
        if t.primary_key is not None:
            check(f"table {t.name!r} primary key", t.primary_key.name, t.loc)
        for ix in t.indexes:
            check(f"table {t.name!r} index", ix.name, ix.loc or t.loc)
        for fk in t.foreign_keys:
            check(f"table {t.name!r} foreign key", fk.name, fk.loc or t.loc)
        for ck in t.checks:
            check(f"table {t.name!r} check", ck.name, ck.loc or t.loc)
    return problems
