"""Joining the one-page PDFs Graphviz writes into one paginated PDF, deterministically.

Graphviz's cairo PDF writer makes one page per graph and stamps a creation date; a large
chart needs one page per directorate, and a chart shown to staff must be reproducible. So
we join the pages ourselves and write no date. Cairo's PDFs are plain (a classic xref
table, no object streams), which keeps this small: each object is copied byte for byte,
its references renumbered outside the stream data. No PDF library is needed.
"""

from __future__ import annotations

import re

_XREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")
_OBJ = re.compile(rb"^\s*(\d+)\s+(\d+)\s+obj\b")
_REF = re.compile(rb"(\d+) 0 R\b")
_MEDIABOX = re.compile(rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]")


class PdfError(ValueError):
    pass


def _objects(data: bytes) -> tuple[dict[int, bytes], bytes]:
    """Object number -> body (between ``obj`` and ``endobj``), and the trailer."""
    match = _XREF.search(data)
    if not match:
        raise PdfError("not a PDF with a classic cross-reference table")
    xref_at = int(match.group(1))
    lines = data[xref_at:].split(b"trailer", 1)
    if not lines[0].startswith(b"xref") or len(lines) != 2:
        raise PdfError("unsupported PDF cross-reference (object streams?)")
    offsets: list[tuple[int, int]] = []
    rows = lines[0].split()[1:]
    i = 0
    while i < len(rows):
        first, count = int(rows[i]), int(rows[i + 1])
        i += 2
        for n in range(count):
            where, kind = rows[i], rows[i + 2]
            i += 3
            if kind == b"n":
                offsets.append((int(where), first + n))
    offsets.sort()
    bounds = [o for o, _ in offsets] + [xref_at]
    objects: dict[int, bytes] = {}
    for (start, number), end in zip(offsets, bounds[1:]):
        chunk = data[start:end]
        head = _OBJ.match(chunk)
        if not head or int(head.group(1)) != number:
            raise PdfError(f"object {number} is not where the xref says")
        stop = chunk.rfind(b"endobj")
        objects[number] = chunk[head.end() : stop]
    return objects, lines[1]


def _ref(trailer_or_dict: bytes, key: bytes) -> int:
    match = re.search(rb"/" + key + rb"\s+(\d+) 0 R", trailer_or_dict)
    if not match:
        raise PdfError(f"no /{key.decode()} reference")
    return int(match.group(1))


def _renumber(body: bytes, mapping: dict[int, int]) -> bytes:
    """Rewrite references outside stream data."""
    split = body.find(b"stream")
    head, tail = (body, b"") if split < 0 else (body[:split], body[split:])
    head = _REF.sub(lambda m: b"%d 0 R" % mapping[int(m.group(1))], head)
    return head + tail


def page_size(data: bytes) -> tuple[float, float]:
    """Width and height in points of the first page of a PDF."""
    match = _MEDIABOX.search(data)
    if not match:
        raise PdfError("no page size found")
    x0, y0, x1, y1 = (float(v) for v in match.groups())
    return x1 - x0, y1 - y0


def merge(documents: list[bytes]) -> bytes:
    """One PDF with every page of ``documents`` in order. Deterministic; no dates."""
    out_objects: list[bytes] = []  # index i holds object i + 1
    kids: list[int] = []
    pages_id_placeholder = b"__PAGES__"
    for data in documents:
        objects, trailer = _objects(data)
        root = _ref(trailer, b"Root")
        info = _ref(trailer, b"Info") if b"/Info" in trailer else None
        pages = _ref(objects[root], b"Pages")
        listed = re.search(rb"/Kids\s*\[([^\]]*)\]", objects[pages])
        if listed is None:
            raise PdfError("a page tree without /Kids")
        kid_ids = [int(k) for k in re.findall(rb"(\d+) 0 R", listed.group(1))]
        skip = {root, pages} | ({info} if info is not None else set())
        mapping: dict[int, int] = {}
        for number in sorted(objects):
            if number not in skip:
                out_objects.append(b"")
                mapping[number] = len(out_objects)
        for number in sorted(objects):
            if number in skip:
                continue
            # page objects point to their page tree: renumbered as 0, then to the new one
            body = _renumber(objects[number], {**mapping, pages: 0})
            if number in kid_ids:
                body = re.sub(rb"/Parent\s+0 0 R", b"/Parent " + pages_id_placeholder, body)
            out_objects[mapping[number] - 1] = body
        kids.extend(mapping[k] for k in kid_ids)
    pages_id = len(out_objects) + 1
    catalog_id = pages_id + 1
    info_id = catalog_id + 1
    out_objects = [o.replace(pages_id_placeholder, b"%d 0 R" % pages_id) for o in out_objects]
    out_objects.append(
        b"\n<< /Type /Pages /Kids [ "
        + b" ".join(b"%d 0 R" % k for k in kids)
        + b" ] /Count %d >>\n" % len(kids)
    )
    out_objects.append(b"\n<< /Type /Catalog /Pages %d 0 R >>\n" % pages_id)
    out_objects.append(b"\n<< /Producer (orgsim with Graphviz) >>\n")
    buffer = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(out_objects, start=1):
        offsets.append(len(buffer))
        buffer += b"%d 0 obj" % number + body + b"endobj\n"
    xref_at = len(buffer)
    buffer += b"xref\n0 %d\n0000000000 65535 f \n" % (len(out_objects) + 1)
    for offset in offsets:
        buffer += b"%010d 00000 n \n" % offset
    buffer += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(out_objects) + 1,
        catalog_id,
        info_id,
        xref_at,
    )
    return bytes(buffer)
