"""Synthetic trade-policy folders for the benchmarks, made from the shared corpus and the seeds.

Two modes:

* build: ``python bench/corpus.py OUT_DIR --documents N [--size-kb 12] [--seed S]`` writes N
  documents of about ``size-kb`` each. Every document starts from a real page or seed and is
  padded with paragraphs of others; countries, rates, dates and amounts are redrawn per document
  so that the extracted facts differ between documents. About 70% are Markdown with front matter
  (as a scraper archive stores pages), the rest plain text (as the seeds are).
* history: ``python bench/corpus.py OUT_DIR --history [--rounds R] [--fraction F]`` edits an
  existing folder the way a scraper re-exporting pages would: rate, date and amount changes,
  cosmetic re-wraps and link changes (which must yield no fact change), deletions and new pages.

Content depends only on the seed and the document's index (document 7 is the same whether 10 or
10,000 are built), so tests can compare runs. Every write is atomic (a hidden temp file renamed
over the target) and carries a realistic mtime, because the scanner's (size, mtime) skip and the
daemon's event handling both depend on how files appear on disk.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import textwrap
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterable, Iterator

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SHARED = Path(os.environ.get("MONITOR_SHARED", REPO.parent / "shared"))

# Trading partners a document may be about; drawn per document so facts differ between files.
COUNTRIES = (
    "China", "Kazakhstan", "Bangladesh", "Vietnam", "India", "Japan", "South Korea", "Brazil",
    "Mexico", "Canada", "Indonesia", "Thailand", "Malaysia", "Cambodia", "Laos", "Philippines",
    "Switzerland", "Norway", "Israel", "South Africa", "Lesotho", "Madagascar", "Myanmar",
    "Sri Lanka", "Pakistan", "Turkey", "Argentina", "Chile", "Peru", "Colombia", "Ecuador",
    "Nigeria", "Kenya", "Egypt", "Morocco", "Tunisia", "Jordan", "Serbia", "Moldova", "Iraq",
    "Algeria", "Libya", "Botswana", "Zimbabwe", "Mozambique", "Namibia", "Nicaragua", "Guyana",
    "Fiji", "Vanuatu", "Australia", "New Zealand", "Singapore", "Mongolia", "Uzbekistan",
    "Ukraine", "Georgia", "Taiwan", "United Kingdom", "Brunei",
)
RATES = (0, 5, 10, 11, 15, 17, 18, 20, 24, 25, 26, 30, 32, 34, 35, 36, 40, 41, 44, 46, 49, 50,
         54, 84, 100, 125, 145)
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
MARKDOWN_SHARE = 0.7
# Weights of the edits in a history round. Fact edits and cosmetic edits are about even, as in
# the real archive, where many new versions only change formatting or links.
EDIT_WEIGHTS = {"rate": 25, "date": 15, "amount": 10, "rewrap": 20, "link": 15, "delete": 5, "new": 10}
CONTENT_EDITS = {"rate": 35, "date": 20, "amount": 10, "rewrap": 20, "link": 15}

# The next free document index; hidden, and matched by no include pattern of the scanner.
STATE_FILE = ".corpus-next-index"

_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)
_COUNTRY = re.compile(r"\b(?:People[’']s Republic of China|" + "|".join(
    re.escape(c) for c in sorted(COUNTRIES, key=len, reverse=True)) + r")\b")
_PERCENT = re.compile(r"\b(\d{1,3}(?:\.\d+)?)(?=\s?%|\s+percent\b)")
_DATE = re.compile(r"\b(" + "|".join(MONTHS) + r")\s+(\d{1,2})\b(,\s+20\d\d\b)?")
_AMOUNT = re.compile(r"(?<=\$)(\d+(?:\.\d+)?)(?=\s+(?:million|billion|trillion)\b)")
_URL = re.compile(r"https://www\.whitehouse\.gov/[^\s)\"']*")
_INDEX = re.compile(r"^(\d{6})-")
_HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_EMPHASIS = re.compile(r"(?<!\w)[*_]{1,2}(?=\S)|(?<=\S)[*_]{1,2}(?!\w)")


@dataclass(frozen=True)
class Source:
    """A real page or seed: the material documents are made of."""

    title: str
    section: str
    paragraphs: tuple[str, ...]


def load_sources(shared: Path = DEFAULT_SHARED) -> list[Source]:
    """The corpus pages (newest version of each) and the seeds, split into paragraphs."""
    sources = []
    newest: dict[str, Path] = {}
    for path in sorted((shared / "corpus").glob("*.md")):
        newest[path.stem.split("__")[0]] = path  # sorted, so the highest __vN wins
    for stem, path in sorted(newest.items()):
        text = path.read_text(encoding="utf-8")
        match = _FRONT_MATTER.match(text)
        header = match.group(1) if match else ""
        section = re.search(r"^tags:\s*(\S+)", header, re.M)
        title = _title(header) or " ".join(stem.split("-")[3:]).capitalize()
        sources.append(Source(title, section.group(1) if section else "pages",
                              _paragraphs(text[match.end():] if match else text)))
    for path in sorted((shared / "seeds").glob("*.txt")):
        lines = path.read_text(encoding="utf-8").strip().split("\n", 1)
        sources.append(Source(lines[0].strip(), "news", _paragraphs(lines[1] if len(lines) > 1 else "")))
    if not sources:
        raise SystemExit(f"no documents in {shared}/corpus or {shared}/seeds (use --shared)")
    return sources


def _title(header: str) -> str | None:
    """The front matter's title: a YAML scalar, possibly quoted and folded over lines."""
    match = re.search(r"^title:[ \t]*(.*(?:\n[ \t]+.*)*)", header, re.M)
    if not match:
        return None
    # A backslash ends a line without a space (double-quoted style); other line breaks fold to one.
    title = re.sub(r"\n[ \t]*", " ", re.sub(r"\\\n[ \t]*", "", match.group(1))).strip()
    if title[:1] in "\"'" and title[-1:] == title[:1]:
        title = title[1:-1]
    title = title.replace("\\ ", " ")
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), title)


def _paragraphs(body: str) -> tuple[str, ...]:
    return tuple(p.strip("\n") for p in re.split(r"\n[ \t]*\n", body) if p.strip())


@dataclass(frozen=True)
class Document:
    """One generated file: where it goes (relative to the folder) and its full text."""

    path: str
    text: str


class _Redraw:
    """Rewrites one document's entities, rates, dates and amounts with draws from its own RNG."""

    def __init__(self, rng: random.Random, year: int) -> None:
        self.rng = rng
        self.year = year
        # One partner per name in the source, kept across the document so it reads consistently.
        self.countries: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        text = _COUNTRY.sub(self._country, text)
        text = _PERCENT.sub(lambda m: _number(self.rng.choice(RATES)), text)
        text = _DATE.sub(lambda m: _draw_date(self.rng, m, self.year), text)
        return _AMOUNT.sub(lambda m: _draw_amount(self.rng), text)

    def _country(self, match: re.Match[str]) -> str:
        name = "China" if match.group(0).endswith("China") else match.group(0)
        return self.countries.setdefault(name, self.rng.choice(COUNTRIES))


def _number(value: float) -> str:
    return f"{value:g}"


def _draw_date(rng: random.Random, match: re.Match[str], year: int) -> str:
    text = f"{rng.choice(MONTHS)} {rng.randint(1, 28)}"
    return text + (f", {year + rng.choice((0, 0, 1))}" if match.group(3) else "")


def _draw_amount(rng: random.Random) -> str:
    return _number(rng.choice((rng.randint(1, 999), round(rng.uniform(1, 99), 1))))


def generate_document(sources: list[Source], index: int, *, seed: int = 0, size_kb: float = 12) -> Document:
    """Document number `index`: a function of the seed and the index only."""
    rng = random.Random(f"{seed}:{index}")
    primary = rng.choice(sources)
    published = date(2025, 1, 1) + timedelta(days=rng.randrange(540))
    redraw = _Redraw(rng, published.year)
    target = int(size_kb * 1024 * rng.uniform(0.85, 1.15))
    body = "\n\n".join(_fill(primary, sources, redraw, rng, target))
    title = redraw(primary.title)
    slug = _slug(title)
    stem = f"{primary.section}/{index:06d}-{slug}"
    url = f"https://www.whitehouse.gov/{primary.section}/{published:%Y/%m}/{slug}/"
    if rng.random() < MARKDOWN_SHARE:
        return Document(f"{stem}.md", _markdown(title, primary.section, published, url, body, rng))
    return Document(f"{stem}.txt", _plain_text(title, published, url, body))


def _fill(primary: Source, sources: list[Source], redraw: _Redraw, rng: random.Random,
          target: int) -> Iterator[str]:
    """Paragraphs of `primary`, then of other sources, until about `target` characters."""
    size = 0
    others = [s for s in sources if s is not primary and s.paragraphs] or [primary]
    for paragraph in _paragraph_stream(primary, others, rng):
        text = redraw(paragraph)
        # Stop at the paragraph boundary nearest the target, so sizes centre on it.
        if size and size + len(text) / 2 > target:
            return
        yield text
        size += len(text) + 2


def _paragraph_stream(primary: Source, others: list[Source], rng: random.Random) -> Iterator[str]:
    yield from primary.paragraphs
    while True:
        other = rng.choice(others)
        start = rng.randrange(len(other.paragraphs))
        yield from other.paragraphs[start:start + rng.randint(3, 12)]


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60].rstrip("-") or "document"


def _markdown(title: str, section: str, published: date, url: str, body: str, rng: random.Random) -> str:
    stamp = datetime.combine(published, datetime.min.time()) + timedelta(minutes=rng.randrange(600, 1400))
    title = title.replace("\\", "\\\\").replace('"', '\\"')
    return (
        f"---\ndate: '{published.isoformat()}'\nmodified_time: {stamp:%Y-%m-%d %H:%M:%S}-04:00\n"
        f"published_time: {stamp:%Y-%m-%d %H:%M:%S}-04:00\nsource_url: {url}\ntags: {section}\n"
        f'title: "{title}"\n---\n \n{body}\n\n[Read the original on whitehouse.gov]({url})\n'
    )


def _plain_text(title: str, published: date, url: str, body: str) -> str:
    # Plain text as a copy-paste from a browser would give: no tags, no emphasis markers.
    body = _EMPHASIS.sub("", _HTML_TAG.sub("", body))
    return f"{title}\n\n{published:%B %-d, %Y}\n\n{body}\n\nSource: {url}\n"


def write_atomic(path: Path, text: str, mtime: float) -> None:
    """Write as scrapers do: a hidden temp file in the same folder, its mtime set, then renamed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temp, "wb") as f:
        f.write(text.encode("utf-8"))
    os.utime(temp, (mtime, mtime))
    os.replace(temp, path)


def build_corpus(out: Path, documents: int, *, seed: int = 0, size_kb: float = 12,
                 shared: Path = DEFAULT_SHARED, now: float | None = None) -> int:
    """Write `documents` files into `out`; returns the bytes written.

    mtimes are spread over the 30 days before `now`, as a folder a scraper has filled over a month.
    """
    sources = load_sources(shared)
    now = time.time() if now is None else now
    mtimes = random.Random(f"{seed}:mtimes")
    total = 0
    for index in range(documents):
        document = generate_document(sources, index, seed=seed, size_kb=size_kb)
        write_atomic(out / document.path, document.text, now - 86400 * 30 + mtimes.uniform(0, 86400 * 29))
        total += len(document.text.encode("utf-8"))
    (out / STATE_FILE).write_text(str(documents))
    return total


def _next_index(out: Path) -> int:
    """The index for a new document: never one a deleted document had, so a path is not reused."""
    state = out / STATE_FILE
    if state.exists():
        return int(state.read_text())
    return 1 + max((int(_INDEX.match(p.name).group(1)) for p in corpus_files(out)), default=-1)


def corpus_files(out: Path) -> list[Path]:
    """The generated documents in `out`, in a stable order."""
    return sorted(p for p in out.rglob("*") if p.suffix in (".md", ".txt") and _INDEX.match(p.name))


# -- history -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Edit:
    kind: str
    path: Path


def apply_history(out: Path, *, rounds: int = 1, fraction: float = 0.1, seed: int = 0,
                  weights: dict[str, int] | None = None, shared: Path = DEFAULT_SHARED,
                  size_kb: float = 12, now: float | None = None) -> list[Edit]:
    """Apply `rounds` rounds of edits, each touching `fraction` of the files; returns the edits.

    Round r is written at `now - (rounds - 1 - r)` hours, so the last round is "now" and every
    edited file's mtime moves forward, as when a scraper re-exports pages hourly.
    """
    weights = weights or EDIT_WEIGHTS
    now = time.time() if now is None else now
    edits: list[Edit] = []
    sources: list[Source] | None = None
    for r in range(rounds):
        rng = random.Random(f"{seed}:history:{r}")
        files = corpus_files(out)
        when = now - 3600 * (rounds - 1 - r)
        for path in rng.sample(files, max(1, round(len(files) * fraction))) if files else []:
            kind = rng.choices(list(weights), list(weights.values()))[0]
            if kind == "new":
                sources = sources or load_sources(shared)
                path = _new_document(out, sources, rng, seed, size_kb, when)
            elif kind == "delete":
                path.unlink()
            else:
                kind = _edit_file(path, kind, rng, when)
            edits.append(Edit(kind, path))
    return edits


def _new_document(out: Path, sources: list[Source], rng: random.Random, seed: int, size_kb: float,
                  when: float) -> Path:
    index = _next_index(out)
    (out / STATE_FILE).write_text(str(index + 1))
    document = generate_document(sources, index, seed=seed, size_kb=size_kb)
    write_atomic(out / document.path, document.text, _edit_time(when, rng))
    return out / document.path


def _edit_file(path: Path, kind: str, rng: random.Random, when: float) -> str:
    """Apply one edit of `kind` (or a re-wrap when the file has nothing of that kind)."""
    old = path.read_text(encoding="utf-8")
    text = EDITORS[kind](old, rng)
    if text == old:
        kind, text = "rewrap", _rewrap(old, rng)
    text = _touch_modified_time(text, when)
    # The new mtime is always later than the old one, as a re-export's would be.
    write_atomic(path, text, max(_edit_time(when, rng), path.stat().st_mtime + 0.001))
    return kind


def _edit_time(when: float, rng: random.Random) -> float:
    """When a file of a round was written: in the minute up to `when`, never in the future."""
    return min(when, time.time()) - rng.uniform(0, 60)


def _replace_one(pattern: re.Pattern[str], text: str, rng: random.Random,
                 draw: Callable[[re.Match[str]], str]) -> str:
    """Replace one random match of `pattern` (outside the front matter) with a different value."""
    start = _body_start(text)
    matches = [m for m in pattern.finditer(text, start)]
    if not matches:
        return text
    match = rng.choice(matches)
    for _ in range(10):
        new = draw(match)
        if new != match.group(0):
            return text[:match.start()] + new + text[match.end():]
    return text


def _body_start(text: str) -> int:
    match = _FRONT_MATTER.match(text)
    return match.end() if match else 0


def _edit_rate(text: str, rng: random.Random) -> str:
    return _replace_one(_PERCENT, text, rng, lambda m: _number(rng.choice(RATES)))


def _edit_date(text: str, rng: random.Random) -> str:
    year = int(m.group(1)) if (m := re.search(r"\b(20\d\d)\b", text)) else 2025
    return _replace_one(_DATE, text, rng, lambda m: _draw_date(rng, m, year))


def _edit_amount(text: str, rng: random.Random) -> str:
    return _replace_one(_AMOUNT, text, rng, lambda m: _draw_amount(rng))


def _rewrap(text: str, rng: random.Random) -> str:
    """Re-wrap a few prose paragraphs at another width: a re-export with a new line length.

    A file with nothing to re-wrap gets an extra blank line instead, which is just as invisible.
    """
    start = _body_start(text)
    paragraphs = text[start:].split("\n\n")
    prose = [i for i, p in enumerate(paragraphs) if _is_prose(p)]
    widths = rng.sample((60, 66, 78, 88, 100), 5)
    for i in rng.sample(prose, min(len(prose), rng.randint(1, 4))):
        words = " ".join(paragraphs[i].split())
        wrapped = (textwrap.fill(words, width, break_long_words=False, break_on_hyphens=False)
                   for width in widths)
        paragraphs[i] = next((w for w in wrapped if w != paragraphs[i]), paragraphs[i])
    if paragraphs == text[start:].split("\n\n"):
        at = rng.randrange(1, len(paragraphs)) if len(paragraphs) > 1 else 1
        paragraphs.insert(at, "")
    return text[:start] + "\n\n".join(paragraphs)


def _is_prose(paragraph: str) -> bool:
    # Tables, lists, headings, raw HTML and Markdown hard breaks (two trailing spaces) keep their
    # line structure; only running text re-wraps, so the edit changes no visible word.
    lines = paragraph.split("\n")
    return all(line.strip() and line.lstrip()[0].isalnum() and not line.endswith("  ") for line in lines)


def _edit_link(text: str, rng: random.Random) -> str:
    """Change the page's link everywhere it appears: tracking parameters or a moved page."""
    urls = sorted(set(_URL.findall(text)))
    if not urls:
        return text
    old = rng.choice(urls)
    base = old.split("?")[0]
    new = rng.choice((f"{base}?utm_source=newsletter&utm_id={rng.randrange(10**6)}",
                      base.replace("https://www.", "https://"), base.rstrip("/") + "-2/"))
    return text.replace(old, new)


EDITORS: dict[str, Callable[[str, random.Random], str]] = {
    "rate": _edit_rate, "date": _edit_date, "amount": _edit_amount, "rewrap": _rewrap, "link": _edit_link,
}


def _touch_modified_time(text: str, when: float) -> str:
    stamp = datetime.fromtimestamp(when, timezone.utc).strftime("%Y-%m-%d %H:%M:%S+00:00")
    return re.sub(r"^modified_time: .*$", f"modified_time: {stamp}", text, count=1, flags=re.M)


# -- command line --------------------------------------------------------------------------------

def _summary(edits: Iterable[Edit]) -> str:
    counts: dict[str, int] = {}
    for edit in edits:
        counts[edit.kind] = counts.get(edit.kind, 0) + 1
    return ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items())) or "no edits"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder to write (created if missing)")
    parser.add_argument("--documents", type=int, default=100, help="documents to build (default 100)")
    parser.add_argument("--size-kb", type=float, default=12, help="mean document size (default 12)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED,
                        help=f"folder with corpus/ and seeds/ (default {DEFAULT_SHARED})")
    parser.add_argument("--history", action="store_true", help="edit an existing folder instead")
    parser.add_argument("--rounds", type=int, default=1, help="history: rounds of edits (default 1)")
    parser.add_argument("--fraction", type=float, default=0.1,
                        help="history: share of files edited per round (default 0.1)")
    parser.add_argument("--content-only", action="store_true",
                        help="history: only edit files in place (no deletions or new documents)")
    args = parser.parse_args(argv)
    if args.history:
        edits = apply_history(args.out, rounds=args.rounds, fraction=args.fraction, seed=args.seed,
                              weights=CONTENT_EDITS if args.content_only else None,
                              shared=args.shared, size_kb=args.size_kb)
        print(f"{args.out}: {len(edits)} edits ({_summary(edits)})")
    else:
        written = build_corpus(args.out, args.documents, seed=args.seed, size_kb=args.size_kb,
                               shared=args.shared)
        print(f"{args.out}: {args.documents} documents, {written / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
