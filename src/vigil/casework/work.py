"""Actions agreed at strategy discussions and MARAC meetings as a kind of work (``vigil.work``):
each is held by its owner (My work) or waits in a team's tray, with its due date, until it is
recorded done (``work_items``)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from vigil.access.permissions import Capability
from vigil.work.registry import Outcome, Transition, WorkKind, register

KIND = "case_action"
DONE = Outcome("done", "Done")
WITHDRAWN = Outcome("withdrawn", "Taken off the record when it was changed")
TITLES = {"strategy_discussion": "Strategy discussion action", "marac": "MARAC action"}


def title(item: Any) -> str:
    """What the work is, with no personal data (notifications and emails carry it)."""
    return TITLES.get(item.record_type, "Action")


def url(item: Any) -> str:
    return reverse("casework:action", args=[item.key])


def outcomes(item: Any) -> tuple[Outcome, ...]:
    return (DONE, WITHDRAWN)


def describe(items: list[Any]) -> dict[Any, str]:
    """What each action asks, and its owner when no person holds it (shown on pages of roles
    that may see actions, never in a notification)."""
    out = {}
    for item in items:
        text = item.description if len(item.description) <= 120 else item.description[:117] + "…"
        if item.assigned_to_id is None or item.owner != getattr(
            item.assigned_to, "display_name", ""
        ):
            text += f" (owner: {item.owner})"
        out[item.pk] = text
    return out


def register_actions() -> WorkKind:
    from vigil.casework.models import CaseAction, CaseActionEvent

    return register(
        WorkKind(
            key=KIND,
            label="action",
            model=CaseAction,
            event_model=CaseActionEvent,
            event_item_field="action_item",
            key_field="key",
            live_statuses=(CaseAction.Status.OPEN,),
            see=Capability.RECORD_OWN_ACTIONS,
            act=Capability.RECORD_OWN_ACTIONS,
            title=title,
            url=url,
            outcomes=outcomes,
            describe=describe,
            transitions={
                "close": Transition(
                    "close", (CaseAction.Status.OPEN,), CaseAction.Status.DONE, "done"
                ),
            },
        )
    )
