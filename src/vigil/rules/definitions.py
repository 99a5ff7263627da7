"""Shared definitions from ALERTS.md, each in one place so every rule means the same thing.

Record-level predicates live here; person-level ones that depend on the moment of evaluation
(is a child, exploitation signal, exposure) live on :class:`vigil.rules.view.View`.
"""

from __future__ import annotations

from vigil.records import normalise
from vigil.records.contract import (
    Call,
    Concern,
    Crime,
    Intelligence,
    Investigation,
    MissingEpisode,
    RecordBase,
)

ADULT_AGE = 18

# 'Linked (association)': these roles name people who are not part of what happened.
NON_ASSOCIATING_ROLES = frozenset({"reporting_person", "professional", "witness"})

# 'Named in a matter' (v1.1): these roles name people who gain no exploitation signal from a
# sexual or exploitation matter (the mother who reports her daughter's exploitation).
NOT_NAMED_IN_MATTER_ROLES = frozenset(
    {"reporting_person", "witness", "professional", "parent_carer", "household_member"}
)

# 'DA incident' (v1.1): the link relations that join two DA records into one incident.
INCIDENT_RELATIONS = frozenset({"follows_from", "part_of"})

EXPLOITATION_TOPICS = frozenset({"cse", "cce", "county_lines", "online", "trafficking"})
SEXUAL_OR_EXPLOITATION_GROUPS = frozenset({"sexual", "online_sexual", "exploitation"})
SEXUAL_OR_EXPLOITATION_FLAGS = frozenset(
    {
        "child_sexual_abuse",
        "child_sexual_exploitation",
        "child_criminal_exploitation",
        "indecent_images",
    }
)
SEXUAL_GROUPS = frozenset({"sexual", "online_sexual"})
SEXUAL_FLAGS = frozenset({"child_sexual_abuse", "child_sexual_exploitation", "indecent_images"})
EXPLOITATION_RISK_FLAGS = frozenset({"cse_risk", "cce_risk"})
FLAG_WORDS = {
    "cse_risk": "at risk of sexual exploitation",
    "cce_risk": "at risk of criminal exploitation",
}
# Roles that make a child part of a sexual or exploitation matter (EXPLOITATION_NETWORK,
# TRANSITION_TO_ADULTHOOD).
MATTER_CHILD_ROLES = frozenset({"victim", "missing_person", "subject", "associate"})

# A private dwelling links the people who live there; other premises do not.
DWELLING = "private_dwelling"


def address_key(address: str | None, postcode: str | None) -> str | None:
    """ALERTS.md 'Address': the store's location key (:func:`vigil.records.normalise.location_key`),
    so the rules, households and the address briefing group addresses alike."""
    return normalise.location_key(address, postcode)


def is_da_record(record: RecordBase) -> bool:
    """ALERTS.md 'DA incident': crime and non-crime alike."""
    if isinstance(record, Crime):
        return "domestic_abuse" in record.flags or record.offence_group == "domestic_abuse"
    if isinstance(record, Concern):
        return record.concern_type == "domestic_abuse_noncrime"
    if isinstance(record, Call):
        return record.category == "domestic"
    return False


def is_sexual_or_exploitation_matter(record: RecordBase) -> bool:
    """ALERTS.md 'Sexual or exploitation matter'."""
    if isinstance(record, Intelligence):
        return not EXPLOITATION_TOPICS.isdisjoint(record.topics)
    if isinstance(record, Crime | Investigation):
        return record.offence_group in SEXUAL_OR_EXPLOITATION_GROUPS or not (
            SEXUAL_OR_EXPLOITATION_FLAGS.isdisjoint(record.flags)
        )
    if isinstance(record, MissingEpisode):
        return bool(record.exploitation_indicators)
    return False


def is_sexual_offence(record: RecordBase) -> bool:
    """A crime or investigation with a sexual offence group or flag."""
    if isinstance(record, Crime | Investigation):
        return record.offence_group in SEXUAL_GROUPS or not SEXUAL_FLAGS.isdisjoint(record.flags)
    return False


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def with_article(phrase: str) -> str:
    """'an intelligence report', 'a call'."""
    return f"{'an' if phrase[:1].lower() in 'aeiou' else 'a'} {phrase}"


def describe(record: RecordBase) -> str:
    """A few words a supervisor recognises: 'call', 'non-crime report', 'assault'."""
    if isinstance(record, Crime):
        if record.offence:
            return _lower_first(record.offence)
        return f"{(record.offence_group or 'other').replace('_', ' ')} crime"
    if isinstance(record, Concern):
        if record.concern_type == "domestic_abuse_noncrime":
            return "non-crime report"
        return f"{(record.concern_type or 'other').replace('_', ' ')} concern"
    if isinstance(record, Call):
        return "call" if record.category in (None, "domestic") else f"{record.category} call"
    if isinstance(record, MissingEpisode):
        kind = "absence" if record.classification == "absent" else "missing episode"
        if record.exploitation_indicators:
            signs = ", ".join(s.replace("_", " ") for s in record.exploitation_indicators)
            return f"{kind} with exploitation indicators ({signs})"
        return kind
    if isinstance(record, Intelligence):
        return "intelligence report"
    return record.record_type.replace("_", " ")
