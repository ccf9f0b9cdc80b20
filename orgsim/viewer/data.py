"""What the viewer reads, through :mod:`orgsim.api`, cached by (branch, version, date).

The viewer never re-derives a fact about the organisation: structures come from
``Branch.structure`` (the read model), charts from :func:`orgsim.charts.model.build_tree`
(the same tree, statuses and ghosts the change charts draw), documents from the API.

Why a cache: a 12,000-post branch takes about a second to fold; the slider and the
expand-on-click requests ask for the same date again and again. A branch's *version key*
is the length of its own stream and of each ancestor's, read incrementally (only rows
past the last seen position are fetched), so a run written by the CLI while the viewer
is open shows up at the next request, and an unchanged store costs one small query per
branch in the chain (and one for the branch registry, decoded again only when it grew).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from orgsim import api
from orgsim.charts.model import ChartTree, build_tree
from orgsim.domain import events as ev
from orgsim.errors import BadInput
from orgsim.store.recorder import REGISTRY_ID, branch_stream

VersionKey = tuple[tuple[str, int], ...]


class Cached:
    """A read model in the cache, with its ``/api/show`` response body once asked for:
    the body is the structure's, so it is dropped exactly when the structure is."""

    def __init__(self, structure: api.Structure) -> None:
        self.structure = structure
        self.show_body: bytes | None = None


class LRU:
    """A small least-recently-used cache (read models are large: keep a few)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[Any, Any] = OrderedDict()

    def get(self, key: Any, make: Callable[[], Any]) -> Any:
        if key in self.items:
            self.items.move_to_end(key)
            return self.items[key]
        value = make()
        self.items[key] = value
        if len(self.items) > self.size:
            self.items.popitem(last=False)
        return value


class ViewerData:
    """One open store, read-only, with caches. Calls are serialised by a lock."""

    def __init__(self, store: api.Store, names: bool = False) -> None:
        self.store = store
        self.names = names
        self.lock = threading.RLock()
        self._heads: dict[str, int] = {}
        self._registry: dict[str, Any] | None = None
        self._registry_rows = 0
        self._structures = LRU(12)
        self._trees = LRU(12)
        self._documents = LRU(32)

    # --- versions --------------------------------------------------------------------

    def registry(self) -> dict[str, Any]:
        """The branches by name. The registry is an append-only stream, so it is decoded
        again only when it has grown: one request asks for it several times (each
        branch name checked, each version key), and an unchanged store then costs one
        small query for newer rows, as a branch's own head does (:meth:`_head`)."""
        with self.lock:
            rows = self.store.backend.select(REGISTRY_ID, gt=self._registry_rows or None)
            if rows or self._registry is None:
                if rows:
                    self._registry_rows = rows[-1].originator_version
                self._registry = self.store.backend.branches()
            return self._registry

    def branch(self, name: str | None) -> str:
        """A known branch name, else :class:`BadInput` listing the known ones."""
        registry = self.registry()
        if not name:
            if not registry:
                raise BadInput("the store has no branches yet: run a scenario first")
            return "baseline" if "baseline" in registry else sorted(registry)[0]
        if name not in registry:
            known = ", ".join(sorted(registry)) or "none yet"
            raise BadInput(f"unknown branch {name!r} (branches: {known})")
        return name

    def _head(self, name: str) -> int:
        """The position of the branch's last own event, reading only newer rows."""
        known = self._heads.get(name, 0)
        rows = self.store.backend.select(branch_stream(name), gt=known or None)
        if rows:
            known = rows[-1].originator_version
            self._heads[name] = known
        return known

    def version_key(self, name: str) -> VersionKey:
        """(branch, own head) for the branch and every ancestor: changes when any does."""
        registry = self.registry()
        out: list[tuple[str, int]] = []
        current: str | None = name
        while current is not None and current in registry and len(out) <= len(registry):
            out.append((current, self._head(current)))
            current = registry[current].parent
        return tuple(out)

    # --- documents -------------------------------------------------------------------

    def branches(self) -> list[dict[str, Any]]:
        """As ``branches --json``'s list."""
        with self.lock:
            key = ("branches", tuple(self.version_key(n) for n in sorted(self.registry())))
            rows: list[dict[str, Any]] = self._documents.get(key, self.store.branches)
            return rows

    def dates(self, name: str) -> list[dt.date]:
        """The branch's effective dates (inherited events included), ascending."""
        with self.lock:
            key = ("dates", self.version_key(name))

            def make() -> list[dt.date]:
                log = self.store.branch(name).log()
                return sorted(
                    {i.event.effective for i in log.log if i.event.effective != ev.UNDATED}
                )

            dates: list[dt.date] = self._documents.get(key, make)
            return dates

    def default_date(self, name: str) -> dt.date:
        dates = self.dates(name)
        return dates[-1] if dates else dt.date.today()

    def _cached(self, name: str, at: dt.date) -> Cached:
        with self.lock:
            key = (self.version_key(name), at)
            value: Cached = self._structures.get(
                key, lambda: Cached(self.store.branch(name).structure(at))
            )
            return value

    def structure(self, name: str, at: dt.date) -> api.Structure:
        return self._cached(name, at).structure

    def tree(
        self, name: str, at: dt.date, since: dt.date | None = None, against: str | None = None
    ) -> ChartTree:
        """The chart tree at ``at``; marked against ``since`` or branch ``against``."""
        with self.lock:
            before_key: Any = None
            if since is not None:
                before_key = ("since", since)
            elif against is not None:
                before_key = ("against", self.version_key(against))
            key = (self.version_key(name), at, before_key)

            def make() -> ChartTree:
                after = self.structure(name, at).domain
                before = None
                if since is not None:
                    before = self.structure(name, since).domain
                elif against is not None:
                    before = self.structure(against, at).domain
                return build_tree(after, before=before, names=self.names)

            tree: ChartTree = self._trees.get(key, make)
            return tree

    def history(self, name: str) -> list[dict[str, Any]]:
        """The branch's events with the inherited ones (``history --all --json``)."""
        with self.lock:
            key = ("history", self.version_key(name))
            events: list[dict[str, Any]] = self._documents.get(
                key, lambda: self.store.branch(name).history(True)["events"]
            )
            return events

    def post_history(self, name: str, post: str, at: dt.date) -> list[dict[str, Any]]:
        """Events that name the post (as ``post``, ``old``/``new`` or in a scope),
        effective on or before ``at``, oldest first."""
        out = []
        for event in self.history(name):
            effective = event.get("effective")
            if effective is not None and effective > at.isoformat():
                continue
            named = {event.get("post"), event.get("old"), event.get("new")}
            if post in named or post in (event.get("scope") or ()):
                out.append(event)
        return out

    def show(self, name: str, at: dt.date) -> dict[str, Any]:
        """``show --json``; people's names left out unless the viewer has ``--names``."""
        document = self.structure(name, at).to_json()
        return document if self.names else redact(document)

    def show_body(self, name: str, at: dt.date, render: Callable[[Any], bytes]) -> bytes:
        """:meth:`show` as the response body ``render`` makes of it, kept with the
        structure: the slider asks for the same date again and again, and writing a
        5,000-post branch out as JSON again took ~90 ms CPU a request (~8 ms kept)."""
        with self.lock:
            cached = self._cached(name, at)
            if cached.show_body is None:
                cached.show_body = render(self.show(name, at))
            return cached.show_body

    def diff(self, name: str, since: dt.date | None, to: dt.date | None, against: str | None,
             at: dt.date | None) -> dict[str, Any]:  # fmt: skip
        """``diff --json``; people's names left out unless the viewer has ``--names``."""
        with self.lock:
            branch = self.store.branch(name)
            if against is not None:
                document = branch.diff(against=self.branch(against), at=at)
            else:
                document = branch.diff(since=since, to=to)
        return document if self.names else redact(document)


def redact(document: dict[str, Any]) -> dict[str, Any]:
    """The document with people's display names set to null (personal data)."""
    out = dict(document)
    if isinstance(out.get("people"), list):
        out["people"] = [_without_names(row) for row in out["people"]]
    return out


def _without_names(row: Any) -> Any:
    if not isinstance(row, dict):
        return row
    clean = {k: (None if k == "name" else v) for k, v in row.items()}
    for side in ("before", "after"):
        value = clean.get(side)
        if isinstance(value, dict):
            clean[side] = {k: (None if k == "name" else v) for k, v in value.items()}
    return clean
