"""An alert's subject named as staff name it, and an alert's history in words.

A person is their most used name, age and date of birth ("Ella Price, 14, born 3 May 2012"), as
the person pages choose them (``vigil.identity.summaries.summarise``, from the mentions the
viewer may see); a record is its type and date ("Custody record, 4 March 2026") with the
children it names. Never an internal id. Every look-up is one query for a whole page of alerts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone

from vigil.access.disclosure import Viewer, kind_label
from vigil.accounts.models import User
from vigil.alerts.models import Alert, AlertEvent
from vigil.identity.models import Person
from vigil.identity.summaries import summarise
from vigil.records.models import PersonMention, Record
from vigil.ui.pages import optional_url

ENGINE = "system:rules"
# A record alert names the children on its record; a page lists at most this many per alert.
MAX_CHILDREN = 6
RECORD_NOUNS = {"custody": "Custody record", "rso": "Sex offender management record"}


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


@dataclass
class Named:
    """A person as staff name them."""

    name: str
    age: int | None = None
    born: dt.date | None = None
    url: str | None = None
    person_id: str = ""  # for the access log, never shown

    @property
    def text(self) -> str:
        parts = [self.name]
        if self.age is not None:
            parts.append(str(self.age))
        if self.born is not None:
            parts.append(f"born {long_date(self.born)}")
        return ", ".join(parts)


UNLINKED = Named("A person whose records are not yet linked")


@dataclass
class Subject:
    """What an alert is about: a person, or a record and the children it names."""

    key: str
    person: Named | None = None
    record: str = ""
    record_url: str | None = None
    children: list[Named] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.person.text if self.person else self.record

    @property
    def url(self) -> str | None:
        return self.person.url if self.person else self.record_url

    @property
    def person_ids(self) -> list[str]:
        """Everyone this subject names, for the access log."""
        named = [self.person] if self.person else self.children
        return [p.person_id for p in named if p.person_id]


def group_key(alert: Alert) -> str:
    """Alerts about one person group together, and alerts about one record: the subject key
    is "person:<id>" or "record:<system>/<id>" (as ``AlertFilters.grouped`` orders them)."""
    return alert.subject_key


def record_words(record_type: str, occurred_at: dt.datetime, viewer: Viewer) -> str:
    if viewer.visibility(record_type) == "restricted":
        return "A restricted record"
    noun = RECORD_NOUNS.get(record_type) or kind_label(viewer.kind(record_type, None))
    return f"{noun}, {long_date(timezone.localtime(occurred_at).date())}"


def subjects(
    alerts: Sequence[Alert],
    viewer: Viewer,
    today: dt.date | None = None,
) -> dict[int, Subject]:
    """Each alert's subject, by the alert's pk: at most four queries, whatever the number."""
    today = today or timezone.localdate()
    person_ids = {a.person_id for a in alerts if a.person_id}
    pk_of = (
        dict(Person.objects.filter(person_id__in=sorted(person_ids)).values_list("person_id", "pk"))
        if person_ids
        else {}
    )
    record_alerts = [a for a in alerts if a.subject_kind == "record" and not a.person_id]
    records: dict[tuple[str, str], dict[str, Any]] = {}
    if record_alerts:
        q = Q()
        for a in record_alerts:
            q |= Q(source_system=a.record_system, source_id=a.record_source_id)
        records = {
            (r["source_system"], r["source_id"]): dict(r)
            for r in Record.objects.filter(q).values(
                "pk", "source_system", "source_id", "record_type", "occurred_at"
            )
        }
    # The children a record alert names (its mentions), as linked persons.
    person_of_mention: dict[tuple[int, str], int] = {}
    if records:
        wanted = {
            (r["pk"], m[2])
            for a in record_alerts
            if (r := records.get((a.record_system, a.record_source_id)))
            for m in a.mentions[:MAX_CHILDREN]
        }
        for record_id, mention_id, person_pk in PersonMention.objects.filter(
            record_id__in=sorted({r for r, _ in wanted}),
            link__isnull=False,
        ).values_list("record_id", "mention_id", "link__person_id"):
            if (record_id, mention_id) in wanted:
                person_of_mention[(record_id, mention_id)] = person_pk
    people, _ = summarise(
        set(pk_of.values()) | set(person_of_mention.values()), viewer, today=today
    )

    def named(pk: int | None) -> Named | None:
        summary = people.get(pk) if pk is not None else None
        if summary is None:
            return None
        return Named(
            summary.best_name,
            summary.age,
            summary.date_of_birth,
            optional_url("people:person", summary.person_id),
            summary.person_id,
        )

    out: dict[int, Subject] = {}
    for a in alerts:
        subject = Subject(key=group_key(a))
        if a.person_id:
            subject.person = named(pk_of.get(a.person_id)) or UNLINKED
        else:
            record = records.get((a.record_system, a.record_source_id))
            if record is None:
                subject.record = "A record no longer held"
            else:
                subject.record = record_words(record["record_type"], record["occurred_at"], viewer)
                if subject.record != "A restricted record":
                    subject.record_url = optional_url("people:record", record["pk"])
                seen: set[int] = set()
                for m in a.mentions[:MAX_CHILDREN]:
                    pk = person_of_mention.get((record["pk"], m[2]))
                    if pk is not None and pk not in seen and (child := named(pk)):
                        seen.add(pk)
                        subject.children.append(child)
        out[a.pk] = subject
    return out


# An alert's history ----------------------------------------------------------------------------

EVENT_WORDS = {
    "raised": "Raised by Vigil's rules",
    "updated": "The records it rests on changed",
    "reopened": "Opened again",
    "resolved": "Resolved: the condition no longer holds",
    "acknowledged": "Acknowledged",
    "closed": "Closed",
    "assigned": "Assigned",
    "unassigned": "Unassigned",
}


@dataclass
class Happened:
    """One event in an alert's life, in words."""

    at: dt.datetime
    what: str
    who: str
    said: str = ""


def people_named(usernames: Iterable[str]) -> dict[str, str]:
    """Usernames to the names staff know each other by (one query)."""
    names = sorted({u for u in usernames if u and u != ENGINE})
    if not names:
        return {}
    return {
        u.username: u.display_name
        for u in User.objects.filter(username__in=names).only("username", "full_name")
    }


def history(
    events: Sequence[AlertEvent],
    names: dict[str, str],
    *,
    withheld: bool = False,
) -> list[Happened]:
    """Events as "what happened, who, when, and what they wrote". ``withheld``: the alert draws
    on a restricted record, so what people wrote about it is not shown either."""
    out = []
    for e in events:
        who = "Vigil" if e.actor == ENGINE else names.get(e.actor, e.actor)
        what = EVENT_WORDS.get(e.action) or e.action.replace("_", " ").capitalize()
        detail = e.detail or {}
        said = ""
        if e.action in ("assigned", "unassigned"):
            to, was = detail.get("to"), detail.get("from")
            said = f"To {names.get(to, to)}" if to else ""
            if was:
                said += ("; " if said else "") + f"was {names.get(was, was)}"
        elif not withheld:
            said = str(detail.get("rationale") or detail.get("note") or "")
        if e.action == "reopened" and detail.get("why"):
            said = f"Because {detail['why']}"
        out.append(Happened(e.at, what, who, said))
    return out
