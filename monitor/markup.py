"""What a reader sees of a file: markup blanked out, offsets kept.

``visible_text`` returns a string of exactly the same length as its input in which everything a
reader would not see (front matter, tags, comments, link targets, emphasis markers, bullets...) is
replaced by spaces. Newlines are kept, so line structure survives, and any offset into the visible
text is also an offset into the file: facts found in the visible text carry evidence spans that
index the original file directly.
"""
from __future__ import annotations

import html
import re

__all__ = ["visible_text", "reading_text", "front_matter_span"]

_FRONT_MATTER = re.compile(r"\A(?:\ufeff)?---[ \t]*\r?\n.*?\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)

# Elements whose content is never shown.
_HIDDEN_ELEMENT = re.compile(r"<(script|style|head|template|noscript)\b[^>]*>.*?</\1\s*>", re.S | re.I)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9:-]*)\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*>")
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# Tags that separate table cells become a pipe, block tags a line break, so that sentence
# splitting and table reading see the same structure a browser shows.
_CELL_TAGS = frozenset({"td", "th"})
_BLOCK_TAGS = frozenset({
    "p", "div", "br", "li", "ul", "ol", "tr", "table", "thead", "tbody", "h1", "h2", "h3", "h4",
    "h5", "h6", "blockquote", "section", "article", "header", "footer", "hr", "dd", "dt", "pre",
})

# Markdown. Every pattern starts with a literal character or a character class, so that re can
# skip ahead to where it may match instead of trying it at every position: a lookbehind comes
# after the first character (a link's "[" is checked for a backslash before it once matched),
# a repeated character is written once and then repeated ("\*\*{0,2}" for "\*{1,3}"),
# and line-start patterns begin with the line break itself (they run over "\n" + text, see
# _line_sub) instead of "^".
_MD_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)")
_MD_LINK = re.compile(r"\[(?<!\\\[)([^\]\n]*)\]\([^)\s]*(?:\s+\"[^\"\n]*\")?\)")
_MD_REF_DEF = re.compile(r"\n[ \t]{0,3}\[[^\]\n]+\]:[ \t]+\S+.*$", re.M)
_MD_BULLET = re.compile(r"\n([ \t]*+)([-*+]|\d{1,3}[.)])(?=[ \t]+\S)")
_MD_HEADING = re.compile(r"\n([ \t]{0,3})(#{1,6})(?=[ \t])")
_MD_QUOTE = re.compile(r"\n([ \t]*+)(>+)")
_MD_RULE = re.compile(r"\n[ \t]*+(?:[-*_][ \t]*){3,}$", re.M)
# Emphasis markers, a pattern per marker character: each starts with a literal, which re finds
# far faster than the four characters as one class; no marker's match holds or looks at another
# marker's character, so one pass each blanks the same as one pass for all.
_MD_EMPHASIS = {"*": re.compile(r"\*\*{0,2}"), "_": re.compile(r"_(?:(?<![A-Za-z0-9]_)_{0,2}|_{0,2}(?![A-Za-z0-9]))"),
                "~~": re.compile(r"~~"), "`": re.compile(r"``*")}
_MD_ESCAPE = re.compile(r"\\(?=[\\`*_{}\[\]()#+\-.!|<>\"'$])")
# A run of spaces at a line start is taken whole ("*+"): what follows it is never a space, so
# giving spaces back could not help, and blank lines of blanked markup are long.
# No two space runs side by side around an optional pipe ("[ \t]*\|?[ \t]*"): on the long runs
# of spaces that blanked markup leaves, re would try every way of splitting a run between them.
_MD_TABLE_RULE = re.compile(r"\n[ \t]*+(?:\|[ \t]*)?:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)*(?:\|[ \t]*)?$", re.M)
# Lines that are blanked whole: reference definitions, rules, table rules. One pass: a line is at
# most one of them (or a rule and a table rule at once, blanked either way).
_MD_BLANK_LINE = re.compile(
    r"\n(?:" + "|".join(rx.pattern[2:] for rx in (_MD_REF_DEF, _MD_RULE, _MD_TABLE_RULE)) + ")", re.M)


def _spaces(text: str) -> str:
    """Spaces for ``text``, keeping its line breaks."""
    if "\n" not in text:
        return " " * len(text)
    return "\n".join(" " * len(line) for line in text.split("\n"))


def _blank(match: re.Match[str]) -> str:
    """Spaces for a match, keeping its line breaks."""
    return _spaces(match.group(0))


def _line_sub(rx: re.Pattern[str], repl, text: str, needs: str = "") -> str:
    """``rx.sub`` for a pattern that starts with "\\n" in place of "^": a line break is put in
    front of the text so that the first line is found too, and taken off again. ``needs``: a
    string every match contains; without it in the text there is nothing to do."""
    if needs not in text:
        return text
    return rx.sub(repl, "\n" + text)[1:]


def _sub(rx: re.Pattern[str], repl, text: str, needs: str) -> str:
    """``rx.sub``, skipped when ``needs`` (a string every match contains) is not in the text."""
    return rx.sub(repl, text) if needs in text else text


def _link_text(match: re.Match[str]) -> str:
    """A Markdown link: its text stays where it was, the brackets and target become spaces."""
    return " " + match.group(1) + " " * (len(match.group(0)) - len(match.group(1)) - 1)


def _keep_indent(match: re.Match[str]) -> str:
    """A line-start marker (bullet, heading hashes, quote) blanked, its indent kept."""
    return "\n" + match.group(1) + " " * len(match.group(2))


def front_matter_span(text: str) -> tuple[int, int] | None:
    """Start and end of a YAML front matter block at the top of ``text``, if there is one."""
    m = _FRONT_MATTER.match(text)
    return (m.start(), m.end()) if m else None


def _tag(match: re.Match[str]) -> str:
    name = match.group(1).lower()
    body = match.group(0)
    filler = _blank(match)
    if name in _CELL_TAGS and not body.startswith("</"):
        return "|" + filler[1:]
    if name in _BLOCK_TAGS:
        return "\n" + filler[1:] if "\n" not in body else filler
    return filler


def _entity(match: re.Match[str]) -> str:
    raw = match.group(0)
    char = html.unescape(raw)
    if len(char) != 1 or char == raw:
        return raw
    if char in "\u00a0\u2002\u2003\u2009\u202f":
        char = " "
    return char + " " * (len(raw) - 1)


def _html(text: str) -> str:
    text = _sub(_HIDDEN_ELEMENT, _blank, text, "<")
    text = _sub(_COMMENT, _blank, text, "<!--")
    text = _sub(_TAG, _tag, text, "<")
    return _sub(_ENTITY, _entity, text, "&")


def _markdown(text: str) -> str:
    # Scrapers embed raw HTML in Markdown: read it the way a browser would.
    text = _html(text)
    text = _sub(_MD_IMAGE, _blank, text, "![")
    text = _sub(_MD_LINK, _link_text, text, "](")
    text = _line_sub(_MD_BLANK_LINE, _blank, text)
    text = _line_sub(_MD_BULLET, _keep_indent, text)
    text = _line_sub(_MD_HEADING, _keep_indent, text, "#")
    text = _line_sub(_MD_QUOTE, _keep_indent, text, ">")
    text = _sub(_MD_ESCAPE, " ", text, "\\")
    for marker, rx in _MD_EMPHASIS.items():
        text = _sub(rx, _blank, text, marker)
    return text


def visible_text(text: str, fmt: str) -> str:
    """``text`` with everything a reader would not see replaced by spaces; same length.

    ``fmt`` is "text", "markdown" or "html". A YAML front matter block at the top is blanked in
    every format (the scrapers put one on plain text too).
    """
    span = front_matter_span(text)
    if span:
        text = _spaces(text[: span[1]]) + text[span[1]:]
    if fmt == "html":
        out = _html(text)
    elif fmt == "markdown":
        out = _markdown(text)
    else:
        out = text
    assert len(out) == len(text)
    return out


# Same-length character substitutions, so offsets survive: typographic quotes and dashes, NBSP.
_SAME_LENGTH = {"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-",
                "\u2014": "-", "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2212": "-"}


def reading_text(raw: str, fmt: str) -> str:
    """The text the rules read and a fact's offsets and sentence come from: the file's visible
    text (``visible_text``) with typographic characters made plain; as long as ``raw``."""
    text = visible_text(raw, fmt)
    # One C-level replace per character present: much faster than ``str.translate`` with a
    # table, which goes character by character.
    for typographic, plain in _SAME_LENGTH.items():
        if typographic in text:
            text = text.replace(typographic, plain)
    return text
