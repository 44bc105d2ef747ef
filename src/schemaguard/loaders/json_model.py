"""Loader for the model's own JSON form (``schemaguard inspect --format json``)."""

from __future__ import annotations

import json
from typing import Any

from schemaguard.errors import SchemaError
from schemaguard.model import Schema, TypeSpecError
from schemaguard.model.serialize import schema_from_dict
from schemaguard.model.validate import check_consistency


def load_json_model(path: str, text: str) -> Schema:
    """Parse the JSON written by ``inspect --format json`` (``{"tables": [...], "enums": [...]}``).

    Raises:
        SchemaError: invalid JSON (with line and column), a wrong shape, or an inconsistent schema.
    """
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SchemaError(f"invalid JSON: {exc.msg}", path, exc.lineno, exc.colno) from None
    if isinstance(data, dict) and "schema" in data and "tables" not in data:
        data = data["schema"]
    if not isinstance(data, dict):
        raise SchemaError('expected an object {"tables": [...], "enums": [...]}', path, 1, 1)
    try:
        schema = schema_from_dict(data, source=path)
    except TypeSpecError as exc:
        raise SchemaError(str(exc), path) from None
    except (KeyError, TypeError, ValueError) as exc:
        raise SchemaError(f"not a schemaguard model document: {exc!r}", path) from None
    problems = check_consistency(schema)
    if problems:
        raise SchemaError(problems[0].message, path)
    return schema
