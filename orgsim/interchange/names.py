"""Names, slugs and keys shared by the organogram importer and exporter.

Holders are matched by post reference plus a *normalised* name, never the raw string:
published releases flip between "Surname Forename", "Forename Surname" and
"Surname, Forename", shorten forenames ("Tim" / "Timothy") and fix typos ("Mallet" /
"Mallett"). :func:`name_key` is order-free (sorted tokens) and is what person ids are
made from; :func:`same_person` is the looser test used only for the holder of one post
reference across two releases.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_APOSTROPHES = re.compile(r"['\u2019\u2018`.]")

#: Titles and honours dropped from names before comparing them.
_HONORIFICS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "prof",
        "professor",
        "sir",
        "dame",
        "lord",
        "lady",
        "rt",
        "hon",
        "rev",
        "revd",
        "the",
        "cbe",
        "obe",
        "mbe",
        "kcb",
        "kcmg",
        "cmg",
        "cb",
        "cvo",
        "lvo",
        "dbe",
        "gcb",
        "qc",
        "kc",
        "frs",
        "freng",
        "fmedsci",
        "phd",
        "mba",
        "bart",
        "jnr",
        "snr",
        "jr",
        "sr",
        # military and police ranks: "Air Vice Marshal Morrison" must not match
        # "Air Vice Marshal M Brecht" on three rank words and an initial
        "air",
        "vice",
        "marshal",
        "chief",
        "admiral",
        "rear",
        "general",
        "gen",
        "lieutenant",
        "lt",
        "major",
        "maj",
        "colonel",
        "col",
        "brigadier",
        "brig",
        "commodore",
        "cdre",
        "captain",
        "capt",
        "commander",
        "cdr",
        "cmdr",
        "wing",
        "squadron",
        "sqn",
        "ldr",
        "flight",
        "flt",
        "surgeon",
        "rn",
        "rm",
        "raf",
        "kbe",
        "superintendent",
        "supt",
        "inspector",
        "constable",
        "commissioner",
    ]
)

#: Common English short forms (both directions are tried).
_NICKNAMES: dict[str, set[str]] = {}
for _full, _shorts in {
    "michael": "mike mick mickey",
    "elizabeth": "liz lizzie beth betty libby eliza",
    "nicholas": "nick nicky",
    "william": "bill will billy",
    "robert": "bob rob bobby robbie",
    "richard": "dick rick rich",
    "james": "jim jimmy jamie",
    "thomas": "tom tommy",
    "david": "dave",
    "andrew": "andy drew",
    "anthony": "tony",
    "antony": "tony",
    "stephen": "steve",
    "steven": "steve",
    "susan": "sue suzy",
    "suzanne": "sue",
    "susanna": "sue",
    "susannah": "sue",
    "catherine": "kate cathy cath kath",
    "katherine": "kate kathy kath",
    "kathryn": "kate kath",
    "cathryn": "cath kate",
    "jennifer": "jenny jen",
    "joanna": "jo",
    "joanne": "jo",
    "josephine": "jo jo",
    "peter": "pete",
    "daniel": "dan danny",
    "benjamin": "ben",
    "alexander": "alex sandy",
    "alexandra": "alex sandy",
    "patrick": "pat paddy",
    "patricia": "pat trish",
    "edward": "ed ted eddie ned",
    "henry": "harry hal",
    "john": "jack johnny",
    "margaret": "maggie meg peggy",
    "christopher": "chris kit",
    "christine": "chris",
    "christina": "chris",
    "philip": "phil",
    "phillip": "phil",
    "timothy": "tim",
    "samuel": "sam",
    "samantha": "sam",
    "matthew": "matt",
    "mathew": "matt",
    "jonathan": "jon jonny",
    "rebecca": "becky becca",
    "deborah": "debbie deb",
    "gregory": "greg",
    "gerard": "gerry",
    "gerald": "gerry",
    "frederick": "fred freddie",
    "charles": "charlie chas chuck",
    "kenneth": "ken kenny",
    "raymond": "ray",
    "ronald": "ron ronnie",
    "donald": "don",
    "leonard": "len leo",
    "victoria": "vicky",
    "penelope": "penny",
    "valerie": "val",
    "jacqueline": "jackie",
    "gillian": "gill jill",
    "abigail": "abi abby",
    "alison": "ali",
    "allison": "ali",
    "helen": "nell",
    "eleanor": "ellie nell",
    "francis": "frank",
    "frances": "fran",
    "joseph": "joe",
    "lawrence": "laurie larry",
    "laurence": "laurie larry",
    "nathaniel": "nat",
    "velavan": "vel",
}.items():
    for _short in _shorts.split():
        _NICKNAMES.setdefault(_full, set()).add(_short)
        _NICKNAMES.setdefault(_short, set()).add(_full)


@lru_cache(maxsize=1 << 16)
def fold_text(text: str) -> str:
    """Lowercase ASCII with accents removed."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def clean(text: str | None) -> str:
    """Trimmed, inner whitespace collapsed (non-breaking spaces included)."""
    if text is None:
        return ""
    text = str(text)
    stripped = text.strip()
    if "  " not in stripped and stripped.isprintable() and "\u00a0" not in stripped:
        return stripped
    return " ".join(text.replace("\u00a0", " ").split())


@lru_cache(maxsize=1 << 16)
def slug(text: str, fallback: str = "x") -> str:
    """Lowercase words joined by hyphens: ``Policy & International`` -> ``policy-international``."""
    words = _NON_ALNUM.sub(" ", _APOSTROPHES.sub("", fold_text(text))).split()
    return "-".join(words) or fallback


@lru_cache(maxsize=1 << 16)
def compact_key(text: str) -> str:
    """Letters and digits only: ``A2(L) (SEO)`` and ``A2L (SEO)`` both give ``a2lseo``."""
    return _NON_ALNUM.sub("", fold_text(text))


def initials(name: str) -> str:
    """A short id for an organisation: its initials (``Department for International
    Development`` -> ``dfid``); a one-word name gives its slug."""
    words = _NON_ALNUM.sub(" ", fold_text(name)).split()
    if len(words) < 2:
        return slug(name, "org")
    return "".join(w[0] for w in words)


def display_name(raw: str) -> str:
    """The name as shown: whitespace cleaned, ``Surname, Forename`` turned round."""
    name = clean(raw)
    if name.count(",") == 1:
        surname, forenames = (part.strip() for part in name.split(","))
        if surname and forenames:
            return f"{forenames} {surname}"
    return name


def name_tokens(raw: str) -> tuple[str, ...]:
    """The words of a name, lowercased, without titles, honours or punctuation."""
    text = _APOSTROPHES.sub("", fold_text(raw))
    words = _NON_ALNUM.sub(" ", text).split()
    kept = tuple(w for w in words if w not in _HONORIFICS)
    return kept or tuple(words)


def name_key(raw: str) -> str:
    """Order-free normalised name: ``Montgomery Richard`` == ``Richard Montgomery``."""
    return "-".join(sorted(name_tokens(raw)))


def _edit_distance_at_most_one(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = j = 0
    edits = 0
    while i < len(a) and j < len(b):
        if a[i] == b[j]:
            i += 1
            j += 1
            continue
        edits += 1
        if edits > 1:
            return False
        if len(a) == len(b):
            i += 1
        j += 1
    return edits + (len(b) - j) + (len(a) - i) <= 1


def _tokens_compatible(a: str, b: str) -> bool:
    if a == b:
        return True
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if long.startswith(short) and (len(short) == 1 or len(short) >= 3):
        return True  # an initial or a short form: "J" / "Tim" for "Timothy"
    if b in _NICKNAMES.get(a, ()):
        return True
    return len(short) >= 4 and _edit_distance_at_most_one(a, b)  # Mallet / Mallett


def same_person(a: str, b: str) -> bool:
    """Whether two spellings plausibly name the same holder of one post.

    Equal keys match. Otherwise every word of the shorter name must pair off with a
    distinct word of the longer one (equal, an initial or short form, a common nickname,
    or one typo in a word of four letters or more), and at least one pair must be equal
    and not an initial. "Sue Martin" and "Sue Gallone" do not match; "Tim Wheeler" and
    "Timothy Wheeler" do.
    """
    ta, tb = name_tokens(a), name_tokens(b)
    if sorted(ta) == sorted(tb):
        return True
    if not ta or not tb:
        return False
    short, long = (list(ta), list(tb)) if len(ta) <= len(tb) else (list(tb), list(ta))
    if len(short) < 2 and len(long) >= 2:
        return False
    anchored = False
    remaining = list(long)
    # exact words first, so that a nickname does not steal a word needed exactly
    pending = []
    for word in short:
        if word in remaining and len(word) > 1:
            remaining.remove(word)
            anchored = True
        else:
            pending.append(word)
    for word in pending:
        for candidate in remaining:
            if _tokens_compatible(word, candidate):
                remaining.remove(candidate)
                break
        else:
            return False
    return anchored
