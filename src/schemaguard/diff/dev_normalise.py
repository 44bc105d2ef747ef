"""Normalising a master's object definitions through a development database, as Atlas does with its dev URL.

A hand-written view, function or trigger is SQL in the author's words; the database keeps its own
(``pg_get_viewdef``...). When ``dev_url`` is configured, the master is rendered into a scratch database created
there (and dropped afterwards), read back, and every object of the master takes the definition and attributes the
server gave it, so both sides of a diff are compared in the server's words. Only objects change: tables and enums
stay as the master says. The target database is never written; the scratch database is.

Source: https://atlasgo.io/concepts/dev-database
"""

from __future__ import annotations

from dataclasses import replace

from schemaguard.dialects.base import Dialect
from schemaguard.errors import SchemaError
from schemaguard.model import Schema


def normalise_objects(schema: Schema, dialect: Dialect, dev_url: str) -> Schema:
    """``schema`` with each object's definition and attributes as the server deparses them.

    Args:
        schema: a master (the desired side of a diff).
        dialect: the dialect compared in (a server dialect: PostgreSQL).
        dev_url: a server where a scratch database may be created (``dev_url`` in the configuration).

    Returns:
        A copy whose objects are the scratch database's (matched by key; an object the scratch database does not
        list keeps the master's form, so it still shows in the diff).

    Raises:
        SchemaError: the master's rendering does not apply on the development server (names the reason).
        ConnectionFailed: the server cannot be reached or refuses CREATE DATABASE.
    """
    import sqlalchemy as sa

    from schemaguard.db import connect
    from schemaguard.migrate.replay import scratch_database

    statements = dialect.render(schema)
    with scratch_database(dialect, dev_url) as scratch:
        assert scratch.url is not None
        try:
            with connect(scratch.url, read_only=False) as conn:
                for statement in statements:
                    conn.exec_driver_sql(statement)  # no parameters: the text goes to the server as is
                conn.commit()
        except sa.exc.DBAPIError as exc:
            reason = str(exc.orig if exc.orig is not None else exc).strip().splitlines()
            raise SchemaError(
                f"the master does not apply on dev_url, so its objects cannot be normalised: {reason[0] if reason else exc}",
                schema.source,
            ) from None
        inspected = scratch.inspect()
    server = {o.key: o for o in inspected.objects}
    objects = tuple(replace(server[o.key], loc=o.loc) if o.key in server else o for o in schema.objects)
    return replace(schema, objects=objects)
