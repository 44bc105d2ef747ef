"""Dialect-neutral logical column types.

A :class:`ColumnType` is a small frozen value: a :class:`TypeKind` plus the parameters that matter for that
kind (length, precision/scale, time zone, enum name, array dimensions). Loaders produce it, dialects map it to
and from native types, the differ compares it through a dialect's ``type_key``.

The text form (``varchar(255)``, ``decimal(10,2)``, ``datetime(3,tz)``, ``enum(Status)``, ``text[]``,
``native(tsvector)``) is what the YAML master uses; :func:`parse_type` and :meth:`ColumnType.spec` convert
between the two and round-trip exactly.
"""

from __future__ import annotations

import dataclasses
import functools
import operator
import re
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, TypeVar


class TypeKind(StrEnum):
    """The logical type families every dialect can express (natively or emulated)."""

    STRING = "string"  # varchar(n); length None means unbounded varchar
    CHAR = "char"  # fixed-length char(n)
    TEXT = "text"
    SMALLINT = "smallint"
    INTEGER = "integer"
    BIGINT = "bigint"
    FLOAT = "float"  # 4-byte float (PostgreSQL real)
    DOUBLE = "double"  # 8-byte float
    DECIMAL = "decimal"  # decimal(p,s); both None means unconstrained numeric
    BOOLEAN = "boolean"
    DATE = "date"
    TIME = "time"
    DATETIME = "datetime"  # timestamp; ``timezone`` selects timestamptz
    INTERVAL = "interval"
    JSON = "json"  # ``binary`` selects jsonb on PostgreSQL
    UUID = "uuid"
    BYTES = "bytes"
    ENUM = "enum"  # ``enum_name`` names a Schema.enums entry
    NATIVE = "native"  # a dialect type the model has no family for (tsvector, inet, a domain); kept verbatim


_ALIASES: dict[str, TypeKind] = {
    "string": TypeKind.STRING,
    "varchar": TypeKind.STRING,
    "char": TypeKind.CHAR,
    "text": TypeKind.TEXT,
    "smallint": TypeKind.SMALLINT,
    "int": TypeKind.INTEGER,
    "integer": TypeKind.INTEGER,
    "bigint": TypeKind.BIGINT,
    "float": TypeKind.FLOAT,
    "real": TypeKind.FLOAT,
    "double": TypeKind.DOUBLE,
    "decimal": TypeKind.DECIMAL,
    "numeric": TypeKind.DECIMAL,
    "bool": TypeKind.BOOLEAN,
    "boolean": TypeKind.BOOLEAN,
    "date": TypeKind.DATE,
    "time": TypeKind.TIME,
    "datetime": TypeKind.DATETIME,
    "timestamp": TypeKind.DATETIME,
    "timestamptz": TypeKind.DATETIME,
    "interval": TypeKind.INTERVAL,
    "json": TypeKind.JSON,
    "jsonb": TypeKind.JSON,
    "uuid": TypeKind.UUID,
    "bytes": TypeKind.BYTES,
    "blob": TypeKind.BYTES,
    "enum": TypeKind.ENUM,
    "native": TypeKind.NATIVE,
}

UNTYPED = "any"
"""The master's name for a column declared without a type (SQLite ``value,`` or ``d DEFAULT 0``: legal, BLOB
affinity, the column holds any value; https://www.sqlite.org/datatype3.html section 3.1, rule 3). It is
``ColumnType(NATIVE, native="")``; SQLite renders it typeless again, PostgreSQL (which needs a type) as ``text``
and ``render`` says so (``dialects/postgresql/diff.py: not_stored``)."""

_TYPE_RE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_ .]*?)\s*(?:\((.*)\))?\s*((?:\[\])*)\s*$", re.S)


class TypeSpecError(ValueError):
    """Raised by :func:`parse_type` for a type string it cannot read; the message says what was expected."""


_T = TypeVar("_T")


def pickled_by_fields(cls: type[_T]) -> type[_T]:
    """Class decorator for the model's frozen, slotted dataclasses: pickle as ``(cls, field values)``.

    The ``__getstate__``/``__setstate__`` that ``dataclass(slots=True)`` generates call :func:`dataclasses.fields`
    for every object, which made (un)pickling a 1,000-table Schema take about 0.1 s each way; rebuilding through
    ``__init__`` is several times faster. Pickles feed the master cache and the diff's loader process. Every field
    must be an ``__init__`` parameter (checked here).
    """
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    if not all(f.init for f in fields):  # pragma: no cover - a guard for future model classes
        raise TypeError(f"{cls.__name__}: pickled_by_fields needs every field in __init__")
    names = tuple(f.name for f in fields)
    get = operator.attrgetter(*names)

    def __reduce__(self: Any) -> tuple[Any, tuple[Any, ...]]:
        values = get(self)
        return cls, values if len(names) > 1 else (values,)

    cls.__reduce__ = __reduce__  # type: ignore[method-assign]
    return cls


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class ColumnType:
    """A logical column type.

    Attributes:
        kind: the type family.
        length: characters for STRING/CHAR (None = unbounded / dialect default).
        precision: digits for DECIMAL; fractional-second digits for TIME/DATETIME (None = dialect default).
        scale: digits after the point for DECIMAL.
        timezone: TIME/DATETIME carry a time zone (PostgreSQL ``timestamptz``).
        binary: JSON stored in binary form (PostgreSQL ``jsonb``, the default) rather than text ``json``.
        enum_name: the enum's name, for kind ENUM.
        native: the verbatim native type, for kind NATIVE (e.g. ``tsvector``).
        array_dims: 0 for a scalar, 1 for ``x[]``, 2 for ``x[][]``.
    """

    kind: TypeKind
    length: int | None = None
    precision: int | None = None
    scale: int | None = None
    timezone: bool = False
    binary: bool = True
    enum_name: str | None = None
    native: str | None = None
    array_dims: int = 0

    @property
    def is_array(self) -> bool:
        return self.array_dims > 0

    def element(self) -> ColumnType:
        """The element type of an array type (or ``self`` for a scalar)."""
        return replace(self, array_dims=0)

    def spec(self) -> str:
        """The canonical text form, parsed back by :func:`parse_type` into an equal value."""
        k = self.kind
        if k is TypeKind.STRING:
            base = f"varchar({self.length})" if self.length is not None else "string"
        elif k is TypeKind.CHAR:
            base = f"char({self.length})" if self.length is not None else "char"
        elif k is TypeKind.DECIMAL:
            if self.precision is None:
                base = "decimal"
            elif self.scale is None:
                base = f"decimal({self.precision})"
            else:
                base = f"decimal({self.precision},{self.scale})"
        elif k in (TypeKind.DATETIME, TypeKind.TIME):
            args = [str(self.precision)] if self.precision is not None else []
            if self.timezone:
                args.append("tz")
            base = f"{k.value}({','.join(args)})" if args else k.value
        elif k is TypeKind.JSON:
            base = "jsonb" if self.binary else "json"
        elif k is TypeKind.ENUM:
            base = f"enum({self.enum_name})"
        elif k is TypeKind.NATIVE:
            base = f"native({self.native})" if self.native else UNTYPED
        else:
            base = k.value
        return base + "[]" * self.array_dims

    def __str__(self) -> str:
        return self.spec()


def _int(arg: str, what: str, text: str) -> int:
    try:
        value = int(arg.strip())
    except ValueError:
        raise TypeSpecError(f"{what} in type {text!r} must be an integer, got {arg.strip()!r}") from None
    if value < 0:
        raise TypeSpecError(f"{what} in type {text!r} must not be negative")
    return value


def parse_type(text: str, enums: frozenset[str] | set[str] | None = None) -> ColumnType:
    """Parse a type string of the YAML master into a :class:`ColumnType`.

    Args:
        text: e.g. ``"varchar(255)"``, ``"decimal(10,2)"``, ``"datetime(3,tz)"``, ``"timestamptz"``,
            ``"enum(Status)"``, ``"text[]"``, ``"native(tsvector)"``, ``"any"`` (no declared type: :data:`UNTYPED`); a
            bare name found in ``enums`` is that enum,
            schema-qualified ones included (``sales.state``, ``sales.state[]``: enums are keyed ``schema.name``
            outside the default schema, docs/master-format.md).
        enums: names of the schema's enums, so ``Status`` alone may name one.

    Returns:
        The ColumnType.

    Raises:
        TypeSpecError: unknown type name or malformed parameters; the message lists the known names.
    """
    if enums is None or isinstance(enums, frozenset):
        # Masters repeat a few dozen type strings thousands of times: parse each once, share the frozen result.
        return _parse_type_cached(text, enums)
    return _parse_type(text, enums)


@functools.lru_cache(maxsize=4096)
def _parse_type_cached(text: str, enums: frozenset[str] | None) -> ColumnType:
    return _parse_type(text, enums)


def _parse_type(text: str, enums: frozenset[str] | set[str] | None) -> ColumnType:
    m = _TYPE_RE.match(text)
    if not m:
        raise TypeSpecError(f"cannot read type {text!r}")
    name, args, arr = m.group(1).strip(), m.group(2), m.group(3)
    dims = len(arr) // 2
    if enums and name in enums and args is None:
        return ColumnType(TypeKind.ENUM, enum_name=name, array_dims=dims)
    if name.lower() == UNTYPED and args is None:
        return ColumnType(TypeKind.NATIVE, native="", array_dims=dims)
    kind = _ALIASES.get(name.lower())
    if kind is None:
        known = ", ".join(sorted((*_ALIASES, UNTYPED)))
        raise TypeSpecError(f"unknown type {name!r}; expected one of: {known}, an enum name, or native(...)")
    parts = [a.strip() for a in args.split(",")] if args is not None and args.strip() else []
    lname = name.lower()
    if kind in (TypeKind.STRING, TypeKind.CHAR):
        if len(parts) > 1:
            raise TypeSpecError(f"{name} takes one length, got {text!r}")
        return ColumnType(kind, length=_int(parts[0], "length", text) if parts else None, array_dims=dims)
    if kind is TypeKind.DECIMAL:
        if len(parts) > 2:
            raise TypeSpecError(f"decimal takes (precision, scale), got {text!r}")
        p = _int(parts[0], "precision", text) if parts else None
        s = _int(parts[1], "scale", text) if len(parts) > 1 else None
        return ColumnType(kind, precision=p, scale=s, array_dims=dims)
    if kind in (TypeKind.DATETIME, TypeKind.TIME):
        tz = lname == "timestamptz"
        prec: int | None = None
        for part in parts:
            if part.lower() in ("tz", "timezone", "with time zone"):
                tz = True
            else:
                prec = _int(part, "precision", text)
        return ColumnType(kind, precision=prec, timezone=tz, array_dims=dims)
    if kind is TypeKind.JSON:
        return ColumnType(kind, binary=lname != "json", array_dims=dims)
    if kind is TypeKind.ENUM:
        if len(parts) != 1 or not parts[0]:
            raise TypeSpecError(f"enum type needs the enum's name: enum(Name), got {text!r}")
        return ColumnType(kind, enum_name=parts[0], array_dims=dims)
    if kind is TypeKind.NATIVE:
        if args is None or not args.strip():
            raise TypeSpecError(f"native type needs the native name: native(tsvector), got {text!r}")
        return ColumnType(kind, native=args.strip(), array_dims=dims)
    if parts:
        raise TypeSpecError(f"type {name!r} takes no parameters, got {text!r}")
    return ColumnType(kind, array_dims=dims)
