"""A tokenizer and recursive-descent parser for the Prisma Schema Language (PSL).

Covers the language as real projects write it: ``datasource``/``generator`` blocks of ``key = value`` lines,
``model``/``view``/``type`` blocks of fields (``name Type?``, ``Type[]``, ``Unsupported("x")``) with field
attributes ``@x(args)`` and block attributes ``@@x(args)``, ``enum`` blocks, ``///`` doc comments, ``//`` and
``/* */`` comments, named and positional arguments, function calls (``now()``, ``cuid(2)``, ``dbgenerated("...")``,
``raw("...")``), arrays and string escapes. PSL is line-oriented: a field or property ends at the end of its
line, but argument lists may span lines.

Source: https://www.prisma.io/docs/orm/reference/prisma-schema-reference

Errors raise :class:`schemaguard.errors.SchemaError` with the file, line and column of the offending token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from schemaguard.errors import SchemaError
from schemaguard.prisma.ast import (
    Arg,
    Array,
    Attribute,
    Block,
    Call,
    Const,
    EnumValue,
    Field,
    Num,
    PrismaFile,
    Property,
    Str,
    Value,
)

BLOCK_KINDS = ("model", "view", "type", "enum", "datasource", "generator")
"""Top-level keywords of PSL."""

MAX_NESTING = 64
"""Deepest nesting of calls and arrays in one value (real schemas use 3 at most, e.g. ``@default(dbgenerated(
"..."))``): deeper input is refused with its position instead of exhausting the interpreter's stack."""

_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r", "/": "/", "b": "\b", "f": "\f", "'": "'"}

_TOKEN_RE = re.compile(
    r"""
    (?P<NL>\r?\n)
  | (?P<WS>[ \t\f\v\ufeff]+)
  | (?P<DOC>///[^\n]*)
  | (?P<COMMENT>//[^\n]*)
  | (?P<BLOCK>/\*)
  | (?P<NUMBER>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<IDENT>[A-Za-z_][A-Za-z0-9_\-]*)
  | (?P<STRING>")
  | (?P<ATAT>@@)
  | (?P<PUNCT>[@{}()\[\],:=?.])
    """,
    re.X,
)


@dataclass(frozen=True, slots=True)
class Token:
    """A lexical token: kind (NL, DOC, NUMBER, IDENT, STRING, ATAT, PUNCT, EOF), text and 1-based position."""

    kind: str
    text: str
    line: int
    column: int


def tokenize(text: str, path: str | None = None) -> list[Token]:
    """Split PSL text into tokens (``//`` and ``/* */`` comments and blanks dropped; newlines and ``///`` docs
    kept).

    Args:
        text: the schema text.
        path: the file name for error messages.

    Returns:
        The tokens, ending with an EOF token.

    Raises:
        SchemaError: an unterminated string or a character PSL does not use.
    """
    tokens: list[Token] = []
    pos, line, line_start = 0, 1, 0
    n = len(text)
    while pos < n:
        m = _TOKEN_RE.match(text, pos)
        col = pos - line_start + 1
        if m is None:
            raise SchemaError(f"unexpected character {text[pos]!r}", path, line, col)
        kind = m.lastgroup or ""
        if kind == "STRING":
            value, end = _read_string(text, pos, path, line, col)
            tokens.append(Token("STRING", value, line, col))
            pos = end
            continue
        if kind == "BLOCK":
            # A /* ... */ comment (Prisma's parser accepts it): skipped, its newlines still counted.
            end = text.find("*/", pos + 2)
            if end < 0:
                raise SchemaError("unterminated /* comment", path, line, col)
            inner = text[pos:end]
            if (breaks := inner.count("\n")) > 0:
                line += breaks
                line_start = pos + inner.rfind("\n") + 1
            pos = end + 2
            continue
        if kind == "NL":
            tokens.append(Token("NL", "\n", line, col))
            line += 1
            line_start = m.end()
        elif kind == "DOC":
            tokens.append(Token("DOC", m.group()[3:].strip(), line, col))
        elif kind not in ("WS", "COMMENT"):
            tokens.append(Token(kind, m.group(), line, col))
        pos = m.end()
    tokens.append(Token("EOF", "", line, pos - line_start + 1))
    return tokens


def _read_string(text: str, start: int, path: str | None, line: int, col: int) -> tuple[str, int]:
    out: list[str] = []
    i = start + 1
    while i < len(text):
        ch = text[i]
        if ch == '"':
            return "".join(out), i + 1
        if ch == "\n":
            break
        if ch == "\\":
            nxt = text[i + 1 : i + 2]
            if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[i + 2 : i + 6]):
                out.append(chr(int(text[i + 2 : i + 6], 16)))
                i += 6
                continue
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
            raise SchemaError(f"unknown escape sequence \\{nxt} in string", path, line, col + (i - start))
        out.append(ch)
        i += 1
    raise SchemaError("unterminated string literal", path, line, col)


class _Parser:
    def __init__(self, tokens: list[Token], path: str | None):
        self.toks = tokens
        self.i = 0
        self.path = path
        self.depth = 0

    # --- token helpers -------------------------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.toks[self.i]

    def advance(self) -> Token:
        t = self.toks[self.i]
        if t.kind != "EOF":
            self.i += 1
        return t

    def error(self, problem: str, tok: Token | None = None) -> SchemaError:
        t = tok or self.tok
        return SchemaError(problem, self.path, t.line, t.column)

    def is_punct(self, ch: str) -> bool:
        return self.tok.kind == "PUNCT" and self.tok.text == ch

    def expect_punct(self, ch: str, what: str) -> Token:
        if not self.is_punct(ch):
            raise self.error(f"expected '{ch}' {what}, found {_describe(self.tok)}")
        return self.advance()

    def expect_ident(self, what: str) -> Token:
        if self.tok.kind != "IDENT":
            raise self.error(f"expected {what}, found {_describe(self.tok)}")
        return self.advance()

    def skip_newlines(self) -> None:
        while self.tok.kind in ("NL", "DOC"):
            self.advance()

    def take_docs(self) -> list[str]:
        """Consume blank lines and ``///`` lines, returning the docs of the last uninterrupted run."""
        docs: list[str] = []
        while self.tok.kind in ("NL", "DOC"):
            t = self.advance()
            if t.kind == "DOC":
                docs.append(t.text)
        return docs

    def end_of_line(self, what: str) -> str | None:
        """Expect the end of a member line; return a trailing ``///`` comment if there is one."""
        doc = None
        if self.tok.kind == "DOC":
            doc = self.advance().text
        if self.tok.kind == "NL":
            self.advance()
        elif not (self.is_punct("}") or self.tok.kind == "EOF"):
            raise self.error(f"unexpected {_describe(self.tok)} after {what}; expected the end of the line")
        return doc

    # --- grammar ---------------------------------------------------------------------------------------
    def parse_file(self) -> PrismaFile:
        blocks: list[Block] = []
        while True:
            docs = self.take_docs()
            if self.tok.kind == "EOF":
                break
            blocks.append(self.parse_block(docs))
        return PrismaFile(tuple(blocks), self.path)

    def parse_block(self, docs: list[str]) -> Block:
        kw = self.tok
        if kw.kind != "IDENT" or kw.text not in BLOCK_KINDS:
            raise self.error(f"expected a block ({', '.join(BLOCK_KINDS)}), found {_describe(kw)}")
        self.advance()
        name = self.expect_ident(f"a name after '{kw.text}'")
        if not self.is_punct("{"):
            raise self.error(f"expected '{{' to open {kw.text} {name.text}, found {_describe(self.tok)}")
        opening = self.advance()
        if kw.text in ("datasource", "generator"):
            props = self.parse_properties(kw, name, opening)
            return Block(kw.text, name.text, properties=tuple(props), doc=_doc(docs), path=self.path,
                         line=kw.line, column=kw.column)  # fmt: skip
        fields: list[Field] = []
        values: list[EnumValue] = []
        attrs: list[Attribute] = []
        while True:
            member_docs = self.take_docs()
            t = self.tok
            if t.kind == "EOF":
                raise SchemaError(
                    f"unterminated {kw.text} block '{name.text}': missing '}}' (the block opens here)",
                    self.path,
                    opening.line,
                    opening.column,
                )
            if self.is_punct("}"):
                self.advance()
                break
            if t.kind == "ATAT":
                attrs.append(self.parse_attribute(block=True))
                self.end_of_line(f"block attribute @@{attrs[-1].name}")
            elif t.kind == "IDENT" and t.text in BLOCK_KINDS and self._looks_like_block_start():
                raise SchemaError(
                    f"unterminated {kw.text} block '{name.text}': missing '}}' before the next block",
                    self.path,
                    opening.line,
                    opening.column,
                )
            elif t.kind == "IDENT":
                if kw.text == "enum":
                    values.append(self.parse_enum_value(member_docs))
                else:
                    fields.append(self.parse_field(member_docs))
            else:
                raise self.error(f"unexpected {_describe(t)} in {kw.text} {name.text}")
        return Block(
            kw.text, name.text, fields=tuple(fields), values=tuple(values), attributes=tuple(attrs),
            doc=_doc(docs), path=self.path, line=kw.line, column=kw.column,
        )  # fmt: skip

    def _looks_like_block_start(self) -> bool:
        # `model Foo {` on one line: a keyword followed by a name and an opening brace.
        nxt = self.toks[self.i + 1 : self.i + 3]
        return len(nxt) == 2 and nxt[0].kind == "IDENT" and nxt[1].kind == "PUNCT" and nxt[1].text == "{"

    def parse_properties(self, kw: Token, name: Token, opening: Token) -> list[Property]:
        props: list[Property] = []
        while True:
            self.skip_newlines()
            if self.tok.kind == "EOF":
                raise SchemaError(
                    f"unterminated {kw.text} block '{name.text}': missing '}}' (the block opens here)",
                    self.path,
                    opening.line,
                    opening.column,
                )
            if self.is_punct("}"):
                self.advance()
                return props
            key = self.expect_ident(f"a property name in {kw.text} {name.text}")
            self.expect_punct("=", f"after property '{key.text}'")
            value = self.parse_value()
            props.append(Property(key.text, value, key.line, key.column))
            self.end_of_line(f"property '{key.text}'")

    def parse_field(self, docs: list[str]) -> Field:
        name = self.advance()
        if self.tok.kind != "IDENT":
            raise self.error(f"expected a type after field '{name.text}', found {_describe(self.tok)}")
        type_tok = self.advance()
        unsupported = None
        if type_tok.text == "Unsupported" and self.is_punct("("):
            self.advance()
            if self.tok.kind != "STRING":
                raise self.error('Unsupported takes the database type as a string: Unsupported("tsvector")')
            unsupported = self.advance().text
            self.expect_punct(")", 'to close Unsupported("...")')
        is_list = optional = False
        if self.is_punct("["):
            self.advance()
            self.expect_punct("]", "to close the list type '[]'")
            is_list = True
        if self.is_punct("?"):
            self.advance()
            optional = True
        attrs: list[Attribute] = []
        while self.is_punct("@"):
            attrs.append(self.parse_attribute(block=False))
        trailing = self.end_of_line(f"field '{name.text}'")
        if trailing:
            docs = [*docs, trailing]
        return Field(
            name.text, type_tok.text, optional, is_list, unsupported, tuple(attrs), _doc(docs),
            name.line, name.column, type_tok.line, type_tok.column,
        )  # fmt: skip

    def parse_enum_value(self, docs: list[str]) -> EnumValue:
        name = self.advance()
        attrs: list[Attribute] = []
        while self.is_punct("@"):
            attrs.append(self.parse_attribute(block=False))
        trailing = self.end_of_line(f"enum value '{name.text}'")
        if trailing:
            docs = [*docs, trailing]
        return EnumValue(name.text, tuple(attrs), _doc(docs), name.line, name.column)

    def parse_attribute(self, block: bool) -> Attribute:
        at = self.advance()
        parts = [self.expect_ident("an attribute name after '@'").text]
        while self.is_punct("."):
            self.advance()
            parts.append(self.expect_ident("a name after '.'").text)
        args: tuple[Arg, ...] = ()
        if self.is_punct("("):
            args = self.parse_args()
        return Attribute(".".join(parts), args, block, at.line, at.column)

    def parse_args(self) -> tuple[Arg, ...]:
        open_tok = self.advance()
        args: list[Arg] = []
        while True:
            self.skip_newlines()
            if self.is_punct(")"):
                self.advance()
                return tuple(args)
            if self.tok.kind == "EOF":
                raise SchemaError("unclosed '(' in argument list", self.path, open_tok.line, open_tok.column)
            start = self.tok
            name = None
            if start.kind == "IDENT" and self.toks[self.i + 1].kind == "PUNCT" and self.toks[self.i + 1].text == ":":
                name = start.text
                self.advance()
                self.advance()
                self.skip_newlines()
            args.append(Arg(name, self.parse_value(), start.line, start.column))
            self.skip_newlines()
            if self.is_punct(","):
                self.advance()
            elif not self.is_punct(")"):
                raise self.error(f"expected ',' or ')' in argument list, found {_describe(self.tok)}")

    def parse_value(self) -> Value:
        t = self.tok
        if self.depth >= MAX_NESTING:
            raise self.error(f"value nested more than {MAX_NESTING} levels deep")
        self.depth += 1
        try:
            return self._parse_value(t)
        finally:
            self.depth -= 1

    def _parse_value(self, t: Token) -> Value:
        if t.kind == "STRING":
            self.advance()
            return Str(t.text, t.line, t.column)
        if t.kind == "NUMBER":
            self.advance()
            return Num(t.text, t.line, t.column)
        if t.kind == "IDENT":
            self.advance()
            name = t.text
            while self.is_punct("."):
                self.advance()
                name += "." + self.expect_ident("a name after '.'").text
            if self.is_punct("("):
                return Call(name, self.parse_args(), t.line, t.column)
            return Const(name, t.line, t.column)
        if self.is_punct("["):
            self.advance()
            items: list[Value] = []
            while True:
                self.skip_newlines()
                if self.is_punct("]"):
                    self.advance()
                    return Array(tuple(items), t.line, t.column)
                if self.tok.kind == "EOF":
                    raise SchemaError("unclosed '[' in array", self.path, t.line, t.column)
                items.append(self.parse_value())
                self.skip_newlines()
                if self.is_punct(","):
                    self.advance()
                elif not self.is_punct("]"):
                    raise self.error(f"expected ',' or ']' in array, found {_describe(self.tok)}")
        raise self.error(f"expected a value, found {_describe(t)}")


def _describe(t: Token) -> str:
    if t.kind == "EOF":
        return "the end of the file"
    if t.kind == "NL":
        return "the end of the line"
    if t.kind == "STRING":
        return f'string "{t.text}"'
    if t.kind == "DOC":
        return "a /// comment"
    return f"'{t.text}'"


def _doc(lines: list[str]) -> str | None:
    return "\n".join(lines) if lines else None


def parse_prisma(text: str, path: str | None = None) -> PrismaFile:
    """Parse Prisma schema text into a :class:`~schemaguard.prisma.ast.PrismaFile`.

    Args:
        text: the schema source.
        path: the file name used in error messages and recorded on each block.

    Returns:
        The AST: blocks in source order, with positions.

    Raises:
        SchemaError: a syntax error, with ``path``, ``line`` and ``column`` of the offending token (for an
            unterminated block: of its opening brace).
    """
    return _Parser(tokenize(text, path), path).parse_file()


def parse_prisma_file(path: str | Path) -> PrismaFile:
    """Read and parse a ``.prisma`` file.

    Raises:
        SchemaError: the file cannot be read (no line) or has a syntax error.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise SchemaError(f"cannot read Prisma schema: {exc.strerror or exc}", str(p)) from None
    return parse_prisma(text, str(p))
