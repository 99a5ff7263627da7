"""The questions My work and the team page ask of every kind of work, each answered in SQL with
a bounded page of rows (the indexes are in each kind's ``Meta.indexes``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from vigil.accounts.models import Team, User
from vigil.work.registry import WorkKind, kinds

SHOWN = 50  # rows of each list on a page; the counts say how many there are in all
PER_PERSON = 10  # rows of each person's work on the team page
OVERDUE, DUE_TODAY, LATER = 0, 1, 2


def day_bounds(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """Today in the force's calendar (Europe/London), as two instants."""
    today = timezone.localtime(now).date()
    start = dt.datetime.combine(today, dt.time(), tzinfo=timezone.get_current_timezone())
    return start, start + dt.timedelta(days=1)


def urgency(now: dt.datetime) -> Case:
    _, tomorrow = day_bounds(now)
    return Case(
        When(due_at__lt=now, then=Value(OVERDUE)),
        When(due_at__lt=tomorrow, then=Value(DUE_TODAY)),
        default=Value(LATER),
        output_field=IntegerField(),
    )


def assigned_to(kind: WorkKind, user: User) -> QuerySet[Any]:
    return kind.items().filter(kind.live(), assigned_to=user)


def team_tray(kind: WorkKind, team: Team) -> QuerySet[Any]:
    return kind.items().filter(kind.live(), assigned_team=team, assigned_to=None)


def handed_on_by(kind: WorkKind, user: User) -> QuerySet[Any]:
    return kind.items().filter(kind.live(), assigned_by=user).exclude(assigned_to=user)


@dataclass
class WorkList:
    """One list on My work, over every kind: its first rows, most urgent first, and counts."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0
    overdue: int = 0
    due_today: int = 0


def work_list(query: Any, now: dt.datetime, viewer: User) -> WorkList:
    """``query(kind)`` gives each kind's QuerySet; rows are overdue first, then due today, then
    the rest, each by due date (none last), then oldest first."""
    out = WorkList()
    _, tomorrow = day_bounds(now)
    for kind in kinds():
        if not viewer.is_active or kind.see not in _held(viewer):
            continue
        qs = query(kind)
        counts = qs.aggregate(
            total=Count("pk"),
            overdue=Count("pk", filter=Q(due_at__lt=now)),
            today=Count("pk", filter=Q(due_at__gte=now, due_at__lt=tomorrow)),
        )
        out.total += counts["total"]
        out.overdue += counts["overdue"]
        out.due_today += counts["today"]
        if not counts["total"]:
            continue
        items = (
            qs.annotate(urgency=urgency(now))
            .select_related("assigned_to", "assigned_team", "assigned_by")
            .defer(*kind.listing_defers)
            .order_by("urgency", F("due_at").asc(nulls_last=True), "pk")[:SHOWN]
        )
        out.rows += rows_of(kind, list(items), now)
    out.rows.sort(key=lambda r: (r["urgency"], r["due_at"] is None, r["due_at"] or now))
    out.rows = out.rows[:SHOWN]
    return out


def rows_of(kind: WorkKind, items: list[Any], now: dt.datetime) -> list[dict[str, Any]]:
    about = kind.describe(items) if kind.describe and items else {}
    return [dict(row(kind, item, now), subject=about.get(item.pk, "")) for item in items]


def row(kind: WorkKind, item: Any, now: dt.datetime) -> dict[str, Any]:
    level = getattr(item, "urgency", None)
    if level is None:
        _, tomorrow = day_bounds(now)
        level = (
            OVERDUE
            if item.due_at and item.due_at < now
            else (DUE_TODAY if item.due_at and item.due_at < tomorrow else LATER)
        )
    return {
        "kind": kind,
        "item": item,
        "title": kind.title(item),
        "url": kind.url(item),
        "due_at": item.due_at,
        "urgency": level,
        "overdue": level == OVERDUE,
        "due_today": level == DUE_TODAY,
        "holder": item.assigned_to,
        "team": item.assigned_team,
        "given_by": item.assigned_by,
        "status": item.status,
    }


def _held(user: User) -> frozenset[Any]:
    from vigil.access.permissions import capabilities

    return capabilities(user)


@dataclass
class PersonLoad:
    person: User
    total: int = 0
    overdue: int = 0
    rows: list[dict[str, Any]] = field(default_factory=list)


def team_counts(team: Team, now: dt.datetime, viewer: User) -> dict[int, PersonLoad]:
    """Each active member's live work and how much of it is overdue (one aggregate a kind)."""
    members = list(team.members.filter(is_active=True).order_by("full_name", "username"))
    loads = {m.pk: PersonLoad(m) for m in members}
    held = _held(viewer)
    for kind in kinds():
        if kind.see not in held:
            continue
        live = kind.items().filter(kind.live(), assigned_to__in=members)
        for pk, n, overdue in (
            live.values("assigned_to")
            .order_by()
            .annotate(n=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=now)))
            .values_list("assigned_to", "n", "overdue")
        ):
            loads[pk].total += n
            loads[pk].overdue += overdue
    return loads


def team_load(
    team: Team, now: dt.datetime, viewer: User
) -> tuple[list[PersonLoad], WorkList, list[dict[str, Any]]]:
    """The team's live work by person (overdue counts, the most urgent few of each), the
    team's tray, and what the team closed in the last seven days, newest first."""
    loads = team_counts(team, now, viewer)
    members = [load.person for load in loads.values()]
    closed: list[dict[str, Any]] = []
    held = _held(viewer)
    for kind in kinds():
        if kind.see not in held:
            continue
        live = kind.items().filter(kind.live(), assigned_to__in=members)
        # Each person's most urgent few, in one query for the whole team.
        order = [urgency(now).asc(), F("due_at").asc(nulls_last=True), F("pk").asc()]
        top = list(
            live.annotate(
                urgency=urgency(now),
                rank=Window(RowNumber(), partition_by=[F("assigned_to")], order_by=order),
            )
            .filter(rank__lte=PER_PERSON)
            .select_related("assigned_to", "assigned_team", "assigned_by")
            .defer(*kind.listing_defers)
        )
        for r in rows_of(kind, top, now):
            loads[r["item"].assigned_to_id].rows.append(r)
        week = now - dt.timedelta(days=7)
        events = (
            kind.event_model._default_manager.filter(
                action=kind.transitions[kind.close].event,
                at__gte=week,
                **{f"{kind.event_item_field}__assigned_team": team},
            )
            .select_related(kind.event_item_field)
            .order_by("-at")[:SHOWN]
        )
        for event in events:
            item = getattr(event, kind.event_item_field)
            closed.append(
                {
                    "title": kind.title(item),
                    "url": kind.url(item),
                    "at": event.at,
                    "by": event.actor,
                    "outcome": event.detail.get("outcome_label", ""),
                }
            )
    for load in loads.values():
        load.rows.sort(key=lambda r: (r["urgency"], r["due_at"] is None, r["due_at"] or now))
    tray = work_list(lambda kind: team_tray(kind, team), now, viewer)
    # Events name their actor by account; people are shown by name.
    names = {
        u.username: u.display_name
        for u in User.objects.filter(username__in={c["by"] for c in closed}).only(
            "username", "full_name"
        )
    }
    for c in closed:
        c["by"] = names.get(c["by"], "Vigil")
    closed.sort(key=lambda c: c["at"], reverse=True)
    return list(loads.values()), tray, closed
