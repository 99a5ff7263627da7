"""A workflow's answers as the contract record they write (RECORDS.md 'Records written in
Vigil'): ``source_system`` ``vigil``, an id of Vigil's own, a version, and for an amendment one
link with relation ``amends`` naming the record it completes."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db.models import Q

from vigil.casework.registry import Subject, Workflow
from vigil.records.contract import AMENDS, VIGIL_SYSTEM, RecordBase, parse_record
from vigil.records.models import PersonMention, Record


def source_id_for(workflow: Workflow, token: uuid.UUID) -> str:
    """A record's id in Vigil: the workflow and the form's token, so a form sent twice names
    the same record (and the second import finds it unchanged)."""
    return f"{workflow.key}-{token.hex}"


def jsonable(value: Any) -> Any:
    """Contract JSON: moments as ISO 8601 with their offset, in UTC."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items() if v is not None and v != ""}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def build_record(
    workflow: Workflow,
    cleaned: dict[str, Any],
    subject: Subject,
    *,
    source_id: str,
    version: int,
    now: dt.datetime,
) -> dict[str, Any]:
    """The contract record an entry writes (as JSON)."""
    fields = dict(workflow.build(cleaned, subject))
    links = list(fields.pop("links", []))
    if workflow.amends:
        assert subject.record is not None, "an amendment needs the record it completes"
        links.append(
            {
                "source_system": subject.record.source_system,
                "source_id": subject.record.source_id,
                "relation": AMENDS,
            }
        )
    record: dict[str, Any] = {
        "record_type": workflow.record_type,
        "source_system": VIGIL_SYSTEM,
        "source_id": source_id,
        "version": version,
        "recorded_at": now,
        "people": fields.pop("people", []),
        **fields,
    }
    if links:
        record["links"] = links
    if "occurred_at" not in record:
        record["occurred_at"] = now
    return dict(jsonable(record))


ENVELOPE = frozenset(
    {
        "record_type",
        "source_system",
        "source_id",
        "version",
        "occurred_at",
        "recorded_at",
        "location",
        "people",
        "objects",
        "summary",
        "links",
    }
)


def merged(held: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """A record Vigil wrote with an entry's fields applied as an amendment would apply them
    (RECORDS.md): a missing value filled, list entries appended unless already there; the
    entry's summary added to the record's."""
    payload = dict(held)
    for name, value in fields.items():
        if name in ENVELOPE:
            continue
        if isinstance(value, list):
            have = list(payload.get(name) or [])
            payload[name] = have + [v for v in value if v not in have]
        elif payload.get(name) in (None, "", [], {}):
            payload[name] = value
    if fields.get("summary"):
        payload["summary"] = "\n".join(p for p in (held.get("summary"), fields["summary"]) if p)
    return payload


def compose(
    workflow: Workflow,
    cleaned: dict[str, Any],
    subject: Subject,
    *,
    token: uuid.UUID,
    now: dt.datetime,
    replaces_record: Record | None = None,
) -> dict[str, Any]:
    """The record an entry writes: a new record or amendment (version 1), the next version of
    the record an entry being changed wrote (``replaces_record``), or, on a record Vigil wrote,
    that record's next version with the entry applied (``Workflow.revise``)."""
    if workflow.revises(subject):
        assert subject.record is not None
        held = subject.record
        fields = jsonable(dict(workflow.build(cleaned, subject)))
        if workflow.revise is not None:
            payload = workflow.revise(dict(held.payload), dict(cleaned), subject)
        else:
            payload = merged(held.payload, fields)
        payload = dict(jsonable(payload))
        payload["version"] = (held.version or 1) + 1
        payload["recorded_at"] = jsonable(now)
        return payload
    if replaces_record is not None:
        source_id, version = replaces_record.source_id, (replaces_record.version or 1) + 1
    else:
        source_id, version = source_id_for(workflow, token), 1
    return build_record(workflow, cleaned, subject, source_id=source_id, version=version, now=now)


def parsed(record: dict[str, Any]) -> RecordBase:
    return parse_record(dict(record))


def mention_of(person_id: str, *, mention_id: str, role: str, **more: Any) -> dict[str, Any]:
    """A mention of a person Vigil holds, as their latest record names them, for a record of
    Vigil's own that names them (identity resolution links it to them like any other)."""
    latest = (
        PersonMention.objects.filter(link__person__person_id=person_id)
        .exclude(Q(forename="") & Q(surname=""))
        .select_related("record")
        .order_by("-occurred_at", "-pk")
        .first()
    ) or (
        PersonMention.objects.filter(link__person__person_id=person_id)
        .select_related("record")
        .order_by("-occurred_at", "-pk")
        .first()
    )
    mention: dict[str, Any] = {"mention_id": mention_id, "role": role}
    if latest is not None:
        held: dict[str, Any] = next(
            (
                m
                for m in latest.record.payload.get("people", [])
                if m.get("mention_id") == latest.mention_id
            ),
            {},
        )
        for name in (
            "forename",
            "middle_names",
            "surname",
            "aliases",
            "date_of_birth",
            "age_estimate",
            "gender",
            "address",
            "postcode",
            "phone",
            "identifiers",
        ):
            if held.get(name) not in (None, "", [], {}):
                mention[name] = held[name]
    mention.update({k: v for k, v in more.items() if v is not None and v != ""})
    return mention
