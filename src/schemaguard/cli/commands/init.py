"""``schemaguard init``: start a project in a folder: ``schemaguard.toml`` and a master schema (inspected from
a database with ``--from-url``, else a commented example), then say what to run next. Never overwrites."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from schemaguard.cli.commands.options import DialectName
from schemaguard.cli.context import STATE

MASTER = "schemas/master.yaml"

EXAMPLE_MASTER = """\
# The master schema: the one source of truth for the database (see docs/master-format.md).
# `schemaguard validate` checks it against the house rules, `schemaguard render` prints its DDL,
# `schemaguard diff --url URL` compares a live database with it.
version: 1

enums:
  AccountStatus: [active, paused, closed]

tables:
  account:
    comment: One customer account
    columns:
      id:         {type: bigint, primary_key: true, autoincrement: true}
      email:      {type: "varchar(255)", nullable: false}
      status:     {type: enum(AccountStatus), nullable: false, default: active}
      created_at: {type: timestamp, nullable: false, default: {sql: CURRENT_TIMESTAMP}}
      updated_at: {type: timestamp, nullable: false}   # set by the application on every write
    indexes:
      - {columns: [email], unique: true}
"""


def init(
    from_url: Annotated[
        str | None, typer.Option("--from-url", help="Write the master by inspecting this database (read-only).")
    ] = None,
    dialect: Annotated[
        DialectName | None,
        typer.Option("--dialect", "-d", help="Default dialect (default: the database's, else postgresql)."),
    ] = None,
    directory: Annotated[Path, typer.Argument(help="The project folder (default: the current one).")] = Path("."),
) -> int:
    """Create schemaguard.toml and a master schema (from --from-url by inspection, or a commented example) in
    an empty project; refuses to overwrite either file."""
    from schemaguard.errors import ConfigError

    config_path = directory / "schemaguard.toml"
    master_path = directory / MASTER
    existing = [str(p) for p in (config_path, master_path) if p.exists()]
    if existing:
        raise ConfigError(f"{' and '.join(existing)} already exist(s): init never overwrites; edit them instead")
    if not directory.is_dir():
        raise ConfigError(f"{directory} is not a folder")
    # Everything is built before anything is written: a failed inspection leaves the folder as it was.
    config_text, master_text, tables = _contents(from_url, dialect.value if dialect else None)
    master_path.parent.mkdir(parents=True, exist_ok=True)
    master_path.write_text(master_text, encoding="utf-8")
    config_path.write_text(config_text, encoding="utf-8")
    err = STATE.err_console()
    source = f"{tables} table(s) inspected" if from_url else "a commented example"
    err.print(f"wrote {config_path} and {master_path} ({source})", highlight=False, markup=False)
    steps = ["schemaguard validate            # the master against the house rules"]
    if from_url:
        steps.append("schemaguard diff --target dev     # no drift yet: the master is the database as it is")
    else:
        steps.append("schemaguard render              # its DDL; edit the master, then")
        steps.append("schemaguard diff --url URL      # compare a database with it")
    steps.append('schemaguard migrate generate -m "initial"   # the first revision')
    err.print("next:\n  " + "\n  ".join(steps), highlight=False, markup=False)
    return 0


def _contents(from_url: str | None, dialect: str | None) -> tuple[str, str, int]:
    """(configuration text, master text, tables inspected)."""
    from schemaguard.db import dialect_name, mask_url, split_url

    if from_url is None:
        return _config(dialect or "postgresql", None), EXAMPLE_MASTER, 0
    from schemaguard import api
    from schemaguard.loaders.yaml_master import dump_yaml_master

    url_dialect = dialect_name(from_url)
    schema = api.inspect_url(from_url)
    header = f"# Inspected from {mask_url(from_url)} by `schemaguard init`: the master is now the source of truth.\n"
    parts = split_url(from_url)
    # A password never goes into a file that is committed: the target then reads DATABASE_URL.
    target = "${DATABASE_URL}" if parts is not None and parts[2] else from_url
    return _config(dialect or url_dialect, target), header + dump_yaml_master(schema), len(schema.tables)


def _config(dialect: str, target_url: str | None) -> str:
    lines = [
        "# schemaguard configuration (README: Configuration). Paths are relative to this file.",
        f"master = {_toml(MASTER)}",
        f"dialect = {_toml(dialect)}",
    ]
    if target_url is not None:
        lines += ['default_target = "dev"', "", "[targets.dev]", f"url = {_toml(target_url)}"]
    else:
        lines += ["", "# [targets.dev]", '# url = "postgresql://user@localhost:5432/app"   # or "${DATABASE_URL}"']
    return "\n".join(lines) + "\n"


def _toml(value: str) -> str:
    # A TOML basic string: JSON's escaping is valid TOML (backslash, quote and control characters).
    import json

    return json.dumps(value, ensure_ascii=False)


def register(app: typer.Typer) -> None:
    """Add ``init`` to the app."""
    app.command("init")(init)
