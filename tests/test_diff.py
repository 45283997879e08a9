"""diff.py: changed sentences with changed words marked; formatting and moves are no difference (issue 4)."""
from __future__ import annotations

import pytest

from digest_scenario import NEW_LETTER, OLD_LETTER
from monitor.diff import (VersionNotFound, diff_document, diff_sentences, diff_texts, find_versions,
                          mark_changes, mark_words)
from monitor.store import open_store, utcnow

SEED = ("Earlier this week, Trump sent tariff letters to nearly 20 countries. The letter threatened "
        "that if the country did not reach a trade agreement by August 1, it would face a 25% tariff.\n\n"
        "Copper is a key metal mined in Kazakhstan.\n")


def test_mark_words():
    assert mark_words("it would face a 25% tariff.", "it would face a 30% tariff.") == \
        "it would face a [-25%-]{+30%+} tariff."
    # Spaces stay outside the marks; a removed word leaves its gap.
    assert mark_words("the very big tariff", "the big tariff now") == "the [-very-] big tariff {+now+}"
    # Two changed words with a space between are one change.
    assert mark_words("a b c d", "a x y d") == "a [-b c-]{+x y+} d"


def test_changed_words_are_marked_in_both_sentences():
    old, new = mark_changes(OLD_LETTER, NEW_LETTER)
    assert [s.text for s in old if s.changed] == ["1", "25%"]
    assert [s.text for s in new if s.changed] == ["15", "30%"]
    # Nothing is lost: the runs put together give the sentences back.
    assert "".join(s.text for s in old) == OLD_LETTER
    assert "".join(s.text for s in new) == NEW_LETTER


def test_an_added_fact_has_no_marks_on_its_sentence():
    old, new = mark_changes(None, NEW_LETTER)
    assert old == [] and not any(s.changed for s in new)


def test_changed_sentence_is_marked():
    new = SEED.replace("August 1,", "August 15,").replace("25%", "30%")
    (d,) = diff_texts(SEED, new)
    assert d.change == "changed"
    assert "August [-1-]{+15+}, it" in d.marked and "[-25%-]{+30%+}" in d.marked
    assert d.old.endswith("a 25% tariff.") and d.new.endswith("a 30% tariff.")


def test_reflowed_and_reformatted_text_has_no_difference():
    reflowed = SEED.replace("threatened that", "threatened\nthat").replace("Copper", "**Copper**")
    assert diff_texts(SEED, reflowed, "markdown") == []


def test_added_removed_and_moved_sentences():
    old = ["A is first.", "B is second.", "C is third."]
    new = ["C is third.", "A is first.", "D is entirely new text here."]
    changes = [(d.change, d.old, d.new) for d in diff_sentences(old, new)]
    assert changes == [("added", None, "D is entirely new text here."), ("removed", "B is second.", None)]


def test_find_versions(tmp_path):
    db = open_store(tmp_path / "m.db")
    now = utcnow()
    doc = db["documents"].insert({"path": "a.txt", "root": str(tmp_path), "first_seen_at": now,
                                  "last_seen_at": now}).last_pk
    for n in (1, 2, 3):
        db["document_versions"].insert({"document_id": doc, "path": "a.txt", "version": n, "sha256": str(n),
                                        "size": 1, "mtime": 0, "observed_at": now, "format": "text",
                                        "encoding": "utf-8", "text": f"v{n}"})
    old, new = find_versions(db, "a.txt")
    assert (old["version"], new["version"]) == (2, 3)
    old, new = find_versions(db, str(tmp_path / "a.txt"), 1, 3)
    assert (old["text"], new["text"]) == ("v1", "v3")
    with pytest.raises(VersionNotFound):
        find_versions(db, "a.txt", 1, 9)
    with pytest.raises(VersionNotFound):
        find_versions(db, "missing.txt")


def test_diff_document(tmp_path):
    db = open_store(tmp_path / "m.db")
    now = utcnow()
    doc = db["documents"].insert({"path": "seed.md", "root": str(tmp_path), "first_seen_at": now,
                                  "last_seen_at": now}).last_pk
    texts = [SEED, SEED.replace("25%", "30%"), SEED.replace("25%", "30%").replace("Copper", "*Copper*")]
    for n, text in enumerate(texts, 1):
        db["document_versions"].insert({"document_id": doc, "path": "seed.md", "version": n, "sha256": str(n),
                                        "size": 1, "mtime": 0, "observed_at": now, "format": "markdown",
                                        "encoding": "utf-8", "text": text})
    out = diff_document(db, "seed.md", 1, 2)
    assert out.splitlines()[0].startswith("seed.md: version 1")
    assert out.splitlines()[1].startswith("~ The letter") and "[-25%-]{+30%+}" in out
    assert "no difference a reader would see" in diff_document(db, "seed.md")
