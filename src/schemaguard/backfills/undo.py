"""The undo record of backfill runs: the prior values of every row a run changed, for an exact rollback.

One undo table per backfilled table, ``schemaguard_undo_<table>``, with the table's primary-key column and the
columns the backfill writes there, *in their own types* (so a value comes back exactly as it was: an enum stays
an enum, a boolean a boolean), plus four bookkeeping columns:

* ``_sg_id``: insertion order (the rollback walks it backwards);
* ``_sg_run``: the ledger run that made the change;
* ``_sg_key``: the update (``step.N``) that made it; only that update's columns are meaningful in the row;
* ``_sg_op``: ``update`` (restore the values) or ``insert`` (the run created the row: delete it).

The runner writes the undo rows of a batch in the batch's own transaction, before its UPDATE, from the very rows
the UPDATE then changes (``INSERT ... SELECT ... FOR UPDATE``), so the record and the change commit or vanish
together. :func:`rollback_statements` turns the rows into plain UPDATE/DELETE statements with the values inlined
when printed; ``backfill NAME --rollback`` executes the same statements.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from copy import copy
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from schemaguard.backfills.spec import Backfill, BackfillError, Tables

UNDO_PREFIX = "schemaguard_undo_"
META = ("_sg_id", "_sg_run", "_sg_key", "_sg_op")
IN_LIST = 500
"""Keys per ``WHERE key IN (...)`` of a rollback statement."""


def undo_table_name(table: str) -> str:
    """``schemaguard_undo_<table>``, shortened with a hash suffix to stay within PostgreSQL's 63-byte names."""
    name = UNDO_PREFIX + table
    if len(name.encode()) <= 63:
        return name
    return UNDO_PREFIX + table[:30] + "_" + hashlib.sha256(table.encode()).hexdigest()[:12]


def written_columns(backfill: Backfill, tables: Tables) -> dict[str, list[str]]:
    """Table name -> the columns any update of ``backfill`` writes there (first-write order); a table that
    only receives inserts maps to ``[]`` (its undo rows hold just the inserted keys)."""
    from schemaguard.backfills.runner import insert_keys, update_keys

    out: dict[str, list[str]] = {}
    for _, _, insert in insert_keys(backfill):
        out.setdefault(insert.table, [])
    for _, _, update in update_keys(backfill):
        cols = out.setdefault(update.table, [])
        cols += [c for c in update.values(tables) if c not in cols]
    return out


def recorded_columns(backfill: Backfill, tables: Tables) -> dict[str, list[str]]:
    """Insert or update key -> the columns its undo rows hold (``[]`` for an insert): stored with each run in the
    ledger, so a rollback restores exactly those even after the backfill's code changed."""
    from schemaguard.backfills.runner import insert_keys, update_keys

    out: dict[str, list[str]] = {key: list(u.values(tables)) for key, _, u in update_keys(backfill)}
    out |= {key: [] for key, _, _ in insert_keys(backfill)}
    return out


def undo_table(source: sa.Table, columns: Sequence[str], metadata: sa.MetaData | None = None) -> sa.Table:
    """The undo Table of ``source`` holding ``columns`` (plus its primary key), types copied from ``source``.

    Raises:
        BackfillError: a column of ``source`` is named like a bookkeeping column (``_sg_*``).
    """
    md = metadata if metadata is not None else sa.MetaData(schema=source.schema)
    pk = next(iter(source.primary_key.columns))
    names = [pk.name, *(c for c in columns if c != pk.name)]
    clash = [n for n in names if n in META]
    if clash:
        raise BackfillError(f"table {source.name} has column(s) {', '.join(clash)}, reserved by the undo table")
    return sa.Table(
        undo_table_name(source.name),
        md,
        sa.Column("_sg_id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("_sg_run", sa.Integer, nullable=False, index=True),
        sa.Column("_sg_key", sa.String(200), nullable=False),
        sa.Column("_sg_op", sa.String(10), nullable=False),
        *(sa.Column(n, _own_type(source.c[n].type), nullable=True) for n in names),
    )


def _own_type(t: sa.types.TypeEngine[Any]) -> sa.types.TypeEngine[Any]:
    # A PostgreSQL enum already exists: the undo column reuses it, it must never try to CREATE TYPE again.
    if hasattr(t, "create_type"):
        t = copy(t)
        t.create_type = False  # type: ignore[attr-defined]
    return t


def ensure_undo_tables(conn: sa.Connection, backfill: Backfill, tables: Tables) -> dict[str, sa.Table]:
    """Create (or extend with newly written columns) the undo tables of ``backfill``; call in a transaction.

    Returns:
        backfilled table name -> its undo Table.
    """
    insp = sa.inspect(conn)
    out: dict[str, sa.Table] = {}
    for name, cols in written_columns(backfill, tables).items():
        source = tables[name]
        undo = undo_table(source, cols)
        if not insp.has_table(undo.name, schema=source.schema):
            undo.create(conn)
        else:
            have = {c["name"] for c in insp.get_columns(undo.name, schema=source.schema)}
            for col in undo.columns:
                if col.name not in have:
                    ddl = sa.schema.CreateColumn(col).compile(dialect=conn.dialect)
                    conn.execute(sa.text(f"ALTER TABLE {_quoted(conn, undo)} ADD COLUMN {ddl}"))
        out[name] = undo
    return out


def _quoted(conn: sa.Connection, table: sa.Table) -> str:
    prep = conn.dialect.identifier_preparer
    return prep.format_table(table)


def existing_undo_tables(conn: sa.Connection, backfill: Backfill, tables: Tables) -> dict[str, sa.Table]:
    """The undo tables of the tables ``backfill`` writes that exist, reflected (so columns that earlier versions
    of the backfill recorded are there too)."""
    insp = sa.inspect(conn)
    out: dict[str, sa.Table] = {}
    md = sa.MetaData()
    for name in written_columns(backfill, tables):
        source = tables[name]
        undo_name = undo_table_name(name)
        if insp.has_table(undo_name, schema=source.schema):
            out[name] = sa.Table(undo_name, md, schema=source.schema, autoload_with=conn)
    return out


@dataclass(frozen=True)
class UndoGroup:
    """The undo rows of one run and update: what to restore in ``table``."""

    run_id: int
    key: str
    table: str
    op: str
    columns: tuple[str, ...]
    rows: int


def rollback_statements(
    conn: sa.Connection,
    backfill: Backfill,
    tables: Tables,
    run_ids: Sequence[int],
    recorded: Mapping[int, Mapping[str, list[str]] | None] | None = None,
) -> Iterator[tuple[UndoGroup, list[sa.sql.dml.UpdateBase]]]:
    """The statements restoring the state before runs ``run_ids`` (pass them newest first), grouped per run and
    update, newest update first. Rows with the same prior values share one ``UPDATE ... WHERE key IN (...)``.

    ``recorded`` gives per run the columns each key recorded (the ledger's ``undo_columns``); runs without it
    (none recorded) use the backfill's current declaration.

    Yields:
        (group, statements) pairs; the statements are SQLAlchemy UPDATE/DELETE objects with bound values.

    Raises:
        BackfillError: undo rows of a key neither recorded nor declared any more (its code changed since).
    """
    from schemaguard.backfills.runner import execution_order

    order = execution_order(backfill)
    declared = recorded_columns(backfill, tables)
    undo = existing_undo_tables(conn, backfill, tables)
    for run_id in run_ids:
        specs = dict((recorded or {}).get(run_id) or declared)
        present: list[tuple[str, str, str]] = []
        for name, u in undo.items():
            q = sa.select(u.c._sg_key, u.c._sg_op).where(u.c._sg_run == run_id).distinct()
            present += [(name, r[0], r[1]) for r in conn.execute(q)]
        unknown = sorted({k for _, k, _ in present if k not in specs})
        if unknown:
            raise BackfillError(
                f"run #{run_id} recorded changes of update(s) {', '.join(unknown)} that backfill {backfill.name!r} "
                "no longer declares: its code changed since; restore with the version that ran"
            )
        rank = {key: i for i, key in enumerate([*order, *(k for k in specs if k not in order)])}
        present.sort(key=lambda p: (-rank[p[1]], p[2]))
        for name, key, op in present:
            yield _group(conn, tables[name], undo[name], run_id, key, op, specs[key])


def _group(
    conn: sa.Connection, source: sa.Table, undo: sa.Table, run_id: int, key: str, op: str, columns: list[str]
) -> tuple[UndoGroup, list[sa.sql.dml.UpdateBase]]:
    pk = next(iter(source.primary_key.columns))
    cols = [c for c in columns if c != pk.name]
    rows = conn.execute(
        sa.select(undo.c[pk.name], *(undo.c[c] for c in cols))
        .where(undo.c._sg_run == run_id, undo.c._sg_key == key, undo.c._sg_op == op)
        .order_by(undo.c._sg_id.desc())
    ).all()
    stmts: list[sa.sql.dml.UpdateBase] = []
    if op == "insert":
        keys = [r[0] for r in rows]
        stmts += [sa.delete(source).where(pk.in_(chunk)) for chunk in _chunks(keys)]
    else:
        by_prior: dict[tuple[Any, ...], list[Any]] = {}
        for r in rows:
            by_prior.setdefault(tuple(r[1:]), []).append(r[0])
        for prior, keys in by_prior.items():
            values = dict(zip(cols, prior, strict=True))
            stmts += [sa.update(source).where(pk.in_(chunk)).values(values) for chunk in _chunks(sorted(keys))]
    return UndoGroup(run_id, key, source.name, op, tuple(cols), len(rows)), stmts


def _chunks(keys: list[Any]) -> Iterable[list[Any]]:
    for i in range(0, len(keys), IN_LIST):
        yield keys[i : i + IN_LIST]


def forget_runs(conn: sa.Connection, backfill: Backfill, tables: Tables, run_ids: Sequence[int]) -> None:
    """Delete the undo rows of ``run_ids`` (after their rollback, in the same transaction)."""
    for u in existing_undo_tables(conn, backfill, tables).values():
        conn.execute(sa.delete(u).where(u.c._sg_run.in_(list(run_ids))))


def runs_with_undo(conn: sa.Connection, backfill: Backfill, tables: Tables) -> dict[int, int]:
    """Run id -> undo rows recorded, for every run of ``backfill`` that still has undo rows."""
    out: dict[int, int] = {}
    for u in existing_undo_tables(conn, backfill, tables).values():
        for run_id, n in conn.execute(sa.select(u.c._sg_run, sa.func.count()).group_by(u.c._sg_run)):
            out[int(run_id)] = out.get(int(run_id), 0) + int(n)
    return out
