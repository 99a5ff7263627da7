"""Every change to a piece of work, whatever its kind: assign (or hand on), note, transition,
close. Each writes the change, its history event, its audit entry and its notifications in one
transaction (Zulip's ``do_*`` actions); emails go after the commit.

A person acting is checked against the kind's capability here too, not only in the view, so
no other caller (a command, a later API) can let a partner assign. A plain string actor is the
system (the rule engine, a test's fixture) and is trusted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from vigil.access.permissions import can
from vigil.accounts.models import Team, User
from vigil.audit import log
from vigil.audit.actions import AuditAction
from vigil.work import notify
from vigil.work.models import Notification
from vigil.work.registry import Transition, WorkKind, kind_of


class WorkActionError(ValueError):
    """A change that is refused, in words fit to show the person who asked for it; ``field``
    names the form field at fault when it is not the obvious one (a hand-on without a note)."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def who(actor: User | str) -> tuple[str, User | None]:
    """An actor's name for events and the audit log, and the account when a person acted."""
    if isinstance(actor, User):
        return actor.get_username(), actor
    return actor, None


def may_act(user: User, kind: WorkKind) -> bool:
    return user.is_active and can(user, kind.act)


def _check_actor(user: User | None, kind: WorkKind, what: str) -> None:
    if user is not None and not may_act(user, kind):
        raise WorkActionError(f"your role may not {what} an {kind.label}")


def _event(
    kind: WorkKind, item: Model, at: Any, actor: str, action: str, detail: dict[str, Any]
) -> Model:
    event: Model = kind.event_model._default_manager.create(
        **{kind.event_item_field: item}, at=at, actor=actor, action=action, detail=detail
    )
    return event


def _live(kind: WorkKind, item: Any, what: str) -> None:
    if item.status not in kind.live_statuses:
        raise WorkActionError(f"only open work can be {what}; this {kind.label} is {item.status}")


def assign(
    item: Any,
    *,
    actor: User | str,
    to: User | None = None,
    team: Team | None = None,
    note: str = "",
) -> Any:
    """Give live work to a person (it joins their team's work too), or to a team's tray (no
    person), or to nobody. When its holder gives it to someone else it is *handed on*, which
    needs a note: the next holder has to know why."""
    kind = kind_of(item)
    name, user = who(actor)
    _check_actor(user, kind, "assign")
    _live(kind, item, "assigned")
    note = note.strip()
    if to is not None:
        if not may_act(to, kind):
            raise WorkActionError(
                f"{to.display_name} cannot act on an {kind.label}, so cannot be given one"
            )
        team = to.team
    elif team is not None and not team.active:
        raise WorkActionError(f"the team {team.name} has stopped, so cannot be given work")
    previous, previous_team = item.assigned_to, item.assigned_team
    if (to, team) == (previous, previous_team):
        raise WorkActionError(_already(kind, to, team))
    handing_on = user is not None and previous is not None and previous.pk == user.pk and to != user
    if handing_on and not note:
        raise WorkActionError(f"say why you are handing this {kind.label} on", field="note")
    action = "handed_on" if handing_on else ("assigned" if to or team else "unassigned")
    now = timezone.now()
    with transaction.atomic():
        item.assigned_to = to
        item.assigned_team = team
        item.assigned_by = user if (to or team) else None
        item.assigned_at = now if (to or team) else None
        item.save(update_fields=["assigned_to", "assigned_team", "assigned_by", "assigned_at"])
        detail = {
            "to": to.display_name if to else None,
            "to_id": to.pk if to else None,
            "team": team.name if team else None,
            "from": previous.display_name if previous else None,
            "from_team": previous_team.name if previous_team else None,
            "note": note,
        }
        _event(kind, item, now, name, action, detail)
        log.record(
            name,
            AuditAction(f"{kind.key}.assign"),
            kind.item_key(item),
            detail={
                "to": to.get_username() if to else None,
                "team": detail["team"],
                "from": previous.get_username() if previous else None,
                "handed_on": handing_on,
            },
        )
        by = user.display_name if user else "Vigil"
        title = kind.title(item)
        if to is not None and to != user:
            verb = "handed on" if handing_on else "gave"
            notify.send(
                [to],
                kind=kind,
                item=item,
                reason=Notification.Reason.ASSIGNED_TO_YOU,
                title=title,
                why=f"{by} {verb} this {kind.label} to you",
                note=note,
                at=now,
            )
        elif to is None and team is not None:
            members = [
                m for m in team.members.filter(is_active=True) if may_act(m, kind) and m != user
            ]
            notify.send(
                members,
                kind=kind,
                item=item,
                reason=Notification.Reason.ASSIGNED_TO_TEAM,
                title=title,
                why=f"{by} gave this {kind.label} to your team, {team.name}",
                note=note,
                at=now,
            )
        if previous is not None and previous != user and previous != to and previous.is_active:
            where = to.display_name if to else (team.name if team else "nobody")
            notify.send(
                [previous],
                kind=kind,
                item=item,
                reason=Notification.Reason.TAKEN_FROM_YOU,
                title=title,
                why=f"{by} gave this {kind.label}, which you held, to {where}",
                note=note,
                at=now,
            )
    return item


def _already(kind: WorkKind, to: User | None, team: Team | None) -> str:
    if to is not None:
        return f"this {kind.label} is already with {to.display_name}"
    if team is not None:
        return f"this {kind.label} is already waiting in {team.name}'s work"
    return f"this {kind.label} is not given to anyone"


def add_note(item: Any, *, actor: User | str, text: str) -> Any:
    """A note in the item's history, with no change of status."""
    kind = kind_of(item)
    name, user = who(actor)
    _check_actor(user, kind, "add a note to")
    text = text.strip()
    if not text:
        raise WorkActionError("write the note")
    with transaction.atomic():
        event = _event(kind, item, timezone.now(), name, "note", {"note": text})
        log.record(
            name, AuditAction(f"{kind.key}.note"), kind.item_key(item), detail={"event": event.pk}
        )
    return item


def transition(
    item: Any,
    name: str,
    *,
    actor: User | str,
    detail: dict[str, Any] | None = None,
    apply: Callable[[Any, User | None, Any], None] | None = None,
    reason: str = "",
) -> Any:
    """Move an item along one of its kind's transitions; ``apply`` sets the kind's own fields
    (who acknowledged it, when) before the one save."""
    kind = kind_of(item)
    who_name, user = who(actor)
    step: Transition | None = kind.transitions.get(name)
    if step is None:
        raise WorkActionError(f"an {kind.label} cannot be {name}d")
    _check_actor(user, kind, name)
    if item.status not in step.sources:
        wanted = " or ".join(step.sources)
        raise WorkActionError(
            f"only an {wanted} {kind.label} can be {step.event}; this one is {item.status}"
        )
    now = timezone.now()
    with transaction.atomic():
        item.status = step.target
        if apply is not None:
            apply(item, user, now)
        item.save()
        _event(kind, item, now, who_name, step.event, detail or {})
        # Every kind's actions are members of AuditAction: an undeclared one fails here, in tests.
        log.record(
            who_name,
            AuditAction(f"{kind.key}.{name}"),
            kind.item_key(item),
            reason=reason,
            detail={k: v for k, v in (detail or {}).items() if k == "outcome"},
        )
    return item


def close(
    item: Any,
    *,
    actor: User | str,
    outcome: str,
    rationale: str,
    apply: Callable[[Any, User | None, Any], None] | None = None,
) -> Any:
    """Close with an outcome from the kind's list for this item and a written rationale; the
    person who handed it on is told."""
    kind = kind_of(item)
    _, user = who(actor)
    rationale = rationale.strip()
    sources = kind.transitions[kind.close].sources
    if item.status not in sources:
        raise WorkActionError(
            f"an {kind.label} is {' or '.join(sources)} before it is closed; "
            f"this one is {item.status}"
        )
    if outcome not in {o.key for o in kind.outcomes(item)}:
        raise WorkActionError(
            f"choose the outcome of this {kind.label} from the list", field="outcome"
        )
    if not rationale:
        raise WorkActionError(f"closing an {kind.label} needs a written rationale")

    def closing(it: Any, by: User | None, at: Any) -> None:
        it.outcome = outcome
        if apply is not None:
            apply(it, by, at)

    label = kind.outcome_label(item, outcome)
    with transaction.atomic():
        transition(
            item,
            kind.close,
            actor=actor,
            apply=closing,
            reason=rationale,
            detail={"outcome": outcome, "outcome_label": label, "rationale": rationale},
        )
        by = user.display_name if user else "Vigil"
        handed, holder = item.assigned_by, item.assigned_to

        def other(person: User | None) -> bool:
            return (
                person is not None
                and person.is_active
                and (user is None or person.pk != user.pk)
                and can(person, kind.see)
            )

        if other(handed):
            notify.send(
                [handed],
                kind=kind,
                item=item,
                reason=Notification.Reason.HANDED_ON_CLOSED,
                title=kind.title(item),
                why=f"{by} closed this {kind.label}, which you gave on. Outcome: {label}",
                at=timezone.now(),
            )
        if other(holder) and holder != handed:
            notify.send(
                [holder],
                kind=kind,
                item=item,
                reason=Notification.Reason.HELD_CLOSED,
                title=kind.title(item),
                why=f"{by} closed this {kind.label}, which you held. Outcome: {label}",
                at=timezone.now(),
            )
    return item


def mark_read(user: User, *, pk: int | None = None) -> list[int]:
    """Mark one of the user's notifications read (``pk``), or all their unread ones; another
    person's notification is refused as if it did not exist."""
    unread = Notification.objects.filter(recipient=user, read_at=None)
    with transaction.atomic():
        if pk is not None:
            if not Notification.objects.filter(recipient=user, pk=pk).exists():
                raise WorkActionError("that notification is not yours or no longer exists")
            unread = unread.filter(pk=pk)
        marked = list(unread.values_list("pk", flat=True))
        unread.filter(pk__in=marked).update(read_at=timezone.now())
        log.record(
            user.get_username(),
            AuditAction.NOTIFICATION_READ,
            f"user:{user.pk}",
            detail={"notifications": marked},
        )
    return marked
