"""Background checks for a referral: what Vigil holds on every child and adult it names (and on
the records it links to), so the MASH's checks take minutes: each person's chronology in brief
(records by kind, the latest few), open alerts and flags, with a link to their page.

Every person shown is a view of that person: one access-log entry each (``person.check``).
Partners see no background checks (their agreement shares no alerts, flags or other records).
A fixed number of queries whatever the number of people.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from vigil.access.disclosure import kind_label, viewer_for
from vigil.access.permissions import Capability, can
from vigil.alerts import titles
from vigil.alerts.models import Alert
from vigil.audit.access import log_access
from vigil.audit.actions import AuditAction
from vigil.casework.front_door import amendments_of, effective_referral, referral_clock
from vigil.casework.registry import Subject
from vigil.identity.summaries import chunks, summarise
from vigil.records.contract import AMENDS
from vigil.records.models import PersonMention, Record, RecordLink
from vigil.ui.pages import optional_url

LATEST = 5  # records listed per person
MAX_PEOPLE = 30  # people checked per referral (a referral names a household, not a street)
NOT_CHECKED = ("professional",)  # the referrer and other professionals are not checked

FLAG_LABELS = {
    "looked_after": "Looked after child",
    "child_protection_plan": "On a child protection plan",
    "cse_risk": "At risk of child sexual exploitation",
    "cce_risk": "At risk of child criminal exploitation",
    "rso": "Registered sex offender",
    "mental_health": "Mental health",
    "learning_disability": "Learning disability",
    "substance_misuse": "Substance misuse",
    "disability": "Disability",
    "pregnant": "Pregnant",
}
DECISION_WORDS = {
    "no_further_action": "no further action",
    "early_help": "early help",
    "section_17": "child in need assessment (section 17)",
    "section_47": "child protection enquiry (section 47)",
    "already_open": "already open to children's social care",
}


@dataclass
class Checked:
    """One person as the background checks show them."""

    person_id: str
    name: str
    date_of_birth: dt.date | None
    age: int | None
    roles: list[str]
    url: str | None
    flags: list[str] = field(default_factory=list)
    total: int = 0
    counts: list[tuple[str, int]] = field(default_factory=list)  # (kind, how many), most first
    latest: list[dict[str, Any]] = field(default_factory=list)  # {at, kind, role, url}
    alerts: list[dict[str, Any]] = field(default_factory=list)  # {title, url}

    @property
    def is_child(self) -> bool:
        return self.age is not None and self.age < 18


def records_checked(record: Record) -> list[Record]:
    """The referral and the records it links to (not its amendments)."""
    targets = list(
        RecordLink.objects.filter(record=record)
        .exclude(relation=AMENDS)
        .values_list("target_system", "target_id")
    )
    wanted = Q(pk__in=[])
    for system, source_id in targets:
        wanted |= Q(source_system=system, source_id=source_id)
    return [record, *Record.objects.filter(wanted).exclude(pk=record.pk).order_by("occurred_at")]


def people_checked(records: list[Record]) -> dict[int, list[str]]:
    """Person pk -> their roles on these records (professionals left out), in the order named:
    the referral's own people first, then those of the records it links to."""
    roles: dict[int, list[str]] = {}
    place = {r.pk: i for i, r in enumerate(records)}
    rows = sorted(
        PersonMention.objects.filter(record__in=records, link__isnull=False)
        .exclude(role__in=NOT_CHECKED)
        .values_list("record_id", "pk", "link__person_id", "role"),
        key=lambda row: (place[row[0]], row[1]),
    )
    for _, _, pk, role in rows:
        held = roles.setdefault(pk, [])
        words = role.replace("_", " ")
        if words not in held:
            held.append(words)
    return dict(list(roles.items())[:MAX_PEOPLE])


def background_checks(record: Record, user: Any, today: dt.date | None = None) -> list[Checked]:
    """What Vigil holds on each person the referral (and the records it links to) names, as
    this user may see it: children first, then adults, each in the order named."""
    viewer = viewer_for(user)
    roles = people_checked(records_checked(record))
    summaries, rows_by = summarise(roles, viewer, today=today or timezone.localdate())
    out: dict[int, Checked] = {}
    latest_mentions: dict[int, list[dict[str, Any]]] = {}
    for pk, summary in summaries.items():
        rows = rows_by.get(pk, [])
        seen: dict[tuple[str, str], dict[str, Any]] = {}
        for row in rows:  # oldest first: the latest mention of a record wins
            seen[(row["record__source_system"], row["record__source_id"])] = row
        kinds = Counter(row["record__record_type"] for row in seen.values())
        ordered = sorted(seen.values(), key=lambda r: (r["occurred_at"], r["pk"]), reverse=True)
        latest_mentions[pk] = ordered[:LATEST]
        out[pk] = Checked(
            person_id=summary.person_id,
            name=summary.best_name,
            date_of_birth=summary.date_of_birth,
            age=summary.age,
            roles=roles[pk],
            url=optional_url("people:person", summary.person_id),
            flags=sorted(
                FLAG_LABELS.get(f, f.replace("_", " ").capitalize()) for f in summary.flags
            ),
            total=len(seen),
            counts=[
                (kind_label(k), n) for k, n in sorted(kinds.items(), key=lambda i: (-i[1], i[0]))
            ],
        )
    _add_latest(out, latest_mentions)
    _add_alerts(out, rows_by, can(user, Capability.VIEW_ALERTS))
    order = {pk: i for i, pk in enumerate(roles)}
    return [out[pk] for pk in sorted(out, key=lambda pk: (not out[pk].is_child, order[pk]))]


def _add_latest(out: dict[int, Checked], latest: dict[int, list[dict[str, Any]]]) -> None:
    record_of = dict(
        PersonMention.objects.filter(
            pk__in=[row["pk"] for rows in latest.values() for row in rows]
        ).values_list("pk", "record_id")
    )
    for pk, rows in latest.items():
        out[pk].latest = [
            {
                "at": row["occurred_at"],
                "kind": kind_label(row["record__record_type"]),
                "role": row["role"].replace("_", " "),
                "url": optional_url("people:record", record_of[row["pk"]])
                if row["pk"] in record_of
                else None,
            }
            for row in rows
        ]


def _add_alerts(
    out: dict[int, Checked], rows_by: dict[int, list[dict[str, Any]]], link: bool
) -> None:
    """Each person's open alerts: about them, or about a record naming them (as the person page
    collects them). Two queries per 500 people or records."""
    by_person_id = {c.person_id: pk for pk, c in out.items()}
    found: dict[int, dict[str, Alert]] = defaultdict(dict)
    for chunk in chunks(by_person_id):
        for alert in Alert.objects.live().about_persons(chunk):
            found[by_person_id[alert.person_id]][alert.alert_id] = alert
    owner: dict[tuple[str, str, str], int] = {}
    for pk, rows in rows_by.items():
        if pk in out:
            for r in rows:
                owner[(r["record__source_system"], r["record__source_id"], r["mention_id"])] = pk
    for chunk in chunks(sorted({k[1] for k in owner})):
        for alert in Alert.objects.live().on_records(chunk):
            for pk in {owner[key] for m in alert.mentions if (key := tuple(m)) in owner}:
                found[pk][alert.alert_id] = alert
    for pk, alerts in found.items():
        out[pk].alerts = [
            {
                "title": titles.title(a.code, a.thresholds),
                "url": optional_url("alerts:alert", a.alert_id) if link else None,
            }
            for a in sorted(alerts.values(), key=lambda a: (a.raised_at, a.code))
        ]


def decided(record: Record, now: dt.datetime) -> dict[str, Any] | None:
    """The decision the referral holds in effect (from its source or recorded in Vigil)."""
    referral = effective_referral(record, amendments_of([record]).get(record.pk, []), now)
    if referral.decision_at is None or referral.decision_at > now:
        return None
    return {
        "decision": DECISION_WORDS.get(str(referral.decision or ""), "a decision"),
        "at": referral.decision_at,
    }


def background_panel(request: HttpRequest, subject: Subject) -> dict[str, Any] | None:
    """The referral decision form's panel: the clock, any decision already in effect, and the
    background checks (logged, one entry per person shown). Nothing for partners."""
    record = subject.record
    user = request.user
    if record is None or record.record_type != "referral" or not can(user, Capability.VIEW_PERSON):
        return None
    now = timezone.now()
    people = background_checks(record, user)
    for person in people:
        log_access(
            request,
            AuditAction.PERSON_CHECK,
            person.person_id,
            detail={
                "referral": f"{record.source_system}/{record.source_id}",
                "records_shown": person.total,
                "alerts_shown": len(person.alerts),
            },
        )
    return {
        "template": "casework/inbox/_checks.html",
        "people": people,
        "clock": referral_clock(record, now),
        "decided": decided(record, now),
    }
