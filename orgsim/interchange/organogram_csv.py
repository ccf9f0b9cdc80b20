"""Reading organogram CSV files: bytes to rows, headings to fields, cells to values.

The first job of the reader (:mod:`orgsim.interchange.organogram`): find out whether a
file is an organogram at all, which of the two layouts it is (senior staff, junior
staff), which column holds which field whatever its heading's drift, and how to read the
cells of a messy spreadsheet export (numbers with pound signs and commas, ``4.0`` for a
post reference, ``N/D`` for a withheld name). Nothing here knows about posts.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from orgsim.interchange.names import clean, compact_key


class OrganogramError(ValueError):
    """The file cannot be read as an organogram at all (one line)."""


# --- headers -------------------------------------------------------------------------

_BRACKETS = re.compile(r"\([^)]*\)")
_NON_WORD = re.compile(r"[^a-z0-9]+")

_ALIASES: dict[str, str] = {
    "post unique reference": "ref",
    "post unique ref": "ref",
    "unique reference": "ref",
    "post reference": "ref",
    "post ref": "ref",
    "post id": "ref",
    "unique post reference": "ref",
    "name": "name",
    "full name": "name",
    "post holder": "name",
    "grade": "grade",
    "grade or equivalent": "grade",
    "job title": "title",
    "generic job title": "title",
    "job team function": "function",
    "job function": "function",
    "parent department": "parent",
    "organisation": "org",
    "organization": "org",
    "unit": "unit",
    "reports to senior post": "reports_to",
    "reporting senior post": "reports_to",
    "reports to": "reports_to",
    "reports to senior post reference": "reports_to",
    "salary cost of reports": "cost_of_reports",
    "fte": "fte",
    "number of posts in fte": "fte",
    "number of posts fte": "fte",
    "actual pay floor": "pay_min",
    "payscale minimum": "pay_min",
    "pay scale minimum": "pay_min",
    "actual pay ceiling": "pay_max",
    "payscale maximum": "pay_max",
    "pay scale maximum": "pay_max",
    "professional occupational group": "profession",
    "profession": "profession",
    "contact phone": "phone",
    "contact e mail": "email",
    "contact email": "email",
    "notes": "notes",
    "valid": "valid",
    "uri": "uri",
}


def header_field(header: str) -> str | None:
    """The canonical field for a column heading, whatever its drift, or None."""
    text = _BRACKETS.sub(" ", header.lower())
    text = _NON_WORD.sub(" ", text).strip()
    if text in _ALIASES:
        return _ALIASES[text]
    # mis-decoded pound signs leave stray letters: "payscale minimum a"
    words = text.split()
    while words and len(words[-1]) == 1:
        words.pop()
        if " ".join(words) in _ALIASES:
            return _ALIASES[" ".join(words)]
    return None


# --- decoding ------------------------------------------------------------------------

ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")


def decode(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and the encoding that read it."""
    if b"\x00" in data[:4096]:
        raise OrganogramError("it is a binary file, not a CSV")
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes every byte")


@dataclass
class Table:
    path: str
    encoding: str
    kind: str  # "senior" | "junior"
    columns: dict[str, int]
    rows: list[tuple[int, list[str]]]


def read_table(path: str | Path) -> Table:
    """Read a CSV and recognise it as a senior or junior organogram file."""
    name = Path(path).name
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise OrganogramError(f"cannot read {path}: {error.strerror or error}") from None
    try:
        text, encoding = decode(data)
    except OrganogramError as error:
        raise OrganogramError(f"{name} is not an organogram CSV: {error}") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            rows.append((reader.line_num, row))
    except csv.Error as error:
        raise OrganogramError(f"{name} is not a readable CSV: {error}") from None
    header_at = None
    columns: dict[str, int] = {}
    for index, (_, row) in enumerate(rows[:10]):
        found: dict[str, int] = {}
        for position, heading in enumerate(row):
            canonical = header_field(heading)
            if canonical is not None and canonical not in found:
                found[canonical] = position
        if "reports_to" in found and ("ref" in found or "fte" in found):
            header_at, columns = index, found
            break
    if header_at is None:
        first = rows[0][1] if rows else []
        shown = ", ".join(repr(clean(h)) for h in first[:6]) or "no header row"
        raise OrganogramError(
            f"{name} is not an organogram CSV: no 'Post Unique Reference' / 'Reports to Senior "
            f"Post' columns (found {shown})"
        )
    kind = "senior" if "ref" in columns else "junior"
    body = [(line, row) for line, row in rows[header_at + 1 :] if any(c.strip() for c in row)]
    return Table(str(path), encoding, kind, columns, body)


# --- cell parsing --------------------------------------------------------------------

_BLANKS = {"", "na", "nd", "n/a", "n/d", "-", "not applicable", "not disclosed", "nil"}
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def parse_number(text: str) -> tuple[Decimal | None, bool]:
    """(value, ok): blank-like values give (None, True); garbage gives (None, False)."""
    value = clean(text).replace(",", "").replace("£", "").replace("\u00a3", "").strip()
    if value.lower() in _BLANKS:
        return None, True
    if not _NUMBER.match(value):
        return None, False
    try:
        return Decimal(value), True
    except InvalidOperation:
        return None, False


def normalise_ref(text: str) -> str:
    """A post reference as the file means it: ``4.0`` (a spreadsheet float) is ``4``."""
    ref = clean(text)
    if re.fullmatch(r"\d+\.0+", ref):
        ref = ref.split(".")[0]
    return ref


_VALID_REF = re.compile(r"[^A-Za-z0-9-]+")


def safe_ref(ref: str) -> str:
    """The reference with only the characters the schema allows (A-Z a-z 0-9 -)."""
    return _VALID_REF.sub("-", ref).strip("-") or "x"


def name_class(raw: str) -> str:
    """``vacant``, ``undisclosed``, ``eliminated``, ``blank`` or ``name``."""
    key = compact_key(raw)
    if not key:
        return "blank"
    if key in {"vacant", "vacancy", "vacantpost", "postvacant", "na", "notapplicable", "none"}:
        return "vacant"
    if key in {"nd", "notdisclosed", "undisclosed", "withheld", "namewithheld"}:
        return "undisclosed"
    if key in {"eliminated", "posteliminated"}:
        return "eliminated"
    return "name"


def short(text: str, limit: int = 40) -> str:
    """A cell quoted in a warning, cut to ``limit`` characters."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
