"""Reading one file into a `Document`: size limit, binary detection, decoding, front matter, format.

Everything here is a pure function of the file's bytes and name except `read_document`, which does
the reading. A file that cannot be ingested raises `DocumentError` with a reason fit for the
`errors` table; the caller records it and goes on.
"""
from __future__ import annotations

import datetime as dt
import errno
import hashlib
import html
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from monitor.errors import DocumentError

FORMATS = {
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
}
# A NUL byte in the first block means binary (unless a UTF-16 BOM says it is text): text editors
# and scrapers never write NUL into UTF-8 text, and this is the test `git` and `grep` use too.
BINARY_SNIFF_BYTES = 8192

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


class FileVanished(DocumentError):
    """The file was listed but was gone when it was opened."""


class NotIngestible(DocumentError):
    """The file is too large, binary, unreadable or not a regular file."""


@dataclass(frozen=True)
class Metadata:
    """What a document says about itself: front matter in Markdown, <title>/<meta> in HTML."""

    title: str | None = None
    date: str | None = None  # ISO date, YYYY-MM-DD
    source_url: str | None = None
    fields: dict[str, str] = field(default_factory=dict)  # every front matter key, raw

    @property
    def reference_date(self) -> dt.date | None:
        """The document's date, against which dates without a year are resolved."""
        return dt.date.fromisoformat(self.date) if self.date else None


@dataclass(frozen=True)
class Document:
    """One file's content as it will be stored as a version."""

    sha256: str  # of the raw bytes
    size: int
    mtime: float
    mtime_ns: int
    format: str  # text, markdown or html
    encoding: str
    decode_errors: bool  # undecodable bytes were replaced with U+FFFD
    text: str  # the decoded file text, markup and front matter included
    metadata: Metadata


def format_of(path: str | Path) -> str:
    """The document format from the file name: text, markdown or html (text if unknown)."""
    return FORMATS.get(Path(path).suffix.lower(), "text")


def read_document(path: str | Path, *, max_size: int) -> Document:
    """Read, check and decode the file at `path`.

    Raises `FileVanished` when it is gone and `NotIngestible` when it is too large, binary,
    unreadable or not a regular file (a FIFO is never opened for a blocking read).
    """
    raw, st = _read_bytes(Path(path), max_size)
    return parse_document(raw, path, size=st.st_size, mtime_ns=st.st_mtime_ns)


def parse_document(raw: bytes, path: str | Path, *, size: int | None = None, mtime_ns: int = 0) -> Document:
    """A `Document` from the bytes of a file (pure: the path only gives the format)."""
    if is_binary(raw):
        raise NotIngestible(f"{path}: binary file (contains NUL bytes), not ingested")
    text, encoding, errors = decode(raw)
    fmt = format_of(path)
    return Document(
        sha256=hashlib.sha256(raw).hexdigest(),
        size=len(raw) if size is None else size,
        mtime=mtime_ns / 1e9,
        mtime_ns=mtime_ns,
        format=fmt,
        encoding=encoding,
        decode_errors=errors,
        text=text,
        metadata=read_metadata(text, fmt),
    )


def _read_bytes(path: Path, max_size: int) -> tuple[bytes, os.stat_result]:
    # O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then tells what was opened,
    # with no window between checking and reading.
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise FileVanished(f"{path}: vanished before it could be read") from None
    except OSError as e:
        raise NotIngestible(f"{path}: {_reason(e)}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotIngestible(f"{path}: not a regular file")
        if st.st_size > max_size:
            raise NotIngestible(f"{path}: over the size limit ({st.st_size} bytes > {max_size})")
        with os.fdopen(fd, "rb", closefd=False) as f:
            # Sized by fstat, not by the limit: a read of max_size + 1 would allocate the whole
            # limit for every file. A file that grew while open is read on, up to one byte more
            # than the limit.
            raw = f.read(st.st_size + 1)
            if len(raw) > st.st_size:
                raw += f.read(max_size + 1 - len(raw))
    except OSError as e:
        raise NotIngestible(f"{path}: {_reason(e)}") from None
    finally:
        os.close(fd)
    if len(raw) > max_size:
        raise NotIngestible(f"{path}: over the size limit (grew past {max_size} bytes while read)")
    return raw, st


def _reason(e: OSError) -> str:
    if e.errno in (errno.EACCES, errno.EPERM):
        return "unreadable (permission denied)"
    if e.errno == errno.ELOOP:
        return "symlink loop"
    return f"unreadable ({e.strerror or e})"


def is_binary(raw: bytes) -> bool:
    """True for bytes that are not text: a NUL in the first block and no UTF-16 BOM."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    return b"\x00" in raw[:BINARY_SNIFF_BYTES]


def decode(raw: bytes) -> tuple[str, str, bool]:
    """Decode text: (text, encoding, whether undecodable bytes were replaced).

    A BOM decides the encoding (UTF-8 or UTF-16) and is not part of the text; without one the
    bytes are UTF-8, and invalid sequences become U+FFFD rather than losing the document.
    """
    encoding = "utf-8"
    for bom, name in _BOMS:
        if raw.startswith(bom):
            raw, encoding = raw[len(bom):], name
            break
    codec = "utf-8" if encoding == "utf-8-sig" else encoding
    try:
        return raw.decode(codec), encoding, False
    except UnicodeDecodeError:
        return raw.decode(codec, errors="replace"), encoding, True


# ---------------------------------------------------------------------------------------------
# Metadata

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*$", re.S | re.M)
_KEY_LINE = re.compile(r"^([A-Za-z_][\w.-]*)[ \t]*:(?:[ \t]+(.*?))?[ \t]*$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:$|[T ])")
_HTML_TITLE = re.compile(r"<title\b[^>]*>(.*?)</title\s*>", re.S | re.I)
_HTML_META = re.compile(r"<meta\b[^>]*>", re.I)
_HTML_ATTR = re.compile(r"""([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")
_HTML_CANONICAL = re.compile(r"""<link\b[^>]*\brel\s*=\s*["']?canonical["']?[^>]*>""", re.I)

# Keys that carry each piece of metadata, in order of preference.
_DATE_KEYS = ("date", "published_time", "published", "modified_time")
_URL_KEYS = ("source_url", "url", "source", "canonical_url")
_HTML_DATE_META = ("date", "article:published_time", "dc.date", "dcterms.date", "article:modified_time")
_HTML_URL_META = ("og:url",)


def read_metadata(text: str, fmt: str) -> Metadata:
    """Title, date and source URL from YAML front matter (Markdown, and plain text, where scrapers
    put it too) or from the HTML head."""
    if fmt in ("markdown", "text"):
        fields = parse_front_matter(text)
        return Metadata(
            title=fields.get("title") or None,
            date=_first_date(fields, _DATE_KEYS),
            source_url=_first(fields, _URL_KEYS),
            fields=fields,
        )
    if fmt == "html":
        return _html_metadata(text)
    return Metadata()


def parse_front_matter(text: str) -> dict[str, str]:
    """The `key: value` pairs of a YAML front matter block, without a YAML library.

    Handles what scrapers write: plain, 'single' and "double" quoted scalars, values folded
    onto indented continuation lines, and `>`/`|` block scalars. Lists and nested maps are kept
    as their raw text; a line that is not `key: value` is skipped, never fatal.
    """
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}
    fields: dict[str, list[str]] = {}
    key: str | None = None
    for line in m.group(1).splitlines():
        km = _KEY_LINE.match(line)
        if km and not line[:1].isspace():
            key = km.group(1)
            fields[key] = [km.group(2) or ""]
        elif key is not None and line.strip() and line[:1].isspace():
            fields[key].append(line.strip())
        elif not line.strip() and key is not None:
            fields[key].append("")
    return {k: _scalar(parts) for k, parts in fields.items()}


def _scalar(parts: list[str]) -> str:
    head, rest = parts[0], parts[1:]
    if head in (">", ">-", ">+", "|", "|-", "|+"):
        sep = "\n" if head.startswith("|") else " "
        return sep.join(p for p in rest if p or sep == "\n").strip()
    if head.startswith('"'):
        return _double_quoted([head, *rest])
    # A plain or single-quoted scalar folded over lines: lines join with a space, blank lines
    # are line breaks.
    joined = _fold([head, *rest], escaped_breaks=False)
    if len(joined) >= 2 and joined[0] == joined[-1] == "'":
        return joined[1:-1].replace("''", "'")
    return joined


def _fold(lines: list[str], *, escaped_breaks: bool) -> str:
    out = ""
    for line in lines:
        if not line:
            out += "\n"
        elif escaped_breaks and _ends_in_escape(out):
            out = out[:-1] + line  # a backslash at the end of a line joins without a space
        elif out and not out.endswith("\n"):
            out += " " + line
        else:
            out += line
    return out.strip()


def _ends_in_escape(s: str) -> bool:
    return (len(s) - len(s.rstrip("\\"))) % 2 == 1


def _double_quoted(lines: list[str]) -> str:
    joined = _fold(lines, escaped_breaks=True)
    if len(joined) >= 2 and joined.endswith('"'):
        joined = joined[1:-1]
    return re.sub(r"\\(x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)", _unescape, joined)


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", " ": " ", "/": "/", '"': '"', "\\": "\\",
            "_": "\u00a0", "N": "\u0085", "L": "\u2028", "P": "\u2029"}


def _unescape(m: re.Match[str]) -> str:
    code = m.group(1)
    if len(code) > 1:
        return chr(int(code[1:], 16))
    return _ESCAPES.get(code, m.group(0))


def _first(fields: dict[str, str], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        if fields.get(key):
            return fields[key]
    return None


def _first_date(fields: dict[str, str], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        date = normalise_date(fields.get(key, ""))
        if date:
            return date
    return None


def normalise_date(value: str) -> str | None:
    """`YYYY-MM-DD` from an ISO date or date-time, or from any date dateutil can read unambiguously."""
    value = value.strip()
    if not value:
        return None
    m = _ISO_DATE.match(value)
    if m:
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
        except ValueError:
            return None
    from dateutil import parser  # only for the rare non-ISO date

    try:
        # Two different defaults: a date missing its year or day parses differently under each,
        # and such a partial date is not a reference date.
        a = parser.parse(value, default=dt.datetime(2000, 1, 1))
        b = parser.parse(value, default=dt.datetime(2001, 2, 2))
    except (ValueError, OverflowError):
        return None
    return a.date().isoformat() if a.date() == b.date() else None


def _html_metadata(text: str) -> Metadata:
    head = text[: 256 * 1024]
    title_m = _HTML_TITLE.search(head)
    title = " ".join(html.unescape(re.sub(r"<[^>]*>", " ", title_m.group(1))).split()) if title_m else None
    metas: dict[str, str] = {}
    for tag in _HTML_META.findall(head):
        attrs = {a.lower(): html.unescape(b or c or d) for a, b, c, d in _HTML_ATTR.findall(tag)}
        name = (attrs.get("name") or attrs.get("property") or "").lower()
        if name and "content" in attrs:
            metas.setdefault(name, attrs["content"])
    canonical = _HTML_CANONICAL.search(head)
    url = None
    if canonical:
        attrs = {a.lower(): (b or c or d) for a, b, c, d in _HTML_ATTR.findall(canonical.group(0))}
        url = attrs.get("href")
    return Metadata(
        title=title or metas.get("og:title") or None,
        date=_first_date(metas, _HTML_DATE_META),
        source_url=url or _first(metas, _HTML_URL_META),
        fields=metas,
    )


def visible_text(document: Document) -> str:
    """What a reader sees of the document (same length as its text; markup blanked)."""
    from monitor.markup import visible_text as blank_markup

    return blank_markup(document.text, document.format)
