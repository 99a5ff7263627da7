"""The front door's referrals inbox (MASH): every referral to children's social care or the MASH
with no decision yet, oldest clock first, each with its first-working-day clock, the children it
names, and the way to record its decision.

A page is a fixed number of queries whatever the size of the force: the count and the page of
referrals (``front_door.waiting``), the people they name, and their amendments.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from vigil.access.permissions import Capability, can, requires
from vigil.audit.access import log_access
from vigil.audit.actions import AuditAction
from vigil.casework import front_door
from vigil.identity.summaries import age_on
from vigil.records.models import PersonMention, Record
from vigil.ui.pages import optional_url, page_of

PER_PAGE = 25
NOT_NAMED = ("professional", "reporting_person")  # who made or passed on the referral


def named(records: list[Record], today: dt.date) -> dict[int, list[dict[str, Any]]]:
    """The people each referral names (not the referrer), children first: name, age today, and
    their page. One query."""
    out: dict[int, list[dict[str, Any]]] = {}
    occurred = {r.pk: r.occurred_at for r in records}
    rows = (
        PersonMention.objects.filter(record__in=records)
        .exclude(role__in=NOT_NAMED)
        .order_by("record_id", "pk")
        .values(
            "record_id",
            "forename",
            "surname",
            "date_of_birth",
            "age_estimate",
            "link__person__person_id",
        )
    )
    for row in rows:
        on = timezone.localtime(occurred[row["record_id"]]).date()
        then = age_on(row["date_of_birth"], row["age_estimate"], on, on)
        now = age_on(row["date_of_birth"], row["age_estimate"], on, today)
        person_id = row["link__person__person_id"]
        out.setdefault(row["record_id"], []).append(
            {
                "name": " ".join(p for p in (row["forename"], row["surname"]) if p)
                or "Name not recorded",
                "age": now,
                "child": then is not None and then < 18,
                "url": optional_url("people:person", person_id) if person_id else None,
            }
        )
    for people in out.values():
        people.sort(key=lambda p: not p["child"])
    return out


@requires(Capability.REFERRALS_INBOX)
@require_GET
def referrals(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    page = page_of(request, front_door.waiting(now), PER_PAGE)
    records: list[Record] = list(page.object_list)
    people = named(records, timezone.localdate())
    amendments = front_door.amendments_of(records)
    days = front_door.working_days_policy()
    decide = can(request.user, Capability.DECIDE_REFERRALS)
    rows = []
    for record in records:
        referral = front_door.effective_referral(record, amendments.get(record.pk, []), now)
        clock = front_door.clock_of(referral, now, days)
        rows.append(
            {
                "record": record,
                "url": optional_url("people:record", record.pk),
                "decide_url": reverse("casework:referral-decision", args=[record.pk])
                if decide
                else None,
                "to": front_door.agency_name(referral.to_agency),
                "from_unit": referral.from_unit or "",
                "clock": clock,
                "people": people.get(record.pk, []),
            }
        )
    log_access(
        request,
        AuditAction.REFERRAL_LIST,
        "referrals",
        detail={
            "page": page.number,
            "records": [f"{r.source_system}/{r.source_id}" for r in records],
        },
    )
    return render(
        request,
        "casework/inbox/referrals.html",
        {"page": page, "rows": rows, "working_days": days},
    )
