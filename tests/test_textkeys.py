"""The key scanner finds exactly what one regular expression of every key finds (the
definition it replaces): whole keys, longest first, not touched by a word character or
a hyphen — used for people's names in the pack and for post ids in plain reasons."""

import random
import re

from orgsim.textkeys import KeyScanner


def by_regex(keys, text, replace):
    ordered = sorted(keys, key=len, reverse=True)
    pattern = re.compile("(?<![\\w-])(" + "|".join(map(re.escape, ordered)) + ")(?![\\w-])")
    return pattern.sub(lambda m: replace(m.group(1)), text)


def test_whole_keys_only_longest_first():
    scanner = KeyScanner(["cd", "cd-sacs", "Ann", "Ann Lee"])
    mark = "<{}>".format
    assert (
        scanner.sub("cd-sacs and cd, not cds or xcd", mark) == "<cd-sacs> and <cd>, not cds or xcd"
    )
    assert scanner.sub("Ann Lee's post; Anne; Ann-Marie; (Ann)", mark) == (
        "<Ann Lee>'s post; Anne; Ann-Marie; (<Ann>)"
    )
    assert scanner.sub("", mark) == ""
    assert KeyScanner([]).sub("cd", mark) == "cd"


def test_agrees_with_one_regular_expression_on_random_texts():
    rng = random.Random(17)
    alphabet = "ab-c d.'é_1"
    for _ in range(300):
        keys = {"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 4))) for _ in range(6)}
        keys = {k for k in keys if k.strip()}
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        scanner = KeyScanner(keys)
        assert scanner.sub(text, "[{}]".format) == by_regex(keys, text, "[{}]".format), (keys, text)


def test_an_empty_key_keeps_the_regular_expression_meaning():
    keys = ["", "ab"]
    for text in ["ab cd", " ab", "x-ab", ""]:
        assert KeyScanner(keys).sub(text, "[{}]".format) == by_regex(keys, text, "[{}]".format)
