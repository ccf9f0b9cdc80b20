"""The one read model (``Structure``) and the changes between two of them, in-process.

Expected values come from the SPEC's rules (section 3: deleting a held post displaces its
holders; section 5: an acting holder does not fill a post; a post whose manager is deleted
reports to the nearest surviving manager), applied by hand to the small script below.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from orgsim.app.run import run_script
from orgsim.domain.changes import changes_between
from orgsim.domain.structure import HOLDS, PART_OF, REPORTS_TO, Structure
from orgsim.scenario.load import parse_scenario
from orgsim.store.branches import BranchReader
from orgsim.store.recorder import open_store

SCRIPT = """\
scenario: base
effective: 2020-01-01
grades: [G1, G2, G3]
pay_ranges: {G1: [20000, 30000], G2: [30000, 40000]}
steps:
  - create_unit: {id: org, name: Example Council, kind: organisation}
  - create_unit: {id: care, name: Care, kind: directorate, parent: org}
  - create_unit: {id: team, name: Care Team, kind: team, parent: care}
  - create_unit: {id: depot, name: Depot, kind: service, parent: org}
  - create_post: {id: ceo, title: Chief Executive, grade: G3, unit: org}
  - create_post: {id: head, title: Head of Care, grade: G2, unit: care, reports_to: ceo}
  - create_post: {id: lead, title: Team Lead, grade: G2, unit: team, reports_to: head}
  - create_post: {id: w1, title: Worker One, grade: G1, unit: team, reports_to: lead}
  - create_post: {id: w2, title: Worker Two, grade: G1, unit: team, reports_to: lead, fte: 1.0}
  - create_post: {id: drv, title: Driver, grade: G1, unit: depot, reports_to: ceo, cost: 25000}
  - join: {id: p1, name: Robin Fictional}
  - join: {id: p2, name: Sam Imaginary}
  - join: {id: p3, name: Alex Invented}
  - join: {id: p4, name: Jo Madeup}
  - assign: {person: p1, post: ceo}
  - assign: {person: p2, post: lead}
  - assign: {person: p3, post: w1}
  - assign: {person: p4, post: w2, fte: 0.5}
  - assign: {person: p1, post: head, kind: acting, fte: 0.2}
  - delete_post: {id: lead, effective: 2021-01-01, reason: restructure}
  - transfer_unit: {id: depot, to: {id: co, name: Depot Company, kind: external}, effective: 2021-01-01}
  - leave: {person: p3, cause: resignation, effective: 2021-02-01}
"""

BEFORE, AFTER = dt.date(2020, 6, 1), dt.date(2021, 6, 1)


@pytest.fixture(scope="module")
def views() -> tuple[Structure, Structure]:
    store = open_store("memory")
    run_script(store, parse_scenario(SCRIPT, "base.yaml"))
    log = BranchReader(store).load("base")
    return tuple(  # type: ignore[return-value]
        Structure.from_state("base", day, log.timeline.state_at(day)) for day in (BEFORE, AFTER)
    )


def test_holders_acting_and_vacancy(views):
    before, _ = views
    assert before.posts["ceo"].holders == ("p1",)
    # an acting holder does not fill a post (SPEC 5)
    assert before.posts["head"].holders == () and before.posts["head"].acting == ("p1",)
    assert before.posts["head"].vacant
    # a 0.5 FTE holder fills the post but leaves half of it unfilled
    assert not before.posts["w2"].vacant
    assert before.posts["w2"].unfilled_fte == Decimal("0.5")
    assert {p.id for p in before.vacant_posts()} == {"head", "drv"}
    assert before.people["p1"].substantive == ("ceo",)
    assert before.people["p1"].posts == ("ceo", "head")


def test_deleting_a_held_post_displaces_and_keeps_the_line_a_tree(views):
    _, after = views
    assert "lead" not in after.posts
    assert after.former_posts["lead"].deleted == dt.date(2021, 1, 1)
    assert after.displaced == ("p2",)
    assert after.people["p2"].displaced_from == "lead"
    assert after.displaced_by_post() == {"lead": ["p2"]}
    # the workers' recorded manager is gone: they report to the nearest surviving one
    assert after.posts["w2"].recorded_reports_to == "lead"
    assert after.posts["w2"].reports_to == "head"
    assert after.direct_reports("head") == ["w1", "w2"]
    assert list(after.line_managers("w2")) == ["head", "ceo"]


def test_external_bodies_and_leavers(views):
    _, after = views
    assert after.units["depot"].external and after.posts["drv"].external
    assert not after.units["care"].external
    # the transferred unit's post is no longer the employer's vacancy
    assert "drv" not in {p.id for p in after.vacant_posts()}
    assert "p3" not in after.people and after.leavers["p3"].left == "resignation"
    assert after.posts["w1"].vacant


def test_cost_from_post_or_pay_range(views):
    before, _ = views
    assert before.establishment_cost("drv") == Decimal(25000)
    assert before.establishment_cost("w1") == Decimal(25000)  # midpoint of G1 x 1.0 FTE
    assert before.establishment_cost("ceo") is None  # G3 has no pay range


def test_graph_has_typed_edges(views):
    before, _ = views
    g = before.graph
    assert g.edges[("post", "w1"), ("post", "lead")]["rel"] == REPORTS_TO
    assert g.edges[("post", "w1"), ("unit", "team")]["rel"] == PART_OF
    assert g.edges[("unit", "team"), ("unit", "care")]["rel"] == PART_OF
    held = g.edges[("person", "p4"), ("post", "w2")]
    assert held["rel"] == HOLDS and held["kind"] == "substantive" and held["fte"] == Decimal("0.5")
    assert g.edges[("person", "p1"), ("post", "head")]["kind"] == "acting"
    assert g.nodes[("post", "w2")]["holders"] == ("p4",)
    assert before.units_under("care") == {"care", "team"}
    assert before.posts_under("care") == ["head", "lead", "w1", "w2"]
    assert before.unit_ancestors("team") == ["team", "care", "org"]


def test_changes_between_two_read_models(views):
    before, after = views
    changes = changes_between(before, after)
    posts = {(c.id, c.change) for c in changes.posts}
    assert ("lead", "deleted") in posts
    # w1 and w2 lost their manager but nobody moved them: not "moved"
    assert not any(c.change == "moved" and c.id in ("w1", "w2") for c in changes.posts)
    # the depot left the employer: its post's line to the chief executive was cut
    assert ("drv", "moved") in posts
    units = {(c.id, c.change) for c in changes.units}
    assert ("depot", "moved") in units and ("co", "created") in units
    people = {c.id: c.change for c in changes.people}
    assert people == {"p2": "post and status", "p3": "left"}
    assert changes.summary()["posts_deleted"] == 1


def test_unit_heads_follow_the_effective_line(views):
    before, after = views
    assert before.unit_posts("team") == ["lead", "w1", "w2"]
    assert before.unit_heads("team") == ["lead"]
    # with the team lead's post deleted, both workers report out of the team
    assert after.unit_heads("team") == ["w1", "w2"]
    assert after.unit_heads("org") == ["ceo"]


# -- the fact-changing steps (issue 14): each change has its own kind, after the old ones

FACTS = """\
scenario: facts
effective: 2022-01-01
grades: [G1, G2, G3]
steps:
  - create_unit: {id: org, name: Fictional Borough, kind: organisation}
  - create_post: {id: boss, title: Chief Executive, grade: G3, unit: org}
  - create_post: {id: off, title: Officer, grade: G1, unit: org, reports_to: boss, cost: 30000, accountabilities: [rotas]}
  - join: {id: x1, name: Robin Example, grade: G1}
  - assign: {person: x1, post: off}
  - retitle_post: {id: off, title: Senior Officer, effective: 2022-06-01}
  - change_post_fte: {id: off, fte: 0.6, effective: 2022-06-01}
  - change_post_cost: {id: off, cost: 18000, effective: 2022-06-01}
  - change_accountabilities: {id: off, accountabilities: [budgets], effective: 2022-06-01}
  - rename_person: {id: x1, name: Robin Renamed, effective: 2022-06-01}
  - regrade_person: {id: x1, grade: G2, effective: 2022-06-01}
"""


@pytest.fixture(scope="module")
def facts() -> tuple[Structure, Structure]:
    store = open_store("memory")
    run_script(store, parse_scenario(FACTS, "facts.yaml"))
    log = BranchReader(store).load("facts")
    return tuple(  # type: ignore[return-value]
        Structure.from_state("facts", day, log.timeline.state_at(day))
        for day in (dt.date(2022, 5, 31), dt.date(2022, 6, 1))
    )


def test_post_fte_cost_and_accountabilities_are_changes_of_their_own(facts):
    before, after = facts
    changes = changes_between(before, after)
    # the existing kind first, then fte, cost, accountabilities (the documented order)
    assert changes.post_changes("off") == ("retitled", "fte", "cost", "accountabilities")
    assert changes.post_changes("boss") == ()
    fte = changes.posts_by_change("fte")[0]
    assert fte.before is not None and fte.after is not None
    assert (fte.before.fte, fte.after.fte) == (Decimal(1), Decimal("0.6"))
    cost = changes.posts_by_change("cost")[0]
    assert cost.before is not None and cost.after is not None
    assert (cost.before.cost, cost.after.cost) == (Decimal(30000), Decimal(18000))
    profile = changes.posts_by_change("accountabilities")[0]
    assert profile.after is not None
    assert [text for text, _ in profile.after.accountabilities] == ["budgets"]
    summary = changes.summary()
    assert summary["posts_fte"] == summary["posts_cost"] == 1
    assert summary["posts_accountabilities"] == summary["posts_retitled"] == 1


def test_a_person_renamed_and_regraded(facts):
    before, after = facts
    rows = [(c.id, c.change) for c in changes_between(before, after).people]
    # still in the same post with no outcome: no post/status row, only the two facts
    assert rows == [("x1", "renamed"), ("x1", "regraded")]
    regraded = changes_between(before, after).people[1]
    assert regraded.before is not None and regraded.after is not None
    assert (regraded.before.grade, regraded.after.grade) == ("G1", "G2")


def test_no_change_between_a_date_and_itself(facts):
    before, _ = facts
    changes = changes_between(before, before)
    assert (changes.units, changes.posts, changes.people) == ((), (), ())


def test_external_body_is_named_on_its_units(views):
    _, after = views
    assert after.units["depot"].external_body == "co"  # the transfer's body (SCRIPT)
    assert after.units["co"].external_body == "co"
    assert after.units["care"].external_body is None
