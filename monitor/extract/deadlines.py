"""Deadlines: dates on which something takes effect, expires or must happen.

A date is a deadline only when a trigger governs it ("effective", "take effect on", "by",
"until", "on or after", "expires at ... on", "due to expire on", "beginning", "opens", "apply
from"), when a duty rate changes on it ("shall increase to 50 percent on"), when it leads a
calendar line whose rest says what is due ("June 30: comments due"), when it names a deadline
("the August 1 deadline"), or when it ends a window a rule sets ("imported between X and Y shall
not be subject", "entered from X to Y shall be"). A date that only says when
something was said or done ("On July 7, Trump announced", "Executive Order 14257 of April 2,
2025") is not one. Relative dates ("7 days after the date of this order", "for a period of 90
days beginning ... May 14, 2025") are resolved against the document's date (front matter, else
a dateline or signature in the text) or the anchor.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Iterator

from ..fact import Fact
from .context import Doc
from .dates import RELATIVE_WORDS, WEEKDAY, DateMention, add_days, iso, own_date, resolve_year
from .folding import CasePattern, Prefilter, matches_at
from .gazetteer import lexicon
from .numbers import NUM_OR_WORD, SPELLED_FIRST_WORDS, parse_any
from .sentences import Sentence

__all__ = ["deadline_facts", "deadline_dates"]

# "expires, under WTO rules, on 30 June 2026": a short aside between the trigger and the date.
_ASIDE = r"(?:,\s[^,.;\d]{1,40},)?"
# A clock time ("12:01 a.m. eastern standard time", "5 pm AEDT") between a trigger and its date.
_TIME = (r"(?:(?:at\s+)?\d{1,2}(?::\d\d\s*(?:a\.m\.|p\.m\.|am|pm)?|\s*(?:a\.m\.|p\.m\.|am|pm))"
         r"(?:\s+(?:eastern|central|pacific|mountain)\s+(?:daylight|standard)\s+time|\s+[a-z]{0,3}t\b)?,?\s+)?")
# Trigger word(s), then optionally a clock time, then optionally "on", right before the date:
# (trigger, its phrasings in order of preference, what follows each).
_TRIGGERS = [
    ("expires", ("expires?", "expired", "expiring", "expiration", r"due\s+to\s+expire", "lapse[sd]?",
                 r"terminat(?:e|es|ed|ing)"),
     _ASIDE + r"\s+(?:on\s+)?"),
    ("effective", ("effective", r"take[sn]?\s+effect", r"took\s+effect", r"taking\s+effect",
                   r"go(?:es)?\s+into\s+effect", r"going\s+into\s+effect", r"went\s+into\s+effect",
                   r"is\s+(?:set|scheduled|slated)\s+for", r"are\s+(?:set|scheduled|slated)\s+for",
                   r"was\s+(?:set|scheduled|slated)\s+for", r"were\s+(?:set|scheduled|slated)\s+for", r"come\s+into\s+effect",
                   r"comes\s+into\s+effect", r"enter(?:s|ed)?\s+into\s+force", r"in\s+effect\s+since",
                   r"in\s+effect\s+(?:on|from)", r"effective\s+(?:on|as\s+of|from)", r"on\s+or\s+after", "starting",
                   "beginning", "begins", "commencing", r"opens(?:\s+on)?", r"will\s+open(?:\s+on)?", r"appl(?:y|ies|ied|icable)\s+(?:retroactively\s+)?from",
                   r"as\s+of", "after", "from"), _ASIDE + r"\s+(?:on\s+)?"),
    ("until", ("until", "till", "through", "before", r"prior\s+to", r"on\s+or\s+before", r"end(?:s|ed)?(?:\s+(?:for|in)\s+(?:[\w-]+\s+){1,3}?)?\s*on", r"end\s+of",
               r"end\s+of\s+(?:the\s+|its\s+|this\s+)?(?:[\w-]+\s+){1,3}?on",
               r"closes(?:\s+on)?", r"closing\s+on"),
     r"\s+"),
    ("by", ("by", r"no\s+later\s+than", r"not\s+later\s+than", r"deadline\s+of", r"due(?:\s+on)?", r"payable(?:\s+on)?"), r"\s+"),
]


def _by_first_letter(alternatives: list[str]) -> list[str]:
    """``alternatives`` (each starting with a plain letter) grouped by that letter, in their order
    ("ab|c|ad" -> "a(?:b|d)", "c"): re tries a branch's alternatives one after the other at every
    position it stops at, so forty phrasings cost forty tests there; grouped, one per letter. At
    a given position only one letter's alternatives can match, so the matches do not change."""
    tails: dict[str, list[str]] = {}
    for a in alternatives:
        tails.setdefault(a[0], []).append(a[1:])
    return [c + (t[0] if len(t) == 1 else "(?:" + "|".join(t) + ")") for c, t in tails.items()]


def _literal_head(phrasing: str) -> int:
    """How many letters ``phrasing`` starts with that every match of it starts with ("expire" of
    "expires?")."""
    n = len(phrasing) - len(phrasing.lstrip("abcdefghijklmnopqrstuvwxyz"))
    return n - 1 if phrasing[n:n + 1] in ("?", "*", "{") else n


# One alternation whose every branch starts with a letter (so that re can skip to where one
# occurs); each phrasing is a group named after its trigger, opened after the letters it starts
# with (re rejects a branch that starts with a letter the text does not have without entering it).
_TRIGGER_RE = CasePattern.compile(
    r"(?:" + "|".join(_by_first_letter([f"{w[:_literal_head(w)]}(?P<{name}_{i}>{w[_literal_head(w):]}{after})"
                                        for name, words, after in _TRIGGERS for i, w in enumerate(words)]))
    + r")" + _TIME + r"(?:on\s+)?(?:" + WEEKDAY + r")?$")
# Things that say what is due, nearest before the trigger wins.
_WHAT_WORDS = ("suspensions?", r"suspend\w*", "exclusions?", "agreements?", "deals?", "tariffs?", "duties",
               "duty", "rates?", "modifications?", "modified", "increases?", "order", "licen[cs]es?",
               "negotiations?", "talks", "comments?", "reports?", "rules?", "investigations?", "measures?",
               "surcharges?", "exemptions?", "truce", "pause")
_WHAT = re.compile(r"\b(" + "|".join(_WHAT_WORDS) + r")\b", re.I)
# The same over lower-cased text, led by the character before the word: re then stops only at
# characters that are no word's (a letter-led pattern stops at most letters of the text).
_WHAT_LOW = re.compile(r"\W(" + "|".join(_by_first_letter(list(_WHAT_WORDS))) + r")\b")
_CITED_NUMBER = re.compile(r"\s+(?:No\.?\s*)?\d", re.I)
_OF_MODIFIER = re.compile(r"\s+(?:of|on)\s+(?:[\w-]+\s+){0,2}")
_WHAT_NORMAL = {"suspend": "suspension", "suspending": "suspension", "suspended": "suspension",
                "deal": "agreement", "duties": "tariff", "duty": "tariff", "rate": "tariff",
                "modified": "modification", "talks": "negotiation", "truce": "suspension",
                "pause": "suspension", "surcharge": "tariff", "measure": "tariff", "increase": "tariff"}
# The document itself, which a relative date counts from: "this order", "this release", "the notice".
_SELF = (r"(?:this\s+(?:" + "|".join(sorted((w.replace(" ", r"\s+") for w in lexicon()["deadline_self_nouns"]), key=len, reverse=True))
         + r")|the\s+(?:order|proclamation|memorandum|notice))\b")
# "30 days after the date of publication of this notice": the document's own date too.
_DATE_OF = r"(?:the\s+date\s+of\s+)?(?:(?:publication|issuance|signature)\s+of\s+)?"
_RELATIVE = CasePattern.compile(
    rf"\b(?:(?P<within>within|no\s+later\s+than|not\s+later\s+than)\s+(?P<n1>{NUM_OR_WORD})\s+(?P<u1>days?|weeks?|months?)"
    rf"(?P<self>\s+(?:of|after|from|following)\s+{_DATE_OF}{_SELF})?"
    rf"|(?P<n2>{NUM_OR_WORD})\s+(?P<u2>days?|weeks?|months?)\s+(?:after|from|following)\s+{_DATE_OF}{_SELF})")
# "within 14 days after the requests are posted": counted from another event, not the document.
_OTHER_ANCHOR = re.compile(r"\s+(?:of|after|from|following|before|prior\s+to)\b", re.I)
# "After liquidation, a protest must be filed within 180 days": the sentence names the event it counts from.
_EVENT_OPENER = re.compile(r"[\W_]*(?:after|following|once|when|whenever|if|upon|unless)\b", re.I)
_PERIOD = re.compile(
    rf"\bfor\s+(?:a\s+period\s+of\s+|an?\s+(?:initial\s+)?period\s+of\s+)?(?P<n>{NUM_OR_WORD})[\s-]+(?P<u>days?|years?|months?)[,]?\s+(?:beginning|starting|commencing)\s+(?:at\s+|on\s+)?", re.I)
# (_PERIOD needs one of these: a substring test spares a search that tries every position.)
_PERIOD_WORDS = ("beginning", "starting", "commencing")
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30}
# Pre-filter for _RELATIVE (every form names its unit), found in one pass over the text.
_RELATIVE_GATE = Prefilter.any_of("day", "week", "month")
# What _RELATIVE can begin with besides a number in digits.
_RELATIVE_LEADS = RELATIVE_WORDS | SPELLED_FIRST_WORDS


def _classify(doc: Doc, d: DateMention, floor: int) -> str | None:
    """The trigger that makes a date a deadline (asked by the tariff rule too: kept)."""
    return doc.memo(("classify", d.start, floor), lambda: _trigger(doc, d, floor))


def _trigger(doc: Doc, d: DateMention, floor: int) -> str | None:
    before, lowered = doc.window(max(floor, d.start - 90), d.start)
    m = _TRIGGER_RE.search(before, lowered)
    if not m:
        return _untriggered(doc, d, floor)
    # "by deleting “April 9, 2025”" and "after ... announced on" are not triggers.
    amending = lowered is None or "deleting" in lowered or "inserting" in lowered
    if amending and re.search(r"\b(?:deleting|inserting)\s*\"?\s*$", before, re.I):
        return None
    group = m.lastgroup or ""  # the phrasing that matched (no group follows it)
    name = group.rsplit("_", 1)[0]
    word = before[m.start():m.end(group)].strip().lower()  # with the letters before the group
    # "from Aug. 7" is when something starts only if the clause says something will start or apply
    # ("will face the new duty from Aug. 7", "will apply retroactively from August 1").
    if name == "effective" and word in ("from", "after") and not re.search(
            r"\b(?:effect|entered|withdrawn)\b" + (_WILL_START if word == "from" else ""), before, re.I):
        return _untriggered(doc, d, floor)
    # "Data through March 31, 2026": the period a statistic covers, not a deadline.
    if name == "until" and word == "through" and _COVERAGE.search(before):
        return None
    if name == "by" and re.search(r"\b(?:signed|announced|issued|published)\s+by\s*$", before, re.I):
        return None
    return name


# "will face the new duty from Aug. 7", "will cut ... quotas by 50% from 1 July 2026": a clause
# that says something will start, apply or change makes "from DATE" its start.
_WILL_START = (r"|\b(?:will|shall)\s+(?:\w+\s+){0,6}?(?:face|apply|pay|be\s+charged|be\s+subject|start|begin|"
               + "|".join(sorted(lexicon()["deadline_rate_change_verbs"] + lexicon()["deadline_will_verbs"], key=len, reverse=True)) + r")\w*\b")
_COVERAGE = re.compile(r"\b(?:" + "|".join(lexicon()["deadline_coverage_nouns"]) + r")\s+(?:\w+\s+){0,2}through\s+$", re.I)
_OPENING_ON = re.compile(r"(?:^|[.;:]\s+)(?:On|Beginning|Starting|From|Effective)\s+$")
_FUTURE_AFTER = re.compile(r",?\s+(?:[^.;]{0,80}?)\b(?:shall|will)\s+(?:not\s+)?(?:be\s+)?\w+", re.I)
_DATE_HEADER = re.compile(r"\b(?:effective|in\s+effect|in\s+force|takes?\s+effect|deadline|due|expir\w*|starts?|begins?|until|as\s+of)\b", re.I)


# "shall increase to 50 percent on April 15, 2026", "increasing to 10 percent on January 1, 2027,
# and to 15 percent on January 1, 2028": the day a rate changes is the day the new rate takes effect.
_CHANGE_VERBS = lexicon()["deadline_rate_change_verbs"]
_RATE_CHANGE = re.compile(
    r"\b(?:" + "|".join(sorted(_CHANGE_VERBS, key=len, reverse=True)) + r")\b(?:[^.;]|\.\d)*?"
    rf"\bto\s+{NUM_OR_WORD}\s*(?:%|percent|per\s+cent)\s+(?:on|from)\s+(?:{WEEKDAY})?$", re.I)
# The rate must be a duty's: "its stake rose to 35% on June 3" is a date something happened.
_DUTY_WORD = re.compile(r"\b(?:" + "|".join(w.replace(" ", r"\s+") for w in sorted(lexicon()["tariff_words"], key=len, reverse=True))
                        + r"|rates?)\b", re.I)
# A date that leads a calendar line ("June 30: comments due on ...", "August 1 - tariffs on trucks
# scheduled to begin"): a deadline when the rest of its line says something is due or starts.
_LINE_LEAD = re.compile(r"(?:^|\n)[ \t]*(?:[-*+•]|\d{1,3}[.)])?[ \t*_#>|]*(?:" + WEEKDAY + r")?$", re.I)
_LINE_SEP = re.compile(r"[ \t*_]*(?::|-{1,2}|\|)[*_]*\s")
_LINE_WORD = re.compile(r"\b(?:" + "|".join(w.replace(" ", r"\s+") for w in sorted(lexicon()["deadline_line_words"], key=len, reverse=True))
                        + r")\b", re.I)
# "ahead of the August 1 deadline".
_DEADLINE_AFTER = re.compile(r"\s+(?:deadline|cut-?off|due\s+date)\b", re.I)
# "imported between 10 February 2026 and 9 March 2026 shall not be subject": the window's end is
# a deadline when the clause sets a rule (a modal verb); "between May 1 and June 30 imports rose"
# is a period a statistic covers.
_BETWEEN = re.compile(r"\b(?:between|from)\s+$", re.I)
_WINDOW_JOIN = re.compile(r",?\s+(?:and|to)\s+", re.I)
_MODAL = re.compile(r"\b(?:shall|will|must|may|can|cannot)\b", re.I)


def _untriggered(doc: Doc, d: DateMention, floor: int) -> str | None:
    """Deadlines no trigger word right before the date announces: "On January 1, 2026, the rate
    ... shall increase" (a clause that opens with the date and says what will happen), "shall
    increase to 50 percent on April 15", a calendar line, the end of a "between" window, and a
    date in a table column headed "Effective" (or "Deadline", "Expires"...)."""
    text = doc.text
    if _OPENING_ON.search(text[max(floor, d.start - 20):d.start]) and _FUTURE_AFTER.match(text, d.end):
        return "effective"
    i = doc.sentence_at(d.start)
    end = doc.sentences[i].end if i >= 0 else len(text)
    before = text[max(floor, d.start - 90):d.start]
    if (" on " in before[-20:] or " from " in before[-20:]) and _RATE_CHANGE.search(before) and _DUTY_WORD.search(text, floor, d.start):
        return "changes"
    if _LINE_LEAD.search(text, max(0, d.start - 20), d.start) and _line_says_due(doc, d):
        return "calendar"
    if _DEADLINE_AFTER.match(text, d.end):
        return "by"
    # "(now 10 per cent, down from 20 per cent since November 10)": the day a duty rate has held since.
    if " since " in before[-12:] and _RATE_SINCE.search(before) and _DUTY_WORD.search(text, floor, d.start):
        return "effective"
    prev = _previous_date(doc, d, floor)
    if prev is not None and _WINDOW_JOIN.fullmatch(text, prev.end, d.start) \
            and _BETWEEN.search(text, max(floor, prev.start - 10), prev.start) \
            and _MODAL.search(text, floor, end):
        return "until"
    if i < 0 or not doc.sentences[i].is_table_row:
        return _fixed_width_column(doc, d)
    found = doc.header_cell(i, d.start)
    return "effective" if found is not None and _DATE_HEADER.search(found[1]) else None


_RATE_SINCE = re.compile(r"(?:%|\bpercent|\bper\s+cent)\s*,?\s+since\s+$", re.I)
# A fixed-width (pandoc "simple") table: a header line, a rule of dash runs, rows aligned under it.
_RULE_LINE = re.compile(r"[ \t]*-{3,}(?:[ \t]+-{3,})+[ \t]*$")
_RULE_RUNS = re.compile(r"---[ \t]+---")  # what every such rule holds (a literal re skips to)
_TABLE_REACH = 30  # lines above a row searched for the rule under the header


def _fixed_width_column(doc: Doc, d: DateMention) -> str | None:
    """A date in a fixed-width table's column headed "Effective" (or "Deadline", ...)."""
    text = doc.text
    line_start = text.rfind("\n", 0, d.start) + 1
    line_end = text.find("\n", d.end)
    line = text[line_start:len(text) if line_end < 0 else line_end]
    if "  " not in line:
        return None
    # The rule is read from the file (the visible text blanks dash lines as Markdown rules).
    above = max(0, line_start - 4000)
    if not _RULE_RUNS.search(doc.raw, above, line_start):  # no rule (the usual case): no lines to split
        return None
    lines = doc.raw[above:line_start].split("\n")[:-1]
    for k in range(len(lines) - 1, max(0, len(lines) - _TABLE_REACH) - 1, -1):
        if not _RULE_LINE.match(lines[k]):
            continue
        if k == 0:
            return None
        col = d.start - line_start
        runs = [r for r in re.finditer(r"-{3,}", lines[k]) if r.start() <= col]
        if not runs or col >= runs[-1].end() + 2:
            return None
        header = lines[k - 1][runs[-1].start():runs[-1].end() + 2]
        return "effective" if _DATE_HEADER.search(header) else None
    return None


def _previous_date(doc: Doc, d: DateMention, floor: int) -> DateMention | None:
    earlier = doc.dates_in(max(floor, d.start - 40), d.start)
    return earlier[-1] if earlier else None


def _line_says_due(doc: Doc, d: DateMention) -> bool:
    """Whether the rest of the line a date leads says something is due, starts or ends there
    ("June 30: comments due", "July 9: expiry of the arrangement"). A word that governs a later
    date on the line ("April 2: tariffs announced, effective April 9") is that date's trigger."""
    text = doc.text
    sep = _LINE_SEP.match(text, d.end)
    if sep is None:
        return False
    stop = text.find("\n", sep.end())
    stop = len(text) if stop < 0 else stop
    later = doc.dates_in(sep.end(), stop)
    if later:
        stop = later[0].start
        m = _TRIGGER_RE.search(*doc.window(sep.end(), stop))
        if m:
            stop = sep.end() + m.start()
    return _LINE_WORD.search(text, sep.end(), stop) is not None


def _whats(doc: Doc, start: int, end: int) -> Iterator[re.Match[str]]:
    """_WHAT's matches in ``text[start:end]`` (the word is group 1), over the lower-cased text
    when there is one (from the character before ``start``, which _WHAT_LOW reads)."""
    if doc.lower is not None and start > 0:
        return _WHAT_LOW.finditer(doc.lower, start - 1, end)
    return _WHAT.finditer(doc.text, start, end)


def _what(doc: Doc, s: Sentence, at: int) -> str:
    best = None
    text = doc.text
    for m in _whats(doc, max(s.start, at - 300), at):
        # "the suspension effectuated by Executive Order 14266 until ...": a cited instrument
        # ("Order 14266", "Agreement No. 2") names where the deadline was set, not what is due.
        if _CITED_NUMBER.match(text, m.end(1)):
            continue
        # "the suspension of heightened tariffs ... until": the head noun is what is due.
        if best is None or not _OF_MODIFIER.fullmatch(text, best.end(1), m.start(1)):
            best = m
    return "effect" if best is None else _normal(best.group(1))


def _normal(word: str) -> str:
    word = word.lower()
    word = _WHAT_NORMAL.get(word, word)
    if word.endswith("s") and word not in ("talks",):
        word = word[:-1]
    return _WHAT_NORMAL.get(word, word)


def _own_date(doc: Doc) -> dt.date | None:
    """The document's date: its front matter's, else the one its text gives itself (a dateline,
    a signature: see ``dates.own_date``)."""
    if doc.reference is not None:
        return doc.reference
    return doc.memo(("own_date",), lambda: own_date(doc.text, doc.dates) or _header_cell_date(doc))


# A date that is a cell of a masthead line: "Federal Register / Vol. 91, No. 42 / Wednesday, March
# 4, 2026 / Notices", "Slip Op. 26-41 | Court No. 25-00177 | Decided: April 8, 2026".
_CELL_BEFORE = re.compile(r"[|/][ \t]*(?:(?:" + "|".join(sorted((w.replace(" ", r"\s+") for w in lexicon()["deadline_dateline_labels"]),
                                                            key=len, reverse=True))
                          + r")[ \t]*:?[ \t]*)?(?:" + WEEKDAY + r")?,?[ \t]*$", re.I)
_CELL_AFTER = re.compile(r"[ \t]*(?:[|/]|\n|$)")
_MASTHEAD_REACH = 600  # where a masthead line can stand


def _header_cell_date(doc: Doc) -> dt.date | None:
    """The document's date when a masthead line near its top gives exactly one as a cell."""
    text = doc.text
    found = {dt.date(d.year, d.month, d.day) for d in doc.dates
             if d.year and d.start < _MASTHEAD_REACH
             and _CELL_BEFORE.search(text, max(0, text.rfind("\n", 0, d.start) + 1), d.start) and _CELL_AFTER.match(text, d.end)}
    return found.pop() if len(found) == 1 else None


def _what_after(doc: Doc, d: DateMention) -> str:
    """What is due on a calendar line: it follows the date ("June 30: comments due")."""
    stop = doc.text.find("\n", d.end)
    for m in _whats(doc, d.end, len(doc.text) if stop < 0 else stop):
        return _normal(m.group(1))
    return "effect"


def _value(doc: Doc, d: DateMention) -> tuple[str, bool]:
    if d.year:
        return iso(d.year, d.month, d.day), True
    own = _own_date(doc)
    if own is None and doc.year_hint is None:
        # "before 12:01 a.m. on November 1 and ... before 12:01 a.m. on December 1, 2025": a date
        # written without its year shares the year of a full date in its sentence.
        i = doc.sentence_at(d.start)
        if i >= 0:
            near = [e for e in doc.dates_in(doc.sentences[i].start, doc.sentences[i].end) if e.year]
            if near:
                e = min(near, key=lambda e: abs(e.start - d.start))
                own = dt.date(e.year, e.month, e.day)
    year = resolve_year(d.month, d.day, own, doc.year_hint)
    return iso(year, d.month, d.day), False


def deadline_dates(doc: Doc, s: Sentence) -> list[str]:
    """ISO values of the deadlines in one sentence (used for a tariff's effective date)."""
    out = []
    for d in doc.dates_in(s.start, s.end):
        if _classify(doc, d, s.start) in ("effective",):
            out.append(_value(doc, d)[0])
    return out


def deadline_facts(doc: Doc) -> list[Fact]:
    facts: list[Fact] = []
    text = doc.text
    relative = set(doc.indices_matching(_RELATIVE_GATE)) if doc.dates or doc.reference is not None else set()
    anchor = _own_date(doc) if relative else None
    if anchor is None:
        relative = set()
    # _RELATIVE begins with one of these words or a number: it is tried only where one starts.
    relative_starts = doc.starts_of_words(_RELATIVE_LEADS, digits=True) if relative else None
    dated = {doc.sentence_at(d.start) for d in doc.dates} - {-1}
    for index in sorted(dated | relative):
        s = doc.sentences[index]
        sentence = None
        for d in doc.dates_in(s.start, s.end):
            cls = _classify(doc, d, s.start)
            if cls is None:
                continue
            value, year_written = _value(doc, d)
            what = _what_after(doc, d) if cls == "calendar" else _what(doc, s, d.start)
            sentence = sentence or doc.sentence_text(s)
            details = {"what": what, "trigger": cls}
            if not year_written:
                details["year_in_text"] = False
            facts.append(Fact(kind="deadline", subject=what, value=value, unit="date",
                              text=doc.raw[d.start:d.end], start=d.start, end=d.end, sentence=sentence,
                              rule=f"deadline.{cls}", qualifier=f"{cls}:{what}", details=details))
            # "for a period of 90 days beginning ... on May 14, 2025": the period's end is due too.
            pm = None
            lo = max(s.start, d.start - 160)
            for pm in _PERIOD.finditer(text, lo, d.start) if doc.may_contain(lo, d.start, _PERIOD_WORDS) else ():
                pass
            if pm is not None and d.year and not re.search(r"[.;]", re.sub(r"[ap]\.m\.", "", text[pm.end():d.start])):
                n = parse_any(pm.group("n"))
                unit = pm.group("u").lower().rstrip("s")
                if n:
                    if unit == "year":
                        end_value = f"{d.year + int(n):04d}-{d.month:02d}-{d.day:02d}"
                    else:
                        end_value = add_days(d.year, d.month, d.day, int(n) * _UNIT_DAYS[unit])
                    facts.append(Fact(kind="deadline", subject=what, value=end_value, unit="date",
                                      text=doc.raw[pm.start():d.end], start=pm.start(), end=d.end,
                                      sentence=sentence, rule="deadline.period_end",
                                      qualifier=f"expires:{what}", details={"what": what, "trigger": "period"}))
        if index in relative:
            # (Over the lower-cased text when there is one, which has the word index: its
            # numbers and units read the same.)
            for m in (_RELATIVE.any_case.finditer(text, s.start, s.end) if relative_starts is None or doc.lower is None
                      else matches_at(_RELATIVE.lower, doc.lower, relative_starts, s.start, s.end)):
                n = parse_any(m.group("n1") or m.group("n2"))
                unit = (m.group("u1") or m.group("u2")).lower().rstrip("s")
                if not n:
                    continue
                if not (m.group("self") or m.group("n2")):
                    # A bare "within 90 days" counts from the document's date only when its front
                    # matter gives it; a date found in the text is not sure enough for that.
                    if doc.reference is None or _OTHER_ANCHOR.match(text, m.end()) \
                            or _EVENT_OPENER.match(text, s.start, m.start()):
                        continue
                r = anchor
                value = add_days(r.year, r.month, r.day, int(n) * _UNIT_DAYS[unit])
                what = _what(doc, s, m.start())
                what = "action due" if what == "effect" else what  # "effect": no _WHAT word before
                facts.append(Fact(kind="deadline", subject=what, value=value, unit="date",
                                  text=doc.raw[m.start():m.end()], start=m.start(), end=m.end(),
                                  sentence=doc.sentence_text(s), rule="deadline.relative",
                                  qualifier=f"by:{what}", details={"what": what, "relative": True}))
    return facts
