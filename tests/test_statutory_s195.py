"""Collective redundancy law in the pack: who counts, the HR1 date, and vacant FTE.

Expected values come from the statutes, worked by hand in each test:

- TULRCA 1992 s188(1): "Where an employer is proposing to dismiss as redundant 20 or
  more employees at one establishment within a period of 90 days or less, the employer
  shall consult about the dismissals"; (1A) "the consultation shall begin in good time
  and in any event (a) where the employer is proposing to dismiss 100 or more employees
  ..., at least 45 days, and (b) otherwise, at least 30 days, before the first of the
  dismissals takes effect".
- TULRCA 1992 s195(1): "references to dismissal as redundant are references to dismissal
  for a reason not related to the individual concerned or for a number of reasons all of
  which are not so related" — imposing a lower grade or fewer hours by dismissal and
  re-engagement is such a dismissal.
- TULRCA 1992 s193(2): for 20 to 99, the employer shall notify the Secretary of State
  "before giving notice to terminate an employee's contract of employment in respect of
  any of those dismissals" and "at least 30 days before the first of those dismissals
  takes effect".
- ERA 1996 s86(1): notice of "not less than one week's notice for each year of continuous
  employment if his period of continuous employment is two years or more but less than
  twelve years" and "not less than twelve weeks' notice if his period of continuous
  employment is twelve years or more".
"""

from __future__ import annotations

import html as htmllib
from pathlib import Path

import pytest
from conftest import CLI


@pytest.fixture
def lite(sqlite_url: str, tmp_path: Path) -> CLI:
    return CLI(sqlite_url, tmp_path)


def base(officers: int = 20, senior: bool = True, policy: str = "") -> str:
    """A council: a head of service (G3), a senior officer (G2, held by s01) and
    ``officers`` officers (G1), each post held full time."""
    lines = [
        "scenario: base",
        "effective: 2020-01-01",
        "grades: [G1, G2, G3]",
        *([policy] if policy else []),
        "steps:",
        "  - create_unit: {id: org, name: Example Council, kind: organisation}",
        "  - create_post: {id: head, title: Head of Service, grade: G3, unit: org}",
        "  - join: {id: h01, name: Harper Fictional}",
        "  - assign: {person: h01, post: head}",
    ]
    if senior:
        lines += [
            "  - create_post: {id: sen-01, title: Senior Officer, grade: G2, unit: org, reports_to: head}",
            "  - join: {id: s01, name: Sasha Fictional}",
            "  - assign: {person: s01, post: sen-01}",
        ]
    for i in range(1, officers + 1):
        lines += [
            f"  - create_post: {{id: off-{i:02d}, title: Officer {i:02d}, grade: G1, unit: org, reports_to: head}}",
            f"  - join: {{id: p{i:02d}, name: Person{i:02d} Fictional}}",
            f"  - assign: {{person: p{i:02d}, post: off-{i:02d}}}",
        ]
    return "\n".join(lines) + "\n"


def option(
    deleted: list[str], extra: str = "", opens: str = "2020-12-01", closes: str = "2020-12-20"
) -> str:
    """Deletes ``deleted`` on 1 April 2021 after a consultation from ``opens``."""
    lines = [
        "scenario: option",
        "based_on: base",
        "fork_at: 2020-06-01",
        "effective: 2021-04-01",
        "steps:",
        f"  - consult: {{opens: {opens}, closes: {closes}, effective: {opens}}}",
        *[f"  - delete_post: {{id: {post}}}" for post in deleted],
    ]
    return "\n".join(lines) + "\n" + extra


def officers(n: int) -> list[str]:
    return [f"off-{i:02d}" for i in range(1, n + 1)]


def pack(cli: CLI, tmp_path: Path, *args: str) -> tuple[dict, str]:
    out = tmp_path / f"pack-{abs(hash(args))}"
    doc = cli.json("pack", "--branch", "option", "-o", str(out), "--format", "html", *args)
    html = next(Path(f) for f in doc["files"] if f.endswith(".html"))
    return doc, htmllib.unescape(html.read_text(encoding="utf-8"))


# --- s195: who counts toward the 20 -------------------------------------------------------


def test_nineteen_deleted_posts_alone_need_no_collective_consultation(lite, write, tmp_path):
    lite.ok("run", write(base()))
    lite.ok("run", write(option(officers(19))))
    doc, html = pack(lite, tmp_path)
    st = doc["statutory"]
    # s188(1): 19 is fewer than 20: no collective duty, no HR1 (s193 applies from 20 too)
    assert st["proposed_redundancies"] == 19 and st["verdict"] == "not_required"
    assert st["required_days"] is None and st["hr1_due"] is None
    assert st["dismissals"] == {"post_deleted": 19}
    assert "does not apply" in html


def test_a_regrade_down_while_held_is_the_twentieth_dismissal(lite, write, tmp_path):
    lite.ok("run", write(base()))
    # the senior officer's post is regraded G2 -> G1 while s01 holds it: new terms
    # imposed by dismissal and re-engagement, "a reason not related to the individual"
    regrade = "  - regrade_post: {id: sen-01, grade: G1}\n"
    lite.ok("run", write(option(officers(19), regrade)))
    doc, html = pack(lite, tmp_path)
    st = doc["statutory"]
    # 19 + 1 = 20 within 90 days (all on 1 April 2021): s188(1A)(b), at least 30 days
    assert st["proposed_redundancies"] == 20 and st["required_days"] == 30
    assert st["dismissals"] == {"post_deleted": 19, "regraded_down": 1}
    assert st["first_dismissal"] == "2021-04-01"
    # consultation opens 1 December 2020: 121 days before 1 April 2021 (30 + 31 + 28 + 31 + 1)
    assert st["verdict"] == "meets"
    assert "Post deleted: 19" in html
    assert "Own post regraded to a lower grade while they hold it: 1" in html
    assert "s195" in html


def test_a_regrade_up_is_not_a_dismissal(lite, write, tmp_path):
    lite.ok("run", write(base()))
    regrade = "  - regrade_post: {id: sen-01, grade: G3}\n"
    lite.ok("run", write(option(officers(19), regrade)))
    doc, _html = pack(lite, tmp_path)
    assert doc["statutory"]["proposed_redundancies"] == 19
    assert doc["statutory"]["verdict"] == "not_required"


def test_hours_cut_while_held_counts_and_so_does_a_move_to_a_lower_grade(lite, write, tmp_path):
    lite.ok("run", write(base()))
    # off-20 (held full time, 1.0) cut to 0.6 FTE while held: fewer hours imposed. The
    # senior officer moves from sen-01 (G2, which stays) to a new G1 post: a lower grade.
    # off-19 is untouched.
    extra = (
        "  - change_post_fte: {id: off-20, fte: 0.6}\n"
        "  - create_post: {id: new-g1, title: Assistant, grade: G1, unit: org, reports_to: head}\n"
        "  - unassign: {person: s01, post: sen-01}\n"
        "  - assign: {person: s01, post: new-g1}\n"
    )
    lite.ok("run", write(option(officers(18), extra)))
    doc, _html = pack(lite, tmp_path)
    st = doc["statutory"]
    # 18 deleted + 1 hours cut + 1 moved down = 20
    assert st["dismissals"] == {"post_deleted": 18, "hours_cut": 1, "moved_down": 1}
    assert st["proposed_redundancies"] == 20 and st["required_days"] == 30


def test_dismissals_more_than_90_days_apart_are_not_added_together(lite, write, tmp_path):
    lite.ok("run", write(base()))
    # 19 posts go on 1 April 2021; the regrade takes effect on 1 August 2021, 122 days
    # later: no 90-day period holds 20 (s188(1) "within a period of 90 days or less")
    regrade = "  - regrade_post: {id: sen-01, grade: G1, effective: 2021-08-01}\n"
    lite.ok("run", write(option(officers(19), regrade)))
    doc, _html = pack(lite, tmp_path)
    assert doc["statutory"]["proposed_redundancies"] == 19
    assert doc["statutory"]["verdict"] == "not_required"


# --- s193: the HR1 date and notice periods ------------------------------------------------


def test_hr1_without_notice_data_is_30_days_before_the_first_dismissal(lite, write, tmp_path):
    lite.ok("run", write(base()))
    lite.ok("run", write(option(officers(20))))
    doc, html = pack(lite, tmp_path)
    st = doc["statutory"]
    # 1 April 2021 - 30 days = 2 March 2021 (31 days in March: 1 April - 30 = 2 March)
    assert st["hr1_due"] == "2021-03-02" and st["first_notice_by"] is None
    # nobody has a service start recorded: the statutory notice could not be counted
    assert "No start of continuous service is recorded" in html


def test_three_months_senior_notice_moves_the_hr1_date_earlier(lite, write, tmp_path):
    policy = "policy: {preset: kent, redundancy: {notice_weeks: {G2: 13}}}"
    lite.ok("run", write(base(policy=policy)))
    lite.ok("run", write(option(["sen-01", *officers(19)], closes="2021-01-31")))
    doc, html = pack(lite, tmp_path)
    st = doc["statutory"]
    assert st["proposed_redundancies"] == 20 and st["required_days"] == 30
    # The senior officer's dismissal on 1 April 2021 needs 13 weeks' (91 days') notice:
    # 1 April 2021 - 90 days = 1 January 2021 (31 + 28 + 31 days of Jan-Mar), - 91 days
    # = 31 December 2020. s193 wants the HR1 before that notice, and 30 days before the
    # first dismissal (2 March 2021): the earlier, 31 December 2020.
    assert st["first_notice_by"] == "2020-12-31"
    assert st["hr1_due"] == "2020-12-31"
    assert "31 December 2020" in html and "the policy's notice for grade G2" in html
    assert "Notice periods bring it forward from 2 March 2021" in html
    # consultation closes 31 January 2021, after notice must be given
    assert "before consultation closes (31 January 2021)" in html
    assert "First notice of dismissal (latest)" in html


def test_statutory_notice_from_long_service_moves_the_hr1_date(lite, write, tmp_path):
    lite.ok("run", write(base()))
    # p01 started on 1 January 2000: over 21 complete years by 1 April 2021, so at least
    # twelve weeks' notice (ERA s86(1)(c)); 84 days before 1 April 2021 is 7 January 2021
    # (1 April - 84 days: 31 March is -1, 1 January is -90, 7 January is -84).
    record = "  - record_person: {person: p01, service_start: 2000-01-01}\n"
    lite.ok("run", write(option(officers(20), record)))
    doc, html = pack(lite, tmp_path)
    st = doc["statutory"]
    assert st["first_notice_by"] == "2021-01-07" and st["hr1_due"] == "2021-01-07"
    # without --names, a person's own notice (it follows from their service) is not described
    assert "12 weeks" not in html and "the notice owed" in html
    doc, html = pack(lite, tmp_path, "--names")
    assert doc["statutory"]["hr1_due"] == "2021-01-07"
    assert "12 weeks' notice, the statutory minimum for their service (ERA 1996 s86)" in html


def test_a_short_notice_leaves_the_30_day_date(lite, write, tmp_path):
    lite.ok("run", write(base()))
    # two weeks' contractual notice: 1 April - 14 days = 18 March, later than 2 March
    record = "  - record_person: {person: p01, notice_weeks: 2}\n"
    lite.ok("run", write(option(officers(20), record)))
    doc, html = pack(lite, tmp_path)
    assert doc["statutory"]["hr1_due"] == "2021-03-02"
    assert doc["statutory"]["first_notice_by"] == "2021-03-18"
    assert "bring it forward" not in html


# --- vacant FTE: the unfilled part of a part-filled post ----------------------------------

PART = """\
scenario: base
effective: 2020-01-01
grades: [G1, G2]
policy: {{preset: kent, count: {count}}}
steps:
  - create_unit: {{id: org, name: Example Council, kind: organisation}}
  - create_post: {{id: top, title: Head, grade: G2, unit: org}}
  - create_post: {{id: old-a, title: Payroll Officer, grade: G1, unit: org, reports_to: top, fte: 0.6}}
  - create_post: {{id: old-b, title: Pensions Officer, grade: G1, unit: org, reports_to: top, fte: 0.4}}
  - join: {{id: h1, name: Harper Fictional}}
  - join: {{id: a1, name: Avery Fictional}}
  - join: {{id: b1, name: Blair Fictional}}
  - assign: {{person: h1, post: top}}
  - assign: {{person: a1, post: old-a, fte: 0.6}}
  - assign: {{person: b1, post: old-b, fte: 0.4}}
"""

OPTION = """\
scenario: option
based_on: base
fork_at: 2020-06-01
effective: 2021-04-01
steps:
  - create_post: {id: new, title: Payroll and Pensions Officer, grade: G1, unit: org, reports_to: top, fte: 1.0}
  - match: {old: old-a, new: new, percent: 90, assessor: HR panel}
  - match: {old: old-b, new: new, percent: 90, assessor: HR panel}
  - delete_post: {id: old-a}
  - slot: {}
"""


@pytest.mark.parametrize("count", ["fte", "heads"])
def test_part_filled_post_reports_its_balance_as_vacant_fte(lite, write, tmp_path, count):
    lite.ok("run", write(PART.format(count=count)))
    lite.ok("run", write(OPTION))
    # a1 (0.6 FTE) is the only person displaced and new (1.0 FTE) the only vacant post,
    # matched at 90%: slotted (SPEC 5), holding 0.6 of the post's 1.0 FTE: 0.4 FTE vacant.
    shown = lite.json("show", "--branch", "option", "--at", "2021-04-01")
    new = {p["id"]: p for p in shown["posts"]}["new"]
    assert new["holders"] == ["a1"] and new["vacant_fte"] == 0.4
    # no post is without a substantive holder (heads), but 0.4 FTE is vacant
    assert shown["vacancies"] == {"posts": 0, "fte": 0.4}
    human = lite.ok("show", "--branch", "option", "--at", "2021-04-01").stdout
    assert "(0.4 FTE vacant)" in human and "vacant: 0 posts, 0.4 FTE" in human

    doc = lite.json("compare", "base", "option", "--at", "2021-04-01")
    vacancies = {b["branch"]: b["vacancies"] for b in doc["branches"]}
    assert vacancies["base"] == {"posts": 0, "fte": 0}
    assert vacancies["option"] == {"posts": 0, "fte": 0.4}
    assert doc["difference"]["vacant_fte"] == 0.4
    g1 = {r["grade"]: r for r in doc["branches"][1]["posts"]["by_grade"]}["G1"]
    assert g1["vacant"] == 0 and g1["vacant_fte"] == 0.4

    _doc, html = pack(lite, tmp_path)
    from test_pack import tables

    rows = tables(html)["Posts and establishment"]
    vacant_fte = next(r for r in rows if r and r[0].startswith("Vacant FTE"))
    vacant_posts = next(r for r in rows if r and r[0].startswith("Vacant posts"))
    assert vacant_fte[1:4] == ["0", "0.4", "+0.4"]
    assert vacant_posts[1:3] == ["0", "0"]


@pytest.mark.parametrize("count,outcome", [("fte", "slotted"), ("heads", "at_risk")])
def test_the_unused_fte_is_capacity_under_fte_only(lite, write, count, outcome):
    """SPEC 5: under ``count: fte`` "a post's capacity is its FTE": the 0.4 FTE left by
    a1's slotting takes b1 (0.4 FTE, 90%); under ``count: heads`` the post is held (one
    job, not vacant) and b1, with no other match, is at risk."""
    lite.ok("run", write(PART.format(count=count)))
    later = (
        "  - delete_post: {id: old-b, effective: 2021-05-01}\n  - slot: {effective: 2021-05-01}\n"
    )
    lite.ok("run", write(OPTION + later))
    shown = lite.json("show", "--branch", "option", "--at", "2021-05-01")
    people = {p["id"]: p for p in shown["people"]}
    assert people["b1"]["status"] == outcome
    new = {p["id"]: p for p in shown["posts"]}["new"]
    assert new["vacant_fte"] == (0 if count == "fte" else 0.4)


def test_a_person_slotted_into_a_lower_grade_counts_once_and_is_noted(lite, write, tmp_path):
    lite.ok("run", write(base()))
    # sen-01 (G2) and 19 officer posts deleted: 20 proposed (s188 counts what is proposed).
    # The senior officer is then placed by hand in a new G1 post: a change of terms, but
    # the same person, so still 20, with the lower grade noted.
    extra = (
        "  - create_post: {id: new-g1, title: Assistant, grade: G1, unit: org, reports_to: head}\n"
        "  - slot_person: {person: s01, post: new-g1}\n"
    )
    lite.ok("run", write(option(["sen-01", *officers(19)], extra)))
    doc, html = pack(lite, tmp_path)
    st = doc["statutory"]
    assert st["proposed_redundancies"] == 20 and st["dismissals"] == {"post_deleted": 20}
    assert "Post deleted: 20" in html
    # One person's worse terms is a fact about an individual: the collective version
    # withholds counts from 1 to 4 (the pack's rule for outcomes); --internal shows it.
    assert "of whom moved to a post of a lower grade or with fewer hours: fewer than 5" in html
    assert "with fewer hours: 1" not in html
    _doc, internal = pack(lite, tmp_path, "--internal")
    assert "of whom moved to a post of a lower grade or with fewer hours: 1" in internal


def test_the_s188_disclosure_counts_the_regrade_with_its_grade(lite, write, tmp_path):
    lite.ok("run", write(base()))
    lite.ok("run", write(option(officers(19), "  - regrade_post: {id: sen-01, grade: G1}\n")))
    _doc, html = pack(lite, tmp_path)
    from test_pack import tables

    rows = {
        r[0]: r for r in tables(html)["TULRCA 1992 s188(4): information for the representatives"]
    }
    numbers = rows["(b)"][2]
    # s188(4)(b): "the numbers and descriptions of employees whom it is proposed to dismiss"
    assert "20 in all" in numbers and "own post regraded to a lower grade" in numbers
    assert "Grade G2: 1 post holder" in numbers and "Grade G1: 19 post holders" in numbers


def test_a_redundancy_from_a_post_that_stays_counts_and_more_hours_do_not(lite, write, tmp_path):
    lite.ok("run", write(base()))
    # p20 leaves by voluntary redundancy on 1 April 2021 from off-20, a post that stays:
    # a dismissal as redundant (s195), on the day of the 18 deletions.
    # off-19 grows from 1.0 to 1.5 FTE: nobody's hours fall, so no new terms imposed.
    extra = (
        "  - leave: {person: p20, cause: voluntary redundancy}\n"
        "  - change_post_fte: {id: off-19, fte: 1.5}\n"
    )
    lite.ok("run", write(option(officers(18), extra)))
    doc, _html = pack(lite, tmp_path)
    st = doc["statutory"]
    # 18 deleted + 1 redundancy = 19: fewer than 20
    assert st["dismissals"] == {"post_deleted": 18, "left_by_redundancy": 1}
    assert st["proposed_redundancies"] == 19 and st["verdict"] == "not_required"


@pytest.mark.parametrize(
    "new_post",
    [
        # a lower grade (G1 for a G2 post holder)
        "{id: new-g1, title: Assistant, grade: G1, unit: org, reports_to: head}",
        # the same grade at fewer hours (0.6 FTE for a full-time holder)
        "{id: new-pt, title: Senior Officer, grade: G2, unit: org, reports_to: head, fte: 0.6}",
    ],
)
def test_a_redeployment_to_a_lower_grade_or_fewer_hours_is_noted_as_a_change_of_terms(
    lite, write, tmp_path, new_post
):
    """Issue 15 review: suitable alternative employment on worse terms is the same
    s195 dismissal as a slot into them (new terms imposed; the person counts once, for
    the deleted post, with the change of terms noted) — a redeployment is no exception."""
    lite.ok("run", write(base()))
    post = new_post.split(",")[0].removeprefix("{id: ")
    extra = (
        f"  - create_post: {new_post}\n"
        f"  - offer: {{person: s01, post: {post}}}\n"
        f"  - accept_offer: {{person: s01, post: {post}}}\n"
    )
    lite.ok("run", write(option(["sen-01", *officers(19)], extra)))
    doc, html = pack(lite, tmp_path, "--internal")
    st = doc["statutory"]
    assert st["proposed_redundancies"] == 20 and st["dismissals"] == {"post_deleted": 20}
    assert "of whom moved to a post of a lower grade or with fewer hours: 1" in html
