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
        ("u.s. goods trade deficit with china", 295_400_000_000)]


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
    assert ("major american corporations", 20) in got and ("u.s. government agencies", 3) in got
    assert ("minerals", 50) in got and ("minerals", 19) in got
    assert len(got) == 4


def test_exemption_list():
    text = ("Kazakh government officials also said that over 90% of its exports to the U.S. will be "
            "exempt from tariffs, such as uranium, iron alloys, silver, and oil.")
    assert of_kind(text, "exemption") == [("uranium", None), ("iron alloys", None), ("silver", None),
                                          ("oil", None)]
    assert of_kind(text, "percent") == [("exports", 90)]
