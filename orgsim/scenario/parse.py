"""Scenario scripts (SPEC section 4): YAML in, validated pydantic steps out.

Every error names the file, the line and the step, in one line, so that an HR analyst
can find it in their editor. Line numbers come from PyYAML's node marks; the values come
from ``safe_load`` of the same text, so both always agree.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from orgsim.domain.events import AssignmentKind, LeaveCause, UnitKind
from orgsim.domain.timeline import gc_paused
from orgsim.scenario.yamlio import (
    DuplicateKey,
    first_error,
    load_yaml,
    undecodable,
    yaml_problem,
)


class ScenarioError(ValueError):
    """A script that cannot be run. The message is one line: file, line, step, cause."""


def _exact_decimal(value: Any) -> Any:
    """YAML reads 74.9 as a float; keep the decimal the user wrote (74.9 is not 75)."""
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


Percent = Annotated[Decimal, BeforeValidator(_exact_decimal), Field(ge=0, le=100)]
Fte = Annotated[Decimal, BeforeValidator(_exact_decimal), Field(gt=0, le=1)]
Money = Annotated[Decimal, BeforeValidator(_exact_decimal), Field(ge=0)]
Id = Annotated[str, Field(min_length=1, max_length=200)]
#: A grade as written: YAML reads ``grade: 7`` as a number, the scheme holds text.
Grade = Annotated[str, BeforeValidator(lambda v: str(v) if isinstance(v, int) else v)]


class Step(BaseModel):
    """Fields every step may carry."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    effective: dt.date | None = None
    reason: str | None = None
    source: str | None = None
    actor: str | None = None


class CreateUnit(Step):
    id: Id
    name: str
    kind: UnitKind
    parent: Id | None = None


class RenameUnit(Step):
    id: Id
    name: str


class MoveUnit(Step):
    id: Id
    parent: Id


class CloseUnit(Step):
    id: Id


class ExternalBody(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: Id
    name: str | None = None
    kind: Literal["external"] = "external"


class TransferUnit(Step):
    id: Id
    to: ExternalBody

    @field_validator("to", mode="before")
    @classmethod
    def _id_only(cls, value: Any) -> Any:
        return {"id": value} if isinstance(value, str) else value


class AccountabilityItem(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    text: str
    weight: Annotated[Decimal, BeforeValidator(_exact_decimal), Field(gt=0)] = Decimal(1)


def _accountability(value: Any) -> Any:
    return {"text": value} if isinstance(value, str) else value


class CreatePost(Step):
    id: Id
    title: str
    grade: Grade
    unit: Id
    reports_to: Id | None = None
    fte: Annotated[Decimal, BeforeValidator(_exact_decimal), Field(gt=0)] = Decimal(1)
    accountabilities: list[Annotated[AccountabilityItem, BeforeValidator(_accountability)]] = []
    cost: Money | None = None


class RetitlePost(Step):
    id: Id
    title: str


class RegradePost(Step):
    id: Id
    grade: Grade


class MovePost(Step):
    id: Id
    unit: Id | None = None
    reports_to: Id | None = None


class DeletePost(Step):
    id: Id


class ChangePostFte(Step):
    id: Id
    fte: Annotated[Decimal, BeforeValidator(_exact_decimal), Field(gt=0)]


class ChangePostCost(Step):
    id: Id
    cost: Money | None


class ChangeAccountabilities(Step):
    id: Id
    accountabilities: list[Annotated[AccountabilityItem, BeforeValidator(_accountability)]]


class ClearReportsTo(Step):
    id: Id


class RenamePerson(Step):
    id: Id
    name: Annotated[str, Field(min_length=1)]


class RegradePerson(Step):
    id: Id
    grade: Grade | None


class Join(Step):
    id: Id
    name: str
    grade: Grade | None = None
    characteristics: dict[str, str] = {}


class Assign(Step):
    person: Id
    post: Id
    fte: Fte = Decimal(1)
    kind: AssignmentKind = "substantive"


class Unassign(Step):
    person: Id
    post: Id


class Leave(Step):
    person: Id
    cause: LeaveCause


class MatchStep(Step):
    old: Id
    new: Id
    percent: Percent
    assessor: str | None = None
    basis: str | None = None


class Slot(Step):
    pass


class SlotPerson(Step):
    person: Id
    post: Id
    basis: str = "manual"


class Appoint(Step):
    person: Id
    post: Id
    basis: str | None = None
    fte: Fte | None = None


class Consult(Step):
    id: Id | None = None
    opens: dt.date
    closes: dt.date
    scope: list[Id] = []


class Decide(Step):
    by: str
    on: dt.date
    what: str


STEP_TYPES: dict[str, type[Step]] = {
    "create_unit": CreateUnit,
    "rename_unit": RenameUnit,
    "move_unit": MoveUnit,
    "close_unit": CloseUnit,
    "transfer_unit": TransferUnit,
    "create_post": CreatePost,
    "retitle_post": RetitlePost,
    "regrade_post": RegradePost,
    "move_post": MovePost,
    "delete_post": DeletePost,
    "join": Join,
    "assign": Assign,
    "unassign": Unassign,
    "leave": Leave,
    "match": MatchStep,
    "slot": Slot,
    "slot_person": SlotPerson,
    "appoint": Appoint,
    "consult": Consult,
    "decide": Decide,
    "change_post_fte": ChangePostFte,
    "change_post_cost": ChangePostCost,
    "change_accountabilities": ChangeAccountabilities,
    "clear_reports_to": ClearReportsTo,
    "rename_person": RenamePerson,
    "regrade_person": RegradePerson,
}


class ParsedStep(BaseModel):
    """A step with where it came from, for error messages."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)
    index: int
    line: int
    name: str
    body: Step

    def where(self, file: str) -> str:
        return f"{file}:{self.line}: step {self.index} ({self.name})"


class Scenario(BaseModel):
    model_config = ConfigDict(frozen=True)
    file: str
    scenario: str
    based_on: str | None
    fork_at: dt.date | int | None
    effective: dt.date | None
    grades: list[str] | None
    pay_ranges: dict[str, tuple[Decimal, Decimal]]
    policy: str | dict[str, Any] | None
    actor: str | None
    steps: list[ParsedStep]
    #: Line of each top-level key (``based_on``, ``policy``…), for errors found later.
    lines: dict[str, int] = {}

    def line_of(self, key: str) -> int:
        return self.lines.get(key, 1)


class _Header(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scenario: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    based_on: str | None = None
    fork_at: dt.date | Annotated[int, Field(ge=0)] | None = None
    effective: dt.date | None = None
    grades: list[Grade] | None = None
    pay_ranges: dict[
        str,
        tuple[
            Annotated[Decimal, BeforeValidator(_exact_decimal)],
            Annotated[Decimal, BeforeValidator(_exact_decimal)],
        ],
    ] = {}
    policy: str | dict[str, Any] | None = None
    actor: str | None = None
    description: str | None = None
    steps: list[Any] = []


def load_scenario(path: str | Path) -> Scenario:
    path = Path(path)
    name = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise ScenarioError(f"{name}: is a folder, not a scenario file") from None
    except OSError as error:
        raise ScenarioError(f"{name}: cannot read: {error.strerror or error}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ScenarioError(undecodable(name, raw, error)) from None
    return parse_scenario(text, name)


def parse_scenario(text: str, name: str = "<script>") -> Scenario:
    try:
        with gc_paused():  # one validated model per step, all kept: no collection in between
            return _parse_scenario(text, name)
    except RecursionError:
        raise ScenarioError(
            f"{name}: malformed YAML: nested too deeply (a scenario needs a few levels)"
        ) from None


def _parse_scenario(text: str, name: str) -> Scenario:
    try:
        data, key_lines, step_lines = load_yaml(text)
    except ValueError as error:  # PyYAML's timestamp constructor: 2014-02-31
        raise ScenarioError(f"{name}: malformed YAML: {error}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        at = f":{mark.line + 1}" if mark is not None else ""
        if isinstance(error, DuplicateKey):
            raise ScenarioError(f"{name}{at}: {yaml_problem(error)}") from None
        raise ScenarioError(f"{name}{at}: malformed YAML: {yaml_problem(error)}") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{name}:1: a scenario is a mapping with 'scenario:' and 'steps:'")
    try:
        header = _Header.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        key = str(first["loc"][0]) if first["loc"] else ""
        raise ScenarioError(f"{name}:{key_lines.get(key, 1)}: {first_error(error)}") from None
    steps: list[ParsedStep] = []
    for index, raw in enumerate(header.steps, start=1):
        line = step_lines[index - 1] if index - 1 < len(step_lines) else 1
        if not isinstance(raw, dict) or len(raw) != 1:
            raise ScenarioError(
                f"{name}:{line}: step {index}: a step is one mapping like 'create_unit: {{...}}'"
            )
        ((step_name, body),) = raw.items()
        step_type = STEP_TYPES.get(step_name)
        if step_type is None:
            raise ScenarioError(
                f"{name}:{line}: step {index}: unknown step {step_name!r} "
                f"(known: {', '.join(STEP_TYPES)})"
            )
        try:
            parsed = step_type.model_validate(body if body is not None else {})
        except ValidationError as error:
            raise ScenarioError(
                f"{name}:{line}: step {index} ({step_name}): {first_error(error)}"
            ) from None
        steps.append(ParsedStep(index=index, line=line, name=step_name, body=parsed))
    if header.grades is not None and len(set(header.grades)) != len(header.grades):
        raise ScenarioError(f"{name}:{key_lines.get('grades', 1)}: grades: a grade is listed twice")
    _check_pay_ranges(header, name, key_lines.get("pay_ranges", 1))
    return Scenario(
        file=name,
        scenario=header.scenario,
        based_on=header.based_on,
        fork_at=header.fork_at,
        effective=header.effective,
        grades=header.grades,
        pay_ranges=header.pay_ranges,
        policy=header.policy,
        actor=header.actor,
        steps=steps,
        lines=key_lines,
    )


def _check_pay_ranges(header: _Header, name: str, line: int) -> None:
    """Pay ranges belong to grades of the scheme and run from a minimum to a maximum."""
    if not header.pay_ranges:
        return
    if header.grades is None:
        raise ScenarioError(
            f"{name}:{line}: pay_ranges: give them with the grade scheme ('grades:')"
        )
    for grade, (low, high) in header.pay_ranges.items():
        if grade not in header.grades:
            raise ScenarioError(
                f"{name}:{line}: pay_ranges: grade {grade!r} is not in the scheme "
                f"({', '.join(header.grades)})"
            )
        if low < 0 or low > high:
            raise ScenarioError(
                f"{name}:{line}: pay_ranges: {grade}: the minimum {low} is above the maximum {high}"
                if low > high
                else f"{name}:{line}: pay_ranges: {grade}: a negative amount"
            )


# --- people: personal details, leave, redeployment (SPEC 13, issue 15): own module -----
# (it adds its steps to STEP_TYPES itself, so that either module may be imported first)
from orgsim.scenario import parse_people  # noqa: E402, F401
