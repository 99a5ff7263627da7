"""The typed contract models mirror RECORDS.md, and the published JSON Schema is current."""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal, get_args, get_origin

import pytest
from pydantic import BaseModel, ValidationError

from tests.conftest import CONTRACT, ROOT
from tests.factories import call
from vigil.records.contract import MODEL_FOR_TYPE, RECORD_TYPES, Mention, RecordBase, parse_record
from vigil.records.schema import schema_text

RECORDS_MD = CONTRACT / "RECORDS.md"


def test_published_schema_is_generated_from_the_models() -> None:
    published = (ROOT / "docs" / "records.schema.json").read_text()
    assert published == schema_text(), (
        "run: python -m vigil.records.schema > docs/records.schema.json"
    )


@pytest.mark.skipif(not RECORDS_MD.exists(), reason="shared contract not present")
def test_every_record_type_in_the_contract_has_a_model() -> None:
    named = re.findall(r"^### `(\w+)`", RECORDS_MD.read_text(), flags=re.M)
    assert sorted(named) == sorted(RECORD_TYPES) == sorted(MODEL_FOR_TYPE)


@pytest.mark.skipif(not RECORDS_MD.exists(), reason="shared contract not present")
def test_every_envelope_and_mention_field_in_the_contract_is_modelled() -> None:
    text = RECORDS_MD.read_text()
    envelope = text.split("## Envelope", 1)[1].split("**Location**", 1)[0]
    mention = text.split("**Mention**", 1)[1].split("A person is a child", 1)[0]
    envelope_fields = re.findall(r"^\| `(\w+)` \|", envelope, flags=re.M)
    mention_fields = re.findall(
        r"`(\w+)`", " ".join(re.findall(r"^\| ([^|]+) \|", mention, flags=re.M))
    )
    assert set(envelope_fields) <= set(RecordBase.model_fields)
    assert set(mention_fields) <= set(Mention.model_fields)
    assert len(mention_fields) >= 17


@pytest.mark.skipif(not RECORDS_MD.exists(), reason="shared contract not present")
def test_every_record_type_field_in_the_contract_is_modelled() -> None:
    text = RECORDS_MD.read_text().split("## Record types and their own fields", 1)[1]
    sections = re.split(r"^### `(\w+)`.*$", text.split("## What bad input gets", 1)[0], flags=re.M)
    for record_type, body in zip(sections[1::2], sections[2::2], strict=True):
        known = _names_in(MODEL_FOR_TYPE[record_type])
        # Examples of free text and references to other types' fields are not fields here.
        body = re.sub(r"(e\.g\.|as in|as for)\s[^)]*\)", "", body)
        missing = sorted(set(re.findall(r"`(\w+)`", body)) - known)
        assert not missing, f"{record_type}: {missing} not modelled"


def _names_in(model: type[BaseModel]) -> set[str]:
    """Field names of a model and the models nested in it, and every enumerated value."""
    names: set[str] = set()
    for name, info in model.model_fields.items():
        names.add(name)
        stack = [info.annotation]
        while stack:
            tp = stack.pop()
            if get_origin(tp) is Literal:
                names.update(str(v) for v in get_args(tp))
            elif isinstance(tp, type) and issubclass(tp, BaseModel):
                names |= _names_in(tp)
            else:
                stack.extend(get_args(tp))
    return names


def test_times_and_dates() -> None:
    record = parse_record(call(recorded_at="2014-03-01T11:00:00"))
    assert record.occurred_at == dt.datetime(2014, 3, 1, 10, tzinfo=dt.UTC)
    # A secondary time without an offset is read as London time, not refused.
    assert record.recorded_at is not None and record.recorded_at.utcoffset() == dt.timedelta(0)
    summer = parse_record(call(recorded_at="2014-07-01T11:00:00"))
    assert summer.recorded_at is not None and summer.recorded_at.utcoffset() == dt.timedelta(
        hours=1
    )
    with pytest.raises(ValidationError):
        parse_record(call(occurred_at=1393668000))


def test_empty_strings_are_missing_values() -> None:
    record = parse_record(
        call(
            people=[
                {
                    "mention_id": "a",
                    "role": "victim",
                    "forename": "",
                    "surname": "  ",
                    "postcode": "",
                }
            ]
        )
    )
    mention = record.people[0]
    assert (mention.forename, mention.surname, mention.postcode) == (None, None, None)


def test_unknown_fields_are_kept_as_extra() -> None:
    record = parse_record(
        call(force="WM", people=[{"mention_id": "a", "role": "victim", "nickname": "Bo"}])
    )
    assert record.extra == {"force": "WM"}
    assert record.people[0].extra == {"nickname": "Bo"}


def _amendment(**overrides: object) -> dict[str, object]:
    record: dict[str, object] = {
        "record_type": "police_protection",
        "source_system": "vigil",
        "source_id": "VGL-1",
        "occurred_at": "2025-03-07T23:30:00+00:00",
        "people": [],
        "links": [{"source_system": "niche", "source_id": "PP-1", "relation": "amends"}],
        "local_authority_informed_at": "2025-03-07T23:05:00+00:00",
    }
    record.update(overrides)
    return record


def test_an_amendment_written_in_vigil_is_a_valid_record() -> None:
    record = parse_record(_amendment())
    assert [link.relation for link in record.links] == ["amends"]


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"source_system": "niche"}, "only records written in Vigil (source_system 'vigil') amend"),
        (
            {
                "links": [
                    {"source_system": "niche", "source_id": "PP-1", "relation": "amends"},
                    {"source_system": "niche", "source_id": "PP-2", "relation": "amends"},
                ]
            },
            "names more than one record with 'amends'",
        ),
        (
            {"links": [{"source_system": "vigil", "source_id": "VGL-0", "relation": "amends"}]},
            "a record written in Vigil; those change by a new version",
        ),
    ],
)
def test_amendments_breaking_records_md_are_refused_with_their_reason(
    overrides: dict[str, object], reason: str
) -> None:
    from vigil.records.reasons import reasons_from

    with pytest.raises(ValidationError) as caught:
        parse_record(_amendment(**overrides))
    assert any(reason in r for r in reasons_from(caught.value))
