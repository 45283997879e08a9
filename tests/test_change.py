"""compare_facts and still_stated: identity, sets of values, pairing, and no noise (issue 4)."""
from __future__ import annotations

from monitor.change import compare_facts, normalise_value, still_stated, value_key, value_key_of
from monitor.fact import Fact

KZ_1 = ("The letter threatened that if the country did not reach a trade agreement by August 1, "
        "it would face a 25% tariff.")
KZ_2 = "Imports from Kazakhstan will be subject to a 25% tariff."
DUE_2 = "The new tariff measures will take effect on August 1."


def fact(kind="tariff", subject="Kazakhstan", value=25, *, sentence=KZ_2, text=None, start=0,
         unit=None, qualifier="", code="KZ") -> Fact:
    unit = unit or {"tariff": "percent", "deadline": "date", "money": "USD"}.get(kind, "percent")
    text = text or (f"{value}%" if kind == "tariff" else str(value))
    return Fact(kind=kind, subject=subject, value=value, unit=unit, text=text, start=start,
                end=start + len(text), sentence=sentence, rule="test", qualifier=qualifier,
                subject_code=code if kind == "tariff" else None)


def seed_facts(rate, day):
    s1 = KZ_1.replace("25%", f"{rate}%").replace("August 1,", f"August {day},")
    s2 = KZ_2.replace("25%", f"{rate}%")
    s3 = DUE_2.replace("August 1", f"August {day}")
    return [
        fact(value=rate, sentence=s1, start=100),
        fact("deadline", "trade agreement", f"2025-08-{day:02d}", sentence=s1, start=90,
             qualifier="by:agreement"),
        fact(value=rate, sentence=s2, start=500),
        fact("deadline", "tariff measures take effect", f"2025-08-{day:02d}", sentence=s3, start=560,
             qualifier="effective:tariff"),
    ]


def summary(changes):
    return [(c.change, c.kind, c.subject, c.old, c.new) for c in changes]


def test_same_facts_no_change():
    assert compare_facts(seed_facts(25, 1), seed_facts(25, 1)) == []


def test_seed_edit_reports_each_distinct_fact_once():
    changes = compare_facts(seed_facts(25, 1), seed_facts(30, 15))
    assert summary(changes) == [
        ("changed", "tariff", "Kazakhstan", 25, 30),
        ("changed", "deadline", "trade agreement", "2025-08-01", "2025-08-15"),
        ("changed", "deadline", "tariff measures take effect", "2025-08-01", "2025-08-15"),
    ]
    tariff, agreement, effect = changes
    assert tariff.old_sentence == KZ_1 and "30% tariff" in tariff.new_sentence
    assert tariff.unit == "percent"
    # Each deadline row carries its own evidence, not the other deadline's sentence.
    assert agreement.old_sentence == KZ_1 and "agreement by August 15," in agreement.new_sentence
    assert effect.old_sentence == DUE_2 and effect.new_sentence == DUE_2.replace("August 1", "August 15")
    assert (agreement.qualifier, effect.qualifier) == ("by:agreement", "effective:tariff")


def test_revert_reports_the_same_changes_back():
    assert summary(compare_facts(seed_facts(30, 15), seed_facts(25, 1))) == [
        ("changed", "tariff", "Kazakhstan", 30, 25),
        ("changed", "deadline", "trade agreement", "2025-08-15", "2025-08-01"),
        ("changed", "deadline", "tariff measures take effect", "2025-08-15", "2025-08-01"),
    ]


def due(day, qualifier, sentence, start):
    return fact("deadline", qualifier.split(":")[-1], f"2025-08-{day:02d}", sentence=sentence,
                start=start, qualifier=qualifier)


def test_deadline_qualifier_wobble_on_an_unmoved_date_is_no_change():
    # The date is the gate: what is due read differently, on the same date, is not a change.
    old = [due(1, "by:agreement", KZ_1, 90)]
    new = [due(1, "effective:agreement", KZ_1, 90)]
    assert compare_facts(old, new) == []


def test_moved_deadline_said_twice_for_one_qualifier_is_one_row():
    old = [due(1, "effective:tariff", DUE_2, 10), due(1, "effective:tariff", DUE_2 + " Again.", 300)]
    new = [due(15, "effective:tariff", DUE_2.replace("1", "15"), 10),
           due(15, "effective:tariff", DUE_2.replace("1", "15") + " Again.", 300)]
    changes = compare_facts(old, new)
    assert summary(changes) == [("changed", "deadline", "tariff", "2025-08-01", "2025-08-15")]
    assert changes[0].old_fact.start == 10  # the first mention is the evidence


def test_moved_deadline_with_qualifiers_that_do_not_line_up_is_one_row():
    old = [due(1, "by:agreement", KZ_1, 90)]
    new = [due(15, "by:trade agreement", KZ_1.replace("August 1,", "August 15,"), 90)]
    assert summary(compare_facts(old, new)) == [
        ("changed", "deadline", "trade agreement", "2025-08-01", "2025-08-15")]


def test_moved_deadlines_pair_by_qualifier_and_the_rest_make_one_row():
    moved = DUE_2.replace("August 1", "August 15")
    old = [due(1, "by:agreement", KZ_1, 90), due(1, "effective:tariff", DUE_2, 500),
           due(1, "expires:suspension", "The suspension ends August 1.", 700)]
    new = [due(15, "by:agreement", KZ_1.replace("August 1,", "August 15,"), 90),
           due(15, "effective:tariffs", moved, 500),
           due(15, "ends:suspension", "The suspension ends August 15.", 700)]
    changes = compare_facts(old, new)
    # by:agreement lines up; the two others do not, and make one row between them, never two
    # guessed ones: at most one row per qualifier, never fewer than one.
    assert [(c.old_fact.qualifier, c.new_fact.qualifier) for c in changes] == [
        ("by:agreement", "by:agreement"), ("effective:tariff", "effective:tariffs")]
    assert all((c.old, c.new) == ("2025-08-01", "2025-08-15") for c in changes)


def test_a_deadline_dropped_while_its_date_moved_adds_no_row():
    # Only the agreement is due on the new date: one row, the tariff deadline is not invented.
    old = [due(1, "by:agreement", KZ_1, 90), due(1, "effective:tariff", DUE_2, 500)]
    new = [due(15, "by:agreement", KZ_1.replace("August 1,", "August 15,"), 90)]
    assert summary(compare_facts(old, new)) == [
        ("changed", "deadline", "agreement", "2025-08-01", "2025-08-15")]


def test_values_compared_normalised():
    assert compare_facts([fact(value=25)], [fact(value=25.0, text="25 percent")]) == []
    assert normalise_value(1e9) == normalise_value(1000000000)
    assert value_key(fact(value=25)) != value_key(fact("money", value=25))


def test_a_stored_value_and_unit_have_the_value_key_of_the_fact_they_came_from():
    # history keys the rows of its tables this way: they keep a value and a unit, not a Fact.
    assert value_key_of(25, "percent") == value_key(fact(value=25.0)) == value_key_of(25.0, "percent")
    assert value_key_of("2025-08-01", "date") == value_key(fact("deadline", value="2025-08-01 "))
    assert value_key_of(25, "USD") != value_key_of(25, "percent")


def test_repeated_mention_removed_is_no_change():
    old = [fact(start=10, sentence=KZ_1), fact(start=500)]
    assert compare_facts(old, [fact(start=500)]) == []


def test_one_of_two_mentions_changed_is_an_addition():
    old = [fact(start=10, sentence=KZ_1), fact(start=500)]
    new = [fact(start=10, sentence=KZ_1), fact(value=30, start=500, sentence=KZ_2.replace("25", "30"))]
    assert summary(compare_facts(old, new)) == [("added", "tariff", "Kazakhstan", None, 30)]


def test_two_values_of_one_key_pair_by_evidence():
    a = "Steel from Kazakhstan faces a 25% tariff."
    b = "Kazakh copper faces a 10% tariff from August."
    old = [fact(value=25, sentence=a, start=0), fact(value=10, sentence=b, start=100)]
    new = [fact(value=12, sentence=a.replace("25", "12"), start=0),
           fact(value=30, sentence=b.replace("10", "30"), start=100)]
    assert sorted(summary(compare_facts(old, new))) == [
        ("changed", "tariff", "Kazakhstan", 10, 30),
        ("changed", "tariff", "Kazakhstan", 25, 12),
    ]


def test_added_and_removed_subjects():
    eu = fact(subject="European Union", code="EU", value=15, sentence="The EU pays 15%.", start=0)
    jp = fact(subject="Japan", code="JP", value=15, sentence="Japan pays 15%.", start=50)
    vn = fact(subject="Vietnam", code="VN", value=20, sentence="Vietnam pays 20%.", start=50)
    eu20 = fact(subject="European Union", code="EU", value=20, sentence="The EU pays 20%.", start=0)
    assert summary(compare_facts([eu, jp], [eu20, vn])) == [
        ("changed", "tariff", "European Union", 15, 20),
        ("removed", "tariff", "Japan", 15, None),
        ("added", "tariff", "Vietnam", None, 20),
    ]


def test_qualifier_wobble_pairs_within_the_subject():
    old = [fact(value=25, qualifier="reciprocal")]
    new = [fact(value=30, qualifier="", sentence=KZ_2.replace("25", "30"))]
    assert summary(compare_facts(old, new)) == [("changed", "tariff", "Kazakhstan", 25, 30)]


def test_null_rate_shadowed_by_a_rate():
    old = [fact(value=None, text="tariffs", start=0, sentence="Tariffs on Kazakhstan."), fact(value=25)]
    assert compare_facts(old, [fact(value=25)]) == []


def test_deterministic_order():
    old, new = seed_facts(25, 1), seed_facts(30, 15)
    assert compare_facts(old, new) == compare_facts(list(reversed(old)), list(reversed(new)))


def test_still_stated_carries_over_extraction_wobble():
    old = [fact(start=0)]
    new_text = "Something else.\n\nImports from   **Kazakhstan** will be\nsubject to a 25% tariff.\n"
    assert still_stated(old, [], new_text) == old
    assert compare_facts(old, still_stated(old, [], new_text)) == []


def test_evidence_gone_is_a_removal():
    old = [fact(start=0)]
    new_text = "Imports from Kazakhstan will be subject to a 30% tariff."
    assert still_stated(old, [], new_text) == []
    assert summary(compare_facts(old, [])) == [("removed", "tariff", "Kazakhstan", 25, None)]


def test_short_evidence_never_proves_presence():
    old = [fact(start=0, sentence="25%", text="25%")]
    assert still_stated(old, [], "Rates: 25% for all.") == []


def test_compare_versions_ignores_wobble_both_ways():
    from monitor.change import compare_versions

    text = "Intro.\n\nImports from Kazakhstan will be subject to a 25% tariff.\n"
    reflowed = "Intro.\n\nImports from [Kazakhstan](https://example.org/kz) will be\nsubject to a 25% tariff.\n"
    # The old extraction missed the fact, the new one finds it: the words did not change.
    assert compare_versions([], [fact()], text, reflowed).changes == []
    # And the other way round: carried over, still current.
    result = compare_versions([fact()], [], reflowed, text)
    assert result.changes == [] and result.current == [fact()] and result.carried == [fact()]


def test_compare_versions_reports_real_edits():
    from monitor.change import compare_versions

    old_text = "Imports from Kazakhstan will be subject to a 25% tariff."
    new_text = old_text.replace("25%", "30%") + " Japan pays 15%."
    new = [fact(value=30, sentence=new_text.split(" Japan")[0]),
           fact(subject="Japan", code="JP", value=15, sentence="Japan pays 15%.", start=60)]
    assert summary(compare_versions([fact()], new, old_text, new_text).changes) == [
        ("changed", "tariff", "Kazakhstan", 25, 30), ("added", "tariff", "Japan", None, 15)]


def test_same_value_under_another_qualifier_is_no_change():
    old = [fact(value=84, qualifier="by china")]
    new = [fact(value=84, qualifier="", sentence=KZ_2 + " ")]
    assert compare_facts(old, new) == []


def test_amount_with_a_reread_subject_phrase_is_no_change():
    s = "The annual cost of counterfeit goods and theft of trade secrets is $600 billion."
    old = [fact("money", "and theft", 600e9, sentence=s, code=None)]
    new = [fact("money", "as theft", 600e9, sentence=s.replace(" and ", " as well as "), code=None)]
    assert compare_facts(old, new) == []
    # ...but a country's tariff moved to another country is a change, however alike the sentences.
    jp = [fact(subject="Japan", code="JP", value=25, sentence="A 25% tariff on Japan.")]
    kr = [fact(subject="Korea", code="KR", value=25, sentence="A 25% tariff on Korea.")]
    assert summary(compare_facts(jp, kr)) == [("removed", "tariff", "Japan", 25, None),
                                              ("added", "tariff", "Korea", None, 25)]
