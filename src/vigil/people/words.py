"""A record's payload in words: labels for field names, dates written out, codes as phrases."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

LABELS = {
    "occurred_at": "When it happened",
    "recorded_at": "When it was recorded",
    "source_system": "Source system",
    "source_id": "Reference on the source system",
    "dob": "Date of birth",
    "date_of_birth": "Date of birth",
    "pnc": "PNC number",
    "nhs": "NHS number",
    "cp_plan": "Child protection plan",
    "rso": "Registered sex offender",
    "csc": "children's social care",
    "arms_assessed_at": "ARMS assessment",
    "marac": "MARAC",
    "s136_mental_health": "section 136 (mental health)",
    "epo_obtained": "emergency protection order obtained",
    "la_accommodation": "local authority accommodation",
    "section_47": "section 47 enquiry",
    "section_17": "section 17 (child in need)",
    "referral_to_csc_at": "Referred to children's social care",
    "spoken_to": "Child spoken to",
    "spoken_to_alone": "Child spoken to alone",
    "views": "The child's views",
    "demeanour": "The child's demeanour",
    "grade_history": "Grading history",
    "welfare_check": "Welfare check before change",
}
SKIP = frozenset(
    {
        "record_type",
        "people",
        "objects",
        "links",
        "location",
        "version",
        "source_system",
        "source_id",
        "occurred_at",
        "summary",
    }
)


def label(key: str) -> str:
    if key in LABELS:
        return LABELS[key]
    text = key.replace("_", " ")
    if text.endswith(" at"):
        text = text[:-3]
    return text[:1].upper() + text[1:]


def when(value: str) -> str:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone(LONDON)
    return f"{moment.day} {moment:%B %Y} at {moment:%H:%M}"


def day(value: str) -> str:
    try:
        date = dt.date.fromisoformat(value)
    except ValueError:
        return value
    return f"{date.day} {date:%B %Y}"


def phrase(value: Any) -> str:
    """A scalar in words."""
    if value is None:
        return "Not recorded"
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    if isinstance(value, str):
        if _DATETIME.match(value):
            return when(value)
        if _DATE.match(value):
            return day(value)
        if re.fullmatch(r"[a-z0-9_]+", value) and "_" in value:
            return LABELS.get(value, value.replace("_", " "))
        return value
    return str(value)


@dataclass
class Field:
    """One field for a GOV.UK summary list: text, a list of phrases, or a table of rows."""

    label: str
    text: str = ""
    items: list[str] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


def describe(payload: dict[str, Any], skip: frozenset[str] = SKIP) -> list[Field]:
    out: list[Field] = []
    for key, value in payload.items():
        if key in skip:
            continue
        name = label(key)
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            headers = sorted(
                {k for v in value for k in v},
                key=lambda k: list(value[0]).index(k) if k in value[0] else 99,
            )
            out.append(
                Field(
                    name,
                    headers=[label(h) for h in headers],
                    rows=[[phrase(v.get(h)) for h in headers] for v in value],
                )
            )
        elif isinstance(value, list):
            out.append(Field(name, items=[phrase(v) for v in value] or ["None"]))
        elif isinstance(value, dict):
            out.append(Field(name, items=[f"{label(k)}: {phrase(v)}" for k, v in value.items()]))
        else:
            out.append(Field(name, text=phrase(value)))
    return out
