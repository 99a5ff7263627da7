"""An action's own page (the link from My work, the team page and notifications): what is to be
done, by whom and when, where it was agreed, its history, and the way to record it done."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from vigil.access.disclosure import kind_label
from vigil.access.permissions import Capability, can, requires
from vigil.accounts.models import User
from vigil.audit.access import log_access
from vigil.audit.actions import AuditAction
from vigil.casework.models import CaseAction
from vigil.casework.people import name_of
from vigil.casework.work import title
from vigil.casework.work_items import holds, may_record_done
from vigil.identity.models import MentionLink

DONE_FLOWS = {"strategy_discussion": "strategy-action-done", "marac": "marac-action-done"}
EVENTS = {
    "assigned": "Given",
    "handed_on": "Handed on",
    "unassigned": "Taken from its holder",
    "note": "Note",
    "done": "Closed",
}


@requires(Capability.RECORD_OWN_ACTIONS)
def action(request: HttpRequest, key: str) -> HttpResponse:
    item = get_object_or_404(
        CaseAction.objects.select_related("record", "assigned_to", "assigned_team", "assigned_by"),
        key=key,
    )
    user = request.user
    sees_people = can(user, Capability.VIEW_PERSON)
    if not sees_people and not holds(user, item):
        raise PermissionDenied  # a partner sees only the actions they, or their team, hold
    log_access(request, AuditAction.CASE_ACTION_VIEW, f"case_action:{item.key}")
    record = item.record
    local = timezone.localtime(record.occurred_at)
    agreed = f"{kind_label(record.record_type)} of {local.day} {local:%B %Y}"
    people: list[str] = []
    if sees_people:
        ids = (
            MentionLink.objects.filter(mention__record=record)
            .values_list("person__person_id", flat=True)
            .distinct()
        )
        people = [name_of(p) for p in ids]
    done_url = ""
    if item.status == CaseAction.Status.OPEN and may_record_done(user, record, item.match):
        flow = DONE_FLOWS[item.record_type]
        done_url = f"{reverse(f'casework:{flow}', args=[record.pk])}?action={item.match}"
    names = {
        u.username: u.display_name
        for u in User.objects.filter(username__in={e.actor for e in item.events.all()})
    }
    history: list[dict[str, Any]] = [
        {
            "what": EVENTS.get(e.action, e.action.replace("_", " ").capitalize()),
            "by": names.get(e.actor, "Vigil"),
            "at": e.at,
            "to": e.detail.get("to") or e.detail.get("team") or "",
            "note": e.detail.get("note") or e.detail.get("rationale") or "",
        }
        for e in item.events.all()
    ]
    return render(
        request,
        "casework/strategy/action.html",
        {
            "item": item,
            "title": title(item),
            "agreed": agreed,
            "record_url": reverse("people:record", args=[record.pk]) if sees_people else "",
            "people": people,
            "overdue": item.status == CaseAction.Status.OPEN
            and item.due_at is not None
            and item.due_at < timezone.now(),
            "done_url": done_url,
            "history": history,
            "back": (
                (reverse("work:mine"), "My work")
                if can(user, Capability.MY_WORK)
                else (reverse("casework:actions"), "Your actions")
            ),
        },
    )


@requires(Capability.RECORD_OWN_ACTIONS)
def my_actions(request: HttpRequest) -> HttpResponse:
    """The open actions a person holds, and those waiting in their team's tray: partners' way
    to their actions (they have no My work), and everyone's list of actions alone."""
    from vigil.casework.work import KIND
    from vigil.work import queries
    from vigil.work.registry import get

    kind = get(KIND)
    user = request.user
    assert isinstance(user, User)
    now = timezone.now()

    def listed(qs: Any) -> list[dict[str, Any]]:
        items = list(
            qs.annotate(urgency=queries.urgency(now))
            .select_related("assigned_to", "assigned_team", "assigned_by")
            .order_by("urgency", "due_at", "pk")[: queries.SHOWN]
        )
        return queries.rows_of(kind, items, now)

    mine = listed(queries.assigned_to(kind, user))
    tray = listed(queries.team_tray(kind, user.team)) if user.team is not None else []
    log_access(
        request,
        AuditAction.CASE_ACTION_LIST,
        "casework:actions",
        detail={"shown": [r["item"].key for r in mine + tray]},
    )
    return render(
        request,
        "casework/strategy/actions.html",
        {"mine": mine, "tray": tray, "team": user.team},
    )
