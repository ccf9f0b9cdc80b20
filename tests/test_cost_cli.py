"""``orgsim cost``, the ``record_person`` step, and cost in ``compare``, the pack and
history — through scenario scripts and the command line, on SQLite and PostgreSQL.

Expected amounts are worked by hand from ERA 1996 s162/s86 and the policy in the script
(comments next to each), never read back from the engine. People are fictional.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

ORG = """\
scenario: base
effective: 2013-04-01
grades: [G5, G6, D]
policy:
  preset: kent
  redundancy: {preset: lg-2006-actual-pay, notice_weeks: {D: 13}}
steps:
  - create_unit: {id: org, name: Example Council, kind: organisation}
  - create_unit: {id: adults, name: Adult Services, kind: directorate, parent: org}
  - create_unit: {id: care, name: Care Team, kind: team, parent: adults}
  - create_unit: {id: place, name: Place, kind: directorate, parent: org}
  - create_post: {id: dir-adults, title: Director of Adult Services, grade: D, unit: adults}
  - create_post: {id: care-lead, title: Care Lead, grade: G6, unit: care, reports_to: dir-adults}
  - create_post: {id: care-officer, title: Care Officer, grade: G5, unit: care, reports_to: care-lead}
  - create_post: {id: place-officer, title: Place Officer, grade: G5, unit: place}
  - join: {id: p1, name: Morgan Fictional, grade: D}
  - join: {id: p2, name: Riley Imaginary, grade: G6}
  - join: {id: p3, name: Quinn Notreal, grade: G5}
  - join: {id: p4, name: Avery Madeup, grade: G5}
  - assign: {person: p1, post: dir-adults}
  - assign: {person: p2, post: care-lead}
  - assign: {person: p3, post: care-officer}
  - assign: {person: p4, post: place-officer}
  # Illustrative figures for fictional people.
  - record_person: {person: p1, born: 1962-05-10, service_start: 1990-09-03, salary: 104286}
  - record_person: {person: p2, born: 1991-04-01, service_start: 2011-04-01, weekly_pay: 300}
  - record_person: {person: p3, born: 1980-01-01}
"""

RESTRUCTURE = """\
scenario: option
based_on: base
fork_at: 2013-06-01
effective: 2014-03-31
steps:
  - delete_post: {id: dir-adults}
  - delete_post: {id: care-lead}
  - delete_post: {id: care-officer}
  - leave: {person: p1, cause: voluntary redundancy}
  - slot: {}
"""


def setup(cli, write):
    cli.ok("run", write(ORG))
    cli.ok("run", write(RESTRUCTURE))


def by_person(doc):
    return {p["person"]: p for p in doc["people"]}


def test_cost_of_a_voluntary_redundancy_and_people_at_risk(cli, write):
    setup(cli, write)
    doc = cli.json("cost", "--branch", "option", "--at", "2014-04-01")
    people = by_person(doc)
    assert set(people) == {"p1", "p2", "p3"}  # p4 is untouched
    p1 = people["p1"]
    # p1: born 10 May 1962, from 3 Sep 1990 to 31 Mar 2014 = 23 complete years; the last
    # 20, counted back, begin on 1 April 2013, 2012, ..., 1994. On 1 April 2004 p1 was 41
    # (41st birthday 10 May 2003): years begun 2004..2013 give 10 x 1.5 = 15 weeks; years
    # begun 1994..2003, aged 31-40, give 10 x 1 = 10. Total 25 weeks. Salary 104,286 /
    # 52.143 = £2,000 a week. Statutory: 25 x £450 cap = £11,250.
    assert p1["outcome"] == "voluntary redundancy"
    assert p1["statutory"] == 11250.00
    # Enhancement (reg 6, actual pay): 25 x 2,000 = 50,000 - 11,250 = 38,750.
    assert p1["enhanced"] == 38750.00
    # Notice: the policy gives grade D 13 weeks, above the statute's 12: 13 x 2,000.
    assert p1["notice"] == 26000.00
    assert p1["total"] == 11250 + 38750 + 26000
    assert p1["unit"] == "adults" and p1["relevant_date"] == "2014-03-31"
    p2 = people["p2"]
    # p2: born 1 Apr 1991, from 1 Apr 2011: 3 years; ages 22, 21, 20 at the start of each
    # year counted back -> 1 + 0.5 + 0.5 = 2 weeks x £300 = £600; actual pay under the cap
    # so no enhancement; notice 3 weeks x 300 = 900.
    assert p2["outcome"] == "at_risk"
    assert (p2["statutory"], p2["enhanced"], p2["notice"]) == (600.0, 0.0, 900.0)
    assert p2["unit"] == "adults"  # the team's directorate
    p3 = people["p3"]
    assert p3["missing"] == ["service_start", "weekly_pay"]
    assert p3["total"] is None
    totals = doc["totals"]
    assert totals["total"] == 11250 + 38750 + 26000 + 600 + 900
    assert totals["by_unit"] == {"adults": totals["total"]}
    assert totals["missing"] == ["p3"] and totals["costed"] == 2 and totals["people"] == 3
    assert doc["caps"][0]["weekly_limit"] == 450.0 and "SI 2012/3007" in doc["caps"][0]["source"]


def test_personal_data_only_with_names(cli, write):
    setup(cli, write)
    plain = cli("cost", "--branch", "option", "--at", "2014-04-01", "--json").stdout
    text = cli("cost", "--branch", "option", "--at", "2014-04-01").stdout
    for output in (plain, text):
        for secret in ("Morgan", "1962-05-10", "1990-09-03", "104286", "2000.0", "born"):
            assert secret not in output
    named = cli.json("cost", "--branch", "option", "--at", "2014-04-01", "--names")
    p1 = by_person(named)["p1"]
    assert p1["name"] == "Morgan Fictional" and p1["born"] == "1962-05-10"
    assert p1["weekly_pay"] == 2000.0 and p1["weeks"] == 25 and p1["years_counted"] == 20


def test_history_says_what_was_recorded_not_the_values(cli, write):
    setup(cli, write)
    events = cli.json("history", "--branch", "base")["events"]
    details = [e for e in events if e["type"] == "PersonDetailsRecorded"]
    assert len(details) == 3
    assert details[0]["born"] == "recorded" and details[0]["salary"] == "recorded"
    assert details[0]["weekly_pay"] is None
    assert "1962" not in json.dumps(events)


def test_compare_puts_option_costs_side_by_side(cli, write):
    setup(cli, write)
    doc = cli.json("compare", "base", "option", "--at", "2014-04-01")
    base, option = (b["redundancy_cost"] for b in doc["branches"])
    assert base["total"] == 0 and base["people"] == 0
    assert option["total"] == 77500.0 and option["missing"] == ["p3"]
    assert doc["difference"]["redundancy.total"] == 77500
    table = cli("compare", "base", "option", "--at", "2014-04-01").stdout
    assert "redundancy cost" in table and "77,500" in table


def test_pack_shows_totals_never_a_person(cli, write, tmp_path: Path):
    setup(cli, write)
    out = tmp_path / "pack"
    cli.ok("pack", "--branch", "option", "-o", str(out), "--format", "html")
    html = next(out.glob("*.html")).read_text()
    assert 'id="redundancy-cost"' in html
    assert "£77,500" in html  # the total
    assert 'Adult Services (2)</td><td class="num">*' in html  # 2 people: suppressed
    assert "1 not costed" in html
    # the pack prints the store's chain values (hex): one may hold "1962" by chance
    text = re.sub(r"\b[0-9a-f]{16,}\b", "<hash>", html)
    for secret in ("Morgan", "1962", "104,286", "£11,250"):
        assert secret not in text


def test_bad_person_details_are_one_line_errors_and_write_nothing(cli, write):
    cli.ok("run", write(ORG))
    before = cli.json("branches")["branches"][0]["version"]
    cases = [
        ("- record_person: {person: nobody, born: 1970-01-01}", "unknown person 'nobody'"),
        ("- record_person: {person: p4, weekly_pay: 300, salary: 20000}", "not both"),
        ("- record_person: {person: p4, weekly_pay: 0}", "weekly_pay"),
        ("- record_person: {person: p4}", "nothing to record"),
        ("- record_person: {person: p4, born: 1990-01-01, service_start: 1980-01-01}",
         "before their birth"),
    ]  # fmt: skip
    for step, words in cases:
        script = f"scenario: base\neffective: 2013-05-01\nsteps:\n  {step}\n"
        result = cli("run", write(script))
        assert result.returncode == 2, (step, result.stderr)
        assert words in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert cli.json("branches")["branches"][0]["version"] == before


def test_unknown_redundancy_terms_are_refused(cli, write):
    script = ORG.replace("preset: lg-2006-actual-pay", "preset: lavish")
    result = cli("run", write(script))
    assert result.returncode == 2 and "unknown redundancy preset 'lavish'" in result.stderr


def test_personal_details_are_encrypted_at_rest(sqlite_url, tmp_path, write):
    from conftest import CLI
    from eventsourcing.cipher import AESCipher

    cli = CLI(sqlite_url, tmp_path)
    cli.env["ORGSIM_KEY"] = AESCipher.create_key(32)
    cli.ok("run", write(ORG))
    cli.ok("run", write(RESTRUCTURE))
    raw = b"".join(p.read_bytes() for p in Path(sqlite_url).parent.glob("store.sqlite*"))
    for secret in (b"1962-05-10", b"104286", b"1990-09-03"):
        assert secret not in raw
    assert cli.json("cost", "--branch", "option", "--at", "2014-04-01")["totals"]["total"]
    sqlite3.connect(sqlite_url).close()


def test_kent_demo_costs_its_five_leavers(sqlite_url, tmp_path):
    from conftest import CLI, SCENARIOS

    cli = CLI(sqlite_url, tmp_path)
    for script in ("kcc-2013-baseline", "kcc-2013-people-data", "kcc-2014-top-tier"):
        cli.ok("run", str(SCENARIOS / f"{script}.yaml"))
    doc = cli.json("cost", "--branch", "top-tier-2014", "--at", "2014-04-01")
    people = by_person(doc)
    # The five who leave in kcc-2014-top-tier.yaml (3 redundancies, 2 voluntary).
    assert set(people) == {"p011", "p017", "p020", "p021", "p023"}
    assert doc["totals"]["missing"] == [] and doc["terms"]["preset"] == "lg-2006-actual-pay"
    p017 = people["p017"]
    # Born 17 Dec 1973, from 1 Apr 1996, leaving 1 Apr 2014: 18 complete years, every one
    # begun aged 22-40: 18 weeks x £450 (the cap until 5 April 2014) = £8,100. Actual
    # pay 98,000 / 52.143 a week: 18 weeks = £33,830.04, less the statutory £8,100 =
    # £25,730.04; notice 13 weeks (Directors, in the policy) = £24,432.81.
    assert (p017["statutory"], p017["enhanced"], p017["notice"]) == (8100.0, 25730.04, 24432.81)
    assert p017["unit"] == "bss"
    assert cli.json("audit", "--branch", "top-tier-2014")["violations"] == 0
