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


def test_the_following_list_after_a_colon_and_a_non_stacking_rule():
    text = ("Exclusions: The following are not subject to the duties: (1) articles classified in chapter 98 of "
            "the HTSUS, including U.S. goods returned (9801.00.10); (2) trucks entered for use by the Department "
            "of Defense; (3) donations of humanitarian vehicles.")
    got = exempt(text)
    assert "following" not in got
    assert {"articles classified in chapter 98 of the htsus", "u.s. goods returned",
            "donations of humanitarian vehicles"} <= set(got)
    text = ("Non-stacking: Articles subject to the duties under heading 9903.74.01 are not subject to the "
            "additional duties on steel and aluminum.")
    assert exempt(text) == []
    text = "In-transit: Goods loaded before 12:01 a.m. on November 1 are not subject to the duties."
    assert not any(x[0].isdigit() for x in exempt(text))  # not "01 a.m. on november 1"
    assert exempt("What is exempt") == []


def test_or_less_is_one_item_and_a_pronoun_is_no_item():
    text = "Shipments valued at $800 or less that contain only personal correspondence remain exempt."
    assert exempt(text) == ["shipments valued at $800 or less that contain only personal correspondence"]
    assert exempt("the reciprocal rate does not apply to that portion.") == []
    assert exempt("About 90% of its exports are exempt.") == []


def test_as_are_and_as_will_continue_an_exemption():
    text = ("Electric vehicles assembled in the EU with batteries made in the US will be exempt, the notice said, "
            "as will vintage cars more than 25 years old.")
    assert "vintage cars more than 25 years old" in exempt(text)
    text = "Raw ores and concentrates are excluded from the tariffs, as are recycled scrap inputs."
    assert exempt(text) == ["raw ores", "concentrates", "recycled scrap inputs"]


def test_removed_from_the_scope_excluded_from_the_action_not_face_and_received_an_exclusion():
    text = ("The Government welcomes the decision by the United States to remove Australian beef from the scope of "
            "its reciprocal tariffs and to confirm that Australian pharmaceuticals will not face the proposed "
            "100 per cent levy on patented medicines.")
    assert exempt(text) == ["australian beef", "australian pharmaceuticals"]
    text = ("USTR proposes to exclude from the action unwrought nickel and nickel ore itself, as well as "
            "battery-grade nickel sulphate, in order to avoid harm to U.S. battery producers.")
    assert exempt(text) == ["unwrought nickel", "nickel ore itself", "battery-grade nickel sulphate"]
    text = "About 12 of our compressor SKUs sourced from China received a product exclusion from the 301 tariffs."
    assert any("compressor skus" in x for x in exempt(text))
    # Not exemptions: a carve-out applied for, a scope widened, goods that will face the levy.
    assert exempt("We have applied for a carve-out for U.S.-content products.") == []
    assert exempt("Commerce will not remove steel derivatives from the scope of the tariffs.") == []
    assert exempt("Australian steel will face the proposed 50 per cent levy.") == []


def test_informational_materials_such_as_books_and_films():
    text = "Informational materials such as books and films, and donations of food and medicine, are exempt by statute."
    got = exempt(text)
    assert {"informational materials", "books", "films", "donations of food and medicine"} <= set(got)


def test_the_verb_exempt_with_its_object_and_on_the_exemption_list():
    def exemptions(text):
        return [f.subject for f in extract_facts(text) if f.kind == "exemption"]
    # unseen4 retail_letter_ustr and wto_ds649_panel_summary: "to exempt X from", "exempted X from".
    text = ("We welcome USTR's decision to exempt children's car seats and cribs from the proposed action, "
            "and we urge the same treatment for school uniforms.")
    assert exemptions(text) == ["children's car seats", "cribs"]
    text = ("The Panel noted that Egypt exempted slabs and other semi-finished products of heading 7207 from "
            "the increase, so that those products were not before it.")
    assert "slabs" in exemptions(text)
    # "were exempted from": the passive has no object; with no "from", no list.
    assert exemptions("Gold bars were exempted from the tariffs.") == ["gold bars"]
    assert exemptions("The goods exempted under the order are listed in Annex II.") == []
    # unseen4 reddit_tariff_explainer: "are on the exemption list".
    assert exemptions("Helmets are on the exemption list, so no extra duty at all.") == ["helmets"]


def test_be_exempt_from_a_duty_has_no_object():
    # unseen4 eu_oj_implementing_regulation: what follows "shall be exempt from the duty imposed
    # by ..." is a condition, not goods; the goods stand before the verb.
    text = ("Sanitary ware designed for use in civil aircraft and railway rolling stock shall be exempt from "
            "the duty imposed by paragraph 1, subject to end-use customs supervision in accordance with "
            "Article 254 of Regulation (EU) No 952/2013.")
    got = exempt(text)
    assert "railway rolling stock" in got
    assert not [x for x in got if "supervision" in x]
    # The verb with its object still reads the goods after the duty.
    assert exempt("The order excludes from the tariffs energy and critical minerals.") == ["energy", "critical minerals"]


def test_html_list_items_under_an_exempting_intro():
    # unseen5 dbt_uk_suspension: the <li> items of a list that "are exempt from import duty ...:"
    # introduces; a list under another intro exempts nothing.
    html = ("<p>For the period of the suspension, the following inputs are exempt from import duty without an "
            "authorisation for end use:</p>\n<ul>\n<li>electrolyte salts for lithium-ion cells</li>\n"
            "<li>graphite anode powder</li>\n</ul>\n")
    # (the words before "are exempt" only point to the list: no item of their own)
    assert exempt(html, fmt="html") == ["electrolyte salts for lithium-ion cells", "graphite anode powder"]
    html = "<p>The suspension covers the following inputs:</p>\n<ul>\n<li>graphite anode powder</li>\n</ul>\n"
    assert exempt(html, fmt="html") == []


def test_a_bills_no_duty_shall_apply_to_list():
    # unseen5 senate_bill_s2714: "no duty ... shall apply to--" and its numbered paragraphs.
    text = ("(c) EXEMPTIONS.--Effective 30 days after the date of the enactment of this Act, no duty described in "
            "subsection (a) or (b) shall apply to--\n(1) fertilizers, including potash;\n(2) medicines and medical "
            "devices; or\n(3) parts for the repair of agricultural equipment.\n")
    got = exempt(text)
    for item in ("fertilizers", "potash", "medicines", "medical devices", "parts for the repair of agricultural equipment"):
        assert item in got
    # A duty that shall apply to a list is no exemption.
    text = "(b) SCOPE.--The duty described in subsection (a) shall apply to--\n(1) fertilizers;\n(2) medicines.\n"
    assert exempt(text) == []


def test_an_order_exempted_its_object_and_ended_exclusions_are_none():
    # unseen5 cit_ieepa_refunds and broker_faq.
    text = ("The orders exempted articles subject to duties under section 232 of the Trade Expansion Act of 1962, "
            "as well as donations and informational materials listed in 50 U.S.C. 1702(b).")
    got = exempt(text)
    assert "donations" in got and any(g.startswith("articles subject to duties under section 232") for g in got)
    assert exempt("Goods exempted under the order include lumber.") == []
    assert exempt("Exclusions for solar wafer equipment expired on May 31, 2026 and were not renewed.") == []
