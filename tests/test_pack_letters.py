"""Individual letters (``pack --letters DIR``): one private letter per person whose post
is deleted, from replaceable Jinja2 templates; names only there, never in the pack."""

from __future__ import annotations

import html as htmllib
import re
from pathlib import Path

from conftest import CLI
from test_pack import NAMES, assert_no_people, council, council_store  # noqa: F401


def text_of(path: Path) -> str:
    raw = path.read_text(encoding="utf-8")
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", raw)).split())


def test_one_letter_per_person_named_with_post_outcome_reason_and_date(
    council: CLI,  # noqa: F811
    tmp_path: Path,
):
    """The "short" restructure (test_pack.restructure_script) deletes off-01..off-22:
    off-01..off-12 are slotted into Advisor 01..12 at an 80% match, off-13 and off-14
    compete for Advisor 13, and the rest are at risk; consultation closes 31 March 2021
    and the structure takes effect on 1 April 2021."""
    out, letters = tmp_path / "pack", tmp_path / "letters"
    doc = council.json(
        "pack", "--branch", "short", "-o", str(out), "--format", "html", "--letters", str(letters)
    )
    assert len(doc["letters"]) == 22 and doc["names"] is False
    files = sorted(letters.iterdir())
    assert [f.name for f in files] == [f"letter-p{n:03d}.html" for n in range(1, 23)]
    first = text_of(letters / "letter-p001.html")
    assert f"Dear {NAMES[0]}," in first and "Private and confidential" in first
    assert "Your post, Officer 01 (grade G1, Helpdesk)" in first
    assert "You are slotted into a post in the new structure." in first
    assert "Slotted into Advisor 01 (G1)" in first
    assert "same grade G1, 80% match to Advisor 01 (grade G1), 1 candidate for 1 post" in first
    assert "Next date: 1 April 2021" in first
    pool = text_of(letters / "letter-p013.html")
    assert f"Dear {NAMES[12]}," in pool and "ring-fenced competition" in pool
    at_risk = text_of(letters / "letter-p020.html")
    assert "Your post is at risk of redundancy." in at_risk and NAMES[19] in at_risk
    # the collective pack, written alongside, still names nobody
    (pack_html,) = out.iterdir()
    assert_no_people(text_of(pack_html))


def test_a_council_template_replaces_the_letter(council: CLI, tmp_path: Path):  # noqa: F811
    mine = tmp_path / "ours"
    mine.mkdir()
    (mine / "letter.html.j2").write_text(
        "<p>To {{ person }}: {{ post }} ({{ kind }}), next {{ next_date|long_date }}</p>",
        encoding="utf-8",
    )
    letters = tmp_path / "letters"
    council.ok(
        "pack", "--branch", "short", "-o", str(tmp_path / "p"), "--format", "html",
        "--letters", str(letters), "--letter-templates", str(mine),
    )  # fmt: skip
    assert text_of(letters / "letter-p001.html") == (
        f"To {NAMES[0]}: Officer 01 (slotted), next 1 April 2021"
    )


def test_bad_letter_options_write_nothing(council: CLI, tmp_path: Path):  # noqa: F811
    out = tmp_path / "pack"
    same = council("pack", "--branch", "short", "-o", str(out), "--letters", str(out))
    assert same.returncode == 2 and "letters are private" in same.stderr
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "letter.html.j2").write_text("{{ nobody_knows_me }}", encoding="utf-8")
    bad = council(
        "pack", "--branch", "short", "-o", str(out), "--format", "html",
        "--letters", str(tmp_path / "l"), "--letter-templates", str(broken),
    )  # fmt: skip
    assert bad.returncode == 2 and "letter template" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
    assert not out.exists() and not (tmp_path / "l").exists()
