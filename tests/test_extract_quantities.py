"""Money, percent, count and exemption rules on seed and corpus sentences."""
from monitor.extract import extract_facts


def of_kind(text, kind):
    return [(f.subject, f.value) for f in extract_facts(text) if f.kind == kind]


def test_money_scales_currencies_and_subjects():
    text = ("Fueled by over $1 billion in geological exploration investments since 2018, Kazakhstan is "
            "positioning itself as a global powerhouse.")
    facts = [f for f in extract_facts(text) if f.kind == "money"]
    assert [(f.subject, f.value, f.unit) for f in facts] == [
        ("geological exploration investments", 1_000_000_000, "USD")]
    assert facts[0].details["modifier"] == "over"
    assert of_kind("Exports reached €2bn and 1.2 trillion yuan.", "money") == [
        ("exports", 2e9), ("exports", 1.2e12)]
    assert of_kind("The U.S. goods trade deficit with China was $295.4 billion in 2024.", "money") == [
        ("U.S. goods trade deficit with China", 295_400_000_000)]


def test_percent_shares():
    text = ("Despite possessing ample copper reserves, America lags behind China, which controls over "
            "50% of global smelting.")
    assert of_kind(text, "percent") == [("global smelting", 50)]
    text = "In 2024, the Kazakh government issued more than 50% more mining exploration licenses."
    assert of_kind(text, "percent") == [("mining exploration licenses", 50)]


def test_counts_and_non_counts():
    text = ("It includes executives from over 20 major American corporations and officials from three "
            "U.S. government agencies. Of the 50 minerals designated as critical by the U.S. Department "
            "of the Interior, 19 are found in Kazakhstan. The trade volume is ten times that with the "
            "U.S. in the first five months of this year, under Section 232 investigations.")
    got = of_kind(text, "count")
    assert ("American corporations", 20) in got and ("U.S. government agencies", 3) in got
    assert ("minerals", 50) in got and ("minerals", 19) in got
    assert len(got) == 4


def test_exemption_list():
    text = ("Kazakh government officials also said that over 90% of its exports to the U.S. will be "
            "exempt from tariffs, such as uranium, iron alloys, silver, and oil.")
    assert of_kind(text, "exemption") == [("uranium", None), ("iron alloys", None), ("silver", None),
                                          ("oil", None)]
    assert of_kind(text, "percent") == [("exports", 90)]


def test_subjects_read_well_and_keep_proper_nouns():
    # No verb or quantity modifier at the start, proper nouns in their case, a sentence-initial
    # capital dropped from a common word.
    text = "Data show that Trump's tariffs will affect products worth less than $100 million from Kazakhstan."
    assert of_kind(text, "money") == [("products", 100_000_000)]
    assert of_kind("Stocks rose 3% on the news.", "percent") == [("stocks", 3)]
    text = "Some 2.3 million Canadian jobs depend on trade with the United States."
    facts = [f for f in extract_facts(text) if f.kind == "count"]
    assert [(f.subject, f.value) for f in facts] == [("Canadian jobs", 2_300_000)]


def test_subject_is_stable_under_cosmetic_edits():
    a = of_kind("The tariff could cut Swiss economic growth by 0.3 percentage points, economists said.", "percent")
    b = of_kind("The tariff could  cut Swiss economic\ngrowth by 0.3 percentage points,   economists said.", "percent")
    assert a == b == [("Swiss economic growth", 0.3)]


def test_money_subject_after_stood_at_topped_and_worth():
    assert of_kind("The U.S. trade deficit with China stood at $295.4 billion in 2024.", "money") == [
        ("U.S. trade deficit with China", 295_400_000_000)]
    assert of_kind("Two-way trade between the three countries topped $1.8 trillion in 2024.", "money") == [
        ("two-way trade between the three countries", 1_800_000_000_000)]
    text = "The measure would hit about 36% of Brazilian exports to the U.S., worth roughly US$14.5bn last year."
    assert of_kind(text, "money") == [("Brazilian exports to the U.S.", 14_500_000_000)]
    assert of_kind("It had a surplus of 38.5 billion Swiss francs.", "money") == [("surplus", 38_500_000_000)]
    assert of_kind("It had a surplus of 38.5 billion Swiss francs.", "count") == []


def test_change_objects_and_parts():
    assert of_kind("Bessent said the two sides would reduce reciprocal tariffs by 115 percentage points.",
                   "percent") == [("reciprocal tariffs", 115)]
    assert of_kind("Stocks surged, with the S&P 500 up 3.3%.", "percent") == [("S&P 500", 3.3)]
    got = of_kind("It named 6 of the 10 largest categories.", "count")
    assert ("categories", 6) in got and ("largest categories", 10) in got


def test_exemptions_before_the_verb_after_spared_and_not_apply():
    text = ("Generic pharmaceuticals, aircraft and aircraft parts, and certain natural resources will be "
            "exempt from tariffs.")
    assert [s for s, _ in of_kind(text, "exemption")] == ["generic pharmaceuticals", "aircraft", "aircraft parts",
                                                        "natural resources"]
    text = "The order spared nearly 700 products, including orange juice, civil aircraft and energy products."
    assert [s for s, _ in of_kind(text, "exemption")] == ["orange juice", "civil aircraft", "energy products"]
    text = ("Pharmaceuticals, which account for roughly 60% of Swiss exports to the U.S., are exempt for now.")
    assert [s for s, _ in of_kind(text, "exemption")] == ["pharmaceuticals"]
    text = "USMCA goods will remain exempt from the tariffs, such as autos and energy products, an official said."
    assert [s for s, _ in of_kind(text, "exemption")][-2:] == ["autos", "energy products"]
    text = "Officials said that over 90% of its exports will be exempt."
    assert of_kind(text, "exemption") == []
