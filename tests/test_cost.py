"""Statutory redundancy pay and notice, worked from the statute, not from the engine.

Employment Rights Act 1996: s155 (two years' qualifying service), s162 (complete years
counted back from the relevant date, at most 20; half a week for a year in which the
employee was under 22, one week aged 22-40, one and a half weeks aged 41 or over), s227
(the week's pay limit in force on the relevant date), s86 (statutory minimum notice).
Every expected figure below is worked by hand in the comment next to it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from orgsim.domain.cost import (
    CAPS,
    cap_on,
    complete_years,
    person_cost,
    resolve_terms,
    statutory_weeks,
)
from orgsim.domain.cost.statutory import age_on, statutory_notice_weeks

STATUTE = resolve_terms("statutory")
DISMISSED = dt.date(2014, 3, 31)  # Kent's structure went live on 1 April 2014


def pay(born, start, weekly, relevant=DISMISSED, terms=STATUTE, **kw):
    return person_cost(
        born=born, service_start=start, weekly_pay=D(weekly), relevant=relevant, terms=terms, **kw
    )


# --- complete years and ages -----------------------------------------------------------


def test_continuous_employment_counts_both_end_days():
    # s211: begins with the first day of work and ends with the relevant date.
    assert complete_years(dt.date(2012, 4, 1), dt.date(2014, 3, 31)) == 2
    assert complete_years(dt.date(2012, 4, 2), dt.date(2014, 3, 31)) == 1


def test_age_on_a_birthday_and_29_february():
    assert age_on(dt.date(1991, 4, 1), dt.date(2013, 4, 1)) == 22
    assert age_on(dt.date(1991, 4, 2), dt.date(2013, 4, 1)) == 21
    # born 29 Feb 1992: 21 only on 1 March 2013 (no 29 Feb in 2013)
    assert age_on(dt.date(1992, 2, 29), dt.date(2013, 2, 28)) == 20
    assert age_on(dt.date(1992, 2, 29), dt.date(2013, 3, 1)) == 21


# --- the age-22 boundary -----------------------------------------------------------------


def test_a_year_begun_at_22_is_a_full_week_one_day_younger_is_half():
    start = dt.date(2011, 4, 1)  # three complete years to 31 March 2014
    # Years counted back: from 1 Apr 2013, 1 Apr 2012, 1 Apr 2011.
    # Born 1 Apr 1991: 22 on 1 Apr 2013 (1 week), then 21 and 20 (half each) = 2 weeks.
    at_22 = statutory_weeks(dt.date(1991, 4, 1), start, DISMISSED)
    assert at_22.years_counted == 3 and at_22.weeks == D(2)
    # Born 2 Apr 1991: 21 when the last year began, not 22 throughout it = 1.5 weeks.
    under = statutory_weeks(dt.date(1991, 4, 2), start, DISMISSED)
    assert under.weeks == D("1.5")
    assert pay(dt.date(1991, 4, 1), start, 300).statutory == D("600.00")
    assert pay(dt.date(1991, 4, 2), start, 300).statutory == D("450.00")


# --- the age-41 boundary -----------------------------------------------------------------


def test_a_year_begun_at_41_is_one_and_a_half_weeks_one_day_younger_is_one():
    start = dt.date(2004, 4, 1)  # ten complete years to 31 March 2014
    # Born 1 Apr 1972: 41 on 1 Apr 2013 -> 1.5; the nine earlier years aged 32-40 -> 9.
    assert statutory_weeks(dt.date(1972, 4, 1), start, DISMISSED).weeks == D("10.5")
    # Born 2 Apr 1972: 40 when the last year began -> 1; all ten years -> 10.
    assert statutory_weeks(dt.date(1972, 4, 2), start, DISMISSED).weeks == D(10)
    assert pay(dt.date(1972, 4, 1), start, 400).statutory == D("4200.00")  # 10.5 x 400
    assert pay(dt.date(1972, 4, 2), start, 400).statutory == D("4000.00")  # 10 x 400


# --- qualifying service and the 20-year limit ------------------------------------------


def test_under_two_years_service_gets_nothing():
    born = dt.date(1980, 1, 1)
    short = pay(born, dt.date(2012, 4, 2), 500)  # one year and 364 days
    assert short.statutory == D("0.00") and short.enhanced == D("0.00")
    assert short.missing == ()  # costed, at nothing: not a missing figure
    # Exactly two years: ages 32 and 33 at the start of each year -> 2 weeks x £450 cap.
    assert pay(born, dt.date(2012, 4, 1), 500).statutory == D("900.00")


def test_more_than_20_years_counts_only_the_last_20():
    # Born 1950, employed since 1980 (34 years); the last 20 years began at 44 or more,
    # so 20 x 1.5 = 30 weeks, the statutory maximum; 30 x £450 = £13,500.
    result = pay(dt.date(1950, 6, 1), dt.date(1980, 1, 7), 2000)
    assert result.service_years == 34 and result.years_counted == 20
    assert result.weeks == D(30)
    assert result.statutory == D("13500.00")


def test_years_straddling_the_bands_over_20_years():
    # Born 1 Oct 1975, employed from 1 Oct 1991 (aged 16), dismissed 30 Sep 2018:
    # 27 complete years; last 20 years began 1 Oct 1998 (aged 23) ... 1 Oct 2017 (42).
    # Years begun at 41 or over: 1 Oct 2016 (41), 1 Oct 2017 (42) -> 2 x 1.5 = 3.
    # Years begun at 23..40: 1998..2015 -> 18 x 1 = 18. Total 21 weeks.
    result = statutory_weeks(dt.date(1975, 10, 1), dt.date(1991, 10, 1), dt.date(2018, 9, 30))
    assert result.service_years == 27 and result.years_counted == 20
    assert result.weeks == D(21)


# --- the week's pay cap -------------------------------------------------------------------


def test_pay_at_the_cap_counts_in_full_above_it_is_capped():
    born, start = dt.date(1960, 1, 1), dt.date(2010, 3, 31)  # 4 years, all aged 41+: 6 weeks
    assert pay(born, start, "450").statutory == D("2700.00")  # 6 x 450, at the cap
    assert pay(born, start, "450.01").statutory == D("2700.00")  # above: capped at 450
    assert pay(born, start, "449.99").statutory == D("2699.94")  # below: actual pay


def test_the_cap_in_force_on_the_dismissal_date_applies():
    born, start = dt.date(1960, 1, 1), dt.date(2004, 4, 5)  # 10 years, all aged 41+
    # SI 2014/382: £464 where the relevant date is on or after 6 April 2014.
    before = pay(born, start, 1000, relevant=dt.date(2014, 4, 5))
    after = pay(born, start, 1000, relevant=dt.date(2014, 4, 6))
    assert before.cap == D(450) and before.statutory == D("6750.00")  # 15 weeks x 450
    assert after.cap == D(464) and after.statutory == D("6960.00")  # 15 weeks x 464


@pytest.mark.parametrize(
    ("day", "limit", "maximum"),
    [
        # The published statutory maximum (30 weeks x the limit) for each year.
        (dt.date(2013, 4, 1), 450, "13500"),
        (dt.date(2020, 4, 6), 538, "16140"),
        (dt.date(2024, 4, 6), 700, "21000"),
        (dt.date(2025, 4, 6), 719, "21570"),
    ],
)
def test_caps_table_gives_the_published_maximum(day, limit, maximum):
    assert cap_on(day).weekly_limit == D(limit)
    top = pay(dt.date(1940, 1, 1), dt.date(1970, 1, 1), 5000, relevant=day)
    assert top.statutory == D(maximum)


def test_caps_table_is_ordered_sourced_and_covers_2013_onwards():
    dates = [c.since for c in CAPS]
    assert dates == sorted(dates)
    assert all("Increase of Limits" in c.source for c in CAPS)
    years = {c.since.year for c in CAPS if c.weekly_limit is not None}
    assert set(range(2013, 2026)) <= years


def test_a_dismissal_with_no_known_cap_is_missing_not_guessed():
    before_table = pay(dt.date(1960, 1, 1), dt.date(1990, 1, 1), 500, relevant=dt.date(2005, 1, 1))
    assert before_table.missing == ("weekly_pay_cap",) and before_table.total is None
    unknown = cap_on(dt.date(2026, 5, 1))
    if unknown is not None and unknown.weekly_limit is None:
        result = pay(dt.date(1960, 1, 1), dt.date(1990, 1, 1), 500, relevant=dt.date(2026, 5, 1))
        assert "weekly_pay_cap" in result.missing


def test_a_dismissal_a_year_past_the_last_order_in_the_table_is_missing():
    """Employment Relations Act 1999 s34: a new order every year, so the table's last
    figure, whatever it is, is not the limit a year later: missing, not carried forward."""
    last = CAPS[-1].since
    later = dt.date(last.year + 1, last.month, last.day)
    assert cap_on(later).weekly_limit is None
    assert cap_on(later - dt.timedelta(days=1)) is CAPS[-1]
    result = pay(dt.date(1960, 1, 1), dt.date(1990, 1, 1), 500, relevant=later)
    assert "weekly_pay_cap" in result.missing and result.total is None


# --- missing data -------------------------------------------------------------------------


def test_missing_fields_are_named_and_no_amount_is_given():
    result = person_cost(
        born=None, service_start=dt.date(2000, 1, 1), weekly_pay=None,
        relevant=DISMISSED, terms=STATUTE,
    )  # fmt: skip
    assert result.missing == ("born", "weekly_pay")
    assert result.statutory is None and result.total is None


# --- notice (ERA s86) ----------------------------------------------------------------------


def test_statutory_notice_one_week_per_year_up_to_twelve():
    assert statutory_notice_weeks(dt.date(2014, 3, 15), DISMISSED) == 0  # under a month
    assert statutory_notice_weeks(dt.date(2013, 3, 1), DISMISSED) == 1  # a year and a bit
    assert statutory_notice_weeks(dt.date(2009, 3, 31), DISMISSED) == 5
    assert statutory_notice_weeks(dt.date(1990, 1, 1), DISMISSED) == 12


def test_notice_pay_is_the_longest_of_statute_contract_and_policy_on_actual_pay():
    born, start = dt.date(1960, 1, 1), dt.date(2009, 3, 31)  # 5 years: 5 weeks' notice
    assert pay(born, start, 1000).notice == D("5000.00")  # actual pay, not capped
    assert pay(born, start, 1000, own_notice_weeks=8).notice == D("8000.00")
    terms = resolve_terms({"notice_weeks": {"D": 13}})
    assert pay(born, start, 1000, terms=terms, grade="D").notice == D("13000.00")
    worked = resolve_terms({"notice": "worked"})
    assert pay(born, start, 1000, terms=worked).notice == D("0.00")


# --- the employer's enhancement -----------------------------------------------------------


def test_actual_pay_instead_of_the_cap():
    # 2006 Regulations reg 6: 6 weeks on actual £1,000 = £6,000; statutory 6 x 450 = 2,700.
    born, start = dt.date(1960, 1, 1), dt.date(2010, 3, 31)
    result = pay(born, start, 1000, terms=resolve_terms("lg-2006-actual-pay"))
    assert result.statutory == D("2700.00") and result.enhanced == D("3300.00")
    assert result.total == D("2700.00") + D("3300.00") + result.notice


def test_lg_2006_104_weeks_at_the_statutory_maximum():
    # 30 table weeks scaled by 104/30 = 104 weeks on actual pay £600 = £62,400;
    # the statutory part 30 x 450 = £13,500 leaves an enhancement of £48,900.
    result = pay(dt.date(1950, 1, 1), dt.date(1980, 1, 1), 600, terms=resolve_terms("lg-2006-104"))
    assert result.statutory == D("13500.00")
    assert result.enhanced == D("48900.00")


def test_multiplier_is_capped_by_max_weeks():
    # 30 weeks x 4 = 120 weeks, at most 104: 104 x £450 (capped pay) - 13,500 = 33,300.
    terms = resolve_terms({"multiplier": 4, "max_weeks": 104})
    result = pay(dt.date(1950, 1, 1), dt.date(1980, 1, 1), 600, terms=terms)
    assert result.enhanced == D("33300.00")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"multiplier": "0.5"}, "at least 1"),
        ({"multiplier": "x"}, "a number or a fraction"),
        ({"max_weeks": 0}, "above 0"),
        ({"bonus": 1}, "unknown field"),
        ("generous", "unknown redundancy preset"),
    ],
)
def test_bad_terms_are_one_line_errors(value, message):
    with pytest.raises(ValueError, match=message):
        resolve_terms(value)
