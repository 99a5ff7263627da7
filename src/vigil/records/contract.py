"""Typed models of the interchange contract, v1 (``shared/contract/RECORDS.md``).

These mirror the contract field for field and are the only place that decides whether a record
is valid. They have no Django imports: the importer, the synthetic force, the rules and the JSON
Schema published under ``docs/`` all use them.

Anything a record or mention carries beyond the contract is allowed and kept (``extra``): the
importer stores the record exactly as received, so nothing is dropped.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

import orjson
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StrictBool,
    StrictInt,
    StringConstraints,
    TypeAdapter,
    model_validator,
)

LONDON = ZoneInfo("Europe/London")


def _assume_london(value: dt.datetime) -> dt.datetime:
    # The contract asks for offsets; a source that omits one on a secondary time means local
    # time, which in England and Wales is Europe/London.
    if value.tzinfo is None:
        return value.replace(tzinfo=LONDON)
    return _real_offset(value)


def _require_offset(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise ValueError(f"'{value.isoformat()}' has no UTC offset; occurred_at needs one")
    return _real_offset(value)


# Every time zone in use lies between UTC-12:00 and UTC+14:00. ISO 8601 allows up to 23:59,
# which PostgreSQL refuses beyond 15:59: without this a record could pass and then fail its
# whole batch there.
_EARLIEST_OFFSET, _LATEST_OFFSET = dt.timedelta(hours=-12), dt.timedelta(hours=14)


def _real_offset(value: dt.datetime) -> dt.datetime:
    offset = value.utcoffset()
    if offset is not None and not _EARLIEST_OFFSET <= offset <= _LATEST_OFFSET:
        raise ValueError(
            f"'{value.isoformat()}' has a UTC offset no time zone uses "
            "(they run from -12:00 to +14:00)"
        )
    # The store keeps instants in UTC: a time in year 1 or 9999 may fall outside the years a
    # date-time can hold (0001 to 9999) once converted (0001-01-01T00:30:00+01:00 does).
    if value.year in (1, 9999):
        try:
            value.astimezone(dt.UTC)
        except OverflowError:
            raise ValueError(
                f"'{value.isoformat()}' is outside the times the store can hold "
                "(0001-01-01 to 9999-12-31, in UTC)"
            ) from None
    return value


# Strict: in JSON only an ISO 8601 string is a date-time (not a number, not a bare date), and
# only YYYY-MM-DD is a date. Parsing stays in pydantic's Rust core, which matters at 10,000+
# records a second.
Instant = Annotated[dt.datetime, Strict(), AfterValidator(_assume_london)]
OccurredAt = Annotated[dt.datetime, Strict(), AfterValidator(_require_offset)]
BirthDate = Annotated[dt.date | None, Strict()]
Text = str | None


# The limits of the store's columns (records.models), so that a record too long for one is
# quarantined with a reason naming the field and the limit, and no database is the first to
# refuse it. Checked in pydantic's compiled core. A NUL character, which no text column of
# PostgreSQL can hold, is looked for in the whole line by the importer (prepare.nul_reasons).
SourceSystem = Annotated[str, StringConstraints(max_length=64)]
SourceId = Annotated[str, StringConstraints(max_length=200)]
MentionId = Annotated[str, StringConstraints(max_length=100)]
Name = Annotated[str, StringConstraints(max_length=200)] | None
Address = Annotated[str, StringConstraints(max_length=500)] | None
Postcode = Annotated[str, StringConstraints(max_length=16)] | None
Phone = Annotated[str, StringConstraints(max_length=32)] | None
ObjectIdentifier = Annotated[str, StringConstraints(max_length=200)]
# Versions are stored as 32-bit integers, as PostgreSQL's and SQLite's ``integer`` hold them.
MAX_VERSION = 2**31 - 1
Version = Annotated[StrictInt, Field(ge=1, le=MAX_VERSION)]

RecordType = Literal[
    "call",
    "crime",
    "concern",
    "missing",
    "custody",
    "police_protection",
    "referral",
    "strategy_discussion",
    "investigation",
    "intelligence",
    "rso",
    "marac",
    "cp_plan",
]
RECORD_TYPES: tuple[str, ...] = RecordType.__args__  # type: ignore[attr-defined]

Role = Literal[
    "victim",
    "suspect",
    "offender",
    "witness",
    "reporting_person",
    "child_present",
    "subject",
    "missing_person",
    "detainee",
    "parent_carer",
    "household_member",
    "associate",
    "professional",
]
PersonFlag = Literal[
    "looked_after",
    "child_protection_plan",
    "cse_risk",
    "cce_risk",
    "rso",
    "mental_health",
    "learning_disability",
    "substance_misuse",
    "disability",
    "pregnant",
]
PremisesType = Literal[
    "private_dwelling",
    "care_home",
    "school",
    "licensed_premises",
    "takeaway",
    "hotel",
    "public_place",
    "police_station",
    "hospital",
    "online",
    "other",
]
Agency = Literal["childrens_social_care", "school", "health", "mash", "other"]
OffenceGroup = Literal[
    "violence",
    "sexual",
    "domestic_abuse",
    "online_sexual",
    "neglect",
    "exploitation",
    "drugs",
    "robbery",
    "criminal_damage",
    "other",
]
CrimeFlag = Literal[
    "domestic_abuse",
    "child_sexual_abuse",
    "child_sexual_exploitation",
    "child_criminal_exploitation",
    "online",
    "honour_based",
    "fgm",
    "indecent_images",
]


class ContractModel(BaseModel):
    """Base for every contract object: unknown fields are kept, never dropped."""

    model_config = ConfigDict(extra="allow", frozen=False, populate_by_name=True)

    @property
    def extra(self) -> dict[str, Any]:
        """Fields the contract does not name, exactly as received."""
        return dict(self.__pydantic_extra__ or {})


class Location(ContractModel):
    address: Address = None
    postcode: Postcode = None
    premises_type: PremisesType | None = None
    lat: float | None = None
    lon: float | None = None


class SourceObject(ContractModel):
    object_type: Literal["vehicle", "phone", "device", "online_account"]
    identifier: ObjectIdentifier
    description: Text = None


class Mention(ContractModel):
    mention_id: MentionId
    role: Role
    forename: Name = None
    middle_names: Name = None
    surname: Name = None
    aliases: list[str] = Field(default_factory=list)
    date_of_birth: BirthDate = None
    age_estimate: StrictInt | None = Field(default=None, ge=0, le=120)
    gender: Literal["female", "male", "other", "unknown"] | None = None
    address: Address = None
    postcode: Postcode = None
    phone: Phone = None
    identifiers: dict[str, str | None] = Field(default_factory=dict)
    flags: list[PersonFlag] = Field(default_factory=list)
    spoken_to: StrictBool | None = None
    spoken_to_alone: StrictBool | None = None
    demeanour: Text = None
    views: Text = None


class RecordLink(ContractModel):
    source_system: SourceSystem
    source_id: SourceId
    relation: Literal["follows_from", "part_of", "about", "amends"]


# RECORDS.md v1.1 'Records written in Vigil': only Vigil amends, one record at a time, and never
# a record written in Vigil (those change by a new version).
VIGIL_SYSTEM = "vigil"
AMENDS = "amends"


def amendment_problem(source_system: str, links: list[RecordLink]) -> str | None:
    """Why a record's ``amends`` links break the contract, or None (the checks needing no store)."""
    amends = [(i, k) for i, k in enumerate(links) if k.relation == AMENDS]
    if not amends:
        return None
    if source_system != VIGIL_SYSTEM:
        return (
            f"links[{amends[0][0]}].relation: 'amends' on a record of source system "
            f"{source_system!r}; only records written in Vigil (source_system 'vigil') amend"
        )
    if len(amends) > 1:
        return (
            f"links[{amends[1][0]}].relation: an amendment names more than one record with "
            f"'amends' ({len(amends)}); it completes exactly one"
        )
    index, link = amends[0]
    if link.source_system == VIGIL_SYSTEM:
        return (
            f"links[{index}]: amends {link.source_system}/{link.source_id}, a record written "
            "in Vigil; those change by a new version, not an amendment"
        )
    return None


class RecordBase(ContractModel):
    record_type: RecordType
    source_system: SourceSystem
    source_id: SourceId
    version: Version | None = None
    occurred_at: OccurredAt
    recorded_at: Instant | None = None
    location: Location | None = None
    people: list[Mention]
    objects: list[SourceObject] = Field(default_factory=list)
    summary: Text = None
    links: list[RecordLink] = Field(default_factory=list)

    @model_validator(mode="after")
    def _mention_ids_unique(self) -> RecordBase:
        people = self.people
        if len(people) < 2 or len({m.mention_id for m in people}) == len(people):
            return self
        seen: dict[str, int] = {}
        for index, mention in enumerate(self.people):
            if mention.mention_id in seen:
                raise ValueError(
                    f"people[{index}].mention_id: {mention.mention_id!r} repeats "
                    f"people[{seen[mention.mention_id]}]; mention ids are unique within a record"
                )
            seen[mention.mention_id] = index
        return self

    @model_validator(mode="after")
    def _amends_rules(self) -> RecordBase:
        if self.links and (problem := amendment_problem(self.source_system, self.links)):
            raise ValueError(problem)
        return self

    @property
    def key(self) -> tuple[str, str]:
        return (self.source_system, self.source_id)


# --- record types -------------------------------------------------------------------------


class GradeChange(ContractModel):
    at: Instant
    grade: Literal["emergency", "priority", "scheduled", "resolution_without_deployment"]
    reason: Text = None
    welfare_check: StrictBool | None = None


class Call(RecordBase):
    record_type: Literal["call"]
    category: (
        Literal[
            "domestic", "child_concern", "missing", "assault", "sexual", "public_order", "other"
        ]
        | None
    ) = None
    grade_history: list[GradeChange] = Field(default_factory=list)
    attended_at: Instant | None = None
    closed_at: Instant | None = None


class Crime(RecordBase):
    record_type: Literal["crime"]
    offence: Text = None
    offence_group: OffenceGroup | None = None
    flags: list[CrimeFlag] = Field(default_factory=list)
    status: Literal["open", "closed"] | None = None
    outcome: Text = None


class RiskAssessment(ContractModel):
    tool: Literal["DASH", "DARA", "other"] | None = None
    level: Literal["standard", "medium", "high"] | None = None
    yes_count: StrictInt | None = Field(default=None, ge=0)
    assessed_at: Instant | None = None


class AgencyReferral(ContractModel):
    agency: Agency
    at: Instant | None = None


class Concern(RecordBase):
    record_type: Literal["concern"]
    concern_type: (
        Literal[
            "child_at_risk",
            "domestic_abuse_noncrime",
            "neglect",
            "exploitation",
            "mental_health",
            "online_safety",
            "other",
        ]
        | None
    ) = None
    risk_assessment: RiskAssessment | None = None
    referred_to: list[AgencyReferral] = Field(default_factory=list)


class MissingEpisode(RecordBase):
    record_type: Literal["missing"]
    classification: Literal["missing", "absent"] | None = None
    risk_level: Literal["no_apparent", "very_low", "low", "medium", "high"] | None = None
    reported_at: Instant | None = None
    found_at: Instant | None = None
    found_location: Location | None = None
    from_care: StrictBool | None = None
    safe_and_well_at: Instant | None = None
    return_interview_offered_at: Instant | None = None
    return_interview_completed_at: Instant | None = None
    trigger_plan: StrictBool | None = None
    exploitation_indicators: list[str] = Field(default_factory=list)


class Custody(RecordBase):
    record_type: Literal["custody"]
    grounds: Literal["offence", "breach", "warrant", "s136_mental_health"] | None = None
    offence: Text = None
    arrived_at: Instant | None = None
    detention_authorised_at: Instant | None = None
    reviews: list[Instant] = Field(default_factory=list)
    appropriate_adult_requested_at: Instant | None = None
    appropriate_adult_arrived_at: Instant | None = None
    healthcare_seen_at: Instant | None = None
    charged_at: Instant | None = None
    bail_refused: StrictBool | None = None
    accommodation_requested_at: Instant | None = None
    accommodation_outcome: (
        Literal["provided", "refused", "unavailable", "secure_unavailable", "not_requested"] | None
    ) = None
    accommodation_escalated_at: Instant | None = None
    transferred_at: Instant | None = None
    released_at: Instant | None = None
    detention_certificate_at: Instant | None = None
    referral_to_csc_at: Instant | None = None


class PoliceProtection(RecordBase):
    record_type: Literal["police_protection"]
    started_at: Instant | None = None
    designated_officer: Text = None
    local_authority_informed_at: Instant | None = None
    parents_informed_at: Instant | None = None
    child_informed_at: Instant | None = None
    ended_at: Instant | None = None
    end_reason: Literal["returned_home", "la_accommodation", "epo_obtained", "other"] | None = None
    protective_plan: Text = None


class Referral(RecordBase):
    record_type: Literal["referral"]
    from_unit: Text = None
    to_agency: Agency | None = None
    sent_at: Instant | None = None
    received_at: Instant | None = None
    decision_at: Instant | None = None
    decision: (
        Literal["no_further_action", "early_help", "section_17", "section_47", "already_open"]
        | None
    ) = None
    feedback_at: Instant | None = None


class Action(ContractModel):
    description: Text = None
    owner: Text = None
    due_at: Instant | None = None
    done_at: Instant | None = None


class StrategyDiscussion(RecordBase):
    record_type: Literal["strategy_discussion"]
    held_at: Instant | None = None
    agencies: list[str] = Field(default_factory=list)
    decisions: Text = None
    actions: list[Action] = Field(default_factory=list)


class Allocation(ContractModel):
    at: Instant
    officer_id: Text = None
    team: Text = None
    specialist: StrictBool | None = None


class Activity(ContractModel):
    at: Instant
    type: Text = None
    note: Text = None


class SupervisoryReview(ContractModel):
    at: Instant
    by: Text = None


class DeviceExamination(ContractModel):
    device_id: Text = None
    seized_at: Instant | None = None
    submitted_at: Instant | None = None
    examined_at: Instant | None = None


class ChargingSubmission(ContractModel):
    submitted_at: Instant
    decision_at: Instant | None = None
    decision: Text = None


class Investigation(RecordBase):
    record_type: Literal["investigation"]
    opened_at: Instant | None = None
    allocations: list[Allocation] = Field(default_factory=list)
    activity: list[Activity] = Field(default_factory=list)
    supervisory_reviews: list[SupervisoryReview] = Field(default_factory=list)
    devices: list[DeviceExamination] = Field(default_factory=list)
    charging: list[ChargingSubmission] = Field(default_factory=list)
    offence_group: OffenceGroup | None = None
    flags: list[CrimeFlag] = Field(default_factory=list)
    closed_at: Instant | None = None
    outcome: Text = None


class Intelligence(RecordBase):
    record_type: Literal["intelligence"]
    grading: Text = None
    topics: list[Literal["cse", "cce", "county_lines", "online", "trafficking", "other"]] = Field(
        default_factory=list
    )
    follow_up_at: Instant | None = None


class RsoRecord(RecordBase):
    record_type: Literal["rso"]
    registered_at: Instant | None = None
    risk_level: Literal["low", "medium", "high", "very_high"] | None = None
    management: Literal["active", "reactive"] | None = None
    arms_assessed_at: Instant | None = None
    visits: list[Instant] = Field(default_factory=list)
    flagged_on: list[str] = Field(default_factory=list)


class Marac(RecordBase):
    record_type: Literal["marac"]
    referred_at: Instant | None = None
    criteria: (
        Literal["visible_high_risk", "professional_judgement", "potential_escalation", "repeat"]
        | None
    ) = None
    information_shared_before: StrictBool | None = None
    meeting_at: Instant | None = None
    actions: list[Action] = Field(default_factory=list)


class CpPlan(RecordBase):
    record_type: Literal["cp_plan"]
    started_at: Instant | None = None
    ended_at: Instant | None = None
    category: Literal["neglect", "physical", "sexual", "emotional", "multiple"] | None = None


SourceRecord = Annotated[
    Call
    | Crime
    | Concern
    | MissingEpisode
    | Custody
    | PoliceProtection
    | Referral
    | StrategyDiscussion
    | Investigation
    | Intelligence
    | RsoRecord
    | Marac
    | CpPlan,
    Field(discriminator="record_type"),
]

MODEL_FOR_TYPE: dict[str, type[RecordBase]] = {
    "call": Call,
    "crime": Crime,
    "concern": Concern,
    "missing": MissingEpisode,
    "custody": Custody,
    "police_protection": PoliceProtection,
    "referral": Referral,
    "strategy_discussion": StrategyDiscussion,
    "investigation": Investigation,
    "intelligence": Intelligence,
    "rso": RsoRecord,
    "marac": Marac,
    "cp_plan": CpPlan,
}

RECORD_ADAPTER: TypeAdapter[RecordBase] = TypeAdapter(SourceRecord)


# A blank string value: after a colon (a field), or as a list item. Inside a JSON string a quote
# is escaped, so free text cannot match; a false match only costs the slower path.
_BLANK_VALUE = re.compile(rb'[:\[,]\s*"\s*"')


# A quote followed by a quote or JSON white space: what every blank value holds. One scan of the
# line instead of one substring search per pair.
_QUOTE_THEN_BLANK = re.compile(rb'"[ \t\n\r"]')


def _may_hold_blank(raw: bytes) -> bool:
    return _QUOTE_THEN_BLANK.search(raw) is not None


def drop_blanks(value: Any) -> Any:
    """RECORDS.md: an empty string counts as a missing value, so blank fields are dropped.

    A blank optional field then reads as absent and a blank required one as missing.
    """
    if isinstance(value, dict):
        return {k: drop_blanks(v) for k, v in value.items() if not _is_blank(v)}
    if isinstance(value, list):
        return [drop_blanks(v) for v in value if not _is_blank(v)]
    return value


def _is_blank(value: Any) -> bool:
    return isinstance(value, str) and not value.strip()


def parse_record_json(text: bytes | str) -> RecordBase:
    """Validate one record from its JSON text. Raises ``pydantic.ValidationError``.

    Validation runs on the JSON text itself so that strict date-time parsing (ISO strings only)
    stays in pydantic's compiled core.
    """
    raw = text.encode() if isinstance(text, str) else text
    # Every blank value starts with a quote followed by a quote or white space; a plain
    # substring test rules most records out far faster than the pattern could.
    if _may_hold_blank(raw) and _BLANK_VALUE.search(raw):
        raw = orjson.dumps(drop_blanks(orjson.loads(raw)))
    return RECORD_ADAPTER.validate_json(raw)


def parse_record(data: dict[str, Any]) -> RecordBase:
    """Validate one record given as a decoded JSON object (as parse_record_json would)."""
    return parse_record_json(orjson.dumps(data))


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a source record, generated from these models (published in docs/)."""
    schema = RECORD_ADAPTER.json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Vigil source record (interchange contract v1)"
    return schema
