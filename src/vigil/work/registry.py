"""How each kind of work tells the core what it is: its models, which statuses are live, its
transitions, and how to name and link one item. Kinds register from their app's ``ready()``;
the core asks the registry and never imports a kind."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, Q, QuerySet

from vigil.access.permissions import Capability


@dataclass(frozen=True)
class Outcome:
    key: str
    label: str


@dataclass(frozen=True)
class Transition:
    """A named change of status: from which statuses, to which, and what the event is called."""

    name: str
    sources: tuple[str, ...]
    target: str
    event: str


@dataclass(frozen=True)
class WorkKind:
    key: str  # "alert": in notifications and URLs of the core
    label: str  # "alert": in sentences ("an alert")
    model: type[Any]  # inherits vigil.work.models.Assignable
    event_model: type[Any]  # inherits vigil.work.models.WorkEvent
    event_item_field: str  # the event's foreign key to the item
    key_field: str  # the item's stable public key (e.g. alert_id)
    live_statuses: tuple[str, ...]
    see: Capability  # who may see an item of this kind
    act: Capability  # who may assign, note and close one
    title: Callable[[Any], str]  # plain English, no personal data
    url: Callable[[Any], str]
    outcomes: Callable[[Any], Sequence[Outcome]]  # the outcomes that may close this item
    transitions: dict[str, Transition] = field(default_factory=dict)
    close: str = "close"  # the transition that closes it (needs an outcome)
    # Who or what each item is about, for a page of items at once (one query, not one per row):
    # shown only on pages of roles that may see the kind.
    describe: Callable[[list[Any]], dict[Any, str]] | None = None
    listing_defers: tuple[str, ...] = ()  # large fields no list of work shows

    def live(self) -> Q:
        return Q(status__in=self.live_statuses)

    def items(self) -> QuerySet[Any]:
        items: QuerySet[Any] = self.model._default_manager.all()
        return items

    def item_key(self, item: Any) -> str:
        return str(getattr(item, self.key_field))

    def overdue_q(self, now: dt.datetime) -> Q:
        return Q(due_at__lt=now) & self.live()

    def outcome_label(self, item: Any, key: str) -> str:
        return next((o.label for o in self.outcomes(item) if o.key == key), key.replace("_", " "))


_KINDS: dict[str, WorkKind] = {}


def register(kind: WorkKind) -> WorkKind:
    if _KINDS.get(kind.key, kind) is not kind and _KINDS[kind.key].model is not kind.model:
        raise ValueError(f"two kinds of work are called {kind.key}")
    _KINDS[kind.key] = kind
    return kind


def kinds() -> list[WorkKind]:
    return list(_KINDS.values())


def get(key: str) -> WorkKind:
    return _KINDS[key]


def kind_of(item: Model) -> WorkKind:
    for kind in _KINDS.values():
        if isinstance(item, kind.model):
            return kind
    raise LookupError(f"{type(item).__name__} is not a registered kind of work")


# What a person can record to do what an alert asks (casework's workflows), asked by the alert
# page without the alerts app knowing casework: functions of (user, alert) -> [(label, url)].
_DUTY_LINKS: list[Callable[[Any, Any], list[tuple[str, str]]]] = []


def register_duty_links(links: Callable[[Any, Any], list[tuple[str, str]]]) -> None:
    if links not in _DUTY_LINKS:
        _DUTY_LINKS.append(links)


def duty_links(user: Any, item: Any) -> list[tuple[str, str]]:
    return [link for links in _DUTY_LINKS for link in links(user, item)]
