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


def test_money_subjects_of_a_level_a_label_and_nothing_named():
    # unseen5 ABF notice, bank note, newsletter, FR notice, Korean release.
    text = "The low value threshold for goods imported by air or sea cargo remains AUD 1,000."
    assert of_kind(text, "money") == [("low value threshold for goods imported by air or sea cargo", 1000)]
    text = "The dollar value of Chinese goods facing the escalation rate would be about $310 billion a year."
    assert of_kind(text, "money") == [("dollar value of Chinese goods facing the escalation rate", 310e9)]
    text = "Container spot rates from Shanghai to Los Angeles fell 18% in September, to $2,150 per forty-foot box."
    assert of_kind(text, "money") == [("container spot rates from Shanghai to Los Angeles", 2150)]
    text = ("The actions impose duties on products covered by List 1 (about $34 billion in annual trade), List 2 "
            "(about $16 billion; 83 FR 40823) and List 3 (about $200 billion), and of 7.5 percent on List 4A "
            "products (about $120 billion).")
    assert of_kind(text, "money") == [("list 1", 34e9), ("list 2", 16e9), ("list 3", 200e9),
                                      ("list 4A products", 120e9)]
    assert of_kind("The actions cover List 1 (about $34 billion).", "money") == [("list 1", 34e9)]
    text = "Low-interest policy loans of up to 1.5 trillion won for about 2,700 parts suppliers."
    assert of_kind(text, "money") == [("policy loans", 1.5e12)]
    # Nothing named: no fact ("From 1 September it will be", a bare headline amount).
    assert of_kind("From 1 September 2026 it will be AUD 1,586.43 per kilogram.", "money") == []
    assert of_kind("Exports in 2024 ($5 billion) were flat.", "money") == []


def test_percent_named_by_the_phrase_before_of_or_before_a_comma():
    # unseen5 8-K exhibit, broker FAQ, SECO release: "X of N%" is a value of X; ", up N%" after
    # "X of $Y" a change of X.
    assert of_kind("- Gross margin of 27.1%, down 190 basis points, mainly because of higher costs\n", "percent") == [
        ("gross margin", 27.1)]
    assert of_kind("- Net sales of $1.24 billion, up 3.8% from the prior-year quarter\n", "percent") == [
        ("net sales", 3.8)]
    assert of_kind("Ocean shipments also pay the Harbor Maintenance Fee of 0.125%.", "percent") == [
        ("Harbor Maintenance Fee", 0.125)]
    assert of_kind("The cut of 5 percentage points applies to all goods covered by the agreement.", "percent") == [
        ("cut", 5)]
    # A clause whose name has no level before the comma names nothing ("imported ... in 2024").
    text = "The United States imported $4.1 billion of processed critical minerals in 2024, up 17% from 2023."
    assert ("United States", 17) not in of_kind(text, "percent")


def test_percent_of_nothing_named_is_no_fact():
    # unseen3 correction, unseen4 hearing, unseen3 earnings call: a pronoun, an ordinal or no
    # subject at all says nothing of what the percentage is of.
    assert of_kind("It is 19 percent, not 17 percent.", "percent") == []
    assert of_kind("Oil slides 3% as OPEC+ adds supply", "percent") == []
    text = "We have taken two price increases, and a third of about 3% goes into effect on January 5."
    assert of_kind(text, "percent") == []


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


def money_of(text, fmt="text"):
    return [(f.subject, f.value, f.unit) for f in extract_facts(text, fmt=fmt) if f.kind == "money"]


def test_indian_scales_and_codes_before_the_number():
    # crore is 10^7, lakh 10^5, and both together multiply.
    text = "The Union Budget 2026-27 has allocated ₹2,250 crore for the Export Promotion Mission."
    assert money_of(text) == [("Export Promotion Mission", 22_500_000_000, "INR")]
    assert money_of("Exports rose to Rs. 1.5 lakh crore in the year.") == [("exports", 1.5e12, "INR")]
    text = ("He noted that bilateral trade in goods and services with the United States reached USD 190 billion "
            "in 2025 and that both sides aim to more than double it to USD 500 billion by 2030.")
    assert money_of(text) == [("bilateral trade in goods and services with the United States", 190e9, "USD")] * 1 + [
        ("bilateral trade in goods and services with the United States", 500e9, "USD")]
    text = "The duty on high-end electric vehicles priced above USD 40,000 has been slashed from 110% to 70%."
    assert money_of(text) == [("electric vehicles", 40_000, "USD")]
    assert of_kind(text, "count") == []  # not "40,000 has"
    text = "Toyota said the change would save it about ¥450 billion this fiscal year."
    assert money_of(text) == [("savings", 450e9, "JPY")]
    assert of_kind(text, "count") == []  # not "450 billion this"
    # A code is one in capitals: "won" and "try" are words.
    assert money_of("The party won 12 seats.") == [] and of_kind("Trump won 30 states.", "count") == [("states", 30)]


def test_money_subject_after_a_bracket_a_dash_or_an_appositive():
    text = "Ireland alone shipped $50.3bn worth, followed by Switzerland ($19bn) and Germany ($17.2bn)."
    assert [s for s, _, _ in money_of(text)] == ["Ireland", "Switzerland", "Germany"]
    # A bracketed conversion shares the amount's subject, which comes after the bracket.
    text = "The European Union will impose duties of 25 per cent on 18 billion euros ($19.6 billion) of U.S. goods."
    assert money_of(text) == [("U.S. goods", 18e9, "EUR"), ("U.S. goods", 19.6e9, "USD")]
    text = "The Finance Ministry expects the tariffs to raise 70 billion pesos (about $3.76 billion) in additional revenue next year."
    assert money_of(text) == [("revenue", 70e9, "MXN"), ("revenue", 3.76e9, "USD")]
    text = "* $2.1 trillion -- value of U.S. goods imports subject to some new tariff since January 2025\n"
    assert money_of(text) == [("U.S. goods imports", 2.1e12, "USD")]
    text = "* De minimis: The duty-free threshold for low-value parcels, once $800, is gone for good."
    assert money_of(text) == [("duty-free threshold for low-value parcels", 800, "USD")]
    text = ("The automotive sector supports some 150,000 jobs across the United Kingdom, and the United States is "
            "the sector's largest single export market, worth £9 billion a year.")
    assert money_of(text) == [("sector's largest single export market", 9e9, "GBP")]
    text = "Canada will impose 25 per cent tariffs on $29.8 billion worth of goods imported from the United States."
    assert [s for s, _, _ in money_of(text)] == ["goods"]
    text = "India's merchandise exports grew 6.9 per cent, while the trade deficit narrowed to USD 21.9 billion in January."
    assert money_of(text) == [("trade deficit", 21.9e9, "USD")]
    # A bracket that glosses no amount keeps the old reading.
    text = "Fueled by over $1 billion in geological exploration investments since 2018, Kazakhstan grew."
    assert [s for s, _, _ in money_of(text)] == ["geological exploration investments"]


def test_money_in_a_table_is_its_column_for_its_row():
    html = ("<table><thead><tr><th>Country</th><th>April rate</th><th>Goods exports to U.S. (2024)</th></tr></thead>"
            "<tbody><tr><td>Vietnam</td><td>46%</td><td>$136.6 billion</td></tr>"
            "<tr><td>Thailand</td><td>36%</td><td>$63.3 billion</td></tr></tbody></table>")
    assert money_of(html, fmt="html") == [("Vietnam goods exports to U.S.", 136.6e9, "USD"),
                                          ("Thailand goods exports to U.S.", 63.3e9, "USD")]


def test_a_bare_dollar_is_the_publishers_dollar():
    release = ("Department of Finance Canada\nNews release\n\nThe goods subject to these countermeasures include:\n"
               "- $12.6 billion in steel products;\n")
    assert money_of(release) == [("steel products", 12.6e9, "CAD")]
    declared = "All amounts are in Australian dollars. Exports of beef reached $3 billion."
    assert [u for _, _, u in money_of(declared)] == ["AUD"]
    # A wire that names Canada's government still writes U.S. dollars as "$"; "C$" is CAD anyway.
    wire = ("OTTAWA (Reuters) - Canada retaliated on Tuesday.\n\nThe Government of Canada said tariffs on C$30 billion "
            "of U.S. goods take effect; the U.S. imported $412 billion of Canadian goods in 2024.")
    assert [u for _, _, u in money_of(wire)] == ["CAD", "USD"]


def test_counts_after_a_modifier_a_compound_or_a_rejected_number():
    text = "(1) An additional tariff of 15% shall be imposed on coal (see Annex 1 for the list of 8 tariff lines)."
    assert of_kind(text, "count") == [("tariff lines", 8)]
    text = "Expect more deals: at least five more manufacturers are in talks, according to people familiar with the matter."
    assert of_kind(text, "count") == [("manufacturers", 5)]
    text = "Customs duty on lithium-ion battery scrap, cobalt powder and 12 other critical minerals has been reduced to nil."
    assert of_kind(text, "count") == [("critical minerals", 12)]
    text = "Six of the ten ASEAN members now face U.S. tariffs of 19% or 20%, after a summer of letters."
    assert of_kind(text, "count") == [("members", 6), ("ASEAN members", 10)]
    # Identifiers joined by "and" stay out.
    assert of_kind("Under Proclamations 10895 and 10896 tariffs rose.", "count") == []


def test_counts_by_pronoun_elision_and_leading_figure():
    text = ("Commerce received 189 inclusion requests in the May window and granted 162 of them, an approval rate "
            "of roughly 86%.")
    assert of_kind(text, "count") == [("inclusion requests", 189), ("inclusion requests", 162)]
    text = ("- Of the 50 minerals on the 2022 U.S. Geological Survey list, the United States was 100% "
            "import-reliant for 12.")
    assert of_kind(text, "count") == [("minerals", 50), ("minerals", 12)]
    assert of_kind("Of the 50 minerals on the list, most were imported in 2024.", "count") == [("minerals", 50)]
    assert of_kind("* 1,200 -- exclusion requests pending at Commerce\n", "count") == [("exclusion requests", 1200)]
    # "9 in 10" is a ratio, not ten prescriptions.
    text = "3. **Generic drugs**, which account for 9 in 10 prescriptions filled in the U.S., are exempt."
    assert of_kind(text, "count") == []


def test_spelled_decimal_percent():
    # unseen2 wire_mexico_asia_tariffs.
    text = "Annual inflation eased to three point five percent in August."
    assert [f.value for f in extract_facts(text) if f.kind == "percent"] == [3.5]


def test_percent_subjects_of_changes_ranges_and_labels():
    # unseen2: the subject of a change verb, "off X", a figure that leads its line, "by a further".
    text = ("In the central case, with a 100% duty on about one-fifth of branded imports, prices for "
            "affected drugs rise between 4% and 9% over two years.")
    assert of_kind(text, "percent") == [("prices for affected drugs", 4), ("prices for affected drugs", 9)]
    text = ("Mexico's economy grew 0.6% in the second quarter, while annual inflation eased to three "
            "point five percent in August.")
    assert of_kind(text, "percent") == [("Mexico's economy", 0.6), ("annual inflation", 3.5)]
    text = ("Economists at ING said the tit-for-tat would shave 0.2 percentage points off euro zone "
            "growth this year.")
    assert of_kind(text, "percent") == [("euro zone growth", 0.2)]
    text = "Numbers of the week\n\n* 3.4% -- U.S. core inflation, year on year (May)\n"
    assert of_kind(text, "percent") == [("U.S. core inflation", 3.4)]
    text = ("The measures respond to the decision to raise its tariffs on Chinese goods by a further 10 "
            "percentage points, to a total of 30%.")
    assert of_kind(text, "percent") == [("tariffs on Chinese goods", 10)]


def test_money_name_before_a_bracket_keeps_its_preposition():
    text = "Imports from Germany ($17bn) fell, and shipments to Japan ($4bn) rose."
    assert [s for s, _, _ in money_of(text)] == ["imports from Germany", "shipments to Japan"]
    # A bracket that is no amount's name nor conversion does not take the subject.
    text = "In 2024 (the latest year for which data exist), imports were $5 billion."
    assert [s for s, _, _ in money_of(text)] == ["imports"]


def test_percent_subjects_of_market_moves_and_pronouns():
    # unseen3 market_autos_eu: a sentence's first name before a change verb ("lost", "gained"),
    # and the names of a list that leaves the verb out.
    text = ("Volkswagen lost 6.1 per cent, Stellantis 5.4 per cent and BMW 3.8 per cent. "
            "Toyota gained 2.3 per cent.")
    got = [(subject.lower(), value) for subject, value in of_kind(text, "percent")]
    assert got == [("volkswagen", 6.1), ("stellantis", 5.4), ("bmw", 3.8), ("toyota", 2.3)]
    # unseen3 correction_philippines, newsletter_morning_trade: "of them", "of that" name nothing.
    text = ("Electronics exports reached $44.1 billion last year, about 57 percent of total merchandise "
            "exports, and roughly 15 percent of them went to the United States.")
    assert ("electronics exports", 15) in [(t.lower(), v) for t, v in of_kind(text, "percent")]
    text = ("India exported $87.4 billion in goods to the U.S. last year, and textiles and apparel "
            "accounted for roughly 12 percent of that.")
    assert of_kind(text, "percent") == [("textiles and apparel", 12)]
    # unseen3 earnings_call_hartwell: not "we", but what a participle after the comma describes.
    text = "We have taken two price increases this year, averaging 4% to 6% depending on the category."
    assert of_kind(text, "percent") == [("two price increases", 4), ("two price increases", 6)]
    # unseen3 proclamation_polysilicon: the subject of the rate's own clause.
    text = ("The Secretary found that a single foreign country accounts for approximately 93 percent of "
            "global polysilicon output, and that domestic capacity utilization stood at 41 percent in 2024.")
    assert ("domestic capacity utilization", 41) in of_kind(text, "percent")
    # A plain sentence subject stays as it was.
    assert [(t.lower(), v) for t, v in of_kind("Gross margin was 29.8%, down 140 basis points.", "percent")] == [("gross margin", 29.8)]


def test_money_in_words_and_price_bases():
    # unseen3 briefing transcript; think-tank brief
    assert money_of("Q: Treasury says customs receipts hit thirty billion dollars in May.") == [
        ("customs receipts", 30e9, "USD")]
    assert money_of("Last year the government collected more than two hundred billion dollars in tariff revenue.") == [
        ("tariff revenue", 200e9, "USD")]
    assert money_of("The Secretary announced a twelve-billion-dollar bridge payment program last month.") == [
        ("bridge payment program", 12e9, "USD")]
    assert money_of("an average loss of $1,900 per household in 2025 dollars.") == [("average loss", 1900, "USD")]


def test_money_subjects_from_the_clause():
    # unseen3 earnings call, Korean and Australian releases, newsletter, market story
    text = ("We are raising full-year adjusted EPS guidance to a range of $7.90 to $8.20, from $7.50 to $8.00, "
            "which assumes tariff rates stay in place.")
    assert {s for s, _, _ in money_of(text)} == {"full-year adjusted EPS guidance"}
    text = "For the full year we now expect gross tariff costs of $410 million to $450 million, up from the $300 million we guided in July."
    assert {s for s, _, _ in money_of(text)} == {"tariff costs"}
    assert money_of("We repurchased 2.4 million shares for $212 million.") == [("shares", 212e6, "USD")]
    text = "Automobiles account for about 27% of Korea's exports to the United States, which reached USD 127.8 billion last year."
    assert money_of(text) == [("Korea's exports to the United States", 127.8e9, "USD")]
    text = "Vietnam, whose shipments to the US grew 33% last year to $137bn, is the most exposed economy."
    assert money_of(text) == [("shipments to the US", 137e9, "USD")]
    text = "Analysts estimate the move will cost European manufacturers about €4.5bn a year."
    assert money_of(text) == [("cost to European manufacturers", 4.5e9, "EUR")]
    text = ("USTR's proposal would charge vessels built in China $50 per net ton on each U.S. port call, "
            "rising to $140 per net ton by 2028.")
    assert [s for s, _, _ in money_of(text)] == ["charges to vessels built in China"] * 2
    text = "Shipping lines warn the fees could add up to $1,000 to the cost of moving a container."
    assert money_of(text) == [("cost of moving a container", 1000, "USD")]
    text = ("carriers may elect to pay a specific duty of $80 per item for items from countries with a rate below 16%, "
            "$160 per item for rates between 16% and 25%, and $200 per item for rates above 25%.")
    assert [s for s, _, _ in money_of(text)] == ["specific duty"] * 3
    text = "Customs duties collected reached $287 billion in 2025, more than three times the $77 billion collected in FY2024."
    assert [s for s, _, _ in money_of(text)] == ["customs duties collected"] * 2
    # an exchange rate is no amount for something; a level is no 'basis'
    assert money_of("The euro slipped 0.4 per cent against the dollar to $1.0820.")[0][0] == "exchange rate"
    text = "Our SKUs received a product exclusion from the 301 tariffs. That's worth about $25 million on an annualized basis."
    assert money_of(text) == [("product exclusion", 25e6, "USD")]
    # negatives: an own subject stays ("$50bn in loans, $20bn in grants"); a duration is not what money buys
    assert [s for s, _, _ in money_of("It offered $50bn in loans, $20bn in grants.")] == ["loans", "grants"]
    assert money_of("Subscribe: 3 months for $1") == []  # for nothing named


def test_counts_of_irregular_plurals_names_and_noun_phrases():
    # unseen3 Australian release, briefing, market story, think-tank brief, Philippine story, earnings call
    assert of_kind("More than 2,000 cattle producers and 42 processing plants supply the US trade.", "count") == [
        ("cattle producers", 2000), ("processing plants", 42)]
    assert of_kind("CSL employs more than 7,000 people across its Australian operations.", "count") == [("people", 7000)]
    assert ("drugmakers", 17) in of_kind("That's seventeen of the top twenty drugmakers.", "count")
    assert of_kind("The Stoxx 600 autos and parts index dropped 4.2 per cent.", "count") == []
    assert of_kind("Table 2 shows two scenarios.", "count") == [("scenarios", 2)]
    assert of_kind("About 12 new firms joined.", "count") == [("new firms", 12)]
    assert of_kind("The Philippines imports at zero tariff under existing quotas.", "count") == []
    assert of_kind("Gross margin was 29.8%, down 140 basis points.", "count") == []
    assert of_kind("Good morning. Five things to know today:", "count") == []
    assert of_kind("It was founded in 2019 companies aside.", "count") == []  # a year


def test_count_of_a_noun_that_a_plural_noun_modifies():
    # unseen5 broker FAQ, Korean release, bank note: the count is of the last plural noun.
    assert of_kind("We have 26 licensed customs brokers and file about 40,000 entries a year.", "count") == [
        ("licensed customs brokers", 26), ("entries", 40000)]
    text = "Low-interest policy loans for about 2,700 small and medium-sized parts suppliers, at rates below market."
    assert of_kind(text, "count") == [("small and medium-sized parts suppliers", 2700)]
    assert of_kind("Autos are the most exposed of the 11 GICS sectors.", "count") == [("GICS sectors", 11)]
    # A word in "s" that is no noun ends the phrase.
    assert of_kind("Some 40 companies always file on time.", "count") == [("companies", 40)]
    assert of_kind("The 12 plants was the old figure.", "count") == [("plants", 12)]


def test_money_subject_of_a_one_clause_sentence_and_past_glosses():
    # unseen4 logistics_advisory and farm_bureau_newsletter: subject, a verb of level or change,
    # the amount.
    text = "Fees on vessels owned or operated by Chinese entities increase from $50 to $80 per net ton."
    assert of_kind(text, "money") == [("fees on vessels owned or operated by Chinese entities", 50),
                                      ("fees on vessels owned or operated by Chinese entities", 80)]
    text = "Cash bids at the Harlan elevator averaged $9.86 a bushel in January."
    assert of_kind(text, "money") == [("cash bids at the Harlan elevator", 9.86)]
    # A clause before the amount: no guess from the sentence's first words.
    text = "Beijing said on Monday that it will review the list, and prices rose $5 a ton."
    assert all(not s.lower().startswith("beijing") for s, _ in of_kind(text, "money"))
    # A bracketed gloss or quotes before "of" ("a general rate increase (GRI) of").
    text = "Most carriers have filed a general rate increase (GRI) of USD 1,000 per FEU, effective May 1."
    assert of_kind(text, "money") == [("rate increase", 1000)]  # (two words before "of", as ever)
    text = 'Carriers have announced surcharges: expect a "USTR port fee surcharge" of USD 35 per TEU.'
    assert of_kind(text, "money") == [("fee surcharge", 35)]
    # "pay out": "out" is no recipient.
    text = "USDA's bridge assistance program will pay out $9.5 billion nationwide to row-crop farmers."
    assert of_kind(text, "money") == [("payments", 9_500_000_000)]
    assert of_kind("The new fees could cost members $1.2 billion a year.", "money") == [("cost to members", 1_200_000_000)]


def test_percent_levels_shares_and_what_a_figure_is_measured_against():
    # unseen5 bank note, Korean release, Senate bill.
    text = "We lift our 2027 core PCE forecast by 0.3 percentage points to 3.1% in the base case."
    assert of_kind(text, "percent") == [("2027 core PCE forecast", 0.3), ("2027 core PCE forecast", 3.1)]
    text = "- Low-interest policy loans of up to 1.5 trillion won, at rates 1.5 percentage points below market rates;\n"
    assert of_kind(text, "percent") == [("market rates", 1.5)]
    assert of_kind("Exports were 5% above the 2024 level.", "percent") == [("exports", 5)]
    assert of_kind("It is 5% above that.", "percent") == []
    text = "(2) The share of imports subject to additional duties under section 232 rose from 12 percent in 2024 to 41 percent in 2026."
    assert [v for _, v in of_kind(text, "percent")] == [12, 41]
    assert all(s.startswith("share of imports") for s, _ in of_kind(text, "percent"))
    assert [f for f in extract_facts(text) if f.kind == "tariff"] == []


def test_what_a_change_or_a_schedule_is_of():
    # whitehouse.gov fact sheets (April 2 and copper, July 30): amounts and steps a change or a
    # schedule names elsewhere in the sentence. Without these, an edit of the figure went
    # unreported (the fact had no subject, so it was left out).
    text = ("These barriers have contributed to a 78% decline in U.S. poultry exports to South Africa, from "
            "$89 million in 2019 to $19 million 2024.")
    assert of_kind(text, "money") == [("U.S. poultry exports to South Africa", 89e6),
                                      ("U.S. poultry exports to South Africa", 19e6)]
    text = "A 2024 economic analysis found that a global tariff of 10% would grow the economy by $728 billion."
    assert of_kind(text, "money") == [("economy", 728e9)]
    text = ("Requiring 25% of copper input materials (such as copper ores, concentrates, mattes, cathodes, and "
            "anodes) produced in the United States to be sold in the United States – starting at 25% in 2027, "
            "increasing to 30% in 2028 and 40% in 2029.")
    assert {v for s, v in of_kind(text, "percent") if s == "copper input materials"} == {25, 30, 40}
    assert all(s == "copper input materials" for s, _ in of_kind(text, "percent"))
    # Not a step of the rate before: a new clause with its own subject.
    text = "Exports of soybeans fell 12%, while imports of corn rose 30% in 2024."
    assert ("exports of soybeans", 30) not in of_kind(text, "percent")
