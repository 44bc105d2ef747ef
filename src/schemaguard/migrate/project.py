"""The migrations folder: a plain Alembic script directory that schemaguard creates and reads.

Layout (``migrations`` is the ``migrations`` key of the configuration)::

    alembic.ini               # written at the project root when absent: plain ``alembic upgrade head`` works
    migrations/
      env.py                  # URL from -x url=..., sqlalchemy.url or DATABASE_URL; honours a passed connection
      script.py.mako          # the template of plain ``alembic revision`` (schemaguard writes its own revisions)
      schemaguard.sum         # integrity file (see integrity.py)
      versions/0001_initial.py ...

A project that names more than one dialect (``dialects = ["sqlite", "postgresql"]``, or targets whose URLs are
of different dialects) gets one such script directory per dialect, ``migrations/sqlite/`` and
``migrations/postgresql/``, written by one ``migrate generate`` with the same message and revision ids; every
command picks the directory of its target's dialect, and ``alembic.ini`` has a section per dialect
(``alembic -n sqlite upgrade head``). A folder that already holds revisions at ``migrations/`` itself keeps the
single-folder layout (move it to ``migrations/<dialect>/`` to adopt the per-dialect one).

Each revision file records the dialect it was generated for on its second line (``# Dialect: sqlite``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from schemaguard.migrate.errors import MigrationError, MigrationsConfigError

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory

    from schemaguard.config import Config

ENV_PY = '''"""Alembic environment written by schemaguard. Plain Alembic runs it: ``alembic upgrade head``.

The database URL comes from ``-x url=...``, else ``sqlalchemy.url`` in alembic.ini, else DATABASE_URL.
A caller may hand over an open connection in ``config.attributes["connection"]`` (schemaguard's replay does).

Each revision runs in its own transaction, together with its alembic_version update: a failing revision is rolled
back whole and the database stays at the revision before it. PostgreSQL has transactional DDL; for SQLite the
driver's own transaction handling (which commits DDL at once) is switched off and BEGIN is emitted explicitly, so
DDL, batch-mode table rebuilds and the version update commit or roll back together.
Source: https://docs.sqlalchemy.org/en/20/dialects/sqlite.html#serializable-isolation-savepoints-transactional-ddl
"""

import os

from alembic import context
from sqlalchemy import create_engine, event, pool

config = context.config


def _url():
    url = (
        context.get_x_argument(as_dictionary=True).get("url")
        or config.get_main_option("sqlalchemy.url")
        or os.environ.get("DATABASE_URL")
    )
    if not url:
        raise SystemExit("no database URL: pass -x url=..., set sqlalchemy.url in alembic.ini, or set DATABASE_URL")
    scheme, sep, rest = url.partition("://")
    if scheme in ("postgres", "postgresql"):
        url = "postgresql+psycopg://" + rest
    return url


def run_migrations_offline():
    context.configure(
        url=_url(),
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        transaction_per_migration=True,
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _transactional_sqlite(engine):
    """Let SQLite run DDL inside transactions: pysqlite would otherwise autocommit every DDL statement."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN")


def run_migrations_online():
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(_url(), poolclass=pool.NullPool)
    if engine.dialect.name == "sqlite":
        _transactional_sqlite(engine)
    with engine.connect() as connection:
        context.configure(connection=connection, transaction_per_migration=True, transactional_ddl=True)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
'''

# For plain ``alembic revision`` only: ``schemaguard migrate generate`` writes its revisions itself (writer.py) and
# never renders this template. Text from the command line enters as repr() literals, never as template code or
# docstring text.
SCRIPT_TEMPLATE = """# An Alembic revision (template written by schemaguard).
# Revision ID: ${repr(up_revision)}, revises ${repr(down_revision)}, created ${repr(str(create_date))}
${repr(message or "")}
from alembic import op
import sqlalchemy as sa
${imports if imports else ""}
# revision identifiers, used by Alembic.
revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade():
    ${upgrades if upgrades else "pass"}


def downgrade():
    ${downgrades if downgrades else "pass"}
"""

ALEMBIC_INI = """# Written by schemaguard: `alembic upgrade head` runs the revisions in {folder}/.
# The database URL: `alembic -x url=postgresql://... upgrade head`, or sqlalchemy.url below, or DATABASE_URL.
[alembic]
script_location = %(here)s/{folder}
sqlalchemy.url =
{sections}
[loggers]
keys = root

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARNING
handlers = console

[handler_console]
class = StreamHandler
args = (sys.stderr,)
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
"""

# ``# Dialect: NAME`` (line 2 of a revision schemaguard writes) or ``Dialect: NAME`` (docstrings of older revisions).
_DIALECT_RE = re.compile(r"^(?:# )?Dialect:\s*(\w+)\s*$", re.M)


ALEMBIC_INI_SECTION = """
# `alembic -n {name} upgrade head` runs the {name} revisions.
[{name}]
script_location = %(here)s/{folder}
sqlalchemy.url =
"""


class DialectMismatch(MigrationsConfigError):
    """No migrations folder of the project serves the requested dialect (exit 2)."""


def project_dialects(config: Config) -> list[str]:
    """The dialects the project names: the ``dialects`` key, else ``dialect`` followed by the dialects of the
    targets' URLs (a target whose URL cannot be resolved here, e.g. an unset variable, is left out).

    Returns:
        Canonical names, the primary (``dialect``) first, without repeats.

    Raises:
        ConfigError: ``dialects`` is not a list of known dialect names.
    """
    from schemaguard.config import expand_env
    from schemaguard.db import dialect_name
    from schemaguard.dialects import get_dialect
    from schemaguard.errors import ConfigError, SchemaGuardError

    listed = getattr(config, "dialects", None)
    if listed is None:
        listed = (config.model_extra or {}).get("dialects")
    if listed is not None:
        if not isinstance(listed, list) or not listed or not all(isinstance(n, str) for n in listed):
            raise ConfigError('dialects must be a list of dialect names, e.g. dialects = ["sqlite", "postgresql"]')
        names = [get_dialect(n).name for n in listed]
    else:
        names = [get_dialect(config.dialect).name]
        for name in sorted(config.targets):
            try:
                names.append(dialect_name(expand_env(config.targets[name].url, f"targets.{name}.url")))
            except SchemaGuardError:
                continue
    return list(dict.fromkeys(names))


@dataclass(frozen=True)
class MigrationsDir:
    """Where the revisions live.

    Attributes:
        root: the project root (the configuration file's directory).
        path: the migrations folder (an Alembic script directory).
        dialect_name: the dialect the folder is for in the per-dialect layout (``migrations/<dialect>/``);
            None in the single-folder layout (the dialect is the one its revisions record).
    """

    root: Path
    path: Path
    dialect_name: str | None = None

    @staticmethod
    def base(config: Config) -> tuple[Path, Path]:
        """(project root, the folder named by the ``migrations`` key, default ``migrations``)."""
        extra = config.model_extra or {}
        folder = Path(str(extra.get("migrations", "migrations")))
        root = Path(config.root).resolve()
        return root, folder if folder.is_absolute() else root / folder

    @classmethod
    def all_for(cls, config: Config) -> list[MigrationsDir]:
        """Every migrations folder of the project: one in the single-folder layout, else one per dialect (the
        primary dialect first).

        Raises:
            ConfigError: an invalid ``dialects`` key.
        """
        root, base = cls.base(config)
        dialects = project_dialects(config)
        if len(dialects) <= 1 or (base / "env.py").is_file():
            return [cls(root, base)]
        return [cls(root, base / name, name) for name in dialects]

    @classmethod
    def from_config(cls, config: Config, dialect: str | None = None, *, url: str | None = None) -> MigrationsDir:
        """The migrations folder for ``dialect`` (or for the dialect of ``url``; default the primary dialect).

        Raises:
            DialectMismatch: the project has no folder for that dialect (per-dialect layout: it is not among
                ``dialects``; single folder: its revisions were generated for another dialect).
            ConfigError: an unknown dialect name.
        """
        from schemaguard.db import dialect_name
        from schemaguard.dialects import get_dialect

        wanted = get_dialect(dialect).name if dialect else dialect_name(url) if url else None
        dirs = cls.all_for(config)
        if len(dirs) == 1 and dirs[0].dialect_name is None:
            single = dirs[0]
            recorded = single.dialect()
            if wanted and recorded and recorded != wanted:
                raise DialectMismatch(
                    f"the revisions in {single.path} are for {recorded}, not {wanted}: name both dialects in "
                    f'schemaguard.toml (dialects = ["{recorded}", "{wanted}"]) and move them to '
                    f"{single.path / recorded} to get one migrations folder per dialect"
                )
            return single
        if wanted is None:
            return dirs[0]
        for d in dirs:
            if d.dialect_name == wanted:
                return d
        names = ", ".join(d.dialect_name or "" for d in dirs)
        raise DialectMismatch(
            f"no migrations folder for {wanted}: this project's revisions are for {names} "
            f"(add {wanted} to `dialects` in schemaguard.toml and run `schemaguard migrate generate`)"
        )

    @property
    def versions(self) -> Path:
        return self.path / "versions"

    @property
    def sum_file(self) -> Path:
        return self.path / "schemaguard.sum"

    @property
    def exists(self) -> bool:
        return (self.path / "env.py").is_file() and self.versions.is_dir()

    def init(self) -> list[Path]:
        """Create the folder (env.py, template, versions/).

        Returns:
            The files written (existing files are never overwritten).
        """
        written: list[Path] = []
        self.versions.mkdir(parents=True, exist_ok=True)
        for name, text in (("env.py", ENV_PY), ("script.py.mako", SCRIPT_TEMPLATE)):
            f = self.path / name
            if not f.exists():
                f.write_text(text, encoding="utf-8")
                written.append(f)
        return written

    def _folder(self) -> str:
        try:
            return self.path.relative_to(self.root).as_posix()
        except ValueError:
            return self.path.as_posix()

    @staticmethod
    def write_alembic_ini(dirs: list[MigrationsDir]) -> list[Path]:
        """Write ``alembic.ini`` at the project root when absent: ``[alembic]`` runs the first folder, and in the
        per-dialect layout one ``[<dialect>]`` section per folder (``alembic -n sqlite upgrade head``). An existing
        file is never touched (``schemaguard.sum`` covers it).

        Returns:
            The file, when written.
        """
        first = dirs[0]
        ini = first.root / "alembic.ini"
        if ini.exists():
            return []
        # ConfigParser interpolates %(...)s: a literal % in a folder name is doubled.
        body = "".join(
            ALEMBIC_INI_SECTION.format(name=d.dialect_name, folder=d._folder().replace("%", "%%"))
            for d in dirs
            if d.dialect_name
        )
        ini.write_text(ALEMBIC_INI.format(folder=first._folder().replace("%", "%%"), sections=body), encoding="utf-8")
        return [ini]

    def require(self) -> None:
        """Raises:
        MigrationError: the folder has not been created by ``migrate generate`` yet."""
        if not self.exists:
            raise MigrationError(
                f'no migrations folder at {self.path}: run `schemaguard migrate generate -m "initial"` first'
            )

    def alembic_config(self, url: str | None = None, *, output: Any = None, connection: Any = None) -> AlembicConfig:
        """An Alembic Config for this folder (no ini file needed).

        Args:
            url: the database URL (``sqlalchemy.url``), normalised for SQLAlchemy.
            output: a text buffer for ``--sql`` output and messages (default stdout).
            connection: an open SQLAlchemy connection env.py should use instead of opening one.
        """
        from alembic.config import Config as AlembicConfig

        from schemaguard.db import sqlalchemy_url

        kw: dict[str, Any] = {}
        if output is not None:
            kw["output_buffer"] = output
            kw["stdout"] = output
        cfg = AlembicConfig(**kw)
        cfg.set_main_option("script_location", str(self.path))
        if url:
            cfg.set_main_option("sqlalchemy.url", sqlalchemy_url(url).replace("%", "%%"))
        if connection is not None:
            cfg.attributes["connection"] = connection
        return cfg

    def script(self) -> ScriptDirectory:
        """Alembic's ScriptDirectory for the folder."""
        from alembic.script import ScriptDirectory

        return ScriptDirectory(str(self.path))

    def revision_files(self) -> list[Path]:
        """The revision files (``versions/*.py``), sorted by name."""
        if not self.versions.is_dir():
            return []
        return sorted(p for p in self.versions.glob("*.py") if p.is_file())

    def dialect(self) -> str | None:
        """The dialect the existing revisions were generated for, or None (no revisions / none recorded)."""
        for f in self.revision_files():
            m = _DIALECT_RE.search(f.read_text(encoding="utf-8"))
            if m:
                return m.group(1)
        return None
