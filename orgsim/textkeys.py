"""Replacing whole keys (ids, names) in free text, found by lookup rather than by one
regular expression of every key.

A key counts where no word character or hyphen touches it on either side ("Ann" is
found in "Ann's post" but not in "Anne" or "Ann-Marie"); at each place a key may start
the longest key found there wins, and the scan goes on after it — the same as one
regular expression of every key, longest first, but nothing grows with the number of
keys except a dict: a regular expression of 5,000 people's names took seconds to
compile, and as long again to search each text. The pack's redactor of names and the
plain-English wording of post ids both use it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

#: What may not touch a key on either side for it to count.
_WORDY = re.compile(r"[\w-]")


class KeyScanner:
    """Finds the keys ``keys`` in text and replaces each with ``replace(key)``."""

    def __init__(self, keys: Iterable[str]) -> None:
        self.keys = frozenset(keys)
        # each first character: the lengths of the keys that start with it, longest first
        lengths: dict[str, set[int]] = {}
        for key in self.keys:
            if key:
                lengths.setdefault(key[0], set()).add(len(key))
        self.lengths = {c: sorted(ls, reverse=True) for c, ls in lengths.items()}
        # where a key may start: one of those characters, not just after a word character
        self.starts = (
            re.compile("(?<![\\w-])[" + "".join(re.escape(c) for c in sorted(lengths)) + "]")
            if lengths
            else None
        )
        # an empty key would match between words: kept exact by the one regular expression
        self.pattern = _pattern(self.keys) if "" in self.keys else None

    def sub(self, text: str, replace: Callable[[str], str]) -> str:
        if self.pattern is not None:
            return self.pattern.sub(lambda m: replace(m.group(1)), text)
        if self.starts is None:
            return text
        keys = self.keys
        out: list[str] = []
        done = pos = 0
        end_of_text = len(text)
        while (found := self.starts.search(text, pos)) is not None:
            at = pos = found.start()
            for length in self.lengths[text[at]]:
                end = at + length
                key = text[at:end]
                if end <= end_of_text and key in keys and not _WORDY.match(text, end):
                    out += (text[done:at], replace(key))
                    done = pos = end
                    break
            else:
                pos = at + 1
        if not out:
            return text
        out.append(text[done:])
        return "".join(out)


def _pattern(keys: Iterable[str]) -> re.Pattern[str]:
    """One regular expression of every key, longest first, each bounded by non-word
    characters (the scanner's definition, kept for the degenerate empty key)."""
    ordered = sorted(keys, key=len, reverse=True)
    return re.compile("(?<![\\w-])(" + "|".join(re.escape(k) for k in ordered) + ")(?![\\w-])")
