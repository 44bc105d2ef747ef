"""Replay the revisions into a scratch database and read back the schema they produce.

SQLite replays into an in-memory database (one connection handed to env.py). PostgreSQL replays into a
temporary database created on a development server (``--dev-url`` or ``dev_url`` in the configuration) and
dropped afterwards — the role of Atlas's dev database and Prisma's shadow database.
Sources: https://atlasgo.io/concepts/dev-database, https://www.prisma.io/docs/orm/prisma-migrate/understanding-prisma-migrate/shadow-database
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from schemaguard.migrate.errors import MigrationError, MigrationsConfigError

if TYPE_CHECKING:
    import sqlalchemy as sa

    from schemaguard.config import Config
    from schemaguard.dialects.base import Dialect
    from schemaguard.migrate.project import MigrationsDir
    from schemaguard.model import Schema


@dataclass
class Scratch:
    """A scratch database: an open connection (SQLite in memory) or the URL of a temporary PostgreSQL database.

    Attributes:
        dialect: the dialect.
        url: the database URL (None for the in-memory SQLite database).
        connection: the open connection env.py must reuse (SQLite in memory), else None.
    """

    dialect: Dialect
    url: str | None
    connection: sa.Connection | None

    def upgrade(self, mdir: MigrationsDir, revision: str = "head") -> None:
        """Run ``alembic upgrade REVISION`` on the scratch database.

        Raises:
            MigrationError: a revision failed (the message names the error).
        """
        run_alembic(mdir, "upgrade", revision, url=self.url, connection=self.connection)

    def inspect(self, config: Config | None = None) -> Schema:
        """The scratch database's schema, bookkeeping tables (``alembic_version``) left out."""
        from dataclasses import replace

        from schemaguard.db import connect

        if self.connection is not None:
            schema = self.dialect.inspect(self.connection)
        else:
            assert self.url is not None
            with connect(self.url, read_only=True) as conn:
                schema = self.dialect.inspect(conn)
        if config is not None:
            from schemaguard.api import filter_ignored

            schema, _ = filter_ignored(schema, config)
        else:
            schema = replace(schema, tables=tuple(t for t in schema.tables if t.name != "alembic_version"))
        return replace(schema, source="replayed revisions")


def run_alembic(
    mdir: MigrationsDir,
    command: str,
    revision: str,
    *,
    url: str | None = None,
    connection: Any = None,
    sql: bool = False,
    output: Any = None,
) -> None:
    """Run an Alembic command (``upgrade``/``downgrade``) on the folder.

    Raises:
        MigrationError: Alembic refused (unknown revision, several heads) or a statement failed.
    """
    import sqlalchemy as sa
    from alembic import command as alembic_command
    from alembic.util.exc import CommandError

    from schemaguard.db import mask

    cfg = mdir.alembic_config(url, connection=connection, output=output)
    try:
        getattr(alembic_command, command)(cfg, revision, sql=sql)
    except CommandError as exc:
        raise MigrationError(f"alembic {command} {revision}: {mask(str(exc))}") from None
    except sa.exc.DBAPIError as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        raise MigrationError(f"alembic {command} {revision} failed: {mask(reason)}") from None


def require_scratch(dialect: Dialect, dev_url: str | None) -> None:
    """Raises:
    MigrationError: the dialect replays on a server (PostgreSQL) and no dev URL is given (exit 2)."""
    if dialect.scratch_url is None and dev_url is None:
        raise MigrationsConfigError(
            f"replaying {dialect.name} revisions needs a scratch server: pass --dev-url postgresql://user@host/db "
            "or set dev_url in schemaguard.toml (a database is created there and dropped afterwards)"
        )


@contextmanager
def scratch_database(dialect: Dialect, dev_url: str | None = None) -> Iterator[Scratch]:
    """A fresh, empty scratch database for ``dialect``, removed on exit.

    Args:
        dialect: sqlite → in memory; postgresql → a temporary database on ``dev_url``'s server.
        dev_url: a PostgreSQL server URL where the user may CREATE DATABASE (any database name in it).

    Raises:
        MigrationError: PostgreSQL without a dev URL.
        ConnectionFailed: the dev server cannot be reached.
    """
    import sqlalchemy as sa
    from sqlalchemy.pool import StaticPool

    require_scratch(dialect, dev_url)
    if dialect.scratch_url is not None:
        engine = sa.create_engine(dialect.scratch_url, poolclass=StaticPool)
        conn = engine.connect()
        try:
            yield Scratch(dialect, None, conn)
        finally:
            conn.close()
            engine.dispose()
        return
    assert dev_url is not None
    url = _create_database(dev_url)
    try:
        yield Scratch(dialect, url, None)
    finally:
        _drop_database(dev_url, url.rsplit("/", 1)[1])


def _admin_engine(dev_url: str) -> sa.Engine:
    import sqlalchemy as sa
    from sqlalchemy.pool import NullPool

    from schemaguard.db import sqlalchemy_url

    return sa.create_engine(sqlalchemy_url(dev_url), poolclass=NullPool, isolation_level="AUTOCOMMIT")


def _create_database(dev_url: str) -> str:
    import sqlalchemy as sa

    from schemaguard.db import mask_url
    from schemaguard.errors import ConnectionFailed

    name = f"sg_scratch_{uuid.uuid4().hex[:12]}"
    engine = _admin_engine(dev_url)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.DBAPIError as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        raise ConnectionFailed(f"cannot create a scratch database on {mask_url(dev_url)}: {reason}") from None
    finally:
        engine.dispose()
    base = dev_url.split("?", 1)[0].rsplit("/", 1)[0]
    return f"{base}/{name}"


def _drop_database(dev_url: str, name: str) -> None:
    import sqlalchemy as sa

    engine = _admin_engine(dev_url)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


def replay_state(
    mdir: MigrationsDir,
    dialect: Dialect,
    config: Config | None = None,
    dev_url: str | None = None,
    revision: str = "head",
) -> Schema:
    """The schema that running every revision up to ``revision`` on an empty database produces.

    Raises:
        MigrationError: a revision fails, or PostgreSQL without a dev URL.
    """
    if not mdir.revision_files():
        from schemaguard.model import Schema

        return Schema(source="no revisions")
    with scratch_database(dialect, dev_url) as scratch:
        scratch.upgrade(mdir, revision)
        return scratch.inspect(config)
