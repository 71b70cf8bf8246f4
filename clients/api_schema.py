"""What the OpenAPI schema says about refusals, so that a client (and schemathesis) can rely on their shape.

drf-spectacular describes each operation's success; every operation can also refuse, and this
hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]) adds those answers to each of them.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
FIELD_ERRORS = {
    "type": "object",
    "description": _(
        "Each field sent wrongly, with what is wrong; what concerns no one field is under non_field_errors."
    ),
    "additionalProperties": {},
}


def _answer(description: Any, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


REFUSALS = {
    "401": _answer(_("No token, or one that is not valid (any more)."), ERROR),
    "403": _answer(_("The person has no role, or the call is for managers only."), ERROR),
    "429": _answer(_("Too many calls with this token; wait as long as Retry-After says."), ERROR),
}


def add_refusals(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status, answer in REFUSALS.items():
                responses.setdefault(status, answer)
            if operation.get("parameters") or operation.get("requestBody"):
                responses.setdefault(
                    "400", _answer(_("What was sent does not fit; nothing was changed."), FIELD_ERRORS)
                )
            if "{" in path or method == "get":
                responses.setdefault("404", _answer(_("No such object among those the person may see."), ERROR))
            if operation.get("requestBody"):
                responses.setdefault("415", _answer(_("Send the body as application/json."), ERROR))
    return result
