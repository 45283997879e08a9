"""The speed devices of the extractor (pre-filters, word index, patterns tried only at candidate
starts) must never change what it finds: each is checked against the plain way."""
import datetime as dt
import re

from monitor.extract import extract_facts
from monitor.extract.context import RULE_WORDS, _lowered, prepare
from monitor.extract.folding import CasePattern, fold, matches_at, required_literals
from monitor.extract.gazetteer import Gazetteer, lexicon
from monitor.extract.words import WordFinder
from shared_material import SHARED

SAMPLE = ("On July 7, Trump announced that imports from Kazakhstan will be subject to a 25% tariff "
          "effective August 1, 2025. The U.S. imposed \u201cduties\u201d on Steel (50 percent) and "
          "twenty-five per cent on copper products; about 19 of the 50 minerals, $1 billion and "
          "\u20ac2bn in investments, within 90 days of this order. Section 232 tariffs: 9903.01.25.")


def corpus_texts():
    files = sorted((SHARED / "corpus").glob("*.md"))[:6] + sorted((SHARED / "seeds").glob("*.txt"))
    return [SAMPLE] + [f.read_text(encoding="utf-8") for f in files]


def test_fold_lowers_letters_not_escapes_or_group_names():
    assert fold(r"\bMFN\b|(?P<Name>Section\s+232)") == r"\bmfn\b|(?P<Name>section\s+232)"


def test_required_literals():
    assert required_literals("section 232|232 tariffs?|\\b232\\b") == ("section 232", "232 tariff", "232")
    assert required_literals("colou?r") == ("colo",)
    assert required_literals("(?:a|b)c?") is None  # nothing outside the group is required


def test_cue_hints_never_hide_a_match():
    texts = corpus_texts()
    for pattern, _ in lexicon()["bases"] + lexicon()["status_cues"]:
        cue = CasePattern.compile(pattern)
        for text in texts:
            low = text.lower()
            assert bool(cue.search(text, low)) == bool(cue.any_case.search(text)), pattern


def test_matches_at_is_finditer_when_starts_cover_every_match():
    rx = re.compile(r"\d+\s+\w+s\b|\bof\s+the\b", re.I)
    for text in corpus_texts():
        starts = sorted({m.start() for m in re.finditer(r"\w+", text)})  # every word start
        for start, end in ((0, len(text)), (len(text) // 3, 2 * len(text) // 3)):
            assert [m.span() for m in matches_at(rx, text, starts, start, end)] == \
                   [m.span() for m in rx.finditer(text, start, end)]


def test_word_finder_finds_whole_tokens():
    words = {"copper", "steel", "within", "twenty", "may"}
    finder = WordFinder(words)
    token = re.compile(r"(?<![\w])[^\W_]+")
    for text in corpus_texts():
        low = text.lower()
        found = finder.find(low)
        expected = {}
        for m in token.finditer(low):
            if m.group(0) in words:
                expected.setdefault(m.group(0), []).append(m.start())
        assert found.by_word == expected
        assert found.digits == [m.start() for m in re.finditer(r"(?<!\w)\d", low)]
        assert found.spaced_digits == [m.start() for m in re.finditer(r"(?<!\w)\d(?=[\d,.]*+\s)", low)]


def test_word_finder_at_underscores_and_beyond_ascii():
    # "_" is a word character, but a word may end before it; letters and digits beyond ASCII
    # join tokens; a listed word may hold digits or letters beyond ASCII, or begin with a digit.
    words = {"tariff", "g20", "c\u00f4te", "3d"}
    text = ("x_tariff tariff_x tariff\u00e9 \u00e9tariff \u00b7tariff\u00b7 _5 5_ x5 \u0663\u0664 1,000\u2003x "
            "g20 g30 g2 c\u00f4te c\u00e9te cote 3d 3dx 33d .5 0.5")
    found = WordFinder(words).find(text)
    token = re.compile(r"(?<![\w])[^\W_]+")
    expected = {}
    for m in token.finditer(text):
        if m.group(0) in words:
            expected.setdefault(m.group(0), []).append(m.start())
    assert found.by_word == expected
    numbers = [m.start() for m in re.finditer(r"(?<!\w)\d", text) if m.start() not in expected["3d"]]
    assert found.digits == numbers
    assert found.spaced_digits == [p for p in numbers if re.match(r"[\d,.]*+\s", text[p + 1:])]


def test_mentions_with_and_without_the_word_index():
    g = Gazetteer.load(extra_entities=["Acme Corp"], aliases={"red metal": "copper"})
    for text in corpus_texts() + ["the European Union, U.S.-made red metal, Acme Corp, non-USMCA goods"]:
        low = _lowered(text)
        indexed = g.mentions(text, low, g.word_finder(RULE_WORDS).find(low))
        assert indexed == g.mentions(text) == g.mentions(text, low)


def test_day_starts_keep_every_day_month_date():
    from monitor.extract.dates import _DMY_LOW, _day_starts
    text = "1 August, 21st of May, 3rd\tJune, 12 decades, 2025 July, 25% June, 1,000 May, \u0661\u0662 May"
    for text in corpus_texts() + [text]:
        low = text.lower()
        digits = [m.start() for m in re.finditer(r"(?<!\w)\d", low)]
        assert {m.start() for m in _DMY_LOW.finditer(low)} <= set(_day_starts(low, digits))


def test_sentences_at_walks_as_sentence_at_looks_up():
    g = Gazetteer.load()
    for text in corpus_texts():
        doc = prepare(text, "markdown", None, g)
        positions = sorted({p for s in doc.sentences for p in (s.start - 1, s.start, s.end - 1, s.end)}
                           | set(range(0, len(text) + 2, 7)))
        assert doc.sentences_at(positions) == sorted({doc.sentence_at(p) for p in positions} - {-1})


def test_fast_and_plain_paths_give_the_same_facts():
    # A final "İ" lower-cases to two characters: the document then has no lower-cased copy and
    # no word index, and every rule takes its plain path. Facts before it must not change.
    for text in corpus_texts():
        fast = extract_facts(text, fmt="markdown", reference_date=dt.date(2025, 7, 31))
        plain = extract_facts(text + "\n\n\u0130", fmt="markdown", reference_date=dt.date(2025, 7, 31))
        assert [(f.kind, f.subject, f.value, f.start, f.end, f.rule, f.qualifier) for f in fast] == \
               [(f.kind, f.subject, f.value, f.start, f.end, f.rule, f.qualifier) for f in plain]


def test_long_blank_runs_change_no_fact():
    # Blanked markup leaves long runs of spaces (how fast they are read is bench_extract's
    # business, not a test's): the facts after them are those of the text alone, moved along.
    padding = ("<!--" + "x" * 20000 + "-->\n" + " " * 20000 + "\n|" + " " * 20000 + "|\n") * 3
    alone = extract_facts(SAMPLE, fmt="markdown", reference_date=dt.date(2025, 7, 31))
    padded = extract_facts(padding + SAMPLE, fmt="markdown", reference_date=dt.date(2025, 7, 31))
    assert alone
    assert [(f.kind, f.subject, f.value, f.start + len(padding), f.rule) for f in alone] == \
           [(f.kind, f.subject, f.value, f.start, f.rule) for f in padded]
