"""The Python API (SPEC section 11): what the command line stands on.

An analyst generates and compares options in a notebook with the same calls the CLI
makes, and gets the same documents the CLI prints with ``--json``::

    import orgsim
    with orgsim.open_store("memory") as store:
        store.run("scenarios/kcc-2013-baseline.yaml")
        b = store.branch("baseline")
        b.structure(at="2013-04-01").to_json()      # exactly `show --json`

Why a layer at all: the CLI's commands used to reach into the store, the views and the
slotting engine themselves, so a script had to copy them. Here each document is built
once; the CLI only parses flags, prints and maps errors to exit codes.

Rules the API keeps: it never prints; every expected failure raises an
:class:`orgsim.errors.OrgsimError` whose message is the CLI's one line (errors from
below are translated at this boundary, see :func:`orgsim.errors.translate`); nothing is
written when anything fails (runs are all or nothing). Dates are ``datetime.date`` or
ISO strings. A :class:`Branch` reads the store afresh on every call, so it sees what a
later ``store.run`` wrote.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from orgsim.errors import BadInput, translate

if TYPE_CHECKING:
    import networkx as nx

    from orgsim.domain.slotting.suggest import Suggestion
    from orgsim.domain.structure import Structure as DomainStructure
    from orgsim.scenario.parse import Scenario
    from orgsim.store.branches import BranchLog
    from orgsim.store.recorder import Store as Backend

__all__ = ["Branch", "Store", "Structure", "as_date", "as_time", "compare", "open_store"]

P = ParamSpec("P")
R = TypeVar("R")

DateLike = dt.date | str | None
TimeLike = dt.datetime | dt.date | str | None


@contextmanager
def _boundary(rename: Callable[[str], str] | None = None) -> Iterator[None]:
    """Re-raise expected errors from below as :class:`OrgsimError`; bugs pass through."""
    try:
        yield
    except Exception as error:
        translated = translate(error)
        if translated is None:
            raise
        if rename is not None:
            translated = type(translated)(rename(str(translated)), cause=translated.cause)
        if translated is error:
            raise
        raise translated from error


def _api(function: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with _boundary():
            return function(*args, **kwargs)

    return wrapper


def as_date(value: DateLike, name: str = "date") -> dt.date | None:
    """A ``date`` or an ISO ``YYYY-MM-DD`` string; ``name`` leads the error message."""
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise BadInput(f"{name}: {value!r} is not a date (use YYYY-MM-DD)") from None


def as_time(value: TimeLike, name: str = "time") -> dt.datetime | None:
    """A recorded-time bound: a bare date means the end of that day (UTC), as on the CLI."""
    if value is None:
        return None
    try:
        if isinstance(value, dt.datetime):
            moment = value
        elif isinstance(value, dt.date):
            return dt.datetime.combine(value, dt.time.max, dt.UTC)
        elif len(value) == 10:
            return dt.datetime.combine(dt.date.fromisoformat(value), dt.time.max, dt.UTC)
        else:
            moment = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise BadInput(f"{name}: {value!r} is not a date or time (ISO 8601)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


class Structure:
    """The organisation on a branch at a date: the domain read model, plus output.

    Attributes not defined here (``units``, ``posts``, ``people``, ``displaced``,
    ``post()``, ``direct_reports()``…) are the domain
    :class:`orgsim.domain.structure.Structure`'s, so a notebook reads one object.
    """

    def __init__(self, structure: DomainStructure, as_known_at: dt.datetime | None = None):
        self.domain = structure
        self.as_known_at = as_known_at

    def __getattr__(self, name: str) -> Any:
        if name == "domain":  # not set yet (copy, pickle): no recursion
            raise AttributeError(name)
        return getattr(self.domain, name)

    def __repr__(self) -> str:
        d = self.domain
        return f"<Structure {d.branch} at {d.at}: {len(d.units)} units, {len(d.posts)} posts>"

    @property
    def graph(self) -> nx.DiGraph:
        """Units, posts and people as nodes; part_of, reports_to and holds edges."""
        return self.domain.graph

    def to_json(self) -> dict[str, Any]:
        """Exactly the ``show --json`` document."""
        document = self.domain.to_json()
        if self.as_known_at is not None:
            document["as_known_at"] = self.as_known_at.isoformat()
        return document

    def chart(self, fmt: str = "svg", **options: Any) -> bytes:
        """The org chart rendered in memory (Graphviz), as ``chart`` draws it; a change
        chart with ``before=`` another Structure."""
        from orgsim.charts import chart_bytes  # optional part: Graphviz

        if isinstance(options.get("before"), Structure):
            options["before"] = options["before"].domain
        with _boundary():
            return bytes(chart_bytes(self.domain, fmt=fmt, **options))

    def _repr_svg_(self) -> str:
        """Jupyter shows a Structure as its chart."""
        return self.chart(fmt="svg").decode("utf-8")


class Branch:
    """One branch of a store, by name. Every call reads the store as it is now."""

    def __init__(self, store: Store, name: str) -> None:
        self.store = store
        self.name = name

    def __repr__(self) -> str:
        return f"<Branch {self.name!r} of {self.store.url}>"

    def log(self) -> BranchLog:
        """The branch's events (inherited and own) as the store holds them now."""
        from orgsim.store.branches import BranchReader

        with _boundary():
            return BranchReader(self.store.backend).load(self.name)

    def _default_date(self, log: BranchLog) -> dt.date:
        return log.timeline.latest_effective() or dt.date.today()

    @_api
    def structure(self, at: DateLike = None, as_known_at: TimeLike = None) -> Structure:
        """The structure at ``at`` (default today), as known at ``as_known_at``."""
        from orgsim.app.load import structure

        day = as_date(at, "at") or dt.date.today()
        known = as_time(as_known_at, "as_known_at")
        return Structure(structure(self.store.backend, self.name, day, known), known)

    @_api
    def history(self, all: bool = False, characteristics: bool = False) -> dict[str, Any]:
        """As ``history --json``; ``all`` includes the events inherited from the parent;
        protected characteristics only with ``characteristics``."""
        from orgsim.views.history import history

        return history(self.store.backend, self.name, all, characteristics)

    @_api
    def slot(self, at: DateLike = None) -> dict[str, Any]:
        """As ``slot --json``: proposed outcomes at ``at`` (default: the latest effective
        date on the branch). Records nothing."""
        from orgsim.domain.slotting.scope import policy_of, propose
        from orgsim.views.history import jsonable

        log = self.log()
        day = as_date(at, "at") or self._default_date(log)
        state = log.timeline.state_at(day)
        document = propose(state).to_json()
        document.update(
            {
                "branch": self.name,
                "at": day.isoformat(),
                "policy": jsonable(policy_of(state).model_dump()),
            }
        )
        return document

    @_api
    def cost(self, at: DateLike = None, names: bool = False) -> dict[str, Any]:
        """As ``cost --json``: the redundancy cost at ``at`` (default today) of the people
        who left by redundancy or are at risk (SPEC section 13). Personal data and
        names only with ``names``."""
        from orgsim.views.cost import branch_cost

        day = as_date(at, "at") or dt.date.today()
        return branch_cost(self.log(), day).to_json(names)

    @_api
    def audit(self) -> dict[str, Any]:
        """As ``audit --json``. Violations do not raise: ``violations`` counts them."""
        from orgsim.views.audit import audit_with_structure
        from orgsim.views.redeployment import audit_people_terms, audit_redeployments

        decisions, structure = audit_with_structure(self.log())
        return {
            "branch": self.name,
            "decisions": [d.to_json() for d in decisions],
            "violations": sum(d.verdict == "violation" for d in decisions),
            # not slotting decisions: listed apart, never judged by the slotting rule
            "redeployments": audit_redeployments(structure),
            **audit_people_terms(structure),
        }

    @_api
    def suggestions(self, at: DateLike = None, minimum: int = 1) -> list[Suggestion]:
        """Suggested job matches (percent of the new job covered), best first."""
        return self._suggestions(at, minimum)[1]

    @_api
    def _suggestions(self, at: DateLike, minimum: int) -> tuple[dt.date, list[Suggestion]]:
        """The date used (the CLI prints it) and the suggestions."""
        from orgsim.domain.slotting.suggest import suggest
        from orgsim.domain.structure import Structure as DomainStructure

        log = self.log()
        day = as_date(at, "at") or self._default_date(log)
        state = log.timeline.state_at(day)
        structure = DomainStructure.from_state(self.name, day, state)
        return day, suggest(structure, state.matches, minimum=Decimal(minimum))

    @_api
    def suggest(self, at: DateLike = None, minimum: int = 1) -> dict[str, Any]:
        """As ``match suggest --json``."""
        day, suggestions = self._suggestions(at, minimum)
        return {
            "branch": self.name,
            "at": day.isoformat(),
            "denominator": "new job",
            "suggestions": [
                {"old": s.old, "new": s.new, "percent": int(s.percent), "same_grade": s.same_grade}
                for s in suggestions
            ],
        }

    @_api
    def diff(
        self,
        since: DateLike = None,
        to: DateLike = None,
        *,
        against: Branch | str | None = None,
        at: DateLike = None,
        as_known_at: TimeLike = None,
    ) -> dict[str, Any]:
        """As ``diff --json``: changes from ``since`` to ``to`` (default today), or this
        branch against another at ``at`` (default today)."""
        from orgsim.views.changes import diff_branches, diff_dates

        known = as_time(as_known_at, "as_known_at")
        if against is not None:
            if since is not None or to is not None:
                raise BadInput("give dates to compare or another branch, not both")
            other = against.name if isinstance(against, Branch) else against
            day = as_date(at, "at") or dt.date.today()
            return diff_branches(self.store.backend, self.name, other, day, known)
        if at is not None:
            raise BadInput("a date 'at' goes with another branch; between dates give since and to")
        start = as_date(since, "since")
        if start is None:
            raise BadInput("a diff needs a date to compare with (since) or another branch")
        end = as_date(to, "to") or dt.date.today()
        if start > end:
            raise BadInput(f"the earlier date {start} is after the later date {end}")
        return diff_dates(self.store.backend, self.name, start, end, known)


class Store:
    """An event store opened by URL. Close it (or use ``with``) to release it."""

    def __init__(self, backend: Backend | Callable[[], Backend]) -> None:
        """``backend`` is an open store, or a function that opens it when first needed
        (the CLI's, so that a bad script is reported before a bad store, as ever)."""
        self._backend = backend

    @property
    def backend(self) -> Backend:
        """The store below the API (``orgsim.store.recorder.Store``)."""
        if callable(self._backend):
            with _boundary():
                self._backend = self._backend()
        return self._backend

    @property
    def url(self) -> str:
        return str(self.backend.url)

    def __repr__(self) -> str:
        return f"<orgsim.Store {self.url}>"

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.backend.close()

    def run(
        self,
        script: str | os.PathLike[str] | Mapping[str, Any],
        *,
        dry_run: bool = False,
        allow_empty: bool = False,
    ) -> dict[str, Any]:
        """Apply a scenario script (a file, or a mapping with a script's keys) to its
        branch, all or nothing. Returns the ``run --json`` document; its ``warnings``
        are what the CLI prints on stderr. A script without steps is refused unless
        ``allow_empty``."""
        from orgsim.app.run import run_script

        rename = None
        if isinstance(script, Mapping):
            rename = _mapping_location
        with _boundary(rename):
            parsed = _parse(script)
            report = run_script(self.backend, parsed, dry_run=dry_run, allow_empty=allow_empty)
        return {
            "branch": report.branch,
            "created": report.created,
            "parent": report.parent,
            "dry_run": report.dry_run,
            "steps": report.steps,
            "events": len(report.events),
            "version": report.version,
            "counts": report.counts(),
            "warnings": report.warnings,
        }

    @_api
    def branches(self) -> list[dict[str, Any]]:
        """Every branch with its parent, fork point and version (``branches --json``)."""
        from orgsim.app.load import list_branches

        return list_branches(self.backend)

    @_api
    def branch(self, name: str) -> Branch:
        """A branch by name; an unknown name raises :class:`BadInput` listing the known."""
        from orgsim.store.branches import BranchReader

        BranchReader(self.backend).info(name)
        return Branch(self, name)


MAPPING = "<mapping>"


def _mapping_location(message: str) -> str:
    """A mapping has no lines: ``<mapping>:12: step 3 ...`` reads ``<mapping>: step 3``."""
    return re.sub(rf"^{re.escape(MAPPING)}:\d+:", f"{MAPPING}:", message)


def _parse(script: str | os.PathLike[str] | Mapping[str, Any]) -> Scenario:
    """A parsed scenario from a file, or from a mapping through the same YAML parser
    (so a mapping is checked exactly as a file is, with the same messages)."""
    from orgsim.scenario.load import load_scenario, parse_scenario

    if not isinstance(script, Mapping):
        return load_scenario(os.fspath(script))
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.Node:
        tag = "int" if value == value.to_integral_value() else "float"
        return dumper.represent_scalar(f"tag:yaml.org,2002:{tag}", str(value.normalize()))

    Dumper.add_representer(Decimal, decimal)
    try:
        text = yaml.dump(dict(script), Dumper=Dumper, sort_keys=False, allow_unicode=True)
    except yaml.YAMLError as error:
        raise BadInput(f"{MAPPING}: cannot read the mapping: {error}") from None
    return parse_scenario(text, MAPPING)


@_api
def open_store(url: str | os.PathLike[str] | None = None, key: str | None = None) -> Store:
    """Open a store: a SQLite file path (default ``orgsim.sqlite``, or ORGSIM_STORE),
    ``"memory"``, or a ``postgresql://`` URL. ``key`` (else ORGSIM_KEY) encrypts."""
    from orgsim.store.recorder import open_store as open_backend

    return Store(open_backend(os.fspath(url) if url is not None else None, key))


@_api
def compare(*branches: Branch, at: DateLike = None, as_known_at: TimeLike = None) -> dict[str, Any]:
    """As ``compare --json``: figures for each branch at ``at`` (default today) and,
    for two, the difference."""
    from orgsim.views.metrics import compare_branches

    if len(branches) == 1 and isinstance(branches[0], (list, tuple)):
        branches = tuple(branches[0])
    if len(branches) < 2:
        raise BadInput("compare needs two branches or more")
    stores = {id(b.store.backend) for b in branches}
    if len(stores) != 1:
        raise BadInput("compare needs branches of one store")
    day = as_date(at, "at") or dt.date.today()
    known = as_time(as_known_at, "as_known_at")
    return compare_branches(branches[0].store.backend, [b.name for b in branches], day, known)
