"""The pack's name redactor: every id and name scrubbed from free text, only whole, the
longest first.

Expected values are written out from the rule (a name is replaced only where no word
character or hyphen touches it; where names overlap the longest wins), and, over random
texts, compared with an independent implementation of that rule: one regular expression
of every name, longest first (what the redactor did before it looked names up by length).
"""

from __future__ import annotations

import random
import re

from orgsim.pack.equality import Redactor

PEOPLE = {
    "p1": "Ann Lee",
    "p2": "Ann",
    "p10": "Ann-Marie Lee",
    "p11": "Zoë Ålund",
    "p3": "Bo",
}
LABELS = {pid: f"the post holder of post {pid}" for pid in PEOPLE}


def reference(replace: dict[str, str], text: str) -> str:
    """The rule as one regular expression, longest key first, each bounded by neither a
    word character nor a hyphen on either side."""
    keys = sorted(replace, key=len, reverse=True)
    pattern = re.compile("(?<![\\w-])(" + "|".join(re.escape(k) for k in keys) + ")(?![\\w-])")
    return pattern.sub(lambda m: replace[m.group(1)], text)


def test_names_and_ids_are_replaced_whole_and_longest_first() -> None:
    redact = Redactor(PEOPLE, LABELS, names=False)
    assert redact("Ann Lee met Ann.") == (
        "the post holder of post p1 met the post holder of post p2."
    )
    # a longer name that starts the same wins; a hyphen or a letter next to it does not match
    assert redact("Ann-Marie Lee and Anne and p1x and p10") == (
        "the post holder of post p10 and Anne and p1x and the post holder of post p10"
    )
    assert redact("Mr Lee, Ms. Lee and Dr Ålund") == (
        "[name withheld], [name withheld] and [name withheld]"
    )
    assert redact("-Ann _Ann Ann_ Ann's Bo") == (
        "-Ann _Ann Ann_ the post holder of post p2's the post holder of post p3"
    )
    assert redact("") == "" and redact(None) == ""
    assert redact("nobody named here") == "nobody named here"


def test_with_names_the_name_stays() -> None:
    redact = Redactor(PEOPLE, LABELS, names=True)
    assert redact("p1 wrote to Mr Lee") == "Ann Lee wrote to Mr Lee"


def test_a_longer_key_that_fails_its_boundary_gives_way_to_a_shorter_one() -> None:
    # "Ann Lee" is followed by a letter, so "Ann" alone is the match
    redact = Redactor(PEOPLE, LABELS, names=False)
    assert redact("Ann Leeds") == "the post holder of post p2 Leeds"


def test_random_texts_match_the_one_regular_expression() -> None:
    rng = random.Random(17)
    pieces = [
        *PEOPLE,
        *PEOPLE.values(),
        "Mr Lee",
        "Dr. Ålund",
        " ",
        "-",
        "_",
        "'",
        ".",
        "x",
        "9",
        "é",
        "\n",
        "Ann L",
    ]
    for names in (False, True):
        redact = Redactor(PEOPLE, LABELS, names=names)
        for _ in range(3000):
            text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
            assert redact(text) == reference(redact.replace, text), text


def test_an_empty_id_is_treated_as_the_regular_expression_treats_it() -> None:
    people = {"": "Cy Ng", "p1": "Ann Lee"}
    redact = Redactor(people, {"p1": "A"}, names=False)
    for text in ("Ann Lee and Cy Ng", "a b", "", "x-y"):
        assert redact(text) == (reference(redact.replace, text) if text else "")
