"""Reading one file: size limit, binary detection, decoding, front matter, format."""
from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

from monitor.document import (
    FileVanished,
    NotIngestible,
    decode,
    format_of,
    is_binary,
    normalise_date,
    parse_document,
    parse_front_matter,
    read_document,
    visible_text,
)
from shared_material import HAS_SHARED, SHARED

MB = 1024 * 1024


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("name, fmt", [
    ("a.txt", "text"), ("a.md", "markdown"), ("a.MARKDOWN", "markdown"), ("a.html", "html"),
    ("a.htm", "html"), ("noext", "text"),
])
def test_format_from_extension(name, fmt):
    assert format_of(name) == fmt


def test_plain_utf8(tmp_path):
    raw = "Tariff of 25% on steel — from August 1.\n".encode()
    doc = read_document(write(tmp_path / "a.txt", raw), max_size=MB)
    assert doc.text == raw.decode()
    assert (doc.encoding, doc.decode_errors, doc.format) == ("utf-8", False, "text")
    assert doc.sha256 == hashlib.sha256(raw).hexdigest()
    assert doc.size == len(raw)


def test_utf8_bom_is_not_part_of_the_text(tmp_path):
    doc = read_document(write(tmp_path / "a.txt", b"\xef\xbb\xbfhello"), max_size=MB)
    assert (doc.text, doc.encoding) == ("hello", "utf-8-sig")


@pytest.mark.parametrize("codec, name", [("utf-16-le", "utf-16-le"), ("utf-16-be", "utf-16-be")])
def test_utf16_with_bom(tmp_path, codec, name):
    bom = b"\xff\xfe" if codec == "utf-16-le" else b"\xfe\xff"
    text = "Zölle: 25 % auf Stahl\n"
    doc = read_document(write(tmp_path / "a.txt", bom + text.encode(codec)), max_size=MB)
    assert (doc.text, doc.encoding, doc.decode_errors) == (text, name, False)


def test_invalid_utf8_is_replaced_and_flagged(tmp_path):
    doc = read_document(write(tmp_path / "a.txt", b"caf\xe9 at 25%"), max_size=MB)
    assert doc.text == "caf\ufffd at 25%"
    assert doc.decode_errors is True


def test_empty_file_is_a_document(tmp_path):
    doc = read_document(write(tmp_path / "a.txt", b""), max_size=MB)
    assert (doc.text, doc.size, doc.decode_errors) == ("", 0, False)


def test_binary_file_is_refused(tmp_path):
    with pytest.raises(NotIngestible, match="binary"):
        read_document(write(tmp_path / "a.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), max_size=MB)


def test_binary_detection_spares_utf16():
    assert is_binary(b"abc\x00def")
    assert not is_binary("abc".encode("utf-16"))
    assert not is_binary(b"plain")


def test_over_the_size_limit_is_refused(tmp_path):
    path = write(tmp_path / "a.txt", b"x" * 101)
    with pytest.raises(NotIngestible, match=r"over the size limit \(101 bytes > 100\)"):
        read_document(path, max_size=100)
    assert read_document(path, max_size=101).size == 101


@pytest.mark.parametrize("limit, refused", [(50, True), (200, False)])
def test_a_file_that_grows_while_read_is_read_whole_or_refused(tmp_path, monkeypatch, limit, refused):
    # The file is 100 bytes, but fstat reports the 10 it had when it was opened.
    path = tmp_path / "growing.txt"
    path.write_bytes(b"x" * 100)
    real_fstat = os.fstat

    def fstat_when_opened(fd):
        st = real_fstat(fd)
        return SimpleNamespace(st_mode=st.st_mode, st_size=10, st_mtime_ns=st.st_mtime_ns)

    monkeypatch.setattr("monitor.document.os.fstat", fstat_when_opened)
    if refused:
        with pytest.raises(NotIngestible, match="grew past 50 bytes"):
            read_document(path, max_size=limit)
    else:
        assert read_document(path, max_size=limit).text == "x" * 100


def test_missing_file_vanished(tmp_path):
    with pytest.raises(FileVanished, match="vanished"):
        read_document(tmp_path / "gone.txt", max_size=MB)


def test_fifo_is_not_opened_for_a_blocking_read(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    outcome: list[BaseException] = []
    # A blocking open of a FIFO would hang until a writer appears: run it in a thread and make
    # sure it finished on its own.
    thread = threading.Thread(target=lambda: outcome.append(_raises(fifo)), daemon=True)
    thread.start()
    thread.join(10)
    assert not thread.is_alive()
    assert isinstance(outcome[0], NotIngestible) and "not a regular file" in str(outcome[0])


def _raises(path: Path) -> BaseException:
    try:
        read_document(path, max_size=MB)
    except BaseException as e:  # noqa: BLE001
        return e
    raise AssertionError("read a FIFO")


def test_decode_prefers_bom():
    assert decode(b"\xef\xbb\xbf\xc3\xa9") == ("é", "utf-8-sig", False)
    assert decode(b"\xc3\xa9") == ("é", "utf-8", False)


FRONT_MATTER = '''---
date: '2025-04-09'
modified_time: 2025-04-10 10:34:16-04:00
source_url: https://www.whitehouse.gov/presidential-actions/2025/04/x/
tags: presidential-actions
title: Modifying Reciprocal Tariff Rates to Reflect Trading Partner Retaliation and
  Alignment
---
Body text.
'''


def test_front_matter_plain_and_folded():
    fields = parse_front_matter(FRONT_MATTER)
    assert fields["title"] == "Modifying Reciprocal Tariff Rates to Reflect Trading Partner Retaliation and Alignment"
    assert fields["date"] == "2025-04-09"
    assert fields["modified_time"] == "2025-04-10 10:34:16-04:00"
    assert fields["source_url"] == "https://www.whitehouse.gov/presidential-actions/2025/04/x/"


def test_front_matter_double_quoted_escapes_and_escaped_line_breaks():
    text = ('---\ntitle: "Discussions with the People\\u2019\\\n  s Republic of China"\n'
            'other: "United States \\u2013 Bangladesh Agreement\\\n  \\ on Trade"\n'
            "single: 'it''s'\nblock: >-\n  one\n  two\n---\n")
    fields = parse_front_matter(text)
    assert fields["title"] == "Discussions with the People\u2019s Republic of China"
    assert fields["other"] == "United States \u2013 Bangladesh Agreement on Trade"
    assert fields["single"] == "it's"
    assert fields["block"] == "one two"


def test_no_front_matter():
    assert parse_front_matter("title: not front matter\n") == {}
    assert parse_front_matter("---\nunterminated: yes\n") == {}


def test_markdown_metadata_columns():
    doc = parse_document(FRONT_MATTER.encode(), "x.md")
    assert doc.metadata.title.endswith("Retaliation and Alignment")
    assert doc.metadata.date == "2025-04-09"
    assert str(doc.metadata.reference_date) == "2025-04-09"
    assert doc.metadata.source_url.startswith("https://www.whitehouse.gov/")
    # The stored text is the whole file: fact offsets are file offsets.
    assert doc.text == FRONT_MATTER


def test_date_falls_back_to_published_time_and_partial_dates_are_not_dates():
    doc = parse_document(b"---\npublished_time: 2025-07-30 13:59:54-04:00\n---\nx", "x.md")
    assert doc.metadata.date == "2025-07-30"
    assert normalise_date("July 4, 2025") == "2025-07-04"
    assert normalise_date("July 4") is None
    assert normalise_date("not a date") is None
    assert normalise_date("2025-02-30") is None


def test_html_metadata_and_visible_text():
    page = ('<html><head><title>Tariffs &amp; Trade</title>'
            '<meta name="date" content="2025-08-01">'
            '<link rel="canonical" href="https://example.gov/a"></head>'
            '<body><p>A <b>25%</b> tariff.</p><script>var x = "50%";</script></body></html>')
    doc = parse_document(page.encode(), "a.html")
    assert (doc.format, doc.metadata.title, doc.metadata.date, doc.metadata.source_url) == (
        "html", "Tariffs & Trade", "2025-08-01", "https://example.gov/a")
    seen = visible_text(doc)
    assert len(seen) == len(doc.text)
    assert "25%" in seen and "50%" not in seen and "<b>" not in seen


@pytest.mark.skipif(not HAS_SHARED, reason=f"the shared corpus is not at {SHARED}")
def test_every_corpus_page_has_title_date_and_url():
    for path in sorted((SHARED / "corpus").glob("*.md")):
        doc = read_document(path, max_size=20 * MB)
        assert doc.metadata.title and "\\" not in doc.metadata.title, path.name
        assert doc.metadata.date == path.name[:10], path.name
        assert doc.metadata.source_url.startswith("https://"), path.name
