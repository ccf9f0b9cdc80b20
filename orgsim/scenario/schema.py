"""The JSON Schema of scenario scripts, generated from the pydantic models that parse them.

Editors (the YAML language server, VS Code, JetBrains) validate and complete a script
against it: ``orgsim schema scenario > scenario.schema.json``. Generated, never written
by hand, so it cannot drift from what ``orgsim run`` accepts: the header is
:class:`~orgsim.scenario.load.Header`, each step is an object with exactly one key
naming a step whose value is that step's model (:data:`~orgsim.scenario.parse.STEP_TYPES`).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from orgsim.scenario.load import Header
from orgsim.scenario.parse import STEP_TYPES

SCHEMA_ID = "https://orgsim.invalid/schema/scenario.json"


def scenario_schema() -> dict[str, Any]:
    models: list[tuple[type[BaseModel], Literal["validation"]]] = [(Header, "validation")]
    models.extend((m, "validation") for m in STEP_TYPES.values())
    refs, top = models_json_schema(models, ref_template="#/$defs/{model}")
    defs: dict[str, Any] = top.get("$defs", {})
    header = dict(defs.pop(refs[(Header, "validation")]["$ref"].split("/")[-1]))
    steps = [
        {
            "type": "object",
            "title": name,
            "properties": {name: refs[(model, "validation")]},
            "required": [name],
            "additionalProperties": False,
        }
        for name, model in STEP_TYPES.items()
    ]
    header["properties"] = dict(header["properties"])
    header["properties"]["steps"] = {
        "type": "array",
        "description": "The steps, applied in order, all or nothing.",
        "items": {"oneOf": steps},
    }
    header["properties"]["policy"] = {
        "description": "A preset name (kent, london-65-50, scotland-majority) or the fields "
        "match_threshold, same_grade, count, ring_fence_threshold, no_hours_cut, "
        "pay_protection_months, redundancy.",
        "anyOf": [{"type": "string"}, {"type": "object"}, {"type": "null"}],
    }
    header["title"] = "orgsim scenario script"
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **header, "$defs": defs}
