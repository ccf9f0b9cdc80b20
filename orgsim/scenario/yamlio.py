"""Reading a scenario's YAML: values, line numbers, and messages a new user can act on.

Kept apart from the step models (:mod:`orgsim.scenario.parse`) because it is about the
file, not the steps: YAML 1.2 booleans, duplicate keys refused, impossible dates left for
validation to name, and the wording of the errors a first-time user meets (a file saved
in Latin-1, a tab, a date written 01/01/2025).
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from pydantic import ValidationError


class DuplicateKey(yaml.MarkedYAMLError):
    """A key given twice in one mapping: YAML would silently keep the last one."""


class _Loader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true/false. YAML 1.1 also reads on/off/yes/no as
    booleans, which would turn the SPEC's ``decide: {on: ...}`` key into ``True``.

    A key given twice in one mapping is refused (PyYAML keeps the last one silently,
    so ``{id: a, id: b}`` would quietly become ``b``)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _value in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:  # an unhashable key: the base class reports it
                continue
            if duplicate:
                raise DuplicateKey(
                    problem=f"the key {key!r} is given twice in one mapping",
                    problem_mark=key_node.start_mark,
                )
        return super().construct_mapping(node, deep=deep)


def _timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    """Leave an impossible date (2014-02-31) as text, so validation names its field."""
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)
_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


#: pydantic's date errors: the message says how to write one, as ``--at`` does.
DATE_ERRORS = {
    "date_type",
    "date_parsing",
    "date_from_datetime_parsing",
    "date_from_datetime_inexact",
}


def first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(p) for p in first["loc"] if not isinstance(p, int) or True)
    message = first["msg"]
    if first["type"] == "extra_forbidden":
        message = "unknown field"
    elif first["type"] == "missing":
        message = "missing field"
    elif first["type"] in DATE_ERRORS or (
        first["type"] in ("int_parsing", "int_type") and "date" in message.lower()
    ):
        message = f"not a date: {first.get('input')!r}; use YYYY-MM-DD"
    return f"{where}: {message}" if where else message


def undecodable(name: str, raw: bytes, error: UnicodeDecodeError) -> str:
    """A file in another encoding (Latin-1, Windows-1252): its line, and what to do."""
    line = raw[: error.start].count(b"\n") + 1
    return (
        f"{name}:{line}: the file is not UTF-8 (byte 0x{raw[error.start]:02x}); "
        "save the file as UTF-8"
    )


def yaml_problem(error: yaml.YAMLError) -> str:
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    if "'\\t'" in problem or "\t" in problem:
        problem += "; indent with spaces, not tabs"
    return problem


def _step_lines(root: yaml.Node | None) -> tuple[dict[str, int], list[int]]:
    """Line numbers (1-based) of the top-level keys and of each step."""
    keys: dict[str, int] = {}
    steps: list[int] = []
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            keys[str(key.value)] = key.start_mark.line + 1
            if key.value == "steps" and isinstance(value, yaml.SequenceNode):
                steps = [item.start_mark.line + 1 for item in value.value]
    return keys, steps


def load_yaml(text: str) -> tuple[Any, dict[str, int], list[int]]:
    """The values and the line numbers from one pass of the (pure-Python) parser.

    Lines are read before the values are built: building merges ``<<`` keys into the
    node in place. Parsing once, not twice, halves the time of a long script.
    """
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        key_lines, step_lines = _step_lines(root)
        data = loader.construct_document(root) if root is not None else None
    finally:
        loader.dispose()
    return data, key_lines, step_lines
