"""The differ: a pure function from two schemas (desired, actual) and a dialect to a list of Changes.

Both sides are first adapted to the dialect (what it can store), then matched object by object. Matching is
by definition, not by name, wherever the database may invent names: indexes and foreign keys are paired by
their signature (columns, expressions, predicate, method / referenced columns), so an auto-generated name or a
unique constraint standing in for a unique index is not drift. Expressions (checks, predicates, defaults) are
compared in canonical form (:mod:`schemaguard.normalize`), types by the dialect's ``type_key``. Column order
is ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import replace
from typing import Any

from schemaguard.dialects.base import Dialect
from schemaguard.diff.changes import Change, ChangeKind, Severity
from schemaguard.model import Check, Column, ColumnType, DefaultKind, ForeignKey, Index, Schema, Table
from schemaguard.model.naming import foreign_key_name, primary_key_name
from schemaguard.normalize import canonical_expression, default_key

_DESIRED_SQL = "postgresql"
"""Expressions on the desired side are written in PostgreSQL syntax (the master format's rule)."""


def diff_schemas(
    desired: Schema,
    actual: Schema,
    dialect: Dialect,
    *,
    desired_syntax: str = _DESIRED_SQL,
    actual_syntax: str | None = None,
) -> list[Change]:
    """Every difference between ``desired`` and ``actual`` as stored in ``dialect``.

    Args:
        desired: the schema the database should have (a master, or the ``--to`` side).
        actual: the schema it has (introspected, or the ``--from`` side).
        dialect: the dialect both are compared in.
        desired_syntax: the SQL dialect expressions on the desired side are written in (files: postgresql).
        actual_syntax: the same for the actual side (default: ``dialect``'s own, as introspected).

    Returns:
        list[Change]: enum changes first, then per table (sorted by name) table, column, primary key, index,
        foreign key and check changes. Empty when the schemas match. Inputs are not modified.
    """
    d = dialect.adapt(desired)
    a = dialect.adapt(actual)
    cmp = _Comparer(dialect, desired_sql=desired_syntax, actual_sql=actual_syntax or dialect.name)
    cmp.learn_default_opclasses(d, a)
    changes = cmp.enums(d, a)
    key = cmp.name_key
    dt = {key(t.name): t for t in d.tables}
    at = {key(t.name): t for t in a.tables}
    for k in sorted(set(dt) | set(at)):
        t1, t2 = dt.get(k), at.get(k)
        name = t1.name if t1 is not None else t2.name if t2 is not None else k
        if t2 is None and t1 is not None:
            changes.append(
                Change(ChangeKind.TABLE_MISSING, name, name, t1, None, Severity.ERROR, f"table {name} is missing")
            )
        elif t1 is None and t2 is not None:
            changes.append(
                Change(
                    ChangeKind.TABLE_EXTRA,
                    name,
                    name,
                    None,
                    t2,
                    Severity.WARNING,
                    f"table {name} is not in the desired schema",
                )
            )
        elif t1 is not None and t2 is not None and not (cmp.same_syntax and t1 == t2):
            # Equal tables (source locations and all) cannot differ in any compared aspect: skip the walk.
            changes += cmp.table(t1, t2)
    from schemaguard.diff.objects import diff_objects

    changes += diff_objects(
        dialect.supported(d),
        dialect.supported(a),
        comments=dialect.comments,
        case_insensitive=dialect.case_insensitive_names,
    )
    return changes


class _Comparer:
    def __init__(self, dialect: Dialect, desired_sql: str, actual_sql: str) -> None:
        self.dialect = dialect
        self.desired_sql = desired_sql
        self.actual_sql = actual_sql
        # Equal objects on both sides are equal in canonical form only when both are read as the same SQL.
        self.same_syntax = desired_sql == actual_sql
        self._type_keys: dict[ColumnType, Hashable] = {}
        # (access method, operator class) pairs the database reported as the default for an indexed element.
        self._default_opclasses: set[tuple[str, str]] = set()
        self.name_key: Callable[[str], str] = _ascii_lower if dialect.case_insensitive_names else _same

    def learn_default_opclasses(self, *schemas: Schema) -> None:
        """Collect the default operator classes introspection saw (``IndexPart.default_opclass``, read from
        ``pg_opclass.opcdefault``): an index naming one of them explicitly equals one naming none, as
        PostgreSQL does not keep the difference. Learned from the catalog, never from a list of names."""
        for schema in schemas:
            for t in schema.tables:
                for ix in t.indexes:
                    for p in ix.parts:
                        if p.default_opclass:
                            self._default_opclasses.add((ix.method or "btree", p.default_opclass))

    def _opclass(self, ix: Index, opclass: str | None) -> str | None:
        if opclass is None or (ix.method or "btree", opclass) in self._default_opclasses:
            return None
        return opclass

    def type_key(self, ctype: ColumnType) -> Hashable:
        """The dialect's type key, computed once per distinct type (a schema has a few dozen)."""
        key = self._type_keys.get(ctype)
        if key is None:
            key = self._type_keys[ctype] = self.dialect.type_key(ctype)
        return key

    # --- enums ---------------------------------------------------------------------------------------------
    def enums(self, d: Schema, a: Schema) -> list[Change]:
        out: list[Change] = []
        de = {e.name: e for e in d.enums}
        ae = {e.name: e for e in a.enums}
        for name in sorted(set(de) | set(ae)):
            e1, e2 = de.get(name), ae.get(name)
            if e2 is None and e1 is not None:
                out.append(
                    Change(ChangeKind.ENUM_MISSING, None, name, e1, None, Severity.ERROR, f"enum {name} is missing")
                )
            elif e1 is None and e2 is not None:
                out.append(
                    Change(
                        ChangeKind.ENUM_EXTRA,
                        None,
                        name,
                        None,
                        e2,
                        Severity.INFO,
                        f"enum {name} is not in the desired schema",
                    )
                )
            elif e1 is not None and e2 is not None and e1.values != e2.values:
                missing = [v for v in e1.values if v not in e2.values]
                extra = [v for v in e2.values if v not in e1.values]
                parts = []
                if missing:
                    parts.append("missing " + ", ".join(missing))
                if extra:
                    parts.append("extra " + ", ".join(extra))
                if not parts:
                    parts.append("values in a different order")
                sev = Severity.ERROR if missing else Severity.WARNING
                out.append(
                    Change(
                        ChangeKind.ENUM_VALUES,
                        None,
                        name,
                        e1,
                        e2,
                        sev,
                        f"enum {name} values differ: {'; '.join(parts)}",
                    )
                )
        return out

    # --- tables --------------------------------------------------------------------------------------------
    def table(self, t1: Table, t2: Table) -> list[Change]:
        out: list[Change] = []
        key = self.name_key
        c1 = {key(c.name): c for c in t1.columns}
        c2 = {key(c.name): c for c in t2.columns}
        for c in t1.columns:
            if key(c.name) not in c2:
                out.append(
                    Change(
                        ChangeKind.COLUMN_MISSING,
                        t1.name,
                        c.name,
                        c,
                        None,
                        Severity.ERROR,
                        f"column {t1.name}.{c.name} ({c.type}{'' if c.nullable else ', not null'}) is missing",
                    )
                )
        for c in t2.columns:
            if key(c.name) not in c1:
                sev = (
                    Severity.ERROR
                    if (not c.nullable and c.default is None and not c.autoincrement and not c.generated)
                    else Severity.WARNING
                )
                out.append(
                    Change(
                        ChangeKind.COLUMN_EXTRA,
                        t1.name,
                        c.name,
                        None,
                        c,
                        sev,
                        f"column {t1.name}.{c.name} ({c.type}) is not in the desired schema"
                        + (
                            " and is NOT NULL without a default: inserts from the application will fail"
                            if sev is Severity.ERROR
                            else ""
                        ),
                    )
                )
        for c in t1.columns:
            other = c2.get(key(c.name))
            if other is not None:
                out += self.column(t1.name, c, other)
        out += self.primary_key(t1, t2)
        out += self.indexes(t1, t2)
        out += self.foreign_keys(t1, t2)
        out += self.checks(t1, t2)
        return out

    def column(self, table: str, c1: Column, c2: Column) -> list[Change]:
        # Equal columns have equal keys, unless an expression (default, generated) is read in two syntaxes.
        if c1 == c2 and (
            self.same_syntax or (not c1.generated and (c1.default is None or c1.default.kind is DefaultKind.LITERAL))
        ):
            return []
        out: list[Change] = []
        where = f"{table}.{c1.name}"
        if self.type_key(c1.type) != self.type_key(c2.type):
            out.append(
                Change(
                    ChangeKind.COLUMN_TYPE,
                    table,
                    c1.name,
                    c1,
                    c2,
                    Severity.ERROR,
                    f"column {where} is {c2.type}, expected {c1.type}",
                )
            )
        if c1.nullable != c2.nullable:
            msg = f"column {where} is {'nullable' if c2.nullable else 'NOT NULL'}, expected {'nullable' if c1.nullable else 'NOT NULL'}"
            out.append(Change(ChangeKind.COLUMN_NULLABLE, table, c1.name, c1, c2, Severity.ERROR, msg))
        aspects: list[str] = []
        if c1.autoincrement != c2.autoincrement or c1.strict_autoincrement != c2.strict_autoincrement:
            aspects.append("autoincrement")
        elif c1.autoincrement and (c1.identity == "always") != (c2.identity == "always"):
            # GENERATED ALWAYS refuses an INSERT that supplies the value; BY DEFAULT and serial accept it (the
            # same semantics, so they compare equal). https://www.postgresql.org/docs/15/sql-createtable.html
            aspects.append("identity")
        if (canonical_expression(c1.generated, self.desired_sql) if c1.generated else None) != (
            canonical_expression(c2.generated, self.actual_sql) if c2.generated else None
        ):
            aspects.append("generated")
        elif self.dialect.virtual_generated_columns and c1.generated and c1.generated_virtual != c2.generated_virtual:
            aspects.append("generated")  # VIRTUAL (computed on read) vs STORED: https://www.sqlite.org/gencol.html
        # Sequence-fed and generated columns have no default of their own to compare.
        plain = not (c1.autoincrement and c2.autoincrement) and not (c1.generated or c2.generated)
        if plain and default_key(c1.default, c1.type, self.desired_sql) != default_key(
            c2.default, c2.type, self.actual_sql
        ):
            aspects.append("default")
        if aspects:
            out.append(
                Change(
                    ChangeKind.COLUMN_DEFAULT,
                    table,
                    c1.name,
                    c1,
                    c2,
                    Severity.WARNING,
                    f"column {where} {' and '.join(aspects)} differs: {_describe_default(c2)}, expected {_describe_default(c1)}",
                    tuple(aspects),
                )
            )
        return out

    def primary_key(self, t1: Table, t2: Table) -> list[Change]:
        p1, p2 = t1.primary_key, t2.primary_key
        cols1 = tuple(map(self.name_key, p1.columns)) if p1 else ()
        cols2 = tuple(map(self.name_key, p2.columns)) if p2 else ()
        names_differ = (
            self.dialect.named_constraints
            and p1 is not None
            and p2 is not None
            and p1.name
            and p2.name
            and p1.name != p2.name
        )
        if cols1 == cols2 and not names_differ:
            return []
        if cols1 == cols2:
            msg = f"primary key of {t1.name} is named {p2.name if p2 else None}, expected {p1.name if p1 else None}"
            sev = Severity.INFO
        else:
            shown1, shown2 = (p1.columns if p1 else ()), (p2.columns if p2 else ())
            msg = (
                f"primary key of {t1.name} is ({', '.join(shown2) or 'none'}), expected ({', '.join(shown1) or 'none'})"
            )
            sev = Severity.ERROR
        obj = (p1.name if p1 else None) or (p2.name if p2 else None) or primary_key_name(t1.name)
        return [Change(ChangeKind.PRIMARY_KEY, t1.name, obj, p1, p2, sev, msg)]

    # --- indexes -------------------------------------------------------------------------------------------
    def index_key(self, ix: Index, sql: str) -> Hashable:
        parts = tuple(
            (
                self.name_key(p.column) if p.column is not None else None,
                canonical_expression(p.expression, sql) if p.expression else None,
                p.descending,
                self._opclass(ix, p.opclass),
            )
            for p in ix.parts
        )
        return (
            parts,
            ix.unique,
            canonical_expression(ix.where, sql) if ix.where else None,
            ix.method or None,
            ix.deferrable,
            ix.initially_deferred,
            tuple(map(self.name_key, ix.include)),
            ix.nulls_not_distinct,
        )

    def indexes(self, t1: Table, t2: Table) -> list[Change]:
        out: list[Change] = []
        pairs, left, right = _match(
            t1.indexes,
            t2.indexes,
            lambda i: self.index_key(i, self.desired_sql),
            lambda i: self.index_key(i, self.actual_sql),
            lambda i: self.name_key(i.name),
        )
        for i1, i2 in pairs:
            if self.dialect.named_constraints and i1.constraint and not i2.constraint:
                # A UNIQUE constraint and a bare unique index enforce the same, yet only a constraint can be named
                # by INSERT ... ON CONFLICT ON CONSTRAINT or ALTER TABLE ... DROP CONSTRAINT (and only it is listed
                # in pg_constraint / information_schema.table_constraints). Planned as drop + create.
                # Source: https://www.postgresql.org/docs/15/sql-insert.html#SQL-ON-CONFLICT
                # One way only: a desired unique index is met by a constraint too, since a master's column
                # ``unique: true`` and Prisma's @unique do not say which form (both render an index).
                out.append(
                    Change(
                        ChangeKind.INDEX_CHANGED,
                        t1.name,
                        i1.name,
                        i1,
                        i2,
                        Severity.WARNING,
                        f"{i2.name} on {t1.name} is {_unique_form(i2)}, expected {_unique_form(i1)}"
                        + (f" named {i1.name}" if i1.name != i2.name else "")
                        + " (only a constraint can be named by ON CONFLICT ON CONSTRAINT and DROP CONSTRAINT)",
                        ("constraint",),
                    )
                )
            elif i1.name != i2.name and not self.dialect.is_generated_index_name(i2.name):
                out.append(
                    Change(
                        ChangeKind.INDEX_CHANGED,
                        t1.name,
                        i1.name,
                        i1,
                        i2,
                        Severity.INFO,
                        f"index {i2.name} on {t1.name} should be named {i1.name}",
                        ("name",),
                    )
                )
        by_name = {i.name: i for i in right}
        for i1 in left:
            i2 = by_name.pop(i1.name, None)
            if i2 is not None:
                right.remove(i2)
                out.append(
                    Change(
                        ChangeKind.INDEX_CHANGED,
                        t1.name,
                        i1.name,
                        i1,
                        i2,
                        Severity.ERROR if i1.unique and not i2.unique else Severity.WARNING,
                        f"index {i1.name} on {t1.name} is {_describe_index(i2)}, expected {_describe_index(i1)}",
                        ("definition",),
                    )
                )
            else:
                out.append(
                    Change(
                        ChangeKind.INDEX_MISSING,
                        t1.name,
                        i1.name,
                        i1,
                        None,
                        Severity.ERROR if i1.unique else Severity.WARNING,
                        f"{'unique ' if i1.unique else ''}index {i1.name} on {t1.name} {_describe_index(i1)} is missing",
                    )
                )
        for i2 in right:
            out.append(
                Change(
                    ChangeKind.INDEX_EXTRA,
                    t1.name,
                    i2.name,
                    None,
                    i2,
                    Severity.WARNING if i2.unique else Severity.INFO,
                    f"{'unique ' if i2.unique else ''}index {i2.name} on {t1.name} {_describe_index(i2)} is not in the desired schema",
                )
            )
        return out

    # --- foreign keys ----------------------------------------------------------------------------------------
    def foreign_keys(self, t1: Table, t2: Table) -> list[Change]:
        out: list[Change] = []

        key = self.name_key

        def sig(fk: ForeignKey) -> Hashable:
            return (tuple(map(key, fk.columns)), key(fk.ref_table), tuple(map(key, fk.ref_columns)))

        pairs, left, right = _match(t1.foreign_keys, t2.foreign_keys, sig, sig)
        for f1, f2 in pairs:
            aspects = []
            if f1.on_delete != f2.on_delete:
                aspects.append(f"ON DELETE {f2.on_delete.value} (expected {f1.on_delete.value})")
            if f1.on_update != f2.on_update:
                aspects.append(f"ON UPDATE {f2.on_update.value} (expected {f1.on_update.value})")
            if (f1.deferrable, f1.initially_deferred) != (f2.deferrable, f2.initially_deferred):
                aspects.append(f"{_deferral(f2)} (expected {_deferral(f1)})")
            if f2.not_valid and not f1.not_valid:
                # Only NOT VALID where a validated key is wanted: existing rows may break it. The reverse (a
                # validated key where the master says NOT VALID) is a stronger guarantee, not drift: NOT VALID is
                # a step of adding a key to a big table (https://www.postgresql.org/docs/15/sql-altertable.html).
                aspects.append("NOT VALID (expected validated: existing rows are not checked)")
            if self.dialect.named_constraints and f1.name and f2.name and f1.name != f2.name:
                aspects.append(f"named {f2.name} (expected {f1.name})")
            if aspects:
                only_name = len(aspects) == 1 and aspects[0].startswith("named")
                out.append(
                    Change(
                        ChangeKind.FOREIGN_KEY_CHANGED,
                        t1.name,
                        f1.name or f2.name or foreign_key_name(t1.name, f1.columns),
                        f1,
                        f2,
                        Severity.INFO if only_name else Severity.WARNING,
                        f"foreign key {_describe_fk(f1)} is " + ", ".join(aspects),
                    )
                )
        by_name = {f.name: f for f in right if f.name}
        for f1 in left:
            f2 = by_name.pop(f1.name, None) if f1.name else None
            if f2 is not None:
                right.remove(f2)
                out.append(
                    Change(
                        ChangeKind.FOREIGN_KEY_CHANGED,
                        t1.name,
                        f1.name,
                        f1,
                        f2,
                        Severity.ERROR,
                        f"foreign key {f1.name} is {_describe_fk(f2)}, expected {_describe_fk(f1)}",
                    )
                )
            else:
                out.append(
                    Change(
                        ChangeKind.FOREIGN_KEY_MISSING,
                        t1.name,
                        f1.name or foreign_key_name(t1.name, f1.columns),
                        f1,
                        None,
                        Severity.ERROR,
                        f"foreign key {_describe_fk(f1)} is missing",
                    )
                )
        for f2 in right:
            out.append(
                Change(
                    ChangeKind.FOREIGN_KEY_EXTRA,
                    t1.name,
                    f2.name or foreign_key_name(t1.name, f2.columns),
                    None,
                    f2,
                    Severity.WARNING,
                    f"foreign key {_describe_fk(f2)} is not in the desired schema",
                )
            )
        return out

    # --- checks ----------------------------------------------------------------------------------------------
    def checks(self, t1: Table, t2: Table) -> list[Change]:
        out: list[Change] = []
        # Identical text is the same check; only the rest needs parsing into canonical form (the slow part).
        pairs0, left0, right0 = _match(t1.checks, t2.checks, _text_key, _text_key)
        pairs1, left, right = _match(
            left0,
            right0,
            lambda c: canonical_expression(c.expression, self.desired_sql),
            lambda c: canonical_expression(c.expression, self.actual_sql),
        )
        if self.dialect.named_constraints:
            # The same expression under another name is a different constraint to the database (ALTER TABLE
            # ... DROP CONSTRAINT names it): reported, at info level, as the one to add and the one to drop.
            for c1, c2 in pairs0 + pairs1:
                if c1.name and c2.name and c1.name != c2.name:
                    note = f"check {c2.name} on {t1.name} should be named {c1.name}"
                    out.append(Change(ChangeKind.CHECK_MISSING, t1.name, c1.name, c1, None, Severity.INFO, note))
                    out.append(Change(ChangeKind.CHECK_EXTRA, t1.name, c2.name, None, c2, Severity.INFO, note))
            for c1, c2 in pairs0 + pairs1:
                if c1.name and c2.name and c1.name != c2.name:
                    continue
                notes = []
                if c2.not_valid and not c1.not_valid:
                    # NOT VALID where a validated check is wanted (the reverse is no drift, as for foreign keys):
                    # the validated one to add, the NOT VALID one to drop.
                    notes.append("is NOT VALID: existing rows are not checked")
                if c1.no_inherit != c2.no_inherit:
                    # NO INHERIT either way: child tables get the check, or do not (the parent-stays-empty
                    # idiom), and ALTER TABLE child INHERIT parent needs the child to have every inheritable
                    # check. Source: https://www.postgresql.org/docs/15/sql-createtable.html (NO INHERIT)
                    notes.append(
                        "is NO INHERIT, expected inherited by child tables"
                        if c2.no_inherit
                        else "is inherited by child tables, expected NO INHERIT"
                    )
                if len(notes) == 1 and c1.no_inherit != c2.no_inherit:
                    # NO INHERIT alone differs: one change of the one check (planned as drop + add).
                    note = f"check {_describe_check(c2)} on {t1.name} {notes[0]}"
                    name1 = c1.name or c1.expression
                    out.append(
                        Change(
                            ChangeKind.CHECK_CHANGED, t1.name, name1, c1, c2, Severity.WARNING, note, ("no_inherit",)
                        )
                    )
                    continue
                if notes:
                    note = f"check {_describe_check(c2)} on {t1.name} " + "; ".join(notes)
                    name1, name2 = c1.name or c1.expression, c2.name or c2.expression
                    out.append(Change(ChangeKind.CHECK_MISSING, t1.name, name1, c1, None, Severity.WARNING, note))
                    out.append(Change(ChangeKind.CHECK_EXTRA, t1.name, name2, None, c2, Severity.INFO, note))
        for c1 in left:
            out.append(
                Change(
                    ChangeKind.CHECK_MISSING,
                    t1.name,
                    c1.name or c1.expression,
                    c1,
                    None,
                    Severity.ERROR,
                    f"check {_describe_check(c1)} on {t1.name} is missing",
                )
            )
        for c2 in right:
            out.append(
                Change(
                    ChangeKind.CHECK_EXTRA,
                    t1.name,
                    c2.name or c2.expression,
                    None,
                    c2,
                    Severity.WARNING,
                    f"check {_describe_check(c2)} on {t1.name} is not in the desired schema",
                )
            )
        return out


def _unique_form(ix: Index) -> str:
    return "a UNIQUE constraint" if ix.constraint else "a unique index (not a constraint)"


def _text_key(ck: Check) -> str:
    return " ".join(ck.expression.split())


def _match(
    left: Iterable[Any],
    right: Iterable[Any],
    key_left: Any,
    key_right: Any,
    name: Callable[[Any], Hashable] | None = None,
) -> tuple[list[tuple[Any, Any]], list[Any], list[Any]]:
    """Pair items with equal keys one-to-one; return (pairs, unmatched left, unmatched right) in order.

    With ``name``, items with equal keys and equal names are paired first, then the rest by key alone (two indexes
    on the same columns, one missing: the missing one is reported under its own name, not its twin as renamed).
    """
    pool: dict[Hashable, list[Any]] = {}
    rights = list(right)
    for r in rights:
        pool.setdefault(key_right(r), []).append(r)
    lefts = [(item, key_left(item)) for item in left]
    chosen: dict[int, Any] = {}
    used: set[int] = set()
    if name is not None:
        for item, k in lefts:
            bucket = pool.get(k, [])
            same = [r for r in bucket if name(r) == name(item)]
            if same:
                bucket.remove(same[0])
                chosen[id(item)] = same[0]
    pairs: list[tuple[Any, Any]] = []
    unmatched_left: list[Any] = []
    for item, k in lefts:
        r = chosen.get(id(item))
        if r is None:
            rest = pool.get(k)
            r = rest.pop(0) if rest else None
        if r is not None:
            used.add(id(r))
            pairs.append((item, r))
        else:
            unmatched_left.append(item)
    return pairs, unmatched_left, [r for r in rights if id(r) not in used]


def _same(name: str) -> str:
    return name


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _ascii_lower(name: str) -> str:
    # SQLite folds only ASCII letters when it compares identifiers (sqlite3StrICmp).
    return name.translate(_ASCII_LOWER)


def _deferral(obj: ForeignKey | Index) -> str:
    if obj.initially_deferred:
        return "DEFERRABLE INITIALLY DEFERRED"
    return "DEFERRABLE" if obj.deferrable else "NOT DEFERRABLE"


def _describe_default(c: Column) -> str:
    if c.generated:
        return f"generated as ({c.generated}) {'VIRTUAL' if c.generated_virtual else 'STORED'}"
    if c.autoincrement:
        if c.strict_autoincrement:
            return "autoincrement (AUTOINCREMENT: rowids never reused)"
        if c.identity:  # ALWAYS refuses a supplied value; BY DEFAULT accepts it, as a serial does
            return f"identity GENERATED {c.identity.upper()}"
        return "autoincrement"
    return f"default {c.default.describe()}" if c.default is not None else "no default"


def _describe_index(ix: Index) -> str:
    text = "(" + ", ".join(p.describe() for p in ix.parts) + ")"
    if ix.method:
        text = f"USING {ix.method} {text}"
    if ix.unique:
        text = "UNIQUE " + text
    if ix.where:
        text += f" WHERE {ix.where}"
    if ix.include:
        text += " INCLUDE (" + ", ".join(ix.include) + ")"
    if ix.nulls_not_distinct:
        text += " NULLS NOT DISTINCT"
    if ix.deferrable:
        text += " " + _deferral(ix)
    return text


def _describe_fk(fk: ForeignKey) -> str:
    return f"({', '.join(fk.columns)}) -> {fk.ref_table}({', '.join(fk.ref_columns)})"


def _describe_check(ck: Check) -> str:
    return f"{ck.name} ({ck.expression})" if ck.name else f"({ck.expression})"


def align_names(desired: Schema, actual: Schema, dialect: Dialect) -> Schema:
    """``actual`` with its table and column names spelled as in ``desired`` wherever the dialect matches names
    case-insensitively (SQLite: ``USERS`` is ``users``), so a planner that looks objects up by name finds both
    sides; unchanged (the same object) for case-sensitive dialects. The database resolves either spelling.
    """
    if not dialect.case_insensitive_names:
        return actual
    tables = {_ascii_lower(t.name): t for t in desired.tables}
    out = []
    changed = False
    for t in actual.tables:
        want = tables.get(_ascii_lower(t.name))
        if want is None:
            out.append(t)
            continue
        cols = {_ascii_lower(c.name): c.name for c in want.columns}

        def spell(name: str, cols: dict[str, str] = cols) -> str:
            return cols.get(_ascii_lower(name), name)

        new = replace(
            t,
            name=want.name,
            columns=tuple(replace(c, name=spell(c.name)) for c in t.columns),
            primary_key=replace(t.primary_key, columns=tuple(map(spell, t.primary_key.columns)))
            if t.primary_key
            else None,
            indexes=tuple(
                replace(ix, parts=tuple(replace(p, column=spell(p.column)) if p.column else p for p in ix.parts))
                for ix in t.indexes
            ),
            foreign_keys=tuple(
                replace(fk, columns=tuple(map(spell, fk.columns)), ref_table=_spelled(tables, fk.ref_table))
                for fk in t.foreign_keys
            ),
        )
        changed = changed or new != t
        out.append(new)
    return replace(actual, tables=tuple(out)) if changed else actual


def _spelled(tables: dict[str, Table], name: str) -> str:
    want = tables.get(_ascii_lower(name))
    return want.name if want is not None else name
