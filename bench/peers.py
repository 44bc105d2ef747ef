"""The peer tools, run the way their users run them, as separate processes started by ``bench_diff.py``.

``python bench/peers.py alembic MASTER_URL TARGET_URL`` reflects a ``MetaData`` from the master database and
runs Alembic autogenerate's ``compare_metadata`` against the target (``compare_type`` and
``compare_server_default`` on, so it looks at what schemaguard looks at); it prints one JSON line per reported
difference: ``{"op": ..., "names": [identifiers it mentions]}``.

``python bench/peers.py reflect TARGET_URL`` only runs SQLAlchemy ``MetaData.reflect`` on the target and prints
the number of tables (the introspection cost every SQLAlchemy-based tool pays).

Both take psycopg 3 URLs (``postgresql+psycopg://``) or ``sqlite:///`` URLs.
"""

from __future__ import annotations

import json
import sys
from typing import Any


def _names(obj: Any) -> list[str]:
    """Identifiers an Alembic diff entry mentions: tables, columns, indexes, constraints."""
    import sqlalchemy as sa

    out: list[str] = []
    if isinstance(obj, sa.Table):
        out.append(obj.name)
    elif isinstance(obj, sa.Column):
        if obj.table is not None and hasattr(obj.table, "name"):
            out.append(obj.table.name)
        out.append(obj.name)
    elif isinstance(obj, sa.Index):
        if obj.table is not None:
            out.append(obj.table.name)
        if obj.name:
            out.append(str(obj.name))
    elif isinstance(obj, sa.Constraint):
        if obj.table is not None:
            out.append(obj.table.name)
        if obj.name:
            out.append(str(obj.name))
        if isinstance(obj, sa.ForeignKeyConstraint):
            out += [c.name for c in obj.columns]
    elif isinstance(obj, str):
        out.append(obj)
    elif isinstance(obj, list | tuple):
        for item in obj:
            out += _names(item)
    return out


def _entry(diff: Any) -> dict[str, Any]:
    # Top-level entries are tuples ("add_column", schema, table, Column); column modifications come as a list
    # of tuples ("modify_type", schema, table, column, kw, old, new).
    if isinstance(diff, list):
        names: list[str] = []
        ops = []
        for d in diff:
            ops.append(d[0])
            names += [x for x in d[1:4] if isinstance(x, str)]
        return {"op": "+".join(ops), "names": names}
    return {"op": diff[0], "names": _names(list(diff[1:]))}


def alembic(master_url: str, target_url: str) -> None:
    """Reflect the master, compare the target with Alembic autogenerate; print one JSON line per difference."""
    import sqlalchemy as sa
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    metadata = sa.MetaData()
    master = sa.create_engine(master_url)
    with master.connect() as conn:
        metadata.reflect(conn)
    master.dispose()
    target = sa.create_engine(target_url)
    with target.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
        diffs = compare_metadata(ctx, metadata)
    target.dispose()
    for d in diffs:
        print(json.dumps(_entry(d)))


def reflect(target_url: str) -> None:
    """Reflect the whole target with SQLAlchemy; print the number of tables."""
    import sqlalchemy as sa

    metadata = sa.MetaData()
    engine = sa.create_engine(target_url)
    with engine.connect() as conn:
        metadata.reflect(conn)
    engine.dispose()
    print(len(metadata.tables))


if __name__ == "__main__":
    if sys.argv[1] == "alembic":
        alembic(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "reflect":
        reflect(sys.argv[2])
    else:
        raise SystemExit(f"unknown peer {sys.argv[1]!r}; expected alembic or reflect")
