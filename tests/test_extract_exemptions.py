"""Exemption rules written from the second held-out set (tests/fixtures/unseen2): each with the
sentence it was written from and a sentence whose goods must stay out."""
from monitor.extract import extract_facts


def exempt(text, **kw):
    return [f.subject for f in extract_facts(text, **kw) if f.kind == "exemption"]


def test_left_off_a_list_as_were():
    text = ("Aircraft and aircraft parts were left off the EU list after lobbying from Airbus, as were "
            "pharmaceuticals, which the Commission said it wanted to keep out of the dispute.")
    assert exempt(text) == ["aircraft", "aircraft parts", "pharmaceuticals"]
    # Fact sheet of 2025-09-05 (corpus): taken out of an exemption annex is the opposite.
    assert exempt("Some goods have been removed from Annex II, meaning they are now subject to reciprocal tariffs.") == []


def test_added_to_the_list_of_exempt_goods():
    text = ("* Brazil: Beef and coffee were added to the list of goods exempt from the 40% Brazil tariff; "
            "orange juice was already on it.")
    assert exempt(text) == ["beef", "coffee", "orange juice"]
    assert exempt("Beef and coffee were added to the list of goods subject to the 40% Brazil tariff.") == []


def test_an_enumerated_list_after_shall_not_apply_to():
    text = ("Sec. 3. Exemptions. The duties imposed by section 2 of this order shall not apply to:\n"
            "(i) semiconductors contained in articles for which the Secretary has issued a certificate of domestic investment;\n"
            "(ii) goods of Canada and Mexico that qualify for preferential treatment under the USMCA; and\n"
            "(iii) articles subject to the duties imposed by Proclamation 10896 (steel) and Proclamation 10895 (aluminum).\n")
    found = exempt(text)
    assert found[0].startswith("semiconductors contained in articles")
    assert "articles subject to the duties imposed by proclamation 10896 (steel)" in found
    assert "proclamation 10895 (aluminum)" in found
    text = "The duties imposed by section 2 of this order shall apply to:\n(i) steel articles;\n(ii) aluminum articles.\n"
    assert exempt(text) == []


def test_fully_exempted_after_a_size_aside():
    text = ("• Life-saving medicines for cancer and rare diseases, covering 36 drugs, have been fully exempted "
            "from Basic Customs Duty.")
    assert exempt(text) == ["life-saving medicines for cancer and rare diseases"]
    assert exempt("They have been fully exempted from Basic Customs Duty.") == []


def test_no_sentence_opener_hypothetical_clause_or_date_as_an_item():
    text = ("There is no product-exclusion process. However, derivative articles made from steel melted and "
            "poured in the United States, or aluminum smelted and cast in the United States, are not subject "
            "to the duties on their metal content.")
    assert "however" not in exempt(text)
    text = ("2. Japan secured assurances that, should the United States impose Section 232 tariffs on "
            "pharmaceuticals and semiconductors, Japan will be treated no less favourably than any other "
            "country, and that generic pharmaceuticals will not be subject to such tariffs. Aircraft and "
            "aircraft parts will also remain exempt.")
    assert exempt(text) == ["generic pharmaceuticals", "aircraft", "aircraft parts"]
    text = ("3. Goods shipped from the place of departure before 10 February 2026 and imported between "
            "10 February 2026 and 9 March 2026 shall not be subject to the additional tariffs.")
    assert exempt(text) == ["goods shipped from the place of departure before 10 february 2026"]


def test_exemptions_for_and_exempts_a_list():
    # Not from a held-out document: the common news phrasings of the same thing.
    assert exempt("The order includes exemptions for pharmaceuticals and semiconductors.") == ["pharmaceuticals",
                                                                                              "semiconductors"]
    assert exempt("The proclamation exempts lumber and copper from the new duties.") == ["lumber", "copper"]
    # Asked for, or taken away: not exempt.
    assert exempt("Automakers sought exemptions for auto parts from the tariffs.") == []
    assert exempt("The order ended the exemption for Canadian energy.") == []
