"""Loaders: schema files (YAML master, Prisma, JSON model, SQL DDL) into the model."""

from __future__ import annotations

from pathlib import Path

from schemaguard.errors import SchemaError
from schemaguard.model import Schema

SCHEMA_SUFFIXES = (".yaml", ".yml", ".json", ".prisma", ".sql")


def load_schema_file(
    path: str | Path,
    text: str | None = None,
    *,
    label: str | None = None,
    locations: bool = True,
    dev_url: str | None = None,
) -> Schema:
    """Load a schema file, choosing the loader by suffix.

    Args:
        path: ``.yaml``/``.yml`` (YAML master), ``.prisma`` (Prisma schema) or a folder of them (Prisma's
            multi-file schema), ``.json`` (the model's JSON form as
            written by ``inspect --format json``) or ``.sql`` (DDL, applied to an in-memory SQLite database and
            introspected).
        text: the content, if already read (``path`` then only selects the loader and labels errors).
        label: the name used in errors and reports (default: ``path``).
        locations: set source locations on the model objects. False lets a YAML master take the fast parser
            (:func:`~schemaguard.loaders.yaml_master.load_yaml_master`); errors are located either way.
        dev_url: a PostgreSQL server for a ``.sql`` master holding PostgreSQL DDL
            (:func:`~schemaguard.loaders.sql_file.load_sql_file`).

    Raises:
        SchemaError: unknown suffix, unreadable or invalid file (with file:line:col where known).
    """
    p = Path(path)
    name = label or str(path)
    suffix = p.suffix.lower()
    if text is None and p.is_dir():
        # A folder is a Prisma multi-file schema (prismaSchemaFolder): every .prisma file under it, as Prisma reads it.
        from schemaguard.prisma.loader import load_prisma

        return load_prisma(p)
    if text is None:
        try:
            text = p.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise SchemaError("schema file not found", name) from None
        except OSError as exc:
            raise SchemaError(f"cannot read schema file: {exc.strerror}", name) from None
        except UnicodeDecodeError:
            raise SchemaError("schema file is not UTF-8 text", name) from None
    if suffix in (".yaml", ".yml"):
        from schemaguard.loaders.cache import cached_load
        from schemaguard.loaders.yaml_master import load_yaml_master

        source = text
        kind = "yaml" if locations else "yaml-unlocated"
        return cached_load(kind, name, source, lambda: load_yaml_master(name, source, locations=locations))
    if suffix == ".prisma":
        from schemaguard.prisma.loader import load_prisma

        return load_prisma(name, text)
    if suffix == ".json":
        from schemaguard.loaders.json_model import load_json_model

        return load_json_model(name, text)
    if suffix == ".sql":
        from schemaguard.loaders.sql_file import load_sql_file

        return load_sql_file(name, text, dev_url=dev_url)
    raise SchemaError(
        f"unknown schema file type {suffix or '(none)'!r}; expected one of {', '.join(SCHEMA_SUFFIXES)}", name
    )
