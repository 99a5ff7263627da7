"""MARAC (issue 13, workflow 3; ALERTS.md MARAC_CRITERIA_MET_NOT_REFERRED and MARAC_INCOMPLETE).

- **MARAC referral**, from a domestic abuse incident (its page, or the alert of its victim or
  of a child exposed to it): a ``marac`` record of its own naming the incident's victim as
  ``victim``, with ``referred_at``, ``criteria`` and ``information_shared_before``, linked to the
  incident (``about``, which joins no incidents).
- **MARAC meeting** on a MARAC: when it met and the actions agreed (each a work item, as a
  strategy discussion's). On another system's MARAC an amendment; on one written in Vigil its
  next version (the default merge: ``meeting_at`` filled, actions appended).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from vigil.access.permissions import Capability
from vigil.casework.action_rows import action_fields, check_rows, owner_choices, rows_of
from vigil.casework.drafts import mention_of
from vigil.casework.forms import CaseworkForm
from vigil.casework.registry import Subject, Workflow, register
from vigil.casework.work_items import amendments_of
from vigil.identity.models import MentionLink
from vigil.records.models import PersonMention, Record
from vigil.ui.fields import WhenField

CRITERIA = [
    (
        "visible_high_risk",
        "Visible high risk (14 or more yes answers on the DASH, or assessed high)",
    ),
    ("professional_judgement", "Professional judgement"),
    ("potential_escalation", "Potential escalation"),
    ("repeat", "Repeat: referred to a MARAC in the last 12 months"),
]
YES_NO = [("yes", "Yes"), ("no", "No")]
ACTION_ROWS = 6


def is_da_incident(record: Record) -> bool:
    """ALERTS.md 'DA incident', on a stored record."""
    p = record.payload
    if record.record_type == "crime":
        return "domestic_abuse" in (p.get("flags") or []) or p.get("offence_group") == (
            "domestic_abuse"
        )
    if record.record_type == "concern":
        return bool(p.get("concern_type") == "domestic_abuse_noncrime")
    if record.record_type == "call":
        return bool(p.get("category") == "domestic")
    return False


def victims_of(record: Record) -> list[tuple[str, str]]:
    """The people a record names as victim: (person id, name as the record gives it)."""
    found: dict[str, str] = {}
    for link in MentionLink.objects.filter(mention__record=record, mention__role="victim"):
        m = link.mention
        name = " ".join(p for p in (m.forename, m.surname) if p) or "Name not recorded"
        born = f", born {m.date_of_birth.day} {m.date_of_birth:%B %Y}" if m.date_of_birth else ""
        found.setdefault(link.person.person_id, name + born)
    return list(found.items())


def age_on(born: dt.date | None, estimate: int | None, on: dt.date) -> int | None:
    if born is not None:
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return estimate


def name_of_mention(m: PersonMention) -> str:
    name = " ".join(p for p in (m.forename, m.surname) if p) or "Name not recorded"
    return name + (
        f", born {m.date_of_birth.day} {m.date_of_birth:%B %Y}" if m.date_of_birth else ""
    )


def exposed_to(incidents: list[Record], victims: set[str]) -> dict[str, str]:
    """Children exposed to incidents (ALERTS.md 'DA incident'): named on one, or living at its
    address on its date. A few queries for all the incidents at once."""
    children: dict[str, str] = {}
    when = {i.pk: i.occurred_at for i in incidents}
    for link in MentionLink.objects.filter(mention__record__in=list(when)).select_related(
        "mention", "person"
    ):
        m = link.mention
        day = timezone.localtime(when[m.record_id]).date()
        age = age_on(m.date_of_birth, m.age_estimate, day)
        if age is not None and age < 18 and link.person.person_id not in victims:
            children.setdefault(link.person.person_id, name_of_mention(m))
    homes = [
        i
        for i in incidents
        if i.location_id is not None and i.premises_type in ("", "private_dwelling")
    ]
    if not homes:
        return children
    # Who was named at each address by the incident's date, and where each was living then
    # (their latest mention by that date).
    candidates: list[tuple[Record, int, str, PersonMention]] = []
    there = MentionLink.objects.filter(
        mention__location_id__in={i.location_id for i in homes}
    ).select_related("mention", "person")
    at_address: dict[int, list[MentionLink]] = {}
    for link in there:
        at_address.setdefault(link.mention.location_id or 0, []).append(link)
    for incident in homes:
        day = timezone.localtime(incident.occurred_at).date()
        for link in at_address.get(incident.location_id or 0, []):
            m = link.mention
            person_id = link.person.person_id
            if m.occurred_at > incident.occurred_at or person_id in victims:
                continue
            age = age_on(m.date_of_birth, m.age_estimate, day)
            if age is not None and age < 18:
                candidates.append((incident, link.person_id, person_id, m))
    if not candidates:
        return children
    mentions: dict[int, list[tuple[dt.datetime, int, int | None]]] = {}
    for pk, occurred, mention_pk, location_id in PersonMention.objects.filter(
        link__person_id__in={c[1] for c in candidates}
    ).values_list("link__person_id", "occurred_at", "pk", "location_id"):
        mentions.setdefault(pk, []).append((occurred, mention_pk, location_id))
    for incident, pk, person_id, m in candidates:
        if person_id in children:
            continue
        by_then = [row for row in mentions.get(pk, []) if row[0] <= incident.occurred_at]
        if by_then and max(by_then)[2] == incident.location_id:
            children[person_id] = name_of_mention(m)
    return children


class MaracReferralForm(CaseworkForm):
    victim = forms.ChoiceField(
        label="Who is referred",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the victim referred",
            "invalid_choice": "Select the victim referred from the list",
        },
    )
    referred_at = WhenField(
        label="When the referral to the MARAC was made",
        help_text="For example, 27 3 2026 and 14:30",
    )
    criteria = forms.ChoiceField(
        label="Which MARAC criteria are met",
        choices=CRITERIA,
        widget=forms.RadioSelect,
        error_messages={"required": "Select which MARAC criteria are met"},
    )
    information_shared_before = forms.ChoiceField(
        label="Was information shared with the MARAC before the meeting?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": "Select yes if information was shared before the meeting"},
    )

    def __init__(self, *args: Any, record: Record | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = victims_of(record) if record is not None else []
        field = self.fields["victim"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices
        if len(choices) == 1 and not self.is_bound:
            self.initial.setdefault("victim", choices[0][0])


def build_referral(cleaned: dict[str, Any], subject: Subject) -> dict[str, Any]:
    assert subject.record is not None
    criteria = dict(CRITERIA)[cleaned["criteria"]].split(" (")[0].lower()
    return {
        "occurred_at": cleaned["referred_at"],
        "referred_at": cleaned["referred_at"],
        "criteria": cleaned["criteria"],
        "information_shared_before": cleaned["information_shared_before"] == "yes",
        "people": [mention_of(cleaned["victim"], mention_id=cleaned["victim"], role="victim")]
        + [
            mention_of(child, mention_id=child, role="household_member")
            for child in exposed_to([subject.record], {cleaned["victim"]})
        ],
        "links": [
            {
                "source_system": subject.record.source_system,
                "source_id": subject.record.source_id,
                "relation": "about",
            }
        ],
        "summary": f"Referred to the MARAC: {criteria}.",
    }


def _has_victim(record: Record) -> bool:
    return is_da_incident(record) and any(
        m.get("role") == "victim" for m in record.payload.get("people") or []
    )


MARAC_REFERRAL = register(
    Workflow(
        key="marac-referral",
        title="Refer the victim to the MARAC",
        noun="MARAC referral",
        record_type="marac",
        capability=Capability.RECORD_MARAC,
        form=MaracReferralForm,
        build=build_referral,
        amends=False,
        subject="record",
        record_types=("crime", "concern", "call"),
        applies=_has_victim,
        form_kwargs=lambda subject: {"record": subject.record},
        resolves=("MARAC_CRITERIA_MET_NOT_REFERRED",),
        hint=(
            "A victim assessed as high risk, or in 3 domestic abuse incidents in a year, must be "
            "referred to the MARAC within 14 days."
        ),
    )
)


# ---- the meeting ----------------------------------------------------------------------------


class MaracMeetingForm(CaseworkForm):
    meeting_at = WhenField(label="When the MARAC met", help_text="For example, 27 3 2026 and 14:30")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rows = action_fields(ACTION_ROWS)
        owners = owner_choices()
        for field in rows.values():
            field.set_owners(owners)
        self.fields.update(rows)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        check_rows(self, cleaned)
        if not rows_of(cleaned) and not any(
            self.has_error(f"action_{n}") for n in range(1, ACTION_ROWS + 1)
        ):
            self.add_error("action_1", "Enter at least one action agreed at the meeting")
        meeting = cleaned.get("meeting_at")
        for n, row in enumerate(rows_of(cleaned), start=1):
            if meeting is not None and row.due_at < meeting:
                self.add_error(
                    f"action_{n}", f"The due date of action {n} must be after the MARAC met"
                )
        return cleaned


def build_meeting(cleaned: dict[str, Any], subject: Subject) -> dict[str, Any]:
    actions = rows_of(cleaned)
    return {
        "occurred_at": cleaned["meeting_at"],
        "meeting_at": cleaned["meeting_at"],
        "actions": [a.contract() for a in actions],
        "summary": f"MARAC met; {len(actions)} action{'s' if len(actions) != 1 else ''} agreed.",
    }


def _meeting_not_recorded(record: Record) -> bool:
    """No meeting recorded on it (or by an amendment), or a meeting with no actions."""
    payloads = [record.payload] + [a.payload for a in amendments_of(record)]
    met = any(p.get("meeting_at") for p in payloads)
    actions = any(p.get("actions") for p in payloads)
    return not (met and actions)


MARAC_MEETING = register(
    Workflow(
        key="marac-meeting",
        title="Record the MARAC meeting",
        noun="MARAC meeting",
        record_type="marac",
        capability=Capability.RECORD_MARAC,
        form=MaracMeetingForm,
        build=build_meeting,
        applies=_meeting_not_recorded,
        resolves=("MARAC_INCOMPLETE",),
        hint=(
            "Record when the MARAC met and each action agreed, with its owner and due date: "
            "each goes to its owner's My work."
        ),
    )
)
