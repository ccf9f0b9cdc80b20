"""Reading a scenario script (SPEC section 4): a file or YAML text in, a typed
:class:`~orgsim.scenario.parse.Scenario` out.

Every error names the file, the line and the step, in one line, so that an HR analyst
can find it in their editor. Line numbers come from PyYAML's node marks; the values come
from ``safe_load`` of the same text, so both always agree. Kept apart from the step
models (:mod:`orgsim.scenario.parse`) because it is about the file — its header, its
encoding, where each step stands — not about what a step may say.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from orgsim.domain.timeline import gc_paused
from orgsim.scenario.parse import STEP_TYPES, Grade, ParsedStep, Scenario, exact_decimal
from orgsim.scenario.yamlio import (
    DuplicateKey,
    first_error,
    load_yaml,
    undecodable,
    yaml_problem,
)


class ScenarioError(ValueError):
    """A script that cannot be run. The message is one line: file, line, step, cause."""


class Header(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scenario: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    based_on: str | None = None
    fork_at: dt.date | Annotated[int, Field(ge=0)] | None = None
    effective: dt.date | None = None
    grades: list[Grade] | None = None
    pay_ranges: dict[
        str,
        tuple[
            Annotated[Decimal, BeforeValidator(exact_decimal)],
            Annotated[Decimal, BeforeValidator(exact_decimal)],
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
        header = Header.model_validate(data)
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


def _check_pay_ranges(header: Header, name: str, line: int) -> None:
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
