"""The Prisma schema AST: what :mod:`schemaguard.prisma.parser` produces and the loader consumes.

The AST keeps the source positions (1-based line and column) of every node so that the loader can report
``file:line:col`` for semantic errors too. It models the Prisma Schema Language as documented in
https://www.prisma.io/docs/orm/reference/prisma-schema-reference
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Str:
    """A string literal (escapes already decoded)."""

    value: str
    line: int = 0
    column: int = 0


@dataclass(frozen=True, slots=True)
class Num:
    """A numeric literal as written (``-1``, ``0.5``)."""

    text: str
    line: int = 0
    column: int = 0

    @property
    def value(self) -> int | float:
        """The number as int when it has no fraction or exponent, else float."""
        try:
            return int(self.text)
        except ValueError:
            return float(self.text)


@dataclass(frozen=True, slots=True)
class Const:
    """A bare identifier used as a value: ``true``, ``Cascade``, an enum value, a field reference."""

    name: str
    line: int = 0
    column: int = 0


@dataclass(frozen=True, slots=True)
class Call:
    """A function call: ``now()``, ``cuid(2)``, ``dbgenerated("...")``, ``email(ops: raw("gin_trgm_ops"))``."""

    name: str
    args: tuple[Arg, ...] = ()
    line: int = 0
    column: int = 0


@dataclass(frozen=True, slots=True)
class Array:
    """An array literal ``[a, b]``."""

    items: tuple[Value, ...] = ()
    line: int = 0
    column: int = 0


Value = Str | Num | Const | Call | Array


@dataclass(frozen=True, slots=True)
class Arg:
    """A named (``name: value``) or positional (``name`` None) argument."""

    name: str | None
    value: Value
    line: int = 0
    column: int = 0


@dataclass(frozen=True, slots=True)
class Attribute:
    """A field attribute ``@name(args)`` (``block`` False) or a block attribute ``@@name(args)`` (``block`` True).

    ``name`` is without the ``@``/``@@`` and may be dotted (``db.VarChar``).
    """

    name: str
    args: tuple[Arg, ...] = ()
    block: bool = False
    line: int = 0
    column: int = 0

    def arg(self, name: str, position: int | None = None) -> Value | None:
        """The argument called ``name``, else the positional argument at ``position`` (if given), else None."""
        for a in self.args:
            if a.name == name:
                return a.value
        if position is not None:
            positional = [a for a in self.args if a.name is None]
            if len(positional) > position:
                return positional[position].value
        return None

    @property
    def display(self) -> str:
        """``@name`` or ``@@name`` as written."""
        return ("@@" if self.block else "@") + self.name


@dataclass(frozen=True, slots=True)
class Field:
    """A model/view/type field: ``name Type? @attr...``.

    Attributes:
        type_name: the type identifier; for ``Unsupported("x")`` it is ``Unsupported`` and ``unsupported`` is x.
        optional: ``?`` modifier.
        is_list: ``[]`` modifier.
        doc: the ``///`` comment lines above (or after) the field, joined by newlines; None if absent.
    """

    name: str
    type_name: str
    optional: bool = False
    is_list: bool = False
    unsupported: str | None = None
    attributes: tuple[Attribute, ...] = ()
    doc: str | None = None
    line: int = 0
    column: int = 0
    type_line: int = 0
    type_column: int = 0

    def attribute(self, name: str) -> Attribute | None:
        """The first field attribute called ``name`` (without ``@``), or None."""
        for a in self.attributes:
            if a.name == name:
                return a
        return None


@dataclass(frozen=True, slots=True)
class EnumValue:
    """One value of an enum block, with its attributes (``@map``)."""

    name: str
    attributes: tuple[Attribute, ...] = ()
    doc: str | None = None
    line: int = 0
    column: int = 0


@dataclass(frozen=True, slots=True)
class Property:
    """A ``key = value`` line of a ``datasource`` or ``generator`` block."""

    key: str
    value: Value
    line: int = 0
    column: int = 0


@dataclass(frozen=True, slots=True)
class Block:
    """A top-level block.

    Attributes:
        kind: ``model``, ``view``, ``type``, ``enum``, ``datasource`` or ``generator``.
        name: the block's name.
        fields: fields (model/view/type).
        values: enum values (enum).
        properties: ``key = value`` lines (datasource/generator).
        attributes: block attributes ``@@x`` (model/view/enum).
        doc: ``///`` lines above the block.
        path: the file the block came from (multi-file schemas).
    """

    kind: str
    name: str
    fields: tuple[Field, ...] = ()
    values: tuple[EnumValue, ...] = ()
    properties: tuple[Property, ...] = ()
    attributes: tuple[Attribute, ...] = ()
    doc: str | None = None
    path: str | None = None
    line: int = 0
    column: int = 0

    def attribute(self, name: str) -> Attribute | None:
        """The first block attribute called ``name`` (without ``@@``), or None."""
        for a in self.attributes:
            if a.name == name:
                return a
        return None

    def property(self, key: str) -> Value | None:
        """The value of ``key = ...`` in a datasource/generator block, or None."""
        for p in self.properties:
            if p.key == key:
                return p.value
        return None


@dataclass(frozen=True, slots=True)
class PrismaFile:
    """A parsed schema file (or several files joined): its blocks in source order."""

    blocks: tuple[Block, ...] = ()
    path: str | None = None

    def of_kind(self, *kinds: str) -> list[Block]:
        """Blocks whose kind is one of ``kinds``, in source order."""
        return [b for b in self.blocks if b.kind in kinds]


def format_value(value: Value) -> str:
    """PSL text of a value, as it would be written in a schema (``now()``, ``"a\\"b"``, ``[A, B]``)."""
    if isinstance(value, Str):
        return quote(value.value)
    if isinstance(value, Num):
        return value.text
    if isinstance(value, Const):
        return value.name
    if isinstance(value, Call):
        return f"{value.name}({format_args(value.args)})"
    return "[" + ", ".join(format_value(v) for v in value.items) + "]"


def format_args(args: tuple[Arg, ...]) -> str:
    """PSL text of an argument list without the parentheses."""
    return ", ".join((f"{a.name}: " if a.name else "") + format_value(a.value) for a in args)


def quote(text: str) -> str:
    """A PSL string literal for ``text`` (backslash, quote and control characters escaped)."""
    out = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")
    return f'"{out}"'
