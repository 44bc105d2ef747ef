"""16.8 (JSON): a deeply nested model document is one located error, never a RecursionError."""

from __future__ import annotations

import pytest

from schemaguard.errors import SchemaError
from schemaguard.loaders import load_schema_file


@pytest.mark.parametrize("depth", [100, 100_000])
def test_deep_json_is_refused_with_its_position(depth: int) -> None:
    text = '{"tables": [\n {"name": "t[", "columns": ' + "[" * depth + "]" * depth + "}]}"
    with pytest.raises(SchemaError, match="nesting deeper than 64 levels") as exc:
        load_schema_file("model.json", text)
    # the 65th opening bracket: the document's own are levels 1-3, the first column bracket is at column 28
    assert (exc.value.line, exc.value.column) == (2, 28 + 61)


def test_an_ordinary_document_loads() -> None:
    text = '{"tables": [{"name": "t", "columns": [{"name": "id", "type": "integer"}]}]}'
    assert load_schema_file("model.json", text).tables[0].name == "t"
