"""Which views, materialized views and routines read which relations, and the order to create them in.

One place computes the dependency order of the objects that read other objects by name, for the renderers
(``dialects/<name>/render_objects.py``) and the planner (``migrate/object_ops.py``): a view is created after the
views it selects from and dropped before them, whatever their names (``"ARank"`` on ``"ZStat"``), and a view
over a table whose column changes type is dropped and created again with every view that reads it, directly or
through another view. PostgreSQL refuses both orders otherwise: "relation does not exist" on CREATE VIEW, and
"cannot drop view ... because other objects depend on it" / "cannot alter type of a column used by a view or
rule" (https://www.postgresql.org/docs/15/sql-dropview.html, https://www.postgresql.org/docs/15/sql-altertable.html:
"the column ... used by a view ... cannot be altered").

A master (YAML or Prisma) holds no catalog, so references are read from the definitions: a view's SELECT is
parsed with sqlglot and its ``exp.Table`` nodes (and the user functions it calls) are the names it reads; text
sqlglot cannot parse, and routine bodies (PL/pgSQL is not SQL sqlglot reads), fall back to every identifier and
``a.b`` pair of the text, which may name more than it reads (never less). Names are matched the way PostgreSQL
folds them (unquoted lower case, quoted exact); when nothing matches exactly, case-insensitively (SQLite folds
quoted names too) and then by the bare name of a schema-qualified one (``public.t`` is the model's ``t``). A
spurious match only adds an edge; a cycle (impossible between real views) falls back to the given order for
the objects on it, never an error.

The sort is :class:`graphlib.TopologicalSorter` (https://docs.python.org/3/library/graphlib.html), ties broken
by the given order so that output is stable.
"""

from __future__ import annotations

import functools
import graphlib
import heapq
import re
from collections.abc import Collection, Iterable, Mapping, Sequence

import sqlglot
from sqlglot import exp

from schemaguard.model.naming import key_name
from schemaguard.model.objects import DbObject, ObjectKind, referenced_names
from schemaguard.normalize import SQLGLOT_FAILURES

VIEW_KINDS = frozenset((ObjectKind.VIEW, ObjectKind.MATERIALIZED_VIEW))
"""Kinds whose creation reads the relations their definition names."""

ROUTINE_KINDS = frozenset((ObjectKind.FUNCTION, ObjectKind.PROCEDURE, ObjectKind.AGGREGATE))
"""Kinds a view may call; a routine may read views too."""

READER_KINDS = VIEW_KINDS | ROUTINE_KINDS
"""Kinds whose definitions are searched for the names they read."""

_PARSE_WITH = ("postgres", "sqlite")
"""sqlglot dialects tried in turn on a view's text (the master format's SQL is PostgreSQL's; SQLite's stored
``CREATE VIEW`` text may quote with brackets or backticks)."""

# A routine body that is a string literal (``AS $$...$$`` / ``AS '...'``) is not read at creation when
# check_function_bodies is off (https://www.postgresql.org/docs/15/runtime-config-client.html); a SQL-standard
# body (``BEGIN ATOMIC`` / ``RETURN``) is, so it must come after the views it names.
_BODY_LITERAL = re.compile(r"\bAS\s+(?:\$[A-Za-z_0-9]*\$|E?')", re.IGNORECASE)


def _ident(node: exp.Expression | str | None) -> str:
    """An identifier as the catalog spells it: quoted names exact, unquoted ones folded to lower case."""
    if node is None:
        return ""
    if isinstance(node, str):
        return node.lower()
    if isinstance(node, exp.Identifier):
        return str(node.this) if node.quoted else str(node.this).lower()
    return node.name.lower()


@functools.lru_cache(maxsize=4096)
def _parsed_refs(text: str) -> frozenset[str] | None:
    """Relations and user functions a SELECT (or ``CREATE VIEW ... AS SELECT``) names, or None if no dialect in
    :data:`_PARSE_WITH` parses it."""
    tree = _parse(text)
    if tree is not None:
        out: set[str] = set()
        ctes = {_ident(c.args.get("alias") and c.args["alias"].this) for c in tree.find_all(exp.CTE)}
        for t in tree.find_all(exp.Table):
            name = _ident(t.this) if isinstance(t.this, exp.Identifier) else t.name
            if not name:
                continue
            db = _ident(t.args.get("db"))
            if not db and name in ctes:
                continue  # a WITH query's name, not a relation
            out.add(f"{db}.{name}" if db else name)
        for f in tree.find_all(exp.Anonymous):
            # A quoted name arrives as an Identifier ("Dbl"), an unquoted one as text (folded like a relation's).
            name = _ident(f.this) if isinstance(f.this, exp.Identifier) else str(f.this).lower()
            if isinstance(f.parent, exp.Dot):  # schema.f(...)
                out.add(f"{_ident(f.parent.this)}.{name}")
            out.add(name)
        return frozenset(out)
    return None


@functools.lru_cache(maxsize=4096)
def _parse(text: str) -> exp.Expr | None:
    """``text`` parsed by the first dialect of :data:`_PARSE_WITH` that reads it, or None. Cached: the order, the
    references and the column readers of one view all read the same tree (never modified)."""
    for read in _PARSE_WITH:
        try:
            tree = sqlglot.parse_one(text, read=read)
        except SQLGLOT_FAILURES:
            continue
        if tree is not None:
            return tree
    return None


def references(o: DbObject) -> frozenset[str]:
    """Names ``o``'s definition reads: ``name`` or ``schema.name`` as the catalog spells them.

    Views and materialized views: the tables/views (``exp.Table``) and functions their SELECT names, parsed with
    sqlglot. Routines with a SQL-standard body (``BEGIN ATOMIC`` / ``RETURN``), and view text sqlglot cannot
    parse: every identifier and ``a.b`` pair of the text (a superset). Routines whose body is a string literal
    (``AS $$...$$``): those of the text before the body only (argument and result types), since PostgreSQL
    records no dependency on what such a body names.
    Other kinds and objects without a definition: none. Never raises on malformed text.
    """
    if not o.definition or o.kind not in READER_KINDS:
        return frozenset()
    return _refs(o.kind in VIEW_KINDS, o.definition)


@functools.lru_cache(maxsize=4096)
def _refs(view: bool, text: str) -> frozenset[str]:
    if view:
        parsed = _parsed_refs(text.strip().rstrip(";"))
        if parsed is not None:
            return parsed
    else:
        body = _BODY_LITERAL.search(text)
        if body is not None:
            # A string-literal body (PL/pgSQL, LANGUAGE sql ``AS $$...$$``) has no pg_depend edge on what it names
            # and is checked at run time only (https://www.postgresql.org/docs/15/sql-createfunction.html,
            # check_function_bodies): only the header (argument and result types, a table's row type) binds.
            text = text[: body.start()]
    return frozenset(referenced_names(text))


class Names:
    """Resolves referenced names to model keys.

    Args:
        keys: model keys (``t``, ``sales.v``, ``f(integer)``); a routine key is matched by its name before ``(``.
    """

    def __init__(self, keys: Iterable[str]) -> None:
        self._exact: dict[str, list[str]] = {}
        self._folded: dict[str, list[str]] = {}
        self._bare: dict[str, list[str]] = {}
        for key in keys:
            name = key.partition("(")[0] if "(" in key else key
            self._exact.setdefault(name, []).append(key)
            self._folded.setdefault(name.lower(), []).append(key)
            self._bare.setdefault(key_name(name).lower(), []).append(key)

    def resolve(self, ref: str) -> list[str]:
        """The keys ``ref`` may name: the exact match, else case-insensitive ones, else (for ``schema.name``
        naming no key) those whose bare name is ``name``; [] when none."""
        found = self._exact.get(ref) or self._folded.get(ref.lower())
        if found:
            return found
        if "." in ref:
            return self._bare.get(ref.rpartition(".")[2].lower(), [])
        return []


def _reads(o: DbObject, names: Names) -> set[str]:
    """Keys of the objects ``o`` must be created after (itself excluded)."""
    out: set[str] = set()
    for ref in references(o):
        out.update(names.resolve(ref))
    out.discard(o.name)
    return out


def _creation_needs(o: DbObject, names: Names) -> set[str]:
    """What ``o``'s CREATE needs to exist: everything a view reads; for a routine only what a SQL-standard body
    (not a string literal, which is not read at creation) names."""
    if o.kind in ROUTINE_KINDS and o.definition and _BODY_LITERAL.search(o.definition):
        return set()
    return _reads(o, names)


def dependency_order(objects: Iterable[DbObject]) -> list[DbObject]:
    """``objects`` ordered so that each comes after the ones among them its creation reads (views on views,
    views calling functions, SQL-standard function bodies reading views); otherwise in the given order.

    Args:
        objects: any objects; only views, materialized views and routines have dependencies here.

    Returns:
        The same objects, each once: a topological order (graphlib), ties in the given order. Objects on a
        cycle (only spurious edges make one) are placed depth-first in the given order instead. Never raises.
    """
    items = list(objects)
    names = Names(o.name for o in items)
    by_name: dict[str, list[int]] = {}
    for i, o in enumerate(items):
        by_name.setdefault(o.name, []).append(i)
    deps: dict[int, set[int]] = {}
    for i, o in enumerate(items):
        deps[i] = {j for key in _creation_needs(o, names) for j in by_name.get(key, ()) if j != i}
    sorter: graphlib.TopologicalSorter[int] = graphlib.TopologicalSorter(deps)
    try:
        sorter.prepare()
    except graphlib.CycleError:
        return [items[i] for i in _depth_first(deps, len(items))]
    # One at a time, the earliest given first, so the order follows the input wherever the edges allow.
    ready = list(sorter.get_ready())
    heapq.heapify(ready)
    out: list[int] = []
    while ready:
        first = heapq.heappop(ready)
        out.append(first)
        sorter.done(first)
        for i in sorter.get_ready():
            heapq.heappush(ready, i)
    return [items[i] for i in out]


def _depth_first(deps: Mapping[int, set[int]], n: int) -> list[int]:
    """Each node after its dependencies (visited in the given order), a back edge of a cycle ignored."""
    done: set[int] = set()
    out: list[int] = []

    def visit(i: int, stack: set[int]) -> None:
        if i in done or i in stack:
            return
        stack.add(i)
        for d in sorted(deps[i]):
            visit(d, stack)
        stack.discard(i)
        done.add(i)
        out.append(i)

    for i in range(n):
        visit(i, set())
    return out


def readers(
    targets: Iterable[str],
    objects: Sequence[DbObject],
    relations: Iterable[str] = (),
    columns: Collection[str] | None = None,
) -> list[DbObject]:
    """Every view and routine among ``objects`` that reads one of ``targets``, directly or through another
    reader (each once, in breadth-first order).

    Args:
        targets: model keys of what changes (a table, a view, a function ``f(integer)``).
        objects: the schema's objects.
        relations: the schema's other keys (its tables), so a reference resolves to the right one of two
            names that differ in case only.
        columns: when only these columns of the targets change (a column dropped or retyped), a view that
            reads the targets is kept out unless it may read one of them (:func:`view_reads_columns`):
            PostgreSQL records a view's dependencies per column and refuses the change only under a view that
            uses the column (https://www.postgresql.org/docs/15/sql-altertable.html, DROP COLUMN / ALTER
            COLUMN TYPE). None: the whole target changes.

    Returns:
        The readers, excluding the targets themselves.
    """
    reads = _reads_map(tuple(objects), tuple(relations))
    candidates = [o for o in objects if o.kind in READER_KINDS]
    wanted = set(targets)
    out: dict[tuple[str, str, str], DbObject] = {}
    frontier = set(wanted)
    first = columns is not None
    while frontier:
        nxt: set[str] = set()
        for o in candidates:
            if o.key not in out and o.name not in wanted and reads[o.key][0] & frontier:
                if first and columns is not None and not view_reads_columns(o, columns, frontier):
                    continue
                out[o.key] = o
                nxt.add(o.name)
        frontier, first = nxt, False
    return list(out.values())


def view_reads_columns(o: DbObject, columns: Collection[str], tables: Collection[str]) -> bool:
    """Whether ``o`` may read one of ``columns`` of ``tables`` (a superset: True unless shown otherwise).

    Only a view or materialized view whose text sqlglot parses can be shown not to: it must select no ``*``,
    name no table of the query as a whole-row value (``f(t)``), and name none of ``columns`` (compared
    case-insensitively). Routines and unparsable text: True. Never raises.
    """
    if o.kind not in VIEW_KINDS or not o.definition:
        return True
    return _view_reads(o.definition.strip().rstrip(";"), frozenset(c.lower() for c in columns), frozenset(tables))


@functools.lru_cache(maxsize=4096)
def _view_reads(text: str, columns: frozenset[str], tables: frozenset[str]) -> bool:
    tree = _parse(text)
    if tree is not None:
        if tree.find(exp.Star) is not None:
            return True
        rows = {t.lower().rpartition(".")[2] for t in tables}
        for t in tree.find_all(exp.Table):
            rows.add(t.name.lower())
            if t.alias:
                rows.add(t.alias.lower())
        for col in tree.find_all(exp.Column):
            name = col.name.lower()
            if name in columns or (not col.table and name in rows):
                return True
        return False
    return True


@functools.lru_cache(maxsize=16)
def _reads_map(
    objects: tuple[DbObject, ...], relations: tuple[str, ...]
) -> dict[tuple[str, str, str], tuple[frozenset[str], frozenset[str]]]:
    """``{key: (keys it reads, keys its creation needs)}`` for the readers among ``objects``: computed once per
    schema (the planner asks for every changed table and object)."""
    names = Names([*relations, *(o.name for o in objects)])
    return {
        o.key: (frozenset(_reads(o, names)), frozenset(_creation_needs(o, names)))
        for o in objects
        if o.kind in READER_KINDS
    }


def depth(o: DbObject, objects: Sequence[DbObject], relations: Iterable[str] = ()) -> int:
    """How many levels of views ``o``'s creation reads through: 0 when it names no view or materialized view of
    ``objects`` (or is a routine whose body is a string literal, not read at creation), else 1 + the depth of the
    deepest one it names (a cycle counts once)."""
    if o.kind not in READER_KINDS:
        return 0
    objs = tuple(objects)
    reads = _reads_map(objs, tuple(relations))
    views = {x.name: x for x in objs if x.kind in VIEW_KINDS}
    own = (reads if o in objs else _reads_map((o, *objs), tuple(relations)))[o.key]  # o may not be in objects

    def walk(needs: frozenset[str], seen: frozenset[str]) -> int:
        used = [views[k] for k in needs if k in views and k not in seen]
        return max((1 + walk(reads[v.key][1], seen | {v.name}) for v in used), default=0)

    return walk(own[1], frozenset({o.name}))


def called_functions(expression: str | None) -> frozenset[str]:
    """Functions a SQL expression (an index element or predicate, a check, a column default or generation
    expression) calls: ``name`` and, when qualified, ``schema.name``, spelled as the catalog does (unquoted names
    folded to lower case), read with the same sqlglot parse as :func:`references` (``exp.Anonymous`` calls). An
    expression sqlglot cannot parse gives every identifier of its text (a superset). Empty for None or "".
    Never raises. PostgreSQL records such calls in ``pg_depend`` (a DROP FUNCTION is refused while they exist:
    https://www.postgresql.org/docs/15/sql-dropfunction.html)."""
    if not expression:
        return frozenset()
    parsed = _parsed_refs(f"SELECT {expression}")
    return parsed if parsed is not None else frozenset(referenced_names(expression))
