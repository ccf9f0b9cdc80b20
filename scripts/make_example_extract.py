"""Write the example HR extract of a fictional council (examples/hr-extract/).

Eastmere County Council does not exist and nor do its people: names are drawn from
short lists of common given names and surnames with a fixed seed, so the files are the
same on every machine. The extract looks like an iTrent/Oracle report: one row per
assignment (a job share is two rows of one post), a "Structure" path column, manager
position numbers, post FTE and annual cost, employee number, name, contract FTE and
assignment type, with a few vacancies.

    python scripts/make_example_extract.py                 # examples/hr-extract/, ~3,000 posts
    python scripts/make_example_extract.py --posts 12000 --out /tmp/big   # benchmark size

It also writes ``extract-2025.csv``: the same council a year later with a few hundred
changes (FTE, cost, grades, titles, managers, joiners and leavers), for trying a second
import onto the same branch. :func:`generate` and :func:`evolve` are used by
benchmarks/import_table.py.
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

HEADINGS = [
    "Position Number",
    "Position Title",
    "Grade",
    "Structure",
    "Manager Position Number",
    "Post FTE",
    "Annual Cost",
    "Employee Number",
    "Employee Name",
    "Contract FTE",
    "Assignment Type",
]
ORG = "Eastmere County Council"
GRADES = [
    "Grade 3",
    "Grade 4",
    "Grade 5",
    "Grade 6",
    "Grade 7",
    "Grade 8",
    "Grade 9",
    "Grade 10",
    "Head of Service",
    "Director",
    "Chief Executive",
]
PAY = {g: 19000 + 4200 * i for i, g in enumerate(GRADES)}
DIRECTORATES = [
    "Adults and Health",
    "Children and Families",
    "Growth and Environment",
    "Resources",
    "Communities",
    "Public Protection",
]
AREAS = [
    "Assessment",
    "Commissioning",
    "Operations",
    "Quality",
    "Planning",
    "Support",
    "Business",
    "Partnerships",
    "Prevention",
    "Transport",
    "Highways",
    "Finance",
]
WORKS = ["Officer", "Adviser", "Coordinator", "Assistant", "Practitioner", "Analyst"]
GIVEN = [
    "Alex",
    "Sam",
    "Jo",
    "Chris",
    "Robin",
    "Jamie",
    "Morgan",
    "Taylor",
    "Jordan",
    "Casey",
    "Riley",
    "Avery",
    "Quinn",
    "Rowan",
    "Sasha",
    "Toni",
    "Kit",
    "Drew",
    "Eden",
    "Reese",
]
FAMILY = [
    "Ashdown",
    "Brookes",
    "Carver",
    "Dunmore",
    "Ellery",
    "Fairlie",
    "Garnet",
    "Hollis",
    "Ingram",
    "Jessop",
    "Kendrick",
    "Lowther",
    "Marlow",
    "Norcott",
    "Oakes",
    "Pellow",
    "Quarrie",
    "Redfern",
    "Sallis",
    "Thorley",
    "Upton",
    "Varley",
    "Wrenfield",
    "Yelland",
]


def _name(rng: random.Random) -> str:
    return f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}"


def generate(posts: int = 3000, seed: int = 14) -> list[list[str]]:
    """Rows (without the heading) of a council of about ``posts`` posts."""
    rng = random.Random(seed)
    rows: list[list[str]] = []
    counter = iter(range(10001, 10_000_000))
    employee = iter(range(500001, 10_000_000))

    def add(title: str, grade: str, path: list[str], manager: str | None) -> str:
        pid = f"P{next(counter)}"
        fte = 1.0 if rng.random() > 0.12 else rng.choice([0.5, 0.6, 0.8])
        cost = round(PAY[grade] * fte * 1.28)
        base = [pid, title, grade, " > ".join(path), manager or "", f"{fte:g}", str(cost)]
        roll = rng.random()
        if roll < 0.07:
            rows.append([*base, "VACANT", "", "", ""])
        elif roll < 0.10 and fte == 1.0:  # a job share: two rows of one post
            for _ in range(2):
                rows.append([*base, f"E{next(employee)}", _name(rng), "0.5", "Permanent"])
        else:
            kind = rng.choices(["Permanent", "Fixed Term", "Secondment"], [90, 8, 2])[0]
            rows.append([*base, f"E{next(employee)}", _name(rng), f"{fte:g}", kind])
        return pid

    ceo = add("Chief Executive", "Chief Executive", [ORG], None)
    per_directorate = max(1, posts // len(DIRECTORATES))
    for directorate in DIRECTORATES:
        d_path = [ORG, directorate]
        director = add(f"Corporate Director {directorate}", "Director", d_path, ceo)
        made = 1
        division_no = 0
        while made < per_directorate and len(rows) < posts * 1.05:
            area = AREAS[division_no % len(AREAS)]
            division_no += 1
            division = f"{area} {division_no}" if division_no > len(AREAS) else area
            v_path = [*d_path, division]
            head = add(f"Head of {division}", "Head of Service", v_path, director)
            made += 1
            for team_no in range(1, rng.randint(3, 6)):
                t_path = [*v_path, f"{division} Team {team_no}"]
                lead = add(f"{division} Team Manager", rng.choice(GRADES[6:8]), t_path, head)
                made += 1
                for _ in range(rng.randint(6, 14)):
                    grade = rng.choice(GRADES[:6])
                    add(f"{area} {rng.choice(WORKS)}", grade, t_path, lead)
                    made += 1
    return rows


def evolve(rows: list[list[str]], changes: int = 300, seed: int = 15) -> list[list[str]]:
    """The same council a year later: ``changes`` posts or holders changed."""
    rng = random.Random(seed)
    out = [list(r) for r in rows]
    employee = iter(range(900001, 10_000_000))
    top = {r[0] for r in out if r[2] in ("Chief Executive", "Director", "Head of Service")}
    for _ in range(changes):
        row = out[rng.randrange(len(out))]
        same_post = [r for r in out if r[0] == row[0]]
        what = rng.choice(["fte", "cost", "grade", "title", "manager", "leaver", "joiner"])
        if what == "fte" and len(same_post) == 1 and row[0] not in top:
            row[5] = rng.choice(["0.5", "0.6", "0.8", "1"])
            if row[7] not in ("VACANT", ""):
                row[9] = row[5]
        elif what == "cost":
            row[6] = str(round(int(row[6]) * 1.03))
            for r in same_post:
                r[6] = row[6]
        elif what == "grade" and row[2] in GRADES[:6]:
            new = GRADES[min(GRADES.index(row[2]) + 1, 5)]
            for r in same_post:
                r[2] = new
        elif what == "title":
            for r in same_post:
                r[1] = f"Senior {r[1]}" if not r[1].startswith("Senior") else r[1]
        elif what == "manager" and row[0] not in top:
            peers = [r[0] for r in out if r[3] == row[3] and r[0] not in top and r[0] != row[0]]
            managers = [r[4] for r in out if r[3] == row[3] and r[4] and r[4] != row[0]]
            if managers and peers:
                for r in same_post:
                    r[4] = rng.choice(managers)
        elif what == "leaver" and len(same_post) == 1 and row[7] != "VACANT":
            row[7:11] = ["VACANT", "", "", ""]
        elif what == "joiner" and row[7] == "VACANT":
            row[7:11] = [f"E{next(employee)}", _name(rng), row[5], "Permanent"]
    return out


MAP = """\
# Map for examples/hr-extract (a fictional council): which column holds what.
columns:
  post: Position Number
  title: Position Title
  grade: Grade
  unit_path: Structure
  reports_to: Manager Position Number
  fte: Post FTE
  cost: Annual Cost
  person: Employee Number
  person_name: Employee Name
  person_fte: Contract FTE
  assignment: Assignment Type
values:
  assignment: {Permanent: substantive, Fixed Term: substantive, Acting Up: acting, Secondment: secondment}
  vacant: [VACANT, Vacancy, ""]
path_separator: " > "
grades: [%s]
"""


def write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADINGS)
        writer.writerows(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=3000)
    parser.add_argument("--changes", type=int, default=300)
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parent.parent / "examples" / "hr-extract"
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rows = generate(args.posts)
    write(args.out / "extract.csv", rows)
    write(args.out / "extract-2025.csv", evolve(rows, args.changes))
    (args.out / "map.yaml").write_text(MAP % ", ".join(GRADES), encoding="utf-8")
    print(f"wrote {len(rows)} rows, {len({r[0] for r in rows})} posts to {args.out}")


if __name__ == "__main__":
    main()
