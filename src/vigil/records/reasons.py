"""Turn validation failures into the reasons RECORDS.md asks for: the field path and the rule.

``people[0].date_of_birth: '2014-13-01' is not a date`` is what a data owner needs to fix a
record at source; pydantic's own messages are written for programmers.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from vigil.records.contract import MODEL_FOR_TYPE, RECORD_TYPES

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def field_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _reason(error: Any) -> str:
    kind = error["type"]
    loc = tuple(error["loc"])
    value = error.get("input")
    if kind == "union_tag_invalid":
        return (
            f"record_type: {_shown(value.get('record_type') if isinstance(value, dict) else value)}"
            f" is not a known record type (expected one of {', '.join(RECORD_TYPES)})"
        )
    if kind == "union_tag_not_found":
        return "record_type: required field missing"
    # The discriminated union puts the record type first in every location; it is not a field.
    if loc and loc[0] in MODEL_FOR_TYPE:
        loc = loc[1:]
    path = field_path(loc)
    if kind.startswith("date_") or kind in ("date_type",):
        return f"{path}: {_shown(value)} is not a date" + (
            "" if isinstance(value, str) and _DATE.match(value) else " (expected YYYY-MM-DD)"
        )
    if kind.startswith("datetime_"):
        if isinstance(value, str) and _DATE.match(value):
            return f"{path}: {_shown(value)} is a date without a time; a date-time is required"
        return f"{path}: {_shown(value)} is not an ISO 8601 date-time"
    if kind == "missing":
        return f"{path}: required field missing"
    if kind == "value_error":
        message = str(error["msg"]).removeprefix("Value error, ")
        # A record-level check names its own field path.
        return message if not path else f"{path}: {message}"
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"{path}: {_shown(value)} is not allowed (expected {expected})"
    if kind == "extra_forbidden":
        return f"{path}: field not allowed"
    if kind in ("list_type", "dict_type", "model_type", "model_attributes_type"):
        wanted = {"list_type": "a list", "dict_type": "an object"}.get(kind, "an object")
        return f"{path}: {_shown(value)} is not {wanted}"
    if kind in ("bool_type", "bool_parsing"):
        return f"{path}: {_shown(value)} is not true, false or null"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"{path}: {_shown(value)} is not a whole number"
    if kind == "string_too_long":
        limit = error.get("ctx", {}).get("max_length")
        return f"{path}: too long ({len(value)} characters; the limit is {limit})"
    if kind in ("string_type",):
        return f"{path}: {_shown(value)} is not a string"
    if kind in ("float_type", "float_parsing"):
        return f"{path}: {_shown(value)} is not a number"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return f"{path}: {_shown(value)} is out of range ({error['msg'].lower()})"
    return f"{path}: {error['msg']}" if path else str(error["msg"])


def reasons_from(exc: ValidationError) -> list[str]:
    """Every reason a record failed, one per field, in the order pydantic found them."""
    seen: list[str] = []
    for error in exc.errors(include_url=False):
        reason = _reason(error)
        if reason not in seen:
            seen.append(reason)
    return seen
