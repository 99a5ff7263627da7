"""The MARAC list (issue 13): each MARAC held, newest referral first, with its victim, the
victim's domestic abuse incidents and the children exposed to them (ALERTS.md 'DA incident'),
and its actions and their state. A page of 20 at a time; every person shown is logged."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from vigil.access.disclosure import kind_label
from vigil.access.permissions import Capability, requires
from vigil.audit.access import log_access
from vigil.audit.actions import AuditAction
from vigil.casework.flows.marac import CRITERIA, exposed_to, is_da_incident, name_of_mention
from vigil.casework.work_items import actions_of, amendments_of
from vigil.identity.models import MentionLink
from vigil.records.contract import AMENDS, VIGIL_SYSTEM
from vigil.records.models import Record
from vigil.ui.fields import when_text
from vigil.ui.pages import page_of

PER_PAGE = 20
INCIDENTS_SHOWN = 10
DA_TYPES = ("crime", "concern", "call")


def _effective(record: Record, amendments: list[Record], name: str) -> Any:
    """A field as the rules read it: the source's value, else the first amendment's."""
    value = record.payload.get(name)
    if value in (None, ""):
        for amendment in amendments:
            if amendment.payload.get(name) not in (None, ""):
                return amendment.payload[name]
    return value


def _moment(value: Any) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


def _row(marac: Record, now: dt.datetime) -> dict[str, Any]:
    amendments = amendments_of(marac)
    victims: dict[str, str] = {}
    for link in MentionLink.objects.filter(mention__record=marac).select_related(
        "mention", "person"
    ):
        if link.mention.role == "victim":
            victims.setdefault(link.person.person_id, name_of_mention(link.mention))
    incidents = []
    exposed: dict[str, str] = {}
    if victims:
        named = (
            Record.objects.filter(
                record_type__in=DA_TYPES,
                mentions__link__person__person_id__in=list(victims),
            )
            .distinct()
            .order_by("-occurred_at")
        )
        incidents = [record for record in named if is_da_incident(record)]
        exposed = exposed_to(incidents, set(victims))
    actions = []
    for a in actions_of(marac, amendments):
        if a.done_at is not None:
            state, tag = f"Done {when_text(a.done_at)}", "green"
        elif a.due_at is not None and a.due_at < now:
            state, tag = "Overdue", "red"
        else:
            state, tag = "Open", "blue"
        actions.append({"action": a, "state": state, "tag": tag})
    referred = _moment(_effective(marac, amendments, "referred_at"))
    meeting = _moment(_effective(marac, amendments, "meeting_at"))
    shared = _effective(marac, amendments, "information_shared_before")
    return {
        "record": marac,
        "url": reverse("people:record", args=[marac.pk]),
        "victims": [
            {"name": n, "url": reverse("people:person", args=[p])} for p, n in victims.items()
        ],
        "referred": when_text(referred) if referred else "Not recorded",
        "criteria": dict(CRITERIA).get(
            str(_effective(marac, amendments, "criteria") or ""), "Not recorded"
        ),
        "shared": {True: "Yes", False: "No"}.get(shared, "Not recorded"),
        "meeting": when_text(meeting) if meeting else "Not yet recorded",
        "meeting_passed": meeting is not None and meeting < now,
        "incidents": [
            {
                "label": f"{kind_label(r.record_type)} of "
                f"{timezone.localtime(r.occurred_at):%-d %B %Y}",
                "url": reverse("people:record", args=[r.pk]),
            }
            for r in incidents[:INCIDENTS_SHOWN]
        ],
        "incident_count": len(incidents),
        "children": [
            {"name": n, "url": reverse("people:person", args=[p])} for p, n in exposed.items()
        ],
        "people": list(victims) + list(exposed),
        "actions": actions,
    }


@requires(Capability.VIEW_MARAC_LIST)
def marac_list(request: HttpRequest) -> HttpResponse:
    amendments = Q(source_system=VIGIL_SYSTEM, links__relation=AMENDS)
    maracs = (
        Record.objects.filter(record_type="marac")
        .exclude(pk__in=Record.objects.filter(amendments).values("pk"))
        .order_by("-occurred_at", "-pk")
    )
    page = page_of(request, maracs, PER_PAGE)
    now = timezone.now()
    rows = [_row(m, now) for m in page.object_list]
    log_access(
        request,
        AuditAction.MARAC_LIST,
        "casework:marac",
        detail={
            "shown": [f"{r['record'].source_system}/{r['record'].source_id}" for r in rows],
            "people": sorted({p for r in rows for p in r["people"]}),
            "page": page.number,
        },
    )
    return render(request, "casework/marac/list.html", {"page": page, "rows": rows})
