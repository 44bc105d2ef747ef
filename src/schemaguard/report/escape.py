"""Escaping for report formats whose readers interpret text: Markdown (pull-request comments) and XML (JUnit).

Names and messages come from schema files and databases, that is, from whoever wrote them: a table named
``<img src=x> @org/team [click](https://evil)`` must show as that text, never as an image, a mention or a link,
and a control character in a name must not make a JUnit file unreadable.
Sources: CommonMark 0.31 (code spans, backslash escapes, entity references), GitHub Flavored Markdown (tables:
``\\|`` inside a cell, including inside a code span; extended autolinks), XML 1.0 section 2.2 (Char).
"""

from __future__ import annotations

import re

_ZWSP = "\u200b"
# The punctuation that can start inline markup in running text (CommonMark lets a backslash escape each):
# emphasis, code, links/images (a '(' is harmless once '[' is escaped), strikethrough, table cells, headings.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]!#~|])")
BACKTICKS = re.compile(r"`+")


def _one_line(text: object) -> str:
    return " ".join(str(text if text is not None else "").split())


def md_text(text: object) -> str:
    """``text`` as inert Markdown/HTML on one line, safe in a table cell.

    HTML is written as entities (``<`` ``>`` ``&``), Markdown punctuation is backslash-escaped, ``@`` mentions
    and bare-URL autolinks are broken with a zero-width space after ``@`` / in ``://`` and ``www.``, so nothing
    notifies, links or embeds.
    """
    s = _one_line(text)
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = _MD_SPECIAL.sub(r"\\\1", s)
    s = s.replace("@", "@" + _ZWSP).replace("://", ":" + _ZWSP + "//")
    return re.sub(r"(?i)\bwww\.", lambda m: m.group()[:3] + _ZWSP + ".", s)


def md_code(text: object) -> str:
    """``text`` as a code span on one line, safe in a table cell: fenced with one backtick more than the longest
    run inside, padded when it starts or ends with a backtick (CommonMark 6.1), ``|`` escaped for GFM tables.
    Nothing inside a code span is HTML, a link or a mention."""
    s = _one_line(text)
    if not s:
        return ""
    fence = "`" * (max((len(m) for m in BACKTICKS.findall(s)), default=0) + 1)
    pad = " " if s[0] == "`" or s[-1] == "`" or (s[0] == " " and s[-1] == " ") else ""
    return f"{fence}{pad}{s.replace('|', chr(92) + '|')}{pad}{fence}"


_NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(document: str) -> str:
    """``document`` with every character XML 1.0 forbids (C0 controls but tab/newline/return, surrogates,
    U+FFFE/U+FFFF) replaced by U+FFFD. ElementTree escapes ``<&>"`` but writes those characters as they are,
    which makes the file unreadable to every XML parser; structural markup never contains them."""
    return _NOT_XML_CHAR.sub("\ufffd", document)
