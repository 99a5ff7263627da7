"""The recommendations tracker (AUDIT.md 'Recommendations'): what a report asks of the force,
who owns it, when the update or action plan and the revisit are due, how it is going, and its
measure of progress (the alerts of the codes it names, open at each month's end).

Every change is one function here writing the change, its history event and its access-log
entry in one transaction (docs/architecture.md). A recommendation is a kind of work
(``register_recommendations``, from ``InspectionConfig.ready``): on its owner's My work, overdue
first, until it is done.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from vigil.access.permissions import Capability, can
from vigil.accounts.models import Team, User
from vigil.alerts import titles
from vigil.alerts.models import Alert, AlertEvent
from vigil.audit import log
from vigil.audit.actions import AuditAction
from vigil.inspection.grading import revisit_due, update_due
from vigil.inspection.models import Audit, Recommendation, RecommendationEvent
from vigil.work import notify
from vigil.work.models import Notification
from vigil.work.registry import Outcome, Transition, WorkKind, register

KIND = "recommendation"
STATUS_LABELS = dict(Recommendation.Status.choices)
KIND_LABELS = dict(Recommendation.Kind.choices)
LIVE = (Recommendation.Status.OPEN, Recommendation.Status.IN_PROGRESS)
DONE = Recommendation.Status.DONE


class RecommendationError(ValueError):
    """A change refused, in words fit to show the person who asked; ``field`` names the form
    field at fault."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def code_choices() -> list[tuple[str, str]]:
    """Every alert code a recommendation may name, as its title in words."""
    return sorted(((code, titles.title(code)) for code in titles.TITLES), key=lambda c: c[1])


def owners() -> Any:
    """The accounts that may own a recommendation: active, and able to record its progress."""
    return [
        u
        for u in User.objects.filter(is_active=True)
        .select_related("team")
        .order_by("full_name", "username")
        if can(u, Capability.UPDATE_RECOMMENDATIONS)
    ]


def is_overdue(rec: Recommendation, now: dt.datetime | None = None) -> bool:
    return rec.status != DONE and rec.due_at < (now or timezone.now())


def overdue(now: dt.datetime, shown: int = 10) -> tuple[int, list[Recommendation]]:
    """Recommendations past their due date and not done: how many, and the most overdue few
    (the supervisor's page)."""
    late = Recommendation.objects.filter(status__in=LIVE, due_at__lt=now)
    first = list(
        late.select_related("audit", "assigned_to", "assigned_team").order_by("due_at", "pk")[
            :shown
        ]
    )
    return (late.count() if len(first) == shown else len(first)), first


def may_update(user: User, rec: Recommendation) -> bool:
    """The owner records progress: the person holding it, or, while a team holds it with nobody
    named, a member of that team (who then holds it)."""
    if not (user.is_active and can(user, Capability.UPDATE_RECOMMENDATIONS)):
        return False
    if rec.assigned_to_id is not None:
        return bool(rec.assigned_to_id == user.pk)
    return rec.assigned_team_id is not None and rec.assigned_team_id == user.team_id


def _target(rec: Recommendation) -> str:
    return f"recommendation:{rec.audit.audit_id}:{rec.number}"


def _check_codes(codes: Iterable[str]) -> list[str]:
    chosen = sorted(set(codes))
    unknown = [c for c in chosen if c not in titles.TITLES]
    if unknown:
        raise RecommendationError("choose the alerts it names from the list", "codes")
    return chosen


def _check_owner(owner: User | None, team: Team | None) -> tuple[User | None, Team | None]:
    if owner is None and team is None:
        raise RecommendationError("choose who owns the recommendation: a person or a team", "owner")
    if owner is not None:
        if not owner.is_active or not can(owner, Capability.UPDATE_RECOMMENDATIONS):
            raise RecommendationError(
                f"{owner.display_name} cannot record progress on recommendations, so cannot "
                "own one",
                "owner",
            )
        return owner, owner.team
    assert team is not None
    if not team.active:
        raise RecommendationError(f"the team {team.name} has stopped, so cannot own one", "team")
    return None, team


def _check_manager(actor: User) -> None:
    if not (actor.is_active and can(actor, Capability.MANAGE_RECOMMENDATIONS)):
        raise RecommendationError("your role may not write recommendations")


def _notify_owner(rec: Recommendation, actor: User, at: dt.datetime) -> None:
    kind = kind_of_work()
    title = kind.title(rec)
    if rec.assigned_to is not None:
        notify.send(
            [rec.assigned_to],
            kind=kind,
            item=rec,
            reason=Notification.Reason.ASSIGNED_TO_YOU,
            title=title,
            why=f"{actor.display_name} gave you this recommendation of a case audit",
            at=at,
        )
    elif rec.assigned_team is not None:
        members = [
            m
            for m in rec.assigned_team.members.filter(is_active=True)
            if can(m, Capability.UPDATE_RECOMMENDATIONS)
        ]
        notify.send(
            members,
            kind=kind,
            item=rec,
            reason=Notification.Reason.ASSIGNED_TO_TEAM,
            title=title,
            why=f"{actor.display_name} gave your team, {rec.assigned_team.name}, this "
            "recommendation of a case audit",
            at=at,
        )


def _owner_detail(rec: Recommendation) -> dict[str, Any]:
    return {
        "owner": rec.assigned_to.get_username() if rec.assigned_to else None,
        "team": rec.assigned_team.name if rec.assigned_team else None,
    }


def publish(
    audit: Audit,
    *,
    actor: User,
    text: str,
    kind: str,
    owner: User | None = None,
    team: Team | None = None,
    published_at: dt.datetime | None = None,
    codes: Sequence[str] = (),
) -> Recommendation:
    """Add a recommendation to an audit's report with the next number: its update or action
    plan due 6 weeks after publication, its revisit 6 months after."""
    _check_manager(actor)
    text = text.strip()
    if not text:
        raise RecommendationError("write the recommendation", "text")
    if kind not in KIND_LABELS:
        raise RecommendationError("choose whether it is immediate or needs an action plan", "kind")
    owner, team = _check_owner(owner, team)
    chosen = _check_codes(codes)
    now = timezone.now()
    published = published_at or now
    with transaction.atomic():
        Audit.objects.select_for_update().filter(pk=audit.pk).first()  # one numberer at a time
        last = audit.recommendations.aggregate(n=Max("number"))["n"] or 0
        rec = Recommendation.objects.create(
            audit=audit,
            number=last + 1,
            text=text,
            kind=kind,
            published_at=published,
            due_at=update_due(published),
            revisit_at=revisit_due(published),
            codes=chosen,
            created_by=actor,
            assigned_to=owner,
            assigned_team=team,
            assigned_by=actor,
            assigned_at=now,
        )
        RecommendationEvent.objects.create(
            recommendation=rec,
            at=now,
            actor=actor.get_username(),
            action="published",
            detail={
                "kind": kind,
                "to": owner.display_name if owner else None,
                "team": team.name if team else None,
                "published_at": published.isoformat(),
                "codes": chosen,
            },
        )
        log.record(
            actor.get_username(),
            AuditAction.CASE_AUDIT_RECOMMEND,
            _target(rec),
            detail={"kind": kind, "codes": chosen, **_owner_detail(rec)},
        )
        _notify_owner(rec, actor, now)
    return rec


def change(
    rec: Recommendation,
    *,
    actor: User,
    text: str,
    kind: str,
    owner: User | None = None,
    team: Team | None = None,
    published_at: dt.datetime,
    codes: Sequence[str] = (),
) -> Recommendation:
    """Correct a recommendation: its text, kind, owner, publication date (its deadlines follow)
    or the alerts it names. A new owner is told."""
    _check_manager(actor)
    text = text.strip()
    if not text:
        raise RecommendationError("write the recommendation", "text")
    if kind not in KIND_LABELS:
        raise RecommendationError("choose whether it is immediate or needs an action plan", "kind")
    owner, team = _check_owner(owner, team)
    chosen = _check_codes(codes)
    before = {
        "text": rec.text,
        "kind": rec.kind,
        "published_at": rec.published_at,
        "codes": list(rec.codes),
        "owner": (rec.assigned_to_id, rec.assigned_team_id),
    }
    after = {
        "text": text,
        "kind": kind,
        "published_at": published_at,
        "codes": chosen,
        "owner": (owner.pk if owner else None, team.pk if team else None),
    }
    changed = sorted(k for k in before if before[k] != after[k])
    if not changed:
        raise RecommendationError("nothing was changed")
    now = timezone.now()
    with transaction.atomic():
        rec.text, rec.kind, rec.codes = text, kind, chosen
        rec.published_at = published_at
        rec.due_at, rec.revisit_at = update_due(published_at), revisit_due(published_at)
        if "owner" in changed:
            rec.assigned_to, rec.assigned_team = owner, team
            rec.assigned_by, rec.assigned_at = actor, now
        rec.save()
        RecommendationEvent.objects.create(
            recommendation=rec,
            at=now,
            actor=actor.get_username(),
            action="changed",
            detail={
                "changed": changed,
                "to": owner.display_name if owner and "owner" in changed else None,
                "team": team.name if team and "owner" in changed else None,
            },
        )
        log.record(
            actor.get_username(),
            AuditAction.CASE_AUDIT_CHANGE_RECOMMENDATION,
            _target(rec),
            detail={"changed": changed, **_owner_detail(rec)},
        )
        if "owner" in changed:
            _notify_owner(rec, actor, now)
    return rec


# status -> the event its reaching writes (``done`` is the kind's close, which the team page lists)
_EVENTS = {
    Recommendation.Status.OPEN: "reopened",
    Recommendation.Status.IN_PROGRESS: "started",
    Recommendation.Status.DONE: "done",
}


def record_progress(
    rec: Recommendation, *, actor: User, status: str, evidence: str = "", note: str = ""
) -> Recommendation:
    """The owner records where a recommendation stands: open, in progress, or done with the
    evidence that it is; a note says what has happened meanwhile."""
    if not may_update(actor, rec):
        raise RecommendationError("only the recommendation's owner may record its progress")
    if status not in STATUS_LABELS:
        raise RecommendationError("choose where the recommendation stands", "status")
    evidence, note = evidence.strip(), note.strip()
    if status == DONE and not evidence:
        raise RecommendationError("write the evidence that it is done", "evidence")
    if status == rec.status and evidence == rec.evidence and not note:
        raise RecommendationError("nothing was changed: choose a new status or write a note")
    now = timezone.now()
    action = _EVENTS[Recommendation.Status(status)] if status != rec.status else "note"
    with transaction.atomic():
        previous = rec.status
        rec.status = status
        rec.evidence = evidence
        rec.outcome = "done" if status == DONE else ""
        if rec.assigned_to_id is None:  # a team member who records progress holds it from now
            rec.assigned_to, rec.assigned_at = actor, now
        rec.save()
        detail: dict[str, Any] = {"from": previous, "to": status, "note": note}
        if status == DONE:
            detail |= {"outcome": "done", "outcome_label": "Done", "evidence": evidence}
        RecommendationEvent.objects.create(
            recommendation=rec, at=now, actor=actor.get_username(), action=action, detail=detail
        )
        log.record(
            actor.get_username(),
            AuditAction.CASE_AUDIT_UPDATE_RECOMMENDATION,
            _target(rec),
            detail={"from": previous, "to": status, "evidence": bool(evidence)},
        )
    return rec


# ---- the measure of progress ------------------------------------------------------------------

_OPENS = ("raised", "reopened")
_ENDS = ("resolved", "closed")


@dataclass(frozen=True)
class MonthEnd:
    label: str
    at: dt.datetime
    so_far: bool = False  # the month not yet ended: counted now


def month_ends(since: dt.datetime, now: dt.datetime, most: int = 36) -> list[MonthEnd]:
    """The end of each month (Europe/London) from the month of ``since`` to now's; the month
    not yet ended is counted now."""
    tz = timezone.get_current_timezone()
    start = timezone.localtime(since, tz).date().replace(day=1)
    out: list[MonthEnd] = []
    while len(out) < most:
        following = (start + dt.timedelta(days=32)).replace(day=1)
        end = dt.datetime.combine(following, dt.time(), tzinfo=tz)
        last_day = following - dt.timedelta(days=1)
        if end > now:
            local_now = timezone.localtime(now, tz)
            out.append(MonthEnd(f"{local_now.day} {local_now:%b %Y} (now)", now, so_far=True))
            break
        out.append(MonthEnd(f"{last_day.day} {last_day:%b %Y}", end))
        start = following
    return out


def _intervals(
    raised_at: dt.datetime, status: str, ended_at: dt.datetime | None, events: list[tuple[Any, str]]
) -> list[tuple[dt.datetime, dt.datetime | None]]:
    """When an alert was open in Vigil: from each raising or reopening to the next resolving or
    closing (its history), or from its row's fields when it has no history."""
    if not events:
        live = status in (Alert.Status.OPEN, Alert.Status.ACKNOWLEDGED)
        return [(raised_at, None if live else (ended_at or raised_at))]
    out: list[tuple[dt.datetime, dt.datetime | None]] = []
    start: dt.datetime | None = None
    for at, action in events:
        if action in _OPENS and start is None:
            start = at
        elif action in _ENDS:
            if start is not None:
                out.append((start, at))
                start = None
            elif not out:  # ended before any raising was recorded: open since it was raised
                out.append((raised_at, at))
    if start is not None:
        out.append((start, None))
    return out


def open_counts(codes: Sequence[str], at: Sequence[dt.datetime]) -> dict[str, list[int]]:
    """For each code, how many of its alerts were open at each instant (two queries)."""
    counts = {code: [0] * len(at) for code in codes}
    if not codes or not at:
        return counts
    rows = list(
        Alert.objects.filter(code__in=codes).values_list(
            "pk", "code", "raised_at", "status", "closed_at", "resolved_at"
        )
    )
    history: dict[int, list[tuple[Any, str]]] = {}
    for alert_id, when, action in (
        AlertEvent.objects.filter(alert__code__in=codes, action__in=_OPENS + _ENDS)
        .order_by("at", "pk")
        .values_list("alert_id", "at", "action")
    ):
        history.setdefault(alert_id, []).append((when, action))
    for pk, code, raised_at, status, closed_at, resolved_at in rows:
        ended = max((t for t in (closed_at, resolved_at) if t is not None), default=None)
        for start, end in _intervals(raised_at, status, ended, history.get(pk, [])):
            for i, instant in enumerate(at):
                if start <= instant and (end is None or end > instant):
                    counts[code][i] += 1
    return counts


@dataclass(frozen=True)
class Progress:
    months: list[MonthEnd]
    series: list[tuple[str, list[int]]]  # (the code's title, its open count at each month end)
    codes: list[str]


def progress(rec: Recommendation, now: dt.datetime | None = None) -> Progress:
    """The recommendation's measure of progress: the alerts of each code it names open at the
    end of each month since publication."""
    now = now or timezone.now()
    months = month_ends(rec.published_at, now) if rec.published_at <= now else []
    counts = open_counts(list(rec.codes), [m.at for m in months])
    return Progress(
        months=months,
        series=[(titles.title(code), counts[code]) for code in rec.codes],
        codes=list(rec.codes),
    )


# ---- a kind of work ------------------------------------------------------------------------------


def title(rec: Any) -> str:
    return f"Case audit recommendation {rec.number}: {KIND_LABELS.get(rec.kind, '').lower()}"


def url(rec: Any) -> str:
    return reverse("inspection:recommendation", args=[rec.audit.audit_id, rec.number])


def describe(items: list[Any]) -> dict[Any, str]:
    """What each recommendation asks, shortened (no personal data: the report's own words)."""
    out = {}
    for rec in items:
        text = " ".join(rec.text.split())
        out[rec.pk] = text if len(text) <= 140 else text[:139].rstrip() + "\u2026"
    return out


def kind_of_work() -> WorkKind:
    from vigil.work.registry import get

    return get(KIND)


def register_recommendations() -> WorkKind:
    S = Recommendation.Status
    return register(
        WorkKind(
            key=KIND,
            label="recommendation",
            model=Recommendation,
            event_model=RecommendationEvent,
            event_item_field="recommendation",
            key_field="pk",
            live_statuses=(S.OPEN, S.IN_PROGRESS),
            see=Capability.VIEW_CASE_AUDITS,
            act=Capability.UPDATE_RECOMMENDATIONS,
            title=title,
            url=url,
            outcomes=lambda rec: (Outcome("done", "Done"),),
            describe=describe,
            transitions={
                "start": Transition("start", (S.OPEN,), S.IN_PROGRESS, "started"),
                "close": Transition("close", (S.OPEN, S.IN_PROGRESS), S.DONE, "done"),
                "reopen": Transition("reopen", (S.DONE,), S.IN_PROGRESS, "reopened"),
            },
        )
    )
