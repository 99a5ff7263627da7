"""The effective record (RECORDS.md v1.1 'Records written in Vigil'; ALERTS.md 'Effective record').

An amendment is a record written in Vigil (``source_system`` ``vigil``) of the same
``record_type`` as the record it completes, with one link of relation ``amends`` naming it. The
rules read the record as its source holds it with its amendments applied in order of
``recorded_at`` (``occurred_at`` for those without one), then ``source_id``:

- a field the source leaves missing takes the first amendment's value; a value the source holds
  always wins; a nested object (``risk_assessment``, ``found_location``) is one value;
- a list field gets the amendment's entries appended, except an entry equal to one already there
  (equal as JSON, with times read as instants and null or absent keys dropped);
- only the record type's own fields and ``extra`` are merged; the envelope stays the source's.

Pure functions over contract models; no Django.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from pydantic import BaseModel

from vigil.records.contract import AMENDS, MODEL_FOR_TYPE, VIGIL_SYSTEM, RecordBase
from vigil.rules.model import RecordKey


def amended_key(record: RecordBase) -> RecordKey | None:
    """The record an amendment completes, or None when the record is not an amendment."""
    if record.source_system != VIGIL_SYSTEM:
        return None
    for link in record.links:
        if link.relation == AMENDS:
            return RecordKey(link.source_system, link.source_id)
    return None


def amendment_order(record: RecordBase) -> tuple[dt.datetime, str]:
    """Amendments apply in order of recorded_at (else occurred_at), then source_id."""
    return ((record.recorded_at or record.occurred_at).astimezone(dt.UTC), record.source_id)


@cache
def own_fields(record_type: str) -> tuple[str, ...]:
    """The fields a record type adds to the envelope: the ones an amendment may supply."""
    model = MODEL_FOR_TYPE[record_type]
    return tuple(name for name in model.model_fields if name not in RecordBase.model_fields)


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, list) and not value


def _canonical(value: Any) -> Any:
    """A value as compared for list entries: JSON, instants in UTC, null or absent keys dropped."""
    if isinstance(value, BaseModel):
        value = value.model_dump()
    if isinstance(value, dict):
        return tuple(sorted((k, _canonical(v)) for k, v in value.items() if v is not None))
    if isinstance(value, list | tuple):
        return tuple(_canonical(v) for v in value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC) if value.tzinfo else value
    return value


@dataclass(frozen=True)
class Effective:
    """A record with its amendments applied, and which amendment supplied which field."""

    record: RecordBase
    supplied: dict[str, tuple[RecordKey, ...]] = field(default_factory=dict)

    @property
    def suppliers(self) -> tuple[RecordKey, ...]:
        """Every amendment that supplied a value or entry, in the order applied."""
        found: dict[RecordKey, None] = {}
        for keys in self.supplied.values():
            found.update(dict.fromkeys(keys))
        return tuple(found)


def effective_record(source: RecordBase, amendments: Iterable[RecordBase]) -> Effective:
    """``source`` as the rules read it, with ``amendments`` (of it) applied (RECORDS.md v1.1).

    Amendments of another record type are not applied (the importer quarantines them).
    ``source`` itself is left unchanged; a changed copy is returned when anything was supplied.
    """
    ordered = sorted(
        (a for a in amendments if a.record_type == source.record_type), key=amendment_order
    )
    if not ordered:
        return Effective(source)
    own = own_fields(source.record_type)
    values: dict[str, Any] = {name: getattr(source, name) for name in own}
    extra: dict[str, Any] = dict(source.__pydantic_extra__ or {})
    supplied: dict[str, list[RecordKey]] = {}
    changed_fields: set[str] = set()
    changed_extra = False
    for amendment in ordered:
        key = RecordKey(amendment.source_system, amendment.source_id)
        for name in own:
            merged = _merge(values[name], getattr(amendment, name))
            if merged is not None:
                values[name] = merged
                changed_fields.add(name)
                supplied.setdefault(name, []).append(key)
        for name, value in (amendment.__pydantic_extra__ or {}).items():
            merged = _merge(extra.get(name), value)
            if merged is not None:
                extra[name] = merged
                changed_extra = True
                supplied.setdefault(name, []).append(key)
    if not supplied:
        return Effective(source)
    record = source.model_copy(update={name: values[name] for name in changed_fields})
    if changed_extra:
        object.__setattr__(record, "__pydantic_extra__", extra)
    return Effective(record, {name: tuple(keys) for name, keys in supplied.items()})


def _merge(held: Any, offered: Any) -> Any:
    """The new value of a field after one amendment, or None when it supplies nothing."""
    if _missing(offered):
        return None
    if isinstance(offered, list) and (held is None or isinstance(held, list)):
        held = held or []
        seen = {_canonical(entry) for entry in held}
        added = []
        for entry in offered:
            canonical = _canonical(entry)
            if canonical not in seen:
                seen.add(canonical)
                added.append(entry)
        return [*held, *added] if added else None
    if _missing(held):
        return offered
    return None  # a value the source (or an earlier amendment) holds always wins


def split_amendments(
    records: Sequence[RecordBase],
) -> tuple[list[RecordBase], dict[RecordKey, list[RecordBase]]]:
    """The records of their own, and the amendments by the record they amend."""
    own: list[RecordBase] = []
    amendments: dict[RecordKey, list[RecordBase]] = {}
    for record in records:
        target = amended_key(record)
        if target is None:
            own.append(record)
        else:
            amendments.setdefault(target, []).append(record)
    return own, amendments
