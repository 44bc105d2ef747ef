"""Loader for the model's own JSON form (``schemaguard inspect --format json``)."""

from __future__ import annotations

import json
import re
from typing import Any

from schemaguard.errors import SchemaError
from schemaguard.model import Schema, TypeSpecError
from schemaguard.model.serialize import schema_from_dict
from schemaguard.model.validate import check_consistency

MAX_DEPTH = 64
"""Deepest nesting of arrays and objects accepted (the model's JSON form needs 6 levels); deeper input is
refused before anything recurses over it."""

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _depth_exceeds(data: Any) -> bool:
    """Whether parsed ``data`` nests deeper than :data:`MAX_DEPTH` (iterative: safe on any depth)."""
    if type(data) is not dict and type(data) is not list:
        return False
    stack: list[tuple[Any, int]] = [(data, 0)]
    pop, push = stack.pop, stack.append
    while stack:  # exact type checks and bound methods: about a fifth of json.loads's time on 5,000 tables
        node, depth = pop()
        if depth > MAX_DEPTH:
            return True
        for child in node.values() if type(node) is dict else node:
            kind = type(child)
            if kind is dict or kind is list:
                push((child, depth + 1))
    return False


def _too_deep(text: str) -> tuple[int, int] | None:
    """(line, column), 1-based, of the first ``[`` or ``{`` nested deeper than :data:`MAX_DEPTH`, or None."""
    depth = 0
    for m in _TOKEN.finditer(text):
        token = m.group()
        if token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                start = m.start()
                return text.count("\n", 0, start) + 1, start - (text.rfind("\n", 0, start) + 1) + 1
        elif token in "]}":
            depth -= 1
    return None


def load_json_model(path: str, text: str) -> Schema:
    """Parse the JSON written by ``inspect --format json`` (``{"tables": [...], "enums": [...]}``).

    Raises:
        SchemaError: invalid JSON (with line and column), a wrong shape, or an inconsistent schema.
    """
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SchemaError(f"invalid JSON: {exc.msg}", path, exc.lineno, exc.colno) from None
    except RecursionError:
        data = None  # nested beyond the interpreter's stack: located below
    too_deep = _too_deep(text) if data is None or _depth_exceeds(data) else None
    if too_deep is not None:
        raise SchemaError(f"nesting deeper than {MAX_DEPTH} levels", path, *too_deep)
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
