"""The ``--map`` YAML of ``orgsim import table`` (SPEC section 10): which column holds what.

HR systems name their columns as they please ("Position Number", "Position ID",
"Manager Position ID"...). The map names, for each orgsim field, the heading that holds
it; headings are matched after trimming spaces, case-insensitively. Only ``post`` and
``title`` are required. Errors are one line naming the map file (and its line where
PyYAML knows it), so a user can fix the map in their editor.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

#: The orgsim fields a column may hold; ``unit_path`` and ``unit`` exclude each other.
FIELDS = (
    "post",
    "title",
    "grade",
    "unit_path",
    "unit",
    "reports_to",
    "fte",
    "cost",
    "accountabilities",
    "person",
    "person_name",
    "person_fte",
    "person_grade",
    "assignment",
)
ASSIGNMENT_KINDS = ("substantive", "acting", "secondment")


class MapError(ValueError):
    """A map that cannot be used; the message is one line."""


class Columns(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    post: str
    title: str
    grade: str | None = None
    unit_path: str | None = None
    unit: str | None = None
    reports_to: str | None = None
    fte: str | None = None
    cost: str | None = None
    #: one cell, items separated by ``;``
    accountabilities: str | None = None
    person: str | None = None
    person_name: str | None = None
    person_fte: str | None = None
    #: the person's own grade; without it a holder takes their substantive post's grade
    person_grade: str | None = None
    assignment: str | None = None


class Values(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    assignment: dict[str, str] = Field(default_factory=dict)
    vacant: list[str] = Field(default_factory=lambda: ["vacant", "vacancy", ""])

    @field_validator("assignment")
    @classmethod
    def _kinds(cls, value: dict[str, str]) -> dict[str, str]:
        for word, kind in value.items():
            if kind not in ASSIGNMENT_KINDS:
                raise ValueError(
                    f"{word!r} maps to {kind!r}, not one of {', '.join(ASSIGNMENT_KINDS)}"
                )
        return value

    @field_validator("vacant", mode="before")
    @classmethod
    def _words(cls, value: Any) -> Any:
        if isinstance(value, list):
            return ["" if v is None else str(v) for v in value]
        return value


class Organisation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(min_length=1, max_length=200)
    name: str = Field(min_length=1)


class TableMap(BaseModel):
    """The whole map, validated; ``file`` is where it was read from."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    file: str = "<map>"
    columns: Columns
    values: Values = Values()
    path_separator: str = Field(default=" > ", min_length=1)
    #: lowest first; without it the scheme is taken from the file (with a warning)
    grades: list[str] | None = None
    #: with ``unit``: a CSV or xlsx of ``id, name, parent, kind`` (relative to the map)
    units: str | None = None
    #: with ``unit`` and no units file: the organisation the units sit under
    organisation: Organisation | None = None

    @field_validator("grades", mode="before")
    @classmethod
    def _grades_as_text(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [str(v) for v in value]
        return value

    def kind_of(self, word: str) -> str | None:
        """The assignment kind a cell means (case-insensitive; blank: substantive)."""
        wanted = word.strip().casefold()
        if not wanted:
            return "substantive"
        for key, kind in self.values.assignment.items():
            if key.strip().casefold() == wanted:
                return kind
        return wanted if wanted in ASSIGNMENT_KINDS else None

    def is_vacant(self, word: str) -> bool:
        wanted = word.strip().casefold()
        return any(v.strip().casefold() == wanted for v in self.values.vacant) or not wanted

    def units_path(self) -> Path | None:
        if self.units is None:
            return None
        path = Path(self.units)
        return path if path.is_absolute() else Path(self.file).parent / path


def load_map(path: str | Path) -> TableMap:
    """Read and validate a map file (raises :class:`MapError`)."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MapError(f"--map: no such file: {name}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise MapError(f"--map: cannot read {name}: {error}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        at = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise MapError(f"{name}{at}: malformed YAML: {problem}") from None
    if not isinstance(data, dict):
        raise MapError(f"{name}:1: a map is a mapping with 'columns:'")
    lines = _key_lines(text)
    try:
        table_map = TableMap.model_validate({**data, "file": name})
    except ValidationError as error:
        first = error.errors()[0]
        loc = [str(p) for p in first["loc"]]
        message = {"extra_forbidden": "unknown field", "missing": "missing field"}.get(
            first["type"], first["msg"]
        )
        hint = f" (fields: {', '.join(FIELDS)})" if loc[:1] == ["columns"] else ""
        line = lines.get(loc[0], 1) if loc else 1
        raise MapError(f"{name}:{line}: {'.'.join(loc)}: {message}{hint}") from None
    cols = table_map.columns
    if cols.unit_path and cols.unit:
        raise MapError(f"{name}:{lines.get('columns', 1)}: give unit_path or unit, not both")
    if table_map.units and not cols.unit:
        raise MapError(f"{name}:{lines.get('units', 1)}: units: needs a 'unit' column")
    if table_map.grades is not None and len(set(table_map.grades)) != len(table_map.grades):
        raise MapError(f"{name}:{lines.get('grades', 1)}: grades: a grade is listed twice")
    return table_map


def _key_lines(text: str) -> dict[str, int]:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    if not isinstance(root, yaml.MappingNode):
        return {}
    return {str(k.value): k.start_mark.line + 1 for k, _ in root.value}
