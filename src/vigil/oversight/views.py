"""The supervisor's view: what is ageing, drifting, waiting, and who carries the work.

Every figure is one SQL aggregate, and every figure links to the list behind it: the alert
queue with the same filters (``queries`` defines both), or a list page here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from vigil.access.permissions import Capability, can, requires
from vigil.alerts.models import Alert
from vigil.alerts.queries import DRIFT_CODES, queue_query
from vigil.alerts.querysets import AGE_BANDS
from vigil.audit.access import log_access
from vigil.audit.actions import AuditAction
from vigil.identity.models import MentionLink
from vigil.inspection import recommendations
from vigil.oversight import queries
from vigil.oversight.queries import adult_birthday_cutoff, children_in_custody
from vigil.records.models import PersonMention, Record
from vigil.ui.pages import optional_url, page_of

PER_PAGE = 50


def _instant(value: Any) -> dt.datetime | None:
    """A payload's ISO 8601 instant (as received; no offset means London, as the contract says)."""
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo("Europe/London"))


def _queue(**params: Any) -> str:
    query = queue_query(**params)
    return reverse("alerts:queue") + (f"?{query}" if query else "")


@requires(Capability.SUPERVISE)
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    live = Alert.objects.live()
    bands = live.figures(now)
    ages = [
        {"label": b[1], "n": bands[f"band_{i}"], "url": _queue(age=b[0])}
        for i, b in enumerate(AGE_BANDS)
    ]
    drift_counts = {c["code"]: c["n"] for c in live.filter(code__in=DRIFT_CODES).by_code()}
    drift = [{"code": c, "n": drift_counts.get(c, 0), "url": _queue(code=c)} for c in DRIFT_CODES]
    workload = [
        {
            "username": row["assigned_to__full_name"] or row["assigned_to__username"],
            "team": row["assigned_to__team__name"] or "",
            "n": row["n"],
            "overdue": row["overdue"],
            "url": _queue(assignee=row["assigned_to"] or "none"),
            "overdue_url": _queue(assignee=row["assigned_to"] or "none", overdue="1"),
        }
        for row in live.workload(now)
    ]
    teams = [
        {
            "team": row["assigned_team__name"],
            "n": row["n"],
            "url": _queue(team=row["assigned_team__name"]),
        }
        for row in live.exclude(assigned_team=None)
        .values("assigned_team__name")
        .annotate(n=Count("id"))
        .order_by("assigned_team__name")
    ]
    late_count, late = (
        recommendations.overdue(now) if can(request.user, Capability.VIEW_CASE_AUDITS) else (0, [])
    )
    log_access(request, AuditAction.SUPERVISOR_VIEW, "supervisor")
    return render(
        request,
        "oversight/supervisor.html",
        {
            "late_recommendations": late,
            "late_recommendation_count": late_count,
            "show_recommendations": can(request.user, Capability.VIEW_CASE_AUDITS),
            "totals": bands,
            "ages": ages,
            "drift": drift,
            "drift_total": sum(d["n"] for d in drift),
            "drift_url": _queue(code=list(DRIFT_CODES)),
            "custody": children_in_custody(now).count(),
            "referrals": queries.referrals_waiting().count(),
            "workload": workload,
            "teams": teams,
            "live_url": _queue(),
            "overdue_url": _queue(overdue="1"),
        },
    )


def _people_on(records: list[Record], role: str | None = None) -> dict[int, list[dict[str, Any]]]:
    """The people named on some records (one query), with their person ids where linked."""
    mentions = PersonMention.objects.filter(record__in=records)
    if role:
        mentions = mentions.filter(role=role)
    person_of = dict(
        MentionLink.objects.filter(mention__in=mentions).values_list(
            "mention_id", "person__person_id"
        )
    )
    out: dict[int, list[dict[str, Any]]] = {}
    for m in mentions.order_by("record_id", "mention_id"):
        person_id = person_of.get(m.pk)
        out.setdefault(m.record_id, []).append(
            {
                "name": " ".join(p for p in (m.forename, m.surname) if p) or "Name not recorded",
                "date_of_birth": m.date_of_birth,
                "role": m.role,
                "person_id": person_id,
                "url": optional_url("people:person", person_id) if person_id else None,
            }
        )
    return out


def _record_rows(
    request: HttpRequest, records: Any, role: str | None
) -> tuple[Any, list[dict[str, Any]]]:
    page = page_of(request, records, PER_PAGE)
    items = list(page.object_list)
    people = _people_on(items, role)
    rows = [
        {"record": r, "people": people.get(r.pk, []), "url": optional_url("people:record", r.pk)}
        for r in items
    ]
    return page, rows


@requires(Capability.SUPERVISE)
@require_GET
def custody_now(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    records = children_in_custody(now).order_by("occurred_at", "id")
    page, rows = _record_rows(request, records, "detainee")
    cutoff = adult_birthday_cutoff(now)
    for row in rows:
        row["people"] = [
            p for p in row["people"] if not p["date_of_birth"] or p["date_of_birth"] > cutoff
        ]
        row["arrived_at"] = _instant(row["record"].payload.get("arrived_at"))
        row["hours"] = (
            int((now - row["arrived_at"]).total_seconds() // 3600) if row["arrived_at"] else None
        )
    log_access(
        request,
        AuditAction.SUPERVISOR_VIEW,
        "supervisor:custody-now",
        detail={"records": [r["record"].pk for r in rows]},
    )
    return render(request, "oversight/custody_now.html", {"page": page, "rows": rows, "now": now})


@requires(Capability.SUPERVISE)
@require_GET
def referrals_waiting(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    # One pass over the referrals (each one's payload read) for every waiting id, in order;
    # then the page's records by primary key. A COUNT and a page query would read them twice.
    ids = list(
        queries.referrals_waiting().order_by("occurred_at", "id").values_list("id", flat=True)
    )
    page = page_of(request, ids, PER_PAGE)
    by_id = Record.objects.in_bulk(list(page.object_list))
    records = [by_id[i] for i in page.object_list if i in by_id]
    people = _people_on(records, None)
    rows: list[dict[str, Any]] = [
        {"record": r, "people": people.get(r.pk, []), "url": optional_url("people:record", r.pk)}
        for r in records
    ]
    for row in rows:
        payload = row["record"].payload
        row["to_agency"] = (payload.get("to_agency") or "").replace("_", " ")
        row["sent_at"] = _instant(payload.get("sent_at")) or row["record"].occurred_at
        row["days"] = (now - row["sent_at"]).days
        row["people"] = [p for p in row["people"] if p["role"] != "professional"]
    log_access(
        request,
        AuditAction.SUPERVISOR_VIEW,
        "supervisor:referrals-waiting",
        detail={"records": [r["record"].pk for r in rows]},
    )
    return render(request, "oversight/referrals_waiting.html", {"page": page, "rows": rows})
