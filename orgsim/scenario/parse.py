"""Scenario scripts (SPEC section 4), typed: the pydantic model of each step and the
:class:`Scenario` they make up.

Each model validates one step's body as written in YAML (exact decimals, grades as
text); :data:`STEP_TYPES` names them. Reading a script file into a :class:`Scenario`,
with errors that name the file, line and step, is :mod:`orgsim.scenario.load`; the
people steps add their models from :mod:`orgsim.scenario.parse_people`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from orgsim.domain.events import AssignmentKind, LeaveCause, UnitKind


def exact_decimal(value: Any) -> Any:
    """YAML reads 74.9 as a float; keep the decimal the user wrote (74.9 is not 75)."""
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


Percent = Annotated[Decimal, BeforeValidator(exact_decimal), Field(ge=0, le=100)]
Fte = Annotated[Decimal, BeforeValidator(exact_decimal), Field(gt=0, le=1)]
Money = Annotated[Decimal, BeforeValidator(exact_decimal), Field(ge=0)]
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
    weight: Annotated[Decimal, BeforeValidator(exact_decimal), Field(gt=0)] = Decimal(1)


def _accountability(value: Any) -> Any:
    return {"text": value} if isinstance(value, str) else value


class CreatePost(Step):
    id: Id
    title: str
    grade: Grade
    unit: Id
    reports_to: Id | None = None
    fte: Annotated[Decimal, BeforeValidator(exact_decimal), Field(gt=0)] = Decimal(1)
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
    fte: Annotated[Decimal, BeforeValidator(exact_decimal), Field(gt=0)]


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


# --- people: personal details, leave, redeployment (SPEC 13, issue 15): own module -----
# (it adds its steps to STEP_TYPES itself, so that either module may be imported first)
from orgsim.scenario import parse_people  # noqa: E402, F401
