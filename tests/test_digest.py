"""Building digests: the seed scenario's content, grouping, differences, chains, filters, health."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from digest_scenario import (NEW_LETTER, OBSERVER, OLD_LETTER, OTHER, T1, add_document, add_version, log_change,
                             make_config, record_extraction, seed_scenario, set_fact)
from monitor.delivery import render
from monitor.digest import (build_digest, chain_line, collapse_chains, collect_digest, difference, fact_label,
                            fact_lists, format_value, group_lines, load_digest, next_digest_due)

NOW = "2025-07-13T08:00:00.000Z"


@pytest.fixture
def db(tmp_path: Path):
    return seed_scenario(tmp_path / "monitor.db")


# --- pure parts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind, old, new, unit, expected", [
    ("tariff", 25, 30, "percent", "+5 points"),
    ("tariff", 30, 27.5, "percent", "-2.5 points"),
    ("tariff", 10, 11, "percent", "+1 point"),
    ("tariff", None, 30, "percent", "now stated"),
    ("deadline", "2025-08-01", "2025-08-15", "date", "moved 14 days later"),
    ("deadline", "2025-08-15", "2025-08-14", "date", "moved 1 day earlier"),
    ("deadline", "XXXX-08-01", "XXXX-08-07", "date", "moved 6 days later"),
    ("deadline", "XXXX-08-01", "2025-08-07", "date", "date changed"),
    ("money", 1_000_000_000, 1_500_000_000, "USD", "+$500 million (+50%)"),
    ("count", 19, 21, "count", "+2"),
    ("percent", 50, 50, "percent", "no net change"),
])
def test_difference_says_how_much_and_which_way(kind, old, new, unit, expected):
    assert difference(kind, old, new, unit) == expected


@pytest.mark.parametrize("kind, value, unit, expected", [
    ("tariff", 25, "percent", "25%"),
    ("tariff", "27.5", "percent", "27.5%"),
    ("tariff", None, "percent", "no rate stated"),
    ("deadline", "2025-08-01", "date", "August 1, 2025"),
    ("deadline", "XXXX-08-15", "date", "August 15"),
    ("money", 1_500_000_000, "USD", "$1.5 billion"),
    ("money", 300_000_000, "EUR", "300 million EUR"),
    ("count", 5000, "count", "5,000"),
])
def test_values_read_as_articles_write_them(kind, value, unit, expected):
    assert format_value(kind, value, unit) == expected


def _row(i, old, new, version, change="changed", kind="tariff", subject="Kazakhstan", document_id=1):
    return {"id": i, "document_id": document_id, "path": "a.txt", "version": version, "version_id": version,
            "kind": kind, "subject": subject, "subject_code": None, "qualifier": "", "change": change,
            "old": old, "new": new, "unit": "percent", "old_sentence": f"a {old}% tariff",
            "new_sentence": f"a {new}% tariff", "detected_at": f"2025-07-1{version}T00:00:00Z"}


def test_a_to_b_to_c_is_one_line_from_a_to_c_with_its_steps():
    chains = collapse_chains([_row(2, 30, 35, 3), _row(1, 25, 30, 2)])
    assert len(chains) == 1
    line = chain_line(chains[0], "Observer")
    assert (line.old_display, line.new_display, line.difference) == ("25%", "35%", "+10 points")
    assert [s.display for s in line.steps] == ["25%", "30%", "35%"]
    assert line.change_ids == [1, 2] and line.version == 3
    assert [p.value for p in line.timeline] == ["25%", "30%", "35%"]


def test_a_change_reverted_within_the_digest_shows_no_net_change():
    line = chain_line(collapse_chains([_row(1, 25, 30, 2), _row(2, 30, 25, 3)])[0], "Observer")
    assert line.difference == "no net change" and [s.display for s in line.steps] == ["25%", "30%", "25%"]


def test_changes_of_different_facts_stay_apart():
    chains = collapse_chains([_row(1, 25, 30, 2), _row(2, 10, 20, 2, subject="China"),
                              _row(3, 25, 30, 2, document_id=2)])
    assert len(chains) == 3


def test_groups_put_tariffs_first_then_deadlines_then_the_rest():
    rows = [_row(1, 5, 6, 2, kind="count", subject="deposits"), _row(2, 25, 30, 2, subject="Kazakhstan"),
            _row(3, "2025-08-01", "2025-08-02", 2, kind="deadline", subject="trade agreement"),
            _row(4, 10, 20, 2, subject="Brazil")]
    for r in rows[2:3]:
        r["unit"] = "date"
    groups = group_lines(chain_line(c, "t") for c in collapse_chains(rows))
    assert [(g.kind, g.subject) for g in groups] == [("tariff", "Brazil"), ("tariff", "Kazakhstan"),
                                                     ("deadline", "trade agreement"), ("count", "deposits")]


@pytest.mark.parametrize("kind, subject, qualifier, expected", [
    ("tariff", "Kazakhstan", "", "tariff on Kazakhstan"),
    ("deadline", "agreement", "by:agreement", "agreement due by"),
    ("deadline", "tariff", "effective:tariff", "tariff takes effect"),
    ("deadline", "suspension", "expires:suspension", "suspension expires"),
    ("deadline", "exclusion", "until:exclusion", "exclusion until"),
    ("deadline", "effect", "effective:effect", "takes effect"),
    ("deadline", "trade agreement", "", "deadline for trade agreement"),
    ("count", "countries", "countries", "number of countries"),
    ("exemption", "uranium", "uranium", "exemption for uranium"),
])
def test_facts_are_labelled_by_what_they_are_about(kind, subject, qualifier, expected):
    assert fact_label(kind, subject, qualifier) == expected


def _fact(kind, subject, value, unit, qualifier="", details=None):
    return {"kind": kind, "subject": subject, "qualifier": qualifier, "value": value, "unit": unit,
            "details": json.dumps(details or {})}


def test_a_documents_facts_are_listed_by_kind_tariffs_first_in_text_order():
    rows = [_fact("count", "countries", 20, "count", "countries", {"modifier": "nearly"}),
            _fact("tariff", "Kazakhstan", None, "percent"),
            _fact("tariff", "Kazakhstan", 25, "percent"),
            _fact("deadline", "agreement", "XXXX-08-01", "date", "by:agreement"),
            _fact("tariff", "copper", 50, "percent"),
            _fact("tariff", "BRICS", 10, "percent"),
            _fact("deadline", "tariff", "2025-08-01", "date", "effective:tariff"),
            _fact("money", "investments", 1_000_000_000, "USD", "investments", {"modifier": "over"})]
    rows += [_fact("exemption", name, None, None, name) for name in ("uranium", "silver", "oil", "iron", "gold")]
    lists = fact_lists(rows)
    assert [(f.heading, f.items, f.more) for f in lists] == [
        # The value-less mention of Kazakhstan says less than the 25% beside it: left out.
        ("Tariffs", ["Kazakhstan 25%", "copper 50%", "BRICS 10%"], 0),
        ("Deadlines", ["agreement due by August 1", "tariff takes effect August 1, 2025"], 0),
        ("Amounts", ["investments over $1 billion"], 0),
        ("Counts", ["nearly 20 countries"], 0),
        ("Exemptions", ["uranium", "silver", "oil"], 2),
    ]
    # One over the cap is listed rather than counted: "and 1 more" would take its room.
    assert fact_lists(rows[-4:])[0].items == ["silver", "oil", "iron", "gold"]
    assert fact_lists([_fact("tariff", "Kazakhstan", None, "percent")])[0].items == ["Kazakhstan (no rate stated)"]


def test_next_digest_due_is_the_next_local_occurrence():
    from datetime import datetime
    after = datetime(2025, 7, 13, 9, 0).astimezone()
    due = next_digest_due(after, "08:00")
    assert (due.day, due.hour, due.minute) == (14, 8, 0)


# --- from the store -----------------------------------------------------------------------------


def test_seed_scenario_digest_says_what_changed(db, tmp_path):
    config = make_config(tmp_path)
    digest = build_digest(db, config, now=NOW)
    assert digest is not None and digest.id == 1
    assert [(g.kind, g.label) for g in digest.groups] == [("tariff", "Tariff on Kazakhstan"),
                                                          ("deadline", "Agreement due by")]
    md = render(digest, "md", config)
    # The title is the news itself; the line under it counts what the digest holds.
    assert md.startswith("# Tariff on Kazakhstan: 25% → 30%; agreement due by August 1, 2025 → August 15, 2025\n\n"
                         "2 changes in 1 document; 2 new documents; sources disagree on 1 fact · "
                         "up to 2025-07-13 08:00 UTC\n")
    assert "- **25% → 30%** (+5 points)" in md
    assert "- **August 1, 2025 → August 15, 2025** (moved 14 days later)" in md
    assert "> was: The letter threatened that if the country did not reach a trade agreement by August ~~1~~, " \
           "it would face a ~~25%~~ tariff." in md
    assert "> now: The letter threatened that if the country did not reach a trade agreement by August **15**, " \
           "it would face a **30%** tariff." in md
    assert f"{OBSERVER} · version 2" in md
    # Tariffs come before deadlines, and both before the documents section.
    assert md.index("## Tariffs") < md.index("## Deadlines") < md.index("## Documents")
    # The other seed still says 25%: the sources now disagree.
    assert "- Tariff on Kazakhstan: 25% in US Woos Kazakhstan for Minerals, Slaps on Sweeping Trade Tariffs " \
           f"(`{OTHER}`); 30% in {OBSERVER}" in md
    # New documents say what they state now, tariffs first, then deadlines with their dates.
    assert f"- **New:** {OBSERVER}, 2025-07-10 08:00 UTC\n" \
           "  - Tariffs: Kazakhstan 30%\n" \
           "  - Deadlines: agreement due by August 15, 2025\n" in md
    assert f"- **New:** US Woos Kazakhstan for Minerals, Slaps on Sweeping Trade Tariffs (`{OTHER}`), " \
           "2025-07-10 08:00 UTC\n  - Tariffs: Kazakhstan 25%\n" in md


def test_json_carries_the_same_content(db, tmp_path):
    config = make_config(tmp_path)
    data = json.loads(render(build_digest(db, config, now=NOW), "json", config))
    tariff = data["groups"][0]["lines"][0]
    assert (tariff["old"], tariff["new"], tariff["difference"], tariff["path"], tariff["version"]) == \
        (25, 30, "+5 points", OBSERVER, 2)
    assert [s["text"] for s in tariff["new_sentence"] if s["changed"]] == ["15", "30%"]
    assert data["groups"][1]["lines"][0]["new"] == "2025-08-15"
    assert data["id"] == 1 and data["change_count"] == 2


def test_the_digest_is_recorded_with_the_changes_it_covers(db, tmp_path):
    build_digest(db, make_config(tmp_path), now=NOW)
    assert [r["change_id"] for r in db.query("select change_id from digest_changes order by change_id")] == [1, 2]
    assert [r["channel"] for r in db["deliveries"].rows] == ["files"]
    stored = db["digests"].get(1)
    assert stored["title"].startswith("Tariff on Kazakhstan: 25% → 30%") and stored["change_count"] == 2


def test_nothing_new_means_no_digest_unless_asked(db, tmp_path):
    build_digest(db, make_config(tmp_path), now=NOW)
    assert build_digest(db, make_config(tmp_path), now="2025-07-14T08:00:00.000Z") is None
    assert db["digests"].count == 1 and db["digest_runs"].count == 2
    notice = build_digest(db, make_config(tmp_path, notify_unchanged=True), now="2025-07-15T08:00:00.000Z")
    assert notice is not None and notice.title == "Nothing changed"
    assert "Nothing changed since 2025-07-13 08:00 UTC." in render(notice, "md", make_config(tmp_path))


def test_the_next_digest_covers_only_what_came_after(db, tmp_path):
    config = make_config(tmp_path)
    build_digest(db, config, now=NOW)
    v3, _ = add_version(db, 1, "…35%", "2025-07-14T00:00:00.000Z")
    log_change(db, 1, v3, "tariff", "Kazakhstan", "changed", 30, 35, "percent", NEW_LETTER,
               NEW_LETTER.replace("30%", "35%"), "2025-07-14T00:00:00.000Z", subject_code="KZ")
    digest = build_digest(db, config, now="2025-07-15T08:00:00.000Z")
    assert [(l.old_display, l.new_display) for l in digest.lines] == [("30%", "35%")]
    assert digest.new_documents == [] and digest.period_start == NOW
    # The timeline shows the tariff's whole history in its document, not just this digest's step.
    assert [p.value for p in digest.lines[0].timeline] == ["25%", "30%", "35%"]


def test_since_reports_changes_already_covered(db, tmp_path):
    config = make_config(tmp_path)
    build_digest(db, config, now=NOW)
    again = build_digest(db, config, since="2025-07-11T00:00:00Z", now="2025-07-14T08:00:00.000Z")
    assert again is not None and again.change_count == 2 and again.since == "2025-07-11T00:00:00Z"
    assert build_digest(db, config, since="2025-07-13T00:00:00Z", now="2025-07-14T09:00:00.000Z") is None


def test_rules_upgrades_are_never_reported(db, tmp_path):
    log_change(db, 1, 2, "count", "deposits", "added", None, 12, "count", None, "12 deposits", T1, cause="rules")
    digest = build_digest(db, make_config(tmp_path), now=NOW)
    assert all(l.kind != "count" for l in digest.lines)


@pytest.mark.parametrize("reports, expected", [
    ({"kinds": ["deadline"]}, ["deadline"]),
    ({"entities": ["China"]}, []),
    # The deadline's subject is the agreement and its sentence does not name Kazakhstan.
    ({"entities": ["kazakhstan"]}, ["tariff"]),
    ({"min_rate_change": 10.0}, ["deadline"]),
    ({"min_rate_change": 5.0}, ["tariff", "deadline"]),
])
def test_filters_from_the_config(db, tmp_path, reports, expected):
    digest = collect_digest(db, make_config(tmp_path, **reports), now=NOW)
    assert [l.kind for l in digest.lines] == expected


def test_filtered_changes_are_covered_but_not_shown(db, tmp_path):
    build_digest(db, make_config(tmp_path, kinds=["deadline"]), now=NOW)
    assert {(r["change_id"], r["shown"]) for r in db["digest_changes"].rows} == {(1, 0), (2, 1)}


def test_a_new_document_and_a_removed_document_with_their_facts(db, tmp_path):
    config = make_config(tmp_path)
    build_digest(db, config, now=NOW)
    third = add_document(db, "brazil.md", "2025-07-14T10:00:00.000Z")
    vid, _ = add_version(db, third, "x", "2025-07-14T10:00:00.000Z", title="Brazil <b>tariffs</b>")
    db["document_versions"].update(vid, {"source_url": "https://example.org/brazil"})
    set_fact(db, third, vid, "tariff", "Brazil", 50, "percent", "A 50% tariff on Brazil.", subject_code="BR")
    set_fact(db, third, vid, "exemption", "orange juice", None, None, "Orange juice is exempt.")
    # The other seed goes away: its facts go with it (history.document_deleted), its runs stay.
    db["documents"].update(2, {"deleted_at": "2025-07-14T11:00:00.000Z"})
    db.execute("delete from facts where document_id = 2")
    digest = build_digest(db, config, now="2025-07-15T08:00:00.000Z")
    [new] = digest.new_documents
    assert (new.path, new.title, new.source_url) == ("brazil.md", "Brazil <b>tariffs</b>", "https://example.org/brazil")
    assert [(f.heading, f.items) for f in new.facts] == [("Tariffs", ["Brazil 50%"]), ("Exemptions", ["orange juice"])]
    [removed] = digest.removed_documents
    assert removed.path == OTHER and [(f.heading, f.items) for f in removed.facts] == [("Tariffs", ["Kazakhstan 25%"])]
    assert digest.title == "1 new document; 1 removed document"
    md = render(digest, "md", config)
    assert "- **New:** Brazil <b>tariffs</b> (`brazil.md`), 2025-07-14 10:00 UTC · <https://example.org/brazil>\n" \
           "  - Tariffs: Brazil 50%\n  - Exemptions: orange juice\n" in md
    assert "  It no longer states:\n  - Tariffs: Kazakhstan 25%\n" in md
    data = json.loads(render(digest, "json", config))
    assert data["new_documents"][0]["facts"][0] == {"kind": "tariff", "heading": "Tariffs", "items": ["Brazil 50%"],
                                                    "more": 0}
    # Rendered again from the record, as delivery does, it says the same.
    assert render(load_digest(db, digest.id), "md", config) == md
    # A deleted document states nothing, so nothing disagrees any more.
    assert collect_digest(db, config, now=NOW).disagreements == []
    # A deleted document states nothing, so nothing disagrees any more.


def test_health_failed_files_since_the_last_digest(db, tmp_path):
    config = make_config(tmp_path)
    db["errors"].insert({"path": "old.bin", "occurred_at": "2025-07-11T00:00:00.000Z", "stage": "read",
                         "reason": "binary file"})
    build_digest(db, config, now=NOW)
    db["errors"].insert({"path": "big.txt", "occurred_at": "2025-07-14T00:00:00.000Z", "stage": "read",
                         "reason": "over the size limit"})
    digest = build_digest(db, config, now="2025-07-15T08:00:00.000Z")
    assert digest is not None, "a health problem alone is worth a digest"
    assert [h.message for h in digest.health] == ["big.txt: read failed: over the size limit"]
    assert "- error: big.txt: read failed: over the size limit" in render(digest, "md", config)


def test_health_missed_and_unfinished_scans(db, tmp_path):
    config = make_config(tmp_path)  # rescan every 15 minutes
    for started in ("2025-07-12T12:00:00.000Z", "2025-07-12T12:15:00.000Z", "2025-07-12T15:00:00.000Z"):
        db["scans"].insert({"started_at": started, "finished_at": started, "trigger": "schedule"})
    db["scans"].insert({"started_at": "2025-07-13T06:00:00.000Z", "finished_at": None, "trigger": "schedule"})
    messages = [h.message for h in collect_digest(db, config, now=NOW).health if h.category == "scan"]
    assert messages == [
        "no scan ran between 2025-07-12T12:15:00Z and 2025-07-12T15:00:00Z (expected every 15 minutes)",
        "no scan ran between 2025-07-12T15:00:00Z and 2025-07-13T06:00:00Z (expected every 15 minutes)",
        "no scan ran between 2025-07-13T06:00:00Z and 2025-07-13T08:00:00Z (expected every 15 minutes)",
        "the schedule scan started at 2025-07-13T06:00:00.000Z never finished",
    ]


def test_health_a_scheduled_digest_that_did_not_run(db, tmp_path):
    config = make_config(tmp_path)
    build_digest(db, config, now="2025-07-10T09:00:00.000Z", trigger="schedule")
    late = collect_digest(db, config, now="2025-07-13T08:00:00.000Z")
    assert [h.category for h in late.health] == ["digest"]
    assert "did not run on time" in late.health[0].message


def test_health_a_document_that_stopped_yielding_facts(db, tmp_path):
    v3, _ = add_version(db, 1, "The page is now a cookie banner.", "2025-07-12T12:00:00.000Z")
    record_extraction(db, v3, 0)
    db.execute("delete from facts where document_id = 1")
    digest = collect_digest(db, make_config(tmp_path), now=NOW)
    assert [h.message for h in digest.health if h.category == "extraction"] == [
        f"{OBSERVER}: version 3 yields no facts; version 2 did"]


# --- as a user runs it ---------------------------------------------------------------------------

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def _monitor(*args: str, cwd: Path) -> str:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "monitor", "--config", "config.toml", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_seed_edit_reaches_the_digest_through_the_cli(tmp_path):
    import re
    import shutil

    docs = tmp_path / "docs"
    docs.mkdir()
    for seed in SEEDS.glob("*.txt"):
        shutil.copyfile(seed, docs / seed.name)
    (tmp_path / "config.toml").write_text('[watch]\npaths = ["docs"]\n[reports]\nfolder = "reports"\n')
    _monitor("scan", cwd=tmp_path)
    assert "digest 1: 2 new documents" in _monitor("digest", cwd=tmp_path)
    # The first digest tells what the new documents say, read by the real extractor.
    first = next((tmp_path / "reports").glob("digest-*-1.md")).read_text(encoding="utf-8")
    observer_section = first[first.index(f"- **New:** {OBSERVER}"):]
    assert "  - Tariffs: Kazakhstan 25%, " in observer_section and "copper 50%" in observer_section
    assert "  - Deadlines: agreement due by August 1" in observer_section
    observer = docs / OBSERVER
    text = observer.read_text(encoding="utf-8")
    observer.write_text(re.sub(r"August 1\b", "August 15", text.replace("25%", "30%")), encoding="utf-8")
    _monitor("scan", cwd=tmp_path)
    out = _monitor("digest", cwd=tmp_path)
    assert "digest 2: Tariff on Kazakhstan: 25% → 30%; agreement due by August 1 → August 15" in out
    md = next((tmp_path / "reports").glob("digest-*-2.md")).read_text(encoding="utf-8")
    assert "- **25% → 30%** (+5 points)" in md
    assert "- **August 1 → August 15** (moved 14 days later)" in md
    assert "by August **15**, it would face a **30%** tariff." in md
    assert "no changes to report" in _monitor("digest", cwd=tmp_path)


def test_many_failed_files_are_counted_not_listed(db, tmp_path):
    db["errors"].insert_all({"path": f"bad{i}.bin", "occurred_at": f"2025-07-12T10:{i:02d}:00.000Z", "stage": "read",
                             "reason": "binary file"} for i in range(25))
    health = collect_digest(db, make_config(tmp_path), now=NOW).health
    assert len(health) == 21 and health[-1].message == "and 5 more failed files (see the errors table)"


def test_a_failing_delivery_alone_makes_no_new_digest(db, tmp_path):
    config = make_config(tmp_path)
    build_digest(db, config, now=NOW)
    db.execute("update deliveries set attempts = 1, last_error = 'SMTP down', last_attempt_at = ?", [NOW])
    assert build_digest(db, config, now="2025-07-14T08:00:00.000Z") is None


def test_a_deadline_is_kept_when_its_evidence_names_a_watched_entity(db, tmp_path):
    db.execute("update fact_changes set new_sentence = 'Kazakhstan must sign a trade agreement by August 15.' "
               "where kind = 'deadline'")
    digest = collect_digest(db, make_config(tmp_path, entities=["Kazakhstan"]), now=NOW)
    assert [l.kind for l in digest.lines] == ["tariff", "deadline"]
