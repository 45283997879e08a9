"""Deadline rules: which dates are deadlines and how year-less and relative dates resolve."""
import datetime as dt

from monitor.extract import extract_facts


def deadlines(text, **kw):
    return [f.value for f in extract_facts(text, **kw) if f.kind == "deadline"]


def test_year_less_without_reference_stays_unknown():
    text = ("The letter threatened that if the country did not reach a trade agreement by August 1, it "
            "would face a 25% tariff.")
    assert deadlines(text) == ["XXXX-08-01"]


def test_year_less_with_reference_date():
    text = "The Proclamation imposes universal 50% tariffs on copper, effective August 1."
    assert deadlines(text, reference_date=dt.date(2025, 7, 30)) == ["2025-08-01"]
    # A January date written in late December is next year's.
    assert deadlines("It takes effect on January 5.", reference_date=dt.date(2025, 12, 20)) == ["2026-01-05"]


def test_times_between_trigger_and_date():
    text = ("This 90-day suspension expires at 12:01 a.m. eastern daylight time on July 9, 2025. "
            "This will take effect April 5, 2025 at 12:01 a.m. EDT.")
    assert deadlines(text) == ["2025-07-09", "2025-04-05"]


def test_dates_that_only_say_when_are_not_deadlines():
    text = ("On July 7, U.S. President Trump announced that he would impose tariffs. In Executive Order "
            "14257 of April 2, 2025, I declared a national emergency. China will suspend all of the "
            "retaliatory tariffs that it has announced since March 4, 2025.")
    assert deadlines(text, reference_date=dt.date(2025, 7, 10)) == []


def test_amendment_quotes_are_not_deadlines():
    text = 'by deleting "April 9, 2025," and by inserting "April 10, 2025" in lieu thereof;'
    assert deadlines(text) == []


def test_period_end_and_relative_dates():
    text = ("(d) heading 9903.01.63 is hereby suspended for a period of 90 days beginning at 12:01 a.m. "
            "eastern daylight time on May 14, 2025.")
    assert sorted(deadlines(text)) == ["2025-05-14", "2025-08-12"]
    text = "The Secretary shall submit a report within 90 days of the date of this order."
    assert deadlines(text, reference_date=dt.date(2025, 2, 25)) == ["2025-05-26"]


def test_qualifier_is_stable_when_the_date_changes():
    a = extract_facts("extend the suspension until 12:01 a.m. eastern daylight time on August 1, 2025.")
    b = extract_facts("extend the suspension until 12:01 a.m. eastern daylight\ntime on August 12, 2025.")
    assert [f.key for f in a] == [f.key for f in b] and a[0].value != b[0].value


def test_deadlines_without_a_trigger_word():
    text = "On January 1, 2026, the rate on upholstered furniture shall increase to 30 percent."
    assert deadlines(text) == ["2026-01-01"]
    assert deadlines("On July 7, 2025, Trump announced new tariffs.") == []
    md = ("| Product | Rate | Effective |\n|---|---|---|\n| Steel articles | 50% | June 4, 2025 |\n"
          "| Passenger vehicles | 25% | April 3, 2025 |\n")
    assert deadlines(md, fmt="markdown") == ["2025-06-04", "2025-04-03"]
    md = "| Product | Announced |\n|---|---|\n| Steel | June 4, 2025 |\n"
    assert deadlines(md, fmt="markdown") == []


def test_from_a_date_when_something_will_apply():
    assert deadlines("Swiss watches will all face the new duty from Aug. 7.") == ["XXXX-08-07"]
    assert deadlines("The lower rate will apply retroactively from August 1.") == ["XXXX-08-01"]
    assert deadlines("Exports rose from March 1 to April 5.") == []
    assert deadlines("The next window closes on September 29, 2025.") == ["2025-09-29"]


def whats(text, **kw):
    return [(f.subject, f.value) for f in extract_facts(text, **kw) if f.kind == "deadline"]


def test_what_is_due_skips_a_cited_order_and_takes_the_head_noun():
    # Order of 2025-07-07 (corpus): the suspension is extended, "Order 14266" is only where it was set.
    text = ("It is necessary and appropriate to extend the suspension effectuated by Executive Order 14266 "
            "until 12:01 a.m. eastern daylight time on August 1, 2025.")
    assert whats(text) == [("suspension", "2025-08-01")]
    # Fact sheet of 2025-08-11 (corpus): what ends is the suspension, not the tariffs it suspends.
    text = ("The United States will therefore maintain the suspension of heightened tariffs on Chinese "
            "imports, as outlined in Executive Order 14298, until November 10, 2025.")
    assert whats(text) == [("suspension", "2025-11-10")]


def test_what_is_due_can_stand_far_before_a_long_list_of_headings():
    # Order of 2025-07-07, Sec. 2 (corpus): the same suspension as Sec. 1, so the same deadline.
    text = ("The HTSUS shall be modified, effective on or after 12:01 a.m. eastern daylight time on July 9, "
            "2025, by suspending headings 9903.01.43 through 9903.01.62 and 9903.01.64 through 9903.01.76, "
            "and subdivisions (v)(xiii)(1)-(9) and (11)-(57) of U.S. note 2 to subchapter III of chapter 99 "
            "of the HTSUS, until 12:01 a.m. eastern daylight time on August 1, 2025.")
    assert ("suspension", "2025-08-01") in whats(text)


# Rules written from the second held-out set (tests/fixtures/unseen2): each with the sentence it
# was written from and a date that must stay out.

def test_the_day_a_duty_rate_changes():
    text = ("(c) The rate set forth in subsection (a) of this section shall increase to 50 percent on "
            "April 15, 2026, for semiconductors of any country that has not concluded an agreement.")
    assert deadlines(text) == ["2026-04-15"]
    text = ("(a) An additional duty of 0 percent, increasing to 10 percent on January 1, 2027, and to 15 "
            "percent on January 1, 2028, on all goods of Nicaragua.")
    assert deadlines(text) == ["2027-01-01", "2028-01-01"]
    # No duty in the sentence: a share that changed on a day, not a rate taking effect.
    assert deadlines("Its stake in the miner rose to 35% on June 3, 2025.") == []


def test_a_weekday_before_the_date():
    text = "* Lumber: A 10% levy on Canadian softwood lumber takes effect Monday, June 22, on top of duties."
    assert deadlines(text, reference_date=dt.date(2026, 6, 19)) == ["2026-06-22"]
    assert deadlines("TRADE WATCH WEEKLY\nIssue 147 | Friday, June 19, 2026\n") == []


def test_calendar_lines():
    text = ("ON THE CALENDAR\n"
            "* June 30: comments due on USTR's proposed Section 301 action on Nicaragua\n"
            "* August 1: new Section 232 tariffs on trucks scheduled to begin (rate still to be announced)\n")
    assert whats(text, reference_date=dt.date(2026, 6, 19)) == [("comment", "2026-06-30"), ("tariff", "2026-08-01")]
    # A timeline of what happened: only the date a word on the line governs is a deadline.
    text = ("* July 7: Trump sent letters to 14 countries\n"
            "* April 2: reciprocal tariffs announced, effective April 9\n")
    assert deadlines(text, reference_date=dt.date(2025, 7, 10)) == ["2025-04-09"]


def test_relative_dates_count_from_a_dateline_or_signature():
    text = ("Sec. 4. (a) Within 60 days of the date of this order, the Secretary shall establish a process.\n\n"
            "THE WHITE HOUSE,\nSeptember 22, 2025.\n")
    assert deadlines(text) == ["2025-11-21"]
    text = ("Posted On: 18 FEB 2026 6:15PM by PIB Delhi\n\nStakeholders may send their suggestions "
            "within 30 days of this release to the Department of Commerce.")
    assert deadlines(text) == ["2026-03-20"]
    # Counted from another event ("after the requests are posted"), or from a date the text gives
    # only by the way: not the document's date.
    text = "Objections to inclusion requests are due within 14 days after the requests are posted."
    assert deadlines(text, reference_date=dt.date(2025, 10, 3)) == []
    text = "Made on: 8 May 2025\n\nConditions on supply-chain security are to be agreed within 30 days."
    assert deadlines(text) == []


def test_day_month_year_after_an_aside_and_apply_from():
    text = ("The current safeguard measure expires, under WTO rules, on 30 June 2026. The new measure is "
            "intended to apply from 1 July 2026, once adopted.")
    assert deadlines(text) == ["2026-06-30", "2026-07-01"]
    assert deadlines("The measure was discussed, under WTO rules, on 30 June 2025.") == []


def test_the_end_of_a_window_a_rule_sets():
    text = ("3. Goods shipped from the place of departure before 10 February 2026 and imported between "
            "10 February 2026 and 9 March 2026 shall not be subject to the additional tariffs.")
    assert deadlines(text) == ["2026-02-10", "2026-03-09"]
    assert deadlines("Between 1 January 2025 and 31 March 2025, imports rose 12%.") == []


def test_a_window_opens_and_a_comment_period_closes():
    text = "- The next inclusion window opens January 5, 2026; objections are due within 14 days after posting."
    assert deadlines(text) == ["2026-01-05"]
    text = "The comment period on the implementing notice closes Nov. 14."
    assert deadlines(text, reference_date=dt.date(2025, 9, 26)) == ["2025-11-14"]
    assert deadlines("The talks opened on January 5, 2026, in Geneva.") == []


def test_a_named_deadline_a_window_from_to_and_a_rate_change_from():
    assert deadlines("Negotiators raced to beat the August 1 deadline.", reference_date=dt.date(2025, 7, 20)) \
        == ["2025-08-01"]
    assert deadlines("The August 1 announcement surprised markets.", reference_date=dt.date(2025, 8, 5)) == []
    text = "Goods entered from March 1, 2026 to March 31, 2026 shall be subject to the lower rate."
    assert deadlines(text) == ["2026-03-01", "2026-03-31"]  # the window opens and closes
    assert deadlines("Imports grew 4% from March 1, 2026 to March 31, 2026.") == []
    assert deadlines("The duty will rise to 35% from January 1, 2027.") == ["2027-01-01"]


def test_a_press_dateline_anchors_a_relative_date():
    text = "WASHINGTON, March 4, 2025 - Comments are due within 30 days of this announcement."
    assert deadlines(text) == ["2025-04-03"]


def test_spelled_ordinal_days_in_transcripts():
    ref = dt.date(2026, 6, 2)
    text = ("the tariff on upholstered furniture goes from twenty-five percent to thirty percent on the first "
            "of July, as the President said it would.")
    assert deadlines(text, reference_date=ref) == ["2026-07-01"]
    assert deadlines("Everybody else pays a hundred percent on branded drugs starting July fifteenth.",
                     reference_date=ref) == ["2026-07-15"]
    assert deadlines("Farmers have until the fifteenth of June to sign up.", reference_date=ref) == ["2026-06-15"]
    assert deadlines("the first checks go out by June thirtieth.", reference_date=ref) == ["2026-06-30"]
    # Ordinals of a speaker's list and a date said as past are not deadlines.
    assert deadlines("First, on furniture. Second, pharmaceuticals, which we announced on the first of May.",
                     reference_date=ref) == []
    assert deadlines("Sales in June second-quarter terms rose.", reference_date=ref) == []


def test_into_effect_set_for_a_clock_time_without_minutes_and_ended_on():
    ref = dt.date(2025, 10, 23)
    assert deadlines("a third of about 3% goes into effect on January 5.", reference_date=ref) == ["2026-01-05"]
    assert deadlines("A public hearing is set for Dec. 15.", reference_date=dt.date(2025, 11, 19)) == ["2025-12-15"]
    assert deadlines("The next round closes at 5 pm AEDT on Friday 30 January 2026.") == ["2026-01-30"]
    assert deadlines("Duty-free de minimis treatment ended for all countries on August 29, 2025.") == ["2025-08-29"]
    text = ("Through the end of the transition period on February 28, 2026, carriers may elect to pay a "
            "specific duty of $80 per item.")
    assert deadlines(text) == ["2026-02-28"]
    assert deadlines("The truce ended on August 29, 2025; the deal was signed on May 2, 2025.") == ["2025-08-29"]


def test_a_hearing_on_a_calendar_line_a_start_a_rule_will_make_and_data_coverage():
    text = "CALENDAR\n- Tue 7 Oct: USITC hearing on Inv. No. 332-604 (critical minerals), 9:30 a.m.\n- Thu 9 Oct: Dinner\n"
    assert deadlines(text, reference_date=dt.date(2025, 10, 6)) == ["2025-10-07"]
    text = "London will cut tariff-free steel import quotas by 50% from 1 July 2026 and hike the out-of-quota tariff."
    assert deadlines(text) == ["2026-07-01"]
    assert deadlines("Steel imports fell 50% from 1 July 2025 to 1 October 2025.") == []
    assert deadlines("*Data through March 31, 2026.*") == []
    assert deadlines("The exclusion runs through May 31, 2026.") == ["2026-05-31"]


def test_a_rate_held_since_a_day_and_a_fixed_width_table_column():
    text = "The fentanyl duties on China (now 10 per cent, down from 20 per cent since November 10) do stack."
    assert deadlines(text, reference_date=dt.date(2025, 11, 14)) == ["2025-11-10"]
    assert deadlines("Exports are up 10 per cent since November 10.", reference_date=dt.date(2025, 11, 14)) == []
    table = ("  Product                     Rate   Effective           Announced\n"
             "  --------------------------- ------ ------------------- -----------------\n"
             "  Refined gallium             20%    November 10, 2025   October 1, 2025\n")
    assert deadlines(table) == ["2025-11-10"]


def test_a_year_from_the_sentence_and_an_event_anchored_period():
    text = ("In-transit: Goods loaded onto a vessel before 12:01 a.m. on November 1 and entered for consumption "
            "before 12:01 a.m. on December 1, 2025 are not subject to the duties.")
    assert deadlines(text) == ["2025-11-01", "2025-12-01"]
    text = "After liquidation, a protest must be filed within 180 days."
    assert deadlines(text, reference_date=dt.date(2025, 11, 14)) == []
    assert deadlines("Commerce must report within 30 days.", reference_date=dt.date(2025, 11, 14)) == ["2025-12-14"]


def test_terminate_and_payable_on_a_date():
    # unseen5 senate_bill_s2714 and northfield_8k.
    text = ("The additional duty of 50 percent ad valorem on steel articles shall terminate on December 31, 2026, "
            "unless extended by a joint resolution of approval.")
    assert deadlines(text) == ["2026-12-31"]
    assert deadlines("The dividend is payable on December 15, 2026 to holders of record.") == ["2026-12-15"]
    assert deadlines("The agreement was terminated by the parties, the ministry said on May 2, 2026.") == []


def test_relative_dates_count_from_a_masthead_date_or_the_opinion():
    # unseen5 fr_301_review and cit_ieepa_refunds: the date a masthead line gives as one of its
    # cells is the document's; "the date of publication of this notice", "this opinion" name it.
    text = ("Federal Register / Vol. 91, No. 42 / Wednesday, March 4, 2026 / Notices\n\n"
            "Written comments are due within 30 days after the date of publication of this notice in the "
            "Federal Register.\n")
    assert deadlines(text) == ["2026-04-03"]
    text = ("Slip Op. 26-41 | Court No. 25-00177 | Decided: April 8, 2026\n\n"
            "CBP shall file a proposed refund procedure within 30 days of the date of this opinion.\n")
    assert deadlines(text) == ["2026-05-08"]
    # A date in a masthead cell that is not the only one gives no anchor.
    text = ("Bulletin | March 4, 2026 | April 1, 2026\n\nComments are due within 30 days of this notice.\n")
    assert deadlines(text) == []
