"""Loader for the native YAML master format (``schemas/master.yaml``; documented in docs/master-format.md).

The file is parsed with PyYAML keeping every node's position, validated with pydantic, converted to the
model, then checked for consistency. Every error is a :class:`~schemaguard.errors.SchemaError` naming the
file, line and column and saying what was expected.

Callers that never show a location (``diff``, the fleet) may ask for ``locations=False``: the document is then
parsed by yaml-rs (Rust; about 20x faster than PyYAML's libyaml binding, and no node tree in memory), but only
when :func:`_fast_data` can tell that PyYAML would read the same data from that text. YAML 1.1 (PyYAML) and
yaml-rs disagree on some plain scalars (``yes``, ``010``, ``1e3``, ``1:20``, dates) and on tags; a document
with any of those, and any document the fast path finds an error in, goes through the exact path, so every
error still names its line and column and both paths give equal schemas (``tests/perf/test_yaml_fast_path.py``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
import yaml.reader
import yaml.resolver
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from schemaguard.errors import SchemaError
from schemaguard.model import (
    Check,
    Column,
    Default,
    DefaultKind,
    Enum,
    ForeignKey,
    Index,
    IndexPart,
    PrimaryKey,
    ReferentialAction,
    Schema,
    SourceLocation,
    Table,
    TypeSpecError,
    parse_type,
)
from schemaguard.model.naming import check_name, foreign_key_name, index_name, primary_key_name, unique_name
from schemaguard.model.objects import ObjectKind, ObjectSpecError, objects_from_sections, objects_to_sections
from schemaguard.model.validate import check_consistency
from schemaguard.normalize import parse_default

_Strict = ConfigDict(extra="forbid")
Action = Literal["no action", "restrict", "cascade", "set null", "set default"]


class ColumnSpec(BaseModel):
    model_config = _Strict
    type: str
    nullable: bool = True
    primary_key: bool = False
    default: Any = None
    # true, or "strict": SQLite's AUTOINCREMENT (ids never reused; https://www.sqlite.org/autoinc.html)
    autoincrement: bool | Literal["strict"] = False
    unique: bool | str = False
    references: str | None = None
    on_delete: Action | None = None
    on_update: Action | None = None
    generated: str | None = None
    # VIRTUAL (computed on read; SQLite only, its default there) or STORED (the default here): sqlite.org/gencol.html
    generated_storage: Literal["stored", "virtual"] = "stored"
    comment: str | None = None
    # PostgreSQL GENERATED ALWAYS / BY DEFAULT AS IDENTITY (implies autoincrement)
    identity: Literal["always", "by default"] | None = None

    @field_validator("identity", mode="before")
    @classmethod
    def _identity(cls, v: Any) -> Any:
        return " ".join(v.lower().replace("_", " ").split()) if isinstance(v, str) else v

    @field_validator("on_delete", "on_update", mode="before")
    @classmethod
    def _lower(cls, v: Any) -> Any:
        return v.lower().replace("_", " ") if isinstance(v, str) else v


class IndexColumnSpec(BaseModel):
    model_config = _Strict
    column: str | None = None
    expression: str | None = None
    order: Literal["asc", "desc"] = "asc"
    opclass: str | None = None


class IndexSpec(BaseModel):
    model_config = _Strict
    columns: Annotated[list[str | IndexColumnSpec], Field(min_length=1)]
    name: str | None = None
    unique: bool = False
    where: str | None = None
    method: str | None = None
    include: list[str] = []
    nulls_not_distinct: bool = False


class UniqueSpec(BaseModel):
    model_config = _Strict
    columns: Annotated[list[str], Field(min_length=1)]
    name: str | None = None
    include: list[str] = []
    nulls_not_distinct: bool = False
    deferrable: bool = False
    initially_deferred: bool = False


class RefSpec(BaseModel):
    model_config = _Strict
    table: str
    columns: Annotated[list[str], Field(min_length=1)]


class ForeignKeySpec(BaseModel):
    model_config = _Strict
    columns: Annotated[list[str], Field(min_length=1)]
    references: str | RefSpec
    on_delete: Action = "no action"
    on_update: Action = "no action"
    name: str | None = None
    deferrable: bool = False
    initially_deferred: bool = False
    not_valid: bool = False

    @field_validator("on_delete", "on_update", mode="before")
    @classmethod
    def _lower(cls, v: Any) -> Any:
        return v.lower().replace("_", " ") if isinstance(v, str) else v


class CheckSpec(BaseModel):
    model_config = _Strict
    expression: str
    name: str | None = None
    not_valid: bool = False
    no_inherit: bool = False


class PrimaryKeySpec(BaseModel):
    model_config = _Strict
    columns: Annotated[list[str], Field(min_length=1)]
    name: str | None = None


class TableSpec(BaseModel):
    model_config = _Strict
    columns: Annotated[dict[str, ColumnSpec], Field(min_length=1)]
    primary_key: list[str] | PrimaryKeySpec | None = None
    indexes: list[IndexSpec] = []
    unique: list[list[str] | UniqueSpec] = []
    foreign_keys: list[ForeignKeySpec] = []
    checks: list[CheckSpec] = []
    comment: str | None = None


class EnumSpec(BaseModel):
    model_config = _Strict
    values: Annotated[list[str], Field(min_length=1)]
    comment: str | None = None


class MasterFile(BaseModel):
    """The whole YAML master file, as validated by pydantic (see docs/master-format.md)."""

    model_config = _Strict
    version: Literal[1]
    enums: dict[str, list[str] | EnumSpec] = {}
    tables: dict[str, TableSpec] = {}
    # Objects beyond tables and enums (issue 14): validated by model.objects.objects_from_sections.
    schemas: Any = None
    extensions: Any = None
    domains: Any = None
    composite_types: Any = None
    sequences: Any = None
    virtual_tables: Any = None  # SQLite CREATE VIRTUAL TABLE (FTS5, R*Tree...): the whole statement
    views: Any = None
    materialized_views: Any = None
    functions: Any = None
    procedures: Any = None
    aggregates: Any = None
    triggers: Any = None
    rules: Any = None
    policies: Any = None
    exclusion_constraints: Any = None
    partitions: Any = None
    row_security: Any = None
    inheritance: Any = None
    partitioning: Any = None
    table_options: Any = None
    collations: Any = None
    collation_definitions: Any = None
    comments: Any = None
    privileges: Any = None


_ACTIONS = {
    "no action": ReferentialAction.NO_ACTION,
    "restrict": ReferentialAction.RESTRICT,
    "cascade": ReferentialAction.CASCADE,
    "set null": ReferentialAction.SET_NULL,
    "set default": ReferentialAction.SET_DEFAULT,
}

_REF_RE = re.compile(r"^\s*(?P<table>.+?)\s*(?:\((?P<cols>[^()]*)\)|\.(?P<col>[^.()]+))\s*$")

Path_ = tuple[str | int, ...]
_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"

MAX_DEPTH = 64
"""Deepest nesting of mappings and lists a master may have. The format needs 7 levels
(``tables.T.indexes.0.columns.0.expression``); a bound keeps hostile input from exhausting the stack."""
_DEPTH_MESSAGE = f"nesting deeper than {MAX_DEPTH} levels; a master needs fewer than 10"
_ALIAS_MESSAGE = "YAML anchors and aliases (&name, *name) are not supported in a master: write the value out"


class _Positions:
    """Line/column (1-based) of every node of the YAML document, by path of keys and indexes."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.marks: dict[Path_, tuple[int, int]] = {}
        self.keys: dict[Path_, tuple[int, int]] = {}

    def build(self, node: yaml.Node, loader: Any, at: Path_ = ()) -> Any:
        """Record every node's position and build the plain data in the same pass.

        Mapping keys stay the text as written: a master's keys are names, and YAML 1.1 would otherwise turn a
        column called ``on`` or ``yes`` into a boolean. Plain strings skip PyYAML's constructor (the slow part).
        """
        mark = node.start_mark
        if len(at) > MAX_DEPTH:
            raise SchemaError(_DEPTH_MESSAGE, self.path, mark.line + 1, mark.column + 1)
        self.marks[at] = (mark.line + 1, mark.column + 1)
        if isinstance(node, yaml.ScalarNode):
            if node.tag == _STR_TAG:
                return node.value
            return loader.construct_object(node, deep=True)
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            out: dict[str, Any] = {}
            for knode, vnode in node.value:
                if not isinstance(knode, yaml.ScalarNode):
                    # A list or mapping used as a key cannot name anything (and is not hashable).
                    raise SchemaError(
                        "a key must be a plain name, not a list or mapping",
                        self.path,
                        knode.start_mark.line + 1,
                        knode.start_mark.column + 1,
                    )
                key = knode.value
                if key == "<<" and knode.tag == _MERGE_TAG:
                    raise SchemaError(
                        "YAML merge keys (<<) are not supported in a master: write the keys out",
                        self.path,
                        knode.start_mark.line + 1,
                        knode.start_mark.column + 1,
                    )
                if key in seen:
                    raise SchemaError(
                        f"duplicate key {key!r} (first at line {seen[key]})",
                        self.path,
                        knode.start_mark.line + 1,
                        knode.start_mark.column + 1,
                    )
                seen[key] = knode.start_mark.line + 1
                self.keys[(*at, key)] = (knode.start_mark.line + 1, knode.start_mark.column + 1)
                out[key] = self.build(vnode, loader, (*at, key))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, loader, (*at, i)) for i, item in enumerate(node.value)]
        return loader.construct_object(node, deep=True)  # pragma: no cover - the three node kinds above are all

    def find(self, at: Path_) -> tuple[int | None, int | None]:
        """Position of the deepest existing prefix of ``at``."""
        for n in range(len(at), -1, -1):
            hit = self.marks.get(tuple(at[:n]))
            if hit:
                return hit
        return None, None

    def loc(self, *at: str | int) -> SourceLocation | None:
        """Where the object at ``at`` is defined: its key's position for mapping entries (the line that names
        it), else its value's."""
        hit = self.keys.get(tuple(at))
        if hit:
            return SourceLocation(self.path, hit[0], hit[1])
        line, col = self.find(at)
        return SourceLocation(self.path, line or 1, col or 1)


class _NoPositions(_Positions):
    """The fast path's stand-in: nothing is located. Any SchemaError raised with it is raised again by the
    exact path, which has the positions."""

    def find(self, at: Path_) -> tuple[int | None, int | None]:
        """No position is known."""
        return None, None

    def loc(self, *at: str | int) -> SourceLocation | None:
        """No location is known."""
        return None


_yaml_rs: Any
try:
    import yaml_rs as _yaml_rs
except ImportError:  # pragma: no cover - a dependency; without it every load takes the exact path
    _yaml_rs = None

# Plain scalars that YAML 1.1 (PyYAML) and yaml-rs read differently, found in the raw text: leading-zero and 0o
# integers (octal in 1.1; decimal or octal in 1.2), exponents (strings to PyYAML unless written 1.0e+3, floats
# to yaml-rs) and "+.5" -- each as a whole scalar, i.e. after an indicator or a line break and before the end of
# the scalar -- plus explicit tags and merge keys anywhere. Matching is coarse on purpose: a false alarm only
# costs the exact path's speed. Separate patterns that start with a character class scan faster than one
# alternation (about 15 ms for a 1 MB master).
_SCALAR_START = rb"[:\-\[{,?\n][ ]*"
_SCALAR_END = rb"[ ]*(?:$|[,\]}#:])"
_DIVERGENT_TEXT = (
    re.compile(_SCALAR_START + rb"[-+]?0[0-9_oO][0-9A-Za-z_]*" + _SCALAR_END, re.M),
    re.compile(_SCALAR_START + rb"[-+]?\.?[0-9][0-9_.]*[eE][-+]?[0-9]+" + _SCALAR_END, re.M),
    re.compile(rb"\+\."),
    re.compile(rb"!(?!=)"),
    re.compile(rb"<<"),
)
# An anchor (&a) or alias (*a) starts a node: after an indicator or a line break. yaml-rs would expand aliases
# itself ("billion laughs"), so any text that may hold one goes to the exact path, which refuses them with a
# position (:func:`_refuse_anchors_and_depth`).
_ANCHOR_TEXT = re.compile(rb"[:\-\[{,?\n\r][ ]*[&*]")


def _divergent(text: str) -> bool:
    """Whether ``text`` holds anything matching :data:`_DIVERGENT_TEXT`, or may hold an anchor or alias."""
    raw = text.encode("utf-8", "surrogatepass")
    if (b"&" in raw or b"*" in raw) and (_ANCHOR_TEXT.search(raw) or raw.lstrip(b" \xef\xbb\xbf")[:1] in (b"&", b"*")):
        return True
    return any(pattern.search(raw) for pattern in _DIVERGENT_TEXT)


_IMPLICIT = yaml.resolver.Resolver.yaml_implicit_resolvers


def _plain_is_str(value: str, memo: dict[str, bool]) -> bool:
    """Whether PyYAML's resolver reads ``value``, written as a plain scalar, as a string (not ``yes`` → True,
    ``1:20`` → 80, ``2024-01-01`` → a date...). Uses PyYAML's own table of implicit resolvers."""
    if not value:
        return True  # yaml-rs reads an empty plain scalar as null, so an empty string was quoted
    hit = memo.get(value)
    if hit is None:
        resolvers = _IMPLICIT.get(value[0], []) + _IMPLICIT.get(None, [])
        hit = not any(regexp.match(value) for _tag, regexp in resolvers)
        memo[value] = hit
    return hit


def _fast_data(text: str) -> dict[str, Any] | None:
    """The document's data read by yaml-rs, or None when PyYAML might read this text differently (or yaml-rs
    finds it invalid): the caller then takes the exact path.

    The checks: no character PyYAML's reader refuses, no tab, no text matching :data:`_DIVERGENT_TEXT`; the
    top level is a mapping; every key is a string (PyYAML keeps keys as written, yaml-rs turns ``1:`` into an
    int); and no string value is one PyYAML would resolve to another type had it been written plain.
    """
    if _yaml_rs is None or "\t" in text or yaml.reader.Reader.NON_PRINTABLE.search(text):
        return None
    if "\x85" in text or "\u2028" in text or "\u2029" in text:
        return None  # line breaks to YAML 1.1 (PyYAML), not to YAML 1.2 (yaml-rs)
    if _divergent(text):
        return None
    try:
        data = _yaml_rs.loads(text, parse_datetime=False)
    except Exception:  # any refusal is settled by the exact path, which words the error
        return None
    if not isinstance(data, dict):
        return None
    memo: dict[str, bool] = {}
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return None  # the exact path refuses it with a position
        if isinstance(node, dict):
            for key, value in node.items():
                if not isinstance(key, str):
                    return None
                if isinstance(value, str):
                    if not _plain_is_str(value, memo):
                        return None
                elif isinstance(value, dict | list):
                    stack.append((value, depth + 1))
        else:
            for value in node:
                if isinstance(value, str):
                    if not _plain_is_str(value, memo):
                        return None
                elif isinstance(value, dict | list):
                    stack.append((value, depth + 1))
    return data


_FAST_LOADER: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser when PyYAML was built with it (it is in the manylinux wheels): the same nodes and marks,
several times faster than the pure-Python parser on large masters."""


def _read_yaml(text: str, path: str) -> tuple[Any, _Positions]:
    if "&" in text or "*" in text:
        _refuse_anchors_and_depth(_FAST_LOADER, text, path)
    try:
        return _read_yaml_with(_FAST_LOADER, text, path)
    except SchemaError as exc:
        if _FAST_LOADER is yaml.SafeLoader or exc.problem in (_DEPTH_MESSAGE, _ALIAS_MESSAGE):
            raise
        # Same positions, but the pure-Python parser words its messages the way the docs show.
        return _read_yaml_with(yaml.SafeLoader, text, path)


def _refuse_anchors_and_depth(loader_cls: type[Any], text: str, path: str) -> None:
    """Refuse the first anchor or alias, and the first node nested deeper than :data:`MAX_DEPTH`, with its position.

    Reads parser events only (no node is composed, so nothing is expanded and nothing recurses). A syntax error
    ends the scan silently: the parse that follows words it.

    Raises:
        SchemaError: ``path:line:col`` of the anchor, alias or too-deep node.
    """
    depth = 0
    loader = loader_cls(text)
    try:
        while True:
            event = loader.get_event()
            if event is None or isinstance(event, yaml.StreamEndEvent):
                return
            mark = event.start_mark
            if getattr(event, "anchor", None) is not None:
                raise SchemaError(_ALIAS_MESSAGE, path, mark.line + 1, mark.column + 1)
            if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise SchemaError(_DEPTH_MESSAGE, path, mark.line + 1, mark.column + 1)
            elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return
    finally:
        loader.dispose()


def refuse_unsafe_yaml(text: str, path: str) -> None:
    """For any YAML the tool reads as data (changelog entries...): refuse anchors/aliases and nesting deeper than
    :data:`MAX_DEPTH` before ``yaml.safe_load`` expands or recurses over them (issue 16.5, 16.8).

    Raises:
        SchemaError: ``path:line:col`` of the first anchor, alias or too-deep node.
    """
    _refuse_anchors_and_depth(_FAST_LOADER, text, path)


def _read_yaml_with(loader_cls: type[Any], text: str, path: str) -> tuple[Any, _Positions]:
    pos = _Positions(path)
    try:
        loader = loader_cls(text)
        try:
            try:
                node = loader.get_single_node()
            except RecursionError:
                # The pure-Python composer recurses once per level: locate the level that is too deep.
                _refuse_anchors_and_depth(loader_cls, text, path)
                raise SchemaError(_DEPTH_MESSAGE, path) from None
            if node is None:
                raise SchemaError("the file is empty; expected a mapping with 'version: 1' and 'tables:'", path, 1, 1)
            data = pos.build(node, loader)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if mark is None:
            raise SchemaError(f"invalid YAML: {problem}", path) from None
        raise SchemaError(f"invalid YAML: {problem}", path, mark.line + 1, mark.column + 1) from None
    except yaml.reader.ReaderError as exc:
        # A control character has no mark, only an offset: turn it into a line and column.
        line = text.count("\n", 0, exc.position) + 1
        col = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise SchemaError(f"invalid YAML: {exc.reason} (U+{code:04X})", path, line, col) from None
    except yaml.YAMLError as exc:
        raise SchemaError(f"invalid YAML: {' '.join(str(exc).split())}", path) from None
    return data, pos


def _describe_pydantic(err: Any) -> str:
    loc = ".".join(
        str(p) for p in err["loc"] if not isinstance(p, str) or not p.startswith(("function-", "list[", "str"))
    )
    msg = err["msg"]
    if err["type"] == "extra_forbidden":
        msg = "unknown key (not part of the master format; see docs/master-format.md)"
    elif err["type"] == "literal_error":
        msg = msg.replace("Input should be", "expected")
    elif err["type"] == "missing":
        msg = "required key is missing"
    return f"{loc}: {msg}" if loc else msg


def _pydantic_loc(err: Any) -> Path_:
    # Drop pydantic's union-branch tags (e.g. 'EnumSpec', 'list[str]') that are not part of the document.
    out: list[str | int] = []
    for p in err["loc"]:
        if isinstance(p, str) and (p[:1].isupper() or "[" in p or p in ("str", "function-after")):
            continue
        out.append(p)
    return tuple(out)


def load_yaml_master(path: str | Path, text: str | None = None, *, locations: bool = True) -> Schema:
    """Load a YAML master file into a Schema.

    Args:
        path: the file (also used in error messages and source locations).
        text: the file's content, if already read (then ``path`` is only a label).
        locations: set ``loc`` on the model objects. False allows the fast path (see the module docstring):
            the objects carry ``loc=None``; errors are located all the same.

    Returns:
        The Schema, with ``loc`` set on tables, columns, indexes, foreign keys and checks (when ``locations``)
        and ``source`` = path.

    Raises:
        SchemaError: unreadable file, YAML syntax error, a key or value the format does not allow, an unknown type,
            or an inconsistency (reference to a missing table/column, duplicate names) — always with
            ``path:line:col``.
    """
    p = str(path)
    if text is None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise SchemaError(f"cannot read schema file: {exc.strerror}", p) from None
        except UnicodeDecodeError:
            raise SchemaError("schema file is not UTF-8 text", p) from None
    _refuse_surrogates(text, p)
    if not locations:
        fast = _fast_data(text)
        if fast is not None:
            try:
                return _schema_from_data(fast, _NoPositions(p))
            except SchemaError:
                pass  # the exact path raises it again, with the line and column
    data, pos = _read_yaml(text, p)
    return _schema_from_data(data, pos)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _refuse_surrogates(text: str, path: str) -> None:
    """A lone surrogate (text handed in by a caller, never a UTF-8 file) is not Unicode text: the YAML parsers
    cannot encode it. Refuse it where it stands.

    Raises:
        SchemaError: with the line and column of the first one.
    """
    bad = _SURROGATE.search(text)
    if bad is not None:
        at = bad.start()
        line = text.count("\n", 0, at) + 1
        column = at - text.rfind("\n", 0, at)
        raise SchemaError(
            f"character U+{ord(bad.group()):04X} is not Unicode text (a lone surrogate)", path, line, column
        )


def _schema_from_data(data: Any, pos: _Positions) -> Schema:
    """Validate the parsed document and build the Schema (``pos`` locates objects and errors)."""
    p = pos.path
    if not isinstance(data, dict):
        raise SchemaError("expected a mapping with 'version: 1' and 'tables:' at the top level", p, 1, 1)
    streamed = isinstance(pos, _NoPositions) and isinstance(data.get("tables"), dict)
    try:
        if streamed:
            spec = MasterFile.model_validate({key: value for key, value in data.items() if key != "tables"})
            tables: Iterable[tuple[str, TableSpec]] = _streamed_tables(data["tables"], p)
        else:
            spec = MasterFile.model_validate(data)
            tables = spec.tables.items()
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        line, col = pos.find(_pydantic_loc(first))
        more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
        raise SchemaError(_describe_pydantic(first) + more, p, line, col) from None
    _require_names(spec, pos)
    schema = _build(spec, tables, pos)
    schema = _with_objects(schema, data, pos)
    problems = check_consistency(schema)
    if problems:
        first_problem = problems[0]
        loc = first_problem.loc
        if loc is None and first_problem.message.startswith("index name "):
            loc = _second_index_loc(schema)
        raise SchemaError(first_problem.message, p, loc.line if loc else None, loc.column if loc else None)
    return schema


def _with_objects(schema: Schema, data: dict[str, Any], pos: _Positions) -> Schema:
    """Add the object sections (views, functions, triggers...; docs/master-format.md) to ``schema``."""
    if not any(k.section in data for k in ObjectKind):
        return schema
    try:
        objects = objects_from_sections(data, pos.loc)
    except ObjectSpecError as exc:
        line, col = pos.find(exc.path)
        raise SchemaError(f"{'.'.join(exc.path)}: {exc.problem}", pos.path, line, col) from None
    return replace(schema, objects=tuple(objects))


def _ref(text: str, pos: _Positions, *at: str | int) -> tuple[str, tuple[str, ...]]:
    m = _REF_RE.match(text)
    if not m:
        line, col = pos.find(at)
        raise SchemaError(
            f"cannot read reference {text!r}; expected Table.column or Table(col1, col2)", pos.path, line, col
        )
    cols = m.group("cols")
    columns = tuple(c.strip() for c in cols.split(",")) if cols is not None else (m.group("col").strip(),)
    return m.group("table"), columns


@functools.lru_cache(maxsize=8192)
def _sql_problem(text: str) -> str | None:
    """Why ``text`` is not one PostgreSQL expression (sqlglot, postgres dialect), or None when it is one.

    Parsed as ``SELECT <text>``: exactly one statement with exactly one output expression and nothing else, so a
    fragment cannot carry a second statement, a FROM or a trailing clause. Memoised: masters repeat fragments.
    """
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import ParseError, TokenError

    try:
        statements = sqlglot.parse("SELECT " + text, read="postgres")
    except ParseError as exc:
        first = exc.errors[0] if exc.errors else {}
        return str(first.get("description") or str(exc).splitlines()[0])
    except TokenError as exc:
        return " ".join(str(exc).split())[:200]
    except (ValueError, TypeError, RecursionError):
        # sqlglot's parser asserts on some malformed input (``0?``) instead of raising ParseError.
        return "not an SQL expression"
    if len(statements) != 1 or not isinstance(statements[0], exp.Select):
        return "expected one SQL expression, found more than one statement"
    select = statements[0]
    extra = sorted(k for k, v in select.args.items() if k != "expressions" and v not in (None, [], False))
    if len(select.expressions) != 1 or extra:
        return "expected one SQL expression" + (f" (found {', '.join(extra)})" if extra else "")
    return None


def _sql(text: str, what: str, pos: _Positions, *at: str | int) -> str:
    """``text`` when it parses as one PostgreSQL expression (see :func:`_sql_problem`).

    Raises:
        SchemaError: ``path:line:col`` of the fragment's value, and sqlglot's reason (issue 15.3: malformed SQL
            would otherwise be rendered into DDL that fails only when it is applied).
    """
    problem = _sql_problem(text)
    if problem is None:
        return text
    line, col = pos.find(at)
    raise SchemaError(f"invalid SQL in {what} {text!r}: {problem}", pos.path, line, col)


def _default(value: Any, pos: _Positions, *at: str | int) -> Default | None:
    if value is None:
        return None
    if isinstance(value, dict):
        if set(value) != {"sql"} or not isinstance(value["sql"], str):
            line, col = pos.find(at)
            raise SchemaError("a default is a literal value or {sql: <expression>}", pos.path, line, col)
        return parse_default(_sql(value["sql"], "default", pos, *at, "sql"), "postgresql")
    if isinstance(value, list | str | int | float | bool):
        return Default.literal(value)
    line, col = pos.find(at)
    raise SchemaError(f"unsupported default {value!r}; use a literal or {{sql: ...}}", pos.path, line, col)


def _streamed_tables(raw: dict[str, Any], path: str) -> Iterator[tuple[str, TableSpec]]:
    """The fast path's tables, validated one at a time, each table's raw data dropped once validated.

    Validating the whole document at once holds it three times over (raw dicts, pydantic specs, model): about
    180 MB at 5,000 tables, where this holds the raw dicts and the model. Errors carry no position: the exact
    path, which the caller falls back to, words them with one.
    """
    for name in list(raw):
        value = raw.pop(name)
        try:
            spec = TableSpec.model_validate(value)
        except ValidationError as exc:
            raise SchemaError(_describe_pydantic(exc.errors()[0]), path) from None
        if name == "" or "" in spec.columns:
            raise SchemaError(f"empty name in table {name!r}", path)
        yield name, spec


def _build(spec: MasterFile, tables_spec: Iterable[tuple[str, TableSpec]], pos: _Positions) -> Schema:
    enums: list[Enum] = []
    for ename, espec in spec.enums.items():
        values, comment = (espec, None) if isinstance(espec, list) else (espec.values, espec.comment)
        enums.append(Enum(ename, tuple(values), comment, pos.loc("enums", ename)))
    enum_names = frozenset(e.name for e in enums)
    tables = []
    for tname, ts in tables_spec:
        columns: list[Column] = []
        table_pk = ts.primary_key.columns if isinstance(ts.primary_key, PrimaryKeySpec) else ts.primary_key
        pk_name = ts.primary_key.name if isinstance(ts.primary_key, PrimaryKeySpec) else None
        pk_cols = list(table_pk or [])
        indexes: list[Index] = []
        fks: list[ForeignKey] = []
        for cname, cs in ts.columns.items():
            at = ("tables", tname, "columns", cname)
            try:
                ctype = parse_type(cs.type, enum_names)
            except TypeSpecError as exc:
                line, col = pos.find((*at, "type"))
                raise SchemaError(str(exc), pos.path, line, col) from None
            if cs.primary_key:
                if ts.primary_key is not None:
                    line, col = pos.find((*at, "primary_key"))
                    raise SchemaError(
                        f"{tname}.{cname}: primary_key on a column and a table-level primary_key both given",
                        pos.path,
                        line,
                        col,
                    )
                pk_cols.append(cname)
            columns.append(
                Column(
                    name=cname,
                    type=ctype,
                    # A key column is NOT NULL unless the master says `nullable: true` (SQLite lets a non-INTEGER
                    # primary key hold NULL: https://www.sqlite.org/lang_createtable.html#the_primary_key).
                    nullable=cs.nullable
                    and ("nullable" in cs.model_fields_set or (not cs.primary_key and cname not in (table_pk or []))),
                    default=_default(cs.default, pos, *at, "default"),
                    autoincrement=bool(cs.autoincrement) or cs.identity is not None,
                    strict_autoincrement=cs.autoincrement == "strict",
                    generated=_sql(cs.generated, "generated column", pos, *at, "generated") if cs.generated else None,
                    generated_virtual=bool(cs.generated) and cs.generated_storage == "virtual",
                    comment=cs.comment,
                    loc=pos.loc(*at),
                    identity=cs.identity,
                )
            )
            if cs.unique:
                name = cs.unique if isinstance(cs.unique, str) else unique_name(tname, [cname])
                indexes.append(Index(name, (IndexPart(column=cname),), unique=True, loc=pos.loc(*at, "unique")))
            if cs.references:
                rt, rc = _ref(cs.references, pos, *at, "references")
                fks.append(
                    ForeignKey(
                        foreign_key_name(tname, [cname]),
                        (cname,),
                        rt,
                        rc,
                        _ACTIONS[cs.on_delete or "no action"],
                        _ACTIONS[cs.on_update or "no action"],
                        loc=pos.loc(*at, "references"),
                    )
                )
        if table_pk:
            explicit = {n for n, cs in ts.columns.items() if cs.nullable and "nullable" in cs.model_fields_set}
            columns = [c if c.name not in pk_cols or c.name in explicit else _not_null(c) for c in columns]
        for i, u in enumerate(ts.unique):
            spec_u = UniqueSpec(columns=u) if isinstance(u, list) else u
            cols = spec_u.columns
            if spec_u.initially_deferred and not spec_u.deferrable:
                line, col = pos.find(("tables", tname, "unique", i))
                raise SchemaError("initially_deferred needs deferrable: true", pos.path, line, col)
            indexes.append(
                Index(
                    spec_u.name or unique_name(tname, cols),
                    tuple(IndexPart(column=c) for c in cols),
                    unique=True,
                    constraint=True,
                    loc=pos.loc("tables", tname, "unique", i),
                    include=tuple(spec_u.include),
                    nulls_not_distinct=spec_u.nulls_not_distinct,
                    deferrable=spec_u.deferrable,
                    initially_deferred=spec_u.initially_deferred,
                )
            )
        for i, ix in enumerate(ts.indexes):
            parts = []
            for j, el in enumerate(ix.columns):
                if isinstance(el, str):
                    parts.append(IndexPart(column=el))
                else:
                    if (el.column is None) == (el.expression is None):
                        line, col = pos.find(("tables", tname, "indexes", i, "columns"))
                        raise SchemaError(
                            "an index element has exactly one of 'column' or 'expression'", pos.path, line, col
                        )
                    if el.expression is not None:
                        _sql(el.expression, "index expression", pos, "tables", tname, "indexes", i, "columns", j)
                    parts.append(IndexPart(el.column, el.expression, el.order == "desc", el.opclass))
            if ix.where is not None:
                _sql(ix.where, "index condition (where)", pos, "tables", tname, "indexes", i, "where")
            label_cols = [p.column if p.column else "expr" for p in parts]
            indexes.append(
                Index(
                    ix.name or (unique_name(tname, label_cols) if ix.unique else index_name(tname, label_cols)),
                    tuple(parts),
                    unique=ix.unique,
                    where=ix.where,
                    method=(ix.method.lower() if ix.method and ix.method.lower() != "btree" else None),
                    loc=pos.loc("tables", tname, "indexes", i),
                    include=tuple(ix.include),
                    nulls_not_distinct=ix.nulls_not_distinct,
                )
            )
        for i, fk in enumerate(ts.foreign_keys):
            at2 = ("tables", tname, "foreign_keys", i)
            if isinstance(fk.references, str):
                rt, rc = _ref(fk.references, pos, *at2, "references")
            else:
                rt, rc = fk.references.table, tuple(fk.references.columns)
            if fk.initially_deferred and not fk.deferrable:
                line, col = pos.find(at2)
                raise SchemaError("initially_deferred needs deferrable: true", pos.path, line, col)
            fks.append(
                ForeignKey(
                    fk.name or foreign_key_name(tname, fk.columns),
                    tuple(fk.columns),
                    rt,
                    rc,
                    _ACTIONS[fk.on_delete],
                    _ACTIONS[fk.on_update],
                    loc=pos.loc(*at2),
                    deferrable=fk.deferrable,
                    initially_deferred=fk.initially_deferred,
                    not_valid=fk.not_valid,
                )
            )
        checks = [
            Check(
                ck.name or check_name(tname, [f"{i + 1}"]),
                _sql(ck.expression, "check", pos, "tables", tname, "checks", i, "expression"),
                pos.loc("tables", tname, "checks", i),
                not_valid=ck.not_valid,
                no_inherit=ck.no_inherit,
            )
            for i, ck in enumerate(ts.checks)
        ]
        tables.append(
            Table(
                name=tname,
                columns=tuple(columns),
                primary_key=PrimaryKey(tuple(pk_cols), pk_name or primary_key_name(tname)) if pk_cols else None,
                indexes=tuple(indexes),
                foreign_keys=tuple(fks),
                checks=tuple(checks),
                comment=ts.comment,
                loc=pos.loc("tables", tname),
            )
        )
    return Schema(tables=tuple(tables), enums=tuple(enums), source=pos.path)


def _second_index_loc(schema: Schema) -> SourceLocation | None:
    """Where an index name is used the second time: check_consistency reports schema-wide duplicate index names
    without a location (they can span tables)."""
    seen: set[str] = set()
    for t in schema.tables:
        for ix in t.indexes:
            if ix.name in seen:
                return ix.loc
            seen.add(ix.name)
    return None


def _require_names(spec: MasterFile, pos: _Positions) -> None:
    """Reject empty enum, table and column names: no database accepts a zero-length identifier."""
    named: list[tuple[str, Path_]] = [(e, ("enums", e)) for e in spec.enums]
    for tname, ts in spec.tables.items():
        named.append((tname, ("tables", tname)))
        named += [(cname, ("tables", tname, "columns", cname)) for cname in ts.columns]
    for name, at in named:
        if name == "":
            line, col = pos.find(at)
            raise SchemaError(
                f"empty name at {'.'.join(str(p) for p in at[:-1])}; names need at least one character",
                pos.path,
                line,
                col,
            )


def _not_null(c: Column) -> Column:
    from dataclasses import replace

    return replace(c, nullable=False)


class _Flow(dict[str, Any]):
    """A mapping written in YAML flow style ({type: text, nullable: false}) for compact column lines."""


class _Dumper(yaml.SafeDumper):
    """Never writes anchors/aliases (two columns sharing one default list would get ``&id001``/``*id001``),
    which the loader refuses: every master ``inspect`` writes must load back."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


_Dumper.add_representer(
    _Flow, lambda d, data: d.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=True)
)


def _plain_default(d: Default | None) -> Any:
    if d is None:
        return None
    if d.kind is DefaultKind.EXPRESSION:
        return {"sql": d.value}
    return d.value


def _unique_entry(table: str, ix: Index) -> Any:
    """A unique constraint as the master writes it: the bare column list when that is all it has."""
    plain = not (ix.include or ix.nulls_not_distinct or ix.deferrable or ix.initially_deferred)
    if plain and ix.name == unique_name(table, ix.columns):
        return list(ix.columns)
    d: dict[str, Any] = {"columns": list(ix.columns), "name": ix.name}
    if ix.include:
        d["include"] = list(ix.include)
    if ix.nulls_not_distinct:
        d["nulls_not_distinct"] = True
    if ix.deferrable:
        d["deferrable"] = True
    if ix.initially_deferred:
        d["initially_deferred"] = True
    return d


def dump_yaml_master(schema: Schema) -> str:
    """Write a Schema in the YAML master format; :func:`load_yaml_master` reads it back to an equal Schema.

    Objects whose names follow the default convention are written without a name; everything else is explicit.
    Used by ``schemaguard inspect --format yaml`` to bootstrap a master from a live database.
    """
    doc: dict[str, Any] = {"version": 1}
    if schema.enums:
        doc["enums"] = {
            e.name: ({"values": list(e.values), "comment": e.comment} if e.comment else list(e.values))
            for e in schema.enums
        }
    tables: dict[str, Any] = {}
    for t in schema.tables:
        pk = t.primary_key
        default_pk_name = pk is not None and pk.name in (None, primary_key_name(t.name))
        single_pk = pk is not None and len(pk.columns) == 1 and default_pk_name
        inline_fk: dict[str, ForeignKey] = {}
        table_fks: list[ForeignKey] = []
        for fk in t.foreign_keys:
            if (
                len(fk.columns) == 1
                and fk.name == foreign_key_name(t.name, fk.columns)
                and fk.columns[0] not in inline_fk
                and not (fk.deferrable or fk.initially_deferred or fk.not_valid)
            ):
                inline_fk[fk.columns[0]] = fk
            else:
                table_fks.append(fk)
        cols: dict[str, Any] = {}
        for c in t.columns:
            cd: dict[str, Any] = {"type": c.type.spec()}
            if single_pk and pk is not None and pk.columns == (c.name,):
                cd["primary_key"] = True
            elif not c.nullable and not (pk is not None and c.name in pk.columns):
                cd["nullable"] = False
            if c.nullable and pk is not None and c.name in pk.columns:
                cd["nullable"] = True  # a SQLite key column that may hold NULL (declared without NOT NULL)
            if c.default is not None:
                cd["default"] = _plain_default(c.default)
            if c.identity and c.autoincrement:
                cd["identity"] = c.identity
            elif c.autoincrement:
                cd["autoincrement"] = "strict" if c.strict_autoincrement else True
            if c.generated:
                cd["generated"] = c.generated
                if c.generated_virtual:
                    cd["generated_storage"] = "virtual"
            ifk = inline_fk.get(c.name)
            if ifk is not None:
                fk = ifk
                cd["references"] = f"{fk.ref_table}.{fk.ref_columns[0]}"
                if fk.on_delete is not ReferentialAction.NO_ACTION:
                    cd["on_delete"] = fk.on_delete.value.lower()
                if fk.on_update is not ReferentialAction.NO_ACTION:
                    cd["on_update"] = fk.on_update.value.lower()
            if c.comment:
                cd["comment"] = c.comment
            cols[c.name] = _Flow(cd)
        td: dict[str, Any] = {}
        if t.comment:
            td["comment"] = t.comment
        td["columns"] = cols
        if pk is not None and not single_pk:
            td["primary_key"] = list(pk.columns) if default_pk_name else {"columns": list(pk.columns), "name": pk.name}
        uniques = [
            ix
            for ix in t.indexes
            if ix.constraint
            and ix.unique
            and all(p.column and not p.descending and not p.opclass for p in ix.parts)
            and not ix.where
            and not ix.method
        ]
        others = [ix for ix in t.indexes if ix not in uniques]
        if others:
            out = []
            for ix in others:
                els: list[Any] = []
                for p in ix.parts:
                    if p.column is not None and not p.descending and not p.opclass:
                        els.append(p.column)
                    else:
                        el: dict[str, Any] = (
                            {"column": p.column} if p.column is not None else {"expression": p.expression}
                        )
                        if p.descending:
                            el["order"] = "desc"
                        if p.opclass:
                            el["opclass"] = p.opclass
                        els.append(el)
                d: dict[str, Any] = {"columns": els, "name": ix.name}
                if ix.unique:
                    d["unique"] = True
                if ix.where:
                    d["where"] = ix.where
                if ix.method:
                    d["method"] = ix.method
                if ix.include:
                    d["include"] = list(ix.include)
                if ix.nulls_not_distinct:
                    d["nulls_not_distinct"] = True
                out.append(d)
            td["indexes"] = out
        if uniques:
            td["unique"] = [_unique_entry(t.name, ix) for ix in uniques]
        if table_fks:
            td["foreign_keys"] = [
                {
                    "columns": list(fk.columns),
                    "references": {"table": fk.ref_table, "columns": list(fk.ref_columns)},
                    **(
                        {"on_delete": fk.on_delete.value.lower()}
                        if fk.on_delete is not ReferentialAction.NO_ACTION
                        else {}
                    ),
                    **(
                        {"on_update": fk.on_update.value.lower()}
                        if fk.on_update is not ReferentialAction.NO_ACTION
                        else {}
                    ),
                    **({"name": fk.name} if fk.name else {}),
                    **({"deferrable": True} if fk.deferrable else {}),
                    **({"initially_deferred": True} if fk.initially_deferred else {}),
                    **({"not_valid": True} if fk.not_valid else {}),
                }
                for fk in table_fks
            ]
        if t.checks:
            td["checks"] = [
                {
                    "expression": ck.expression,
                    **({"name": ck.name} if ck.name else {}),
                    **({"not_valid": True} if ck.not_valid else {}),
                    **({"no_inherit": True} if ck.no_inherit else {}),
                }
                for ck in t.checks
            ]
        tables[t.name] = td
    doc["tables"] = tables
    doc.update(objects_to_sections(schema.objects))
    return yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)
