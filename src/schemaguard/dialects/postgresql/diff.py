"""PostgreSQL comparison hooks: type keys (aliases and defaults folded) and schema adaptation."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import replace

from schemaguard.model import (
    Column,
    ColumnType,
    DbObject,
    Default,
    DefaultKind,
    NotCompared,
    ObjectKind,
    Schema,
    TypeKind,
)

DEFAULT_TIME_PRECISION = 6
"""timestamp/time without a precision keep microseconds: timestamp == timestamp(6).
Source: https://www.postgresql.org/docs/15/datatype-datetime.html"""


def type_key(ctype: ColumnType) -> Hashable:
    """Comparison key: varchar without length == text is NOT assumed (they differ in the catalog); array
    dimensions collapse to one (PostgreSQL does not enforce declared dimensions); precision 6 of time types
    equals no precision; ``char`` without a length is ``char(1)`` ("character without length specifier is
    equivalent to character(1)": https://www.postgresql.org/docs/15/datatype-character.html; an unbounded
    ``bpchar`` is inspected as the NATIVE type ``bpchar``)."""
    length = 1 if ctype.kind is TypeKind.CHAR and ctype.length is None else ctype.length
    precision = ctype.precision
    if ctype.kind in (TypeKind.DATETIME, TypeKind.TIME) and precision == DEFAULT_TIME_PRECISION:
        precision = None
    native = ctype.native.lower() if ctype.native else None
    return (
        ctype.kind,
        length,
        precision,
        ctype.scale if ctype.kind is TypeKind.DECIMAL else None,
        ctype.timezone if ctype.kind in (TypeKind.DATETIME, TypeKind.TIME) else False,
        ctype.binary if ctype.kind is TypeKind.JSON else True,
        ctype.enum_name,
        native,
        ctype.array_dims > 0,
    )


def adapt(schema: Schema) -> Schema:
    """PostgreSQL stores every model feature natively; only normalise time precision 6 to the default and
    drop SQLite's ``strict_autoincrement`` (a sequence never reuses values anyway), its table options, its
    NOCASE/RTRIM/BINARY column collations (:data:`SQLITE_COLLATIONS`) and give a column without a declared type
    (master ``any``, :data:`schemaguard.model.types.UNTYPED`) the type text, and a boolean column's integer
    default 0/1 the bool false/true (:func:`_boolean_default`). :func:`not_stored` names each."""
    tables = []
    changed = False
    for t in schema.tables:
        if t.name in schema.implicit_m2m:
            from schemaguard.prisma.conventions import implicit_m2m_table

            keyed = implicit_m2m_table(t, "postgresql")  # Prisma's PostgreSQL key (a SQLite-provider master)
            changed = changed or keyed is not t
            t = keyed
        cols = []
        table_changed = False
        for c in t.columns:
            ct = c.type
            if ct.kind in (TypeKind.DATETIME, TypeKind.TIME) and ct.precision == DEFAULT_TIME_PRECISION:
                c = replace(c, type=replace(ct, precision=None))
                table_changed = True
            if c.nullable and t.primary_key is not None and c.name in t.primary_key.columns:
                # PostgreSQL makes every key column NOT NULL (a master read from SQLite may say nullable).
                c = replace(c, nullable=False)
                table_changed = True
            if ct.kind is TypeKind.NATIVE and not ct.native:
                # A SQLite column declared without a type (master type ``any``): PostgreSQL needs one; text
                # holds any value written as a literal. not_stored() names each such column.
                c = replace(c, type=replace(ct, kind=TypeKind.TEXT, native=None))
                table_changed = True
            boolean_default = _boolean_default(c)
            if boolean_default is not c:
                c = boolean_default
                table_changed = True
            if c.strict_autoincrement:
                # Sequences never hand out a value twice: SQLite's AUTOINCREMENT is what PostgreSQL always does.
                c = replace(c, strict_autoincrement=False)
                table_changed = True
            cols.append(c)
        tables.append(replace(t, columns=tuple(cols)) if table_changed else t)
        changed = changed or table_changed
    if any(o.kind is ObjectKind.TABLE_OPTIONS and _sqlite_only(o) for o in schema.objects):
        # SQLite's STRICT / WITHOUT ROWID (a master shared by both dialects): PostgreSQL has neither.
        kept = [_without_sqlite_options(o) if o.kind is ObjectKind.TABLE_OPTIONS else o for o in schema.objects]
        schema = replace(schema, objects=tuple(o for o in kept if o is not None))
    # NOCASE / RTRIM / BINARY of a master inspected from SQLite: PostgreSQL has no such collation and refuses
    # ``COLLATE "NOCASE"``; not_stored() names the columns.
    schema = for_render(schema)
    return replace(schema, tables=tuple(tables)) if changed else schema


_BOOLEAN_TEXT = {
    **dict.fromkeys(("t", "tr", "tru", "true", "y", "ye", "yes", "on", "1"), True),
    **dict.fromkeys(("f", "fa", "fal", "fals", "false", "n", "no", "of", "off", "0"), False),
}
"""PostgreSQL's boolean input forms (https://www.postgresql.org/docs/15/datatype-boolean.html: true/yes/on/1,
false/no/off/0 and unique prefixes, case-insensitive, surrounding whitespace ignored)."""


def _boolean_default(c: Column) -> Column:
    """Column ``c`` with a literal default of its boolean column as a Python bool: SQLite stores booleans as
    the integers 0 and 1 (https://www.sqlite.org/datatype3.html section 2.1; ``TRUE``/``FALSE`` are aliases of
    them), so a master inspected from SQLite says ``DEFAULT 0``, which PostgreSQL refuses on a boolean column
    ("default expression is of type integer") and stores as ``false`` when written ``'0'``. The same column
    otherwise (not boolean, an array, an expression default, a value that is no boolean)."""
    d = c.default
    if d is None or d.kind is not DefaultKind.LITERAL or c.type.kind is not TypeKind.BOOLEAN or c.type.is_array:
        return c
    value = d.value
    if isinstance(value, bool):
        return c
    if isinstance(value, int) and value in (0, 1):
        return replace(c, default=Default.literal(value == 1))
    if isinstance(value, str) and value.strip().lower() in _BOOLEAN_TEXT:
        return replace(c, default=Default.literal(_BOOLEAN_TEXT[value.strip().lower()]))
    return c


def _boolean_defaults(schema: Schema) -> Schema:
    """``schema`` with :func:`_boolean_default` applied to every column (the same object when nothing changes)."""
    tables = []
    changed = False
    for t in schema.tables:
        cols = tuple(_boolean_default(c) for c in t.columns)
        if any(a is not b for a, b in zip(cols, t.columns, strict=True)):
            t = replace(t, columns=cols)
            changed = True
        tables.append(t)
    return replace(schema, tables=tuple(tables)) if changed else schema


SQLITE_COLLATIONS = frozenset(("binary", "nocase", "rtrim"))
"""SQLite's built-in collating sequences (https://www.sqlite.org/datatype3.html#collating_sequences). PostgreSQL
has none of them (https://www.postgresql.org/docs/15/collation.html: only ``default``, ``C``, ``POSIX``, the OS /
ICU locales and CREATE COLLATION'd ones), so a column collation of one of these names that the master does not
define itself (``collation_definitions:``) is dropped by :func:`adapt` and named by :func:`not_stored`."""


def for_render(schema: Schema) -> Schema:
    """``schema`` without SQLite's table options and conflict clauses (:data:`SQLITE_TABLE_OPTIONS`,
    :data:`SQLITE_CONFLICT_PREFIX`) and its column collations (:data:`SQLITE_COLLATIONS`), which PostgreSQL refuses
    (``collation "NOCASE" for encoding "UTF8" does not exist``); the rest of :func:`adapt` the renderer does
    itself. The dropped columns are named by :func:`not_stored` (render's stderr notice). A boolean column's
    integer default 0/1 (a master made from SQLite) is written false/true (:func:`_boolean_default`)."""
    schema = _boolean_defaults(schema)
    if any(o.kind is ObjectKind.TABLE_OPTIONS and _sqlite_only(o) for o in schema.objects):
        kept = [_without_sqlite_options(o) if o.kind is ObjectKind.TABLE_OPTIONS else o for o in schema.objects]
        schema = replace(schema, objects=tuple(o for o in kept if o is not None))
    if not any(o.kind is ObjectKind.COLLATION and _sqlite_collations(o, schema) for o in schema.objects):
        return schema
    kept = [_without_sqlite_collations(o, schema) if o.kind is ObjectKind.COLLATION else o for o in schema.objects]
    return replace(schema, objects=tuple(o for o in kept if o is not None))


def _sqlite_collations(o: DbObject, schema: Schema) -> list[str]:
    """The columns of COLLATION object ``o`` whose collation is a SQLite built-in the schema does not define."""
    defined = {d.name.rsplit(".", 1)[-1].lower() for d in schema.objects if d.kind is ObjectKind.COLLATION_DEFINITION}
    return [
        col
        for col, name in o.attributes
        if isinstance(name, str) and name.lower() in SQLITE_COLLATIONS and name.lower() not in defined
    ]


def _without_sqlite_collations(o: DbObject, schema: Schema) -> DbObject | None:
    dropped = set(_sqlite_collations(o, schema))
    if not dropped:
        return o
    kept = tuple((k, v) for k, v in o.attributes if k not in dropped)
    return replace(o, attributes=kept) if kept else None


SQLITE_TABLE_OPTIONS = frozenset(("strict", "without_rowid"))
"""SQLite's table options (https://www.sqlite.org/stricttables.html, withoutrowid.html): not PostgreSQL storage
parameters, so :func:`adapt` drops them, the renderer skips them and :func:`not_stored` lists them."""


SQLITE_CONFLICT_PREFIX = "on_conflict."
"""SQLite's constraint conflict clauses, kept as table options ``on_conflict.*`` (https://www.sqlite.org/lang_conflict.html).
PostgreSQL has no such clause (its ``INSERT ... ON CONFLICT`` is per statement): dropped like
:data:`SQLITE_TABLE_OPTIONS` and named by :func:`not_stored`."""


def _is_sqlite_option(key: str) -> bool:
    return key in SQLITE_TABLE_OPTIONS or key.startswith(SQLITE_CONFLICT_PREFIX)


def _sqlite_only(o: DbObject) -> list[str]:
    return [k for k, _ in o.attributes if _is_sqlite_option(k)]


def _without_sqlite_options(o: DbObject) -> DbObject | None:
    if not _sqlite_only(o):
        return o
    kept = tuple((k, v) for k, v in o.attributes if not _is_sqlite_option(k))
    return replace(o, attributes=kept) if kept else None


def not_stored(schema: Schema) -> Schema:
    """``schema`` with a ``not_compared`` entry for each column default PostgreSQL cannot hold: a default on an
    autoincrement (serial or identity) column, whose value comes from its sequence, or on a generated column,
    whose value is its expression. PostgreSQL refuses both ("both default and identity specified", "both default
    and generation expression specified"; https://www.postgresql.org/docs/current/sql-createtable.html), so the
    renderer leaves such a default out and the differ does not compare it: this makes ``render`` and the
    coverage report say so. Also one entry for SQLite's table options a master declares (``strict``,
    ``without_rowid``: :data:`SQLITE_TABLE_OPTIONS`), one for columns without a declared type (``any``, rendered
    as text) and one for SQLite-only column collations (:data:`SQLITE_COLLATIONS`). Names are ``table.column`` / ``table.option``; the same
    schema when there are none."""
    names = tuple(
        sorted(
            f"{t.name}.{c.name}"
            for t in schema.tables
            for c in t.columns
            if c.default is not None and (c.autoincrement or c.generated)
        )
    )
    if names:
        reason = "PostgreSQL holds no default on a serial, identity or generated column: not rendered"
        schema = replace(schema, not_compared=(*schema.not_compared, NotCompared("column default", reason, names)))
    untyped = tuple(
        sorted(
            f"{t.name}.{c.name}"
            for t in schema.tables
            for c in t.columns
            if c.type.kind is TypeKind.NATIVE and not c.type.native
        )
    )
    if untyped:
        reason = "no declared type (SQLite BLOB affinity, type: any): PostgreSQL needs one, rendered as text"
        schema = replace(schema, not_compared=(*schema.not_compared, NotCompared("column type", reason, untyped)))
    collated = tuple(
        sorted(
            f"{o.name}.{col}"
            for o in schema.objects
            if o.kind is ObjectKind.COLLATION
            for col in _sqlite_collations(o, schema)
        )
    )
    if collated:
        reason = "SQLite's NOCASE / RTRIM / BINARY: PostgreSQL has no such collation, not rendered"
        schema = replace(schema, not_compared=(*schema.not_compared, NotCompared("column collation", reason, collated)))
    options = tuple(
        sorted(f"{o.name}.{k}" for o in schema.objects if o.kind is ObjectKind.TABLE_OPTIONS for k in _sqlite_only(o))
    )
    if options:
        entry = NotCompared(
            "table option", "SQLite's STRICT / WITHOUT ROWID / ON CONFLICT clauses: PostgreSQL has none", options
        )
        schema = replace(schema, not_compared=(*schema.not_compared, entry))
    return schema
