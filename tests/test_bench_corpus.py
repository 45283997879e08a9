"""The benchmark corpus generator: valid documents, the same ones for the same seed.

Benchmarks never run here; this only checks the workload they are built on, on a handful of files.
"""
from __future__ import annotations

import importlib.util
import random
import re
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _load_corpus_module():
    # bench/ is a folder of scripts, not a package: load the generator by path.
    spec = importlib.util.spec_from_file_location("bench_corpus", BENCH / "corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


corpus = _load_corpus_module()
pytestmark = pytest.mark.skipif(not (corpus.DEFAULT_SHARED / "corpus").is_dir(),
                                reason="the shared corpus is not beside the project")
NOW = 1_780_000_000.0


def _snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): p.read_text(encoding="utf-8") for p in corpus.corpus_files(folder)}


def test_same_seed_same_documents(tmp_path):
    corpus.build_corpus(tmp_path / "a", 12, seed=3, size_kb=4, now=NOW)
    corpus.build_corpus(tmp_path / "b", 12, seed=3, size_kb=4, now=NOW)
    corpus.build_corpus(tmp_path / "c", 12, seed=4, size_kb=4, now=NOW)
    a = _snapshot(tmp_path / "a")
    assert len(a) == 12
    assert a == _snapshot(tmp_path / "b")
    assert a != _snapshot(tmp_path / "c")


def test_a_document_does_not_depend_on_how_many_are_built(tmp_path):
    sources = corpus.load_sources()
    few = corpus.generate_document(sources, 5, seed=1)
    corpus.build_corpus(tmp_path, 8, seed=1, now=NOW)
    assert (tmp_path / few.path).read_text(encoding="utf-8") == few.text


def test_documents_are_valid_and_varied(tmp_path):
    corpus.build_corpus(tmp_path, 30, seed=0, size_kb=12, now=NOW)
    documents = _snapshot(tmp_path)
    suffixes = {Path(p).suffix for p in documents}
    assert suffixes == {".md", ".txt"}
    for path, text in documents.items():
        assert 6_000 < len(text.encode("utf-8")) < 24_000, path
        if path.endswith(".md"):
            header = re.match(r"---\n(.*?)\n---\n", text, re.S)
            assert header, path
            assert re.search(r"^date: '\d{4}-\d\d-\d\d'$", header.group(1), re.M)
            assert re.search(r'^title: ".+"$', header.group(1), re.M)
        else:
            assert not text.startswith("---")
    # Facts differ between documents: the countries and rates are redrawn for each.
    countries = {m for text in documents.values() for m in re.findall(corpus._COUNTRY, text)}
    rates = {m for text in documents.values() for m in re.findall(r"\b(\d+)%", text)}
    assert len(countries) >= 10 and len(rates) >= 5
    assert len(set(documents.values())) == len(documents)


def test_mtimes_are_in_the_month_before_now(tmp_path):
    corpus.build_corpus(tmp_path, 5, now=NOW)
    for path in corpus.corpus_files(tmp_path):
        assert NOW - 31 * 86400 < path.stat().st_mtime < NOW


def test_history_is_deterministic_and_moves_mtimes_forward(tmp_path):
    for name in ("a", "b"):
        corpus.build_corpus(tmp_path / name, 20, seed=2, size_kb=4, now=NOW - 86400)
    before = {p.name: p.stat().st_mtime for p in corpus.corpus_files(tmp_path / "a")}
    edits_a = corpus.apply_history(tmp_path / "a", rounds=3, fraction=0.3, seed=9, size_kb=4, now=NOW)
    edits_b = corpus.apply_history(tmp_path / "b", rounds=3, fraction=0.3, seed=9, size_kb=4, now=NOW)
    assert [(e.kind, e.path.name) for e in edits_a] == [(e.kind, e.path.name) for e in edits_b]
    assert _snapshot(tmp_path / "a") == _snapshot(tmp_path / "b")
    assert len(edits_a) == 18
    # A new document never takes the path of a deleted one.
    assert len({e.path for e in edits_a if e.kind == "new"} & {e.path for e in edits_a if e.kind == "delete"}) == 0
    # No temp file is left behind, and every edited file is newer than before.
    assert not list((tmp_path / "a").rglob("*.tmp"))
    for edit in edits_a:
        if edit.kind not in ("delete", "new") and edit.path.name in before and edit.path.exists():
            assert edit.path.stat().st_mtime > before[edit.path.name]


def test_fact_edits_change_one_value_and_cosmetic_edits_no_word():
    text = corpus.generate_document(corpus.load_sources(), 0, seed=0).text
    rng = random.Random(1)
    rated = corpus._edit_rate(text, rng)
    assert rated != text and len(re.findall(r"\d+", rated)) == len(re.findall(r"\d+", text))
    rewrapped = corpus._rewrap(text, rng)
    assert rewrapped != text and rewrapped.split() == text.split()
    relinked = corpus._edit_link(text, rng)
    assert relinked != text and len(relinked.split()) == len(text.split())
