"""The questions asked of stored alerts, as methods of ``Alert.objects``, each answered in SQL.

The alert queue's filters, the supervisor's figures and the person pages ask through these, so
a figure and the list it links to always agree (``Alert.objects.live().overdue(now)`` is the
same set whether counted on the supervisor's page or listed in the queue).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Count, Q

if TYPE_CHECKING:
    from vigil.alerts.models import Alert

# Statuses as stored (Alert.Status), written out here because the model imports this module.
LIVE = ("open", "acknowledged")
ENDED = ("closed", "resolved")
# Age of an alert in whole days since it was raised: (value, label, from day, to day or None)
AGE_BANDS = (
    ("0-2", "0 to 2 days", 0, 2),
    ("3-7", "3 to 7 days", 3, 7),
    ("8-28", "8 to 28 days", 8, 28),
    ("over-28", "Over 28 days", 29, None),
)
# SQLite allows 32,766 parameters in one statement, older builds 999: ids go in chunks.
CHUNK = 500


def _live() -> Q:
    return Q(status__in=LIVE)


def _overdue(now: dt.datetime) -> Q:
    return Q(due_at__lt=now, status__in=LIVE)


def _aged(band: str, now: dt.datetime) -> Q:
    for value, _, first, last in AGE_BANDS:
        if value == band:
            q = Q(raised_at__lte=now - dt.timedelta(days=first))
            if last is not None:
                q &= Q(raised_at__gt=now - dt.timedelta(days=last + 1))
            return q
    raise ValueError(band)


def _chunks(values: Iterable[str]) -> Iterable[list[str]]:
    items = sorted(set(values))
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


class AlertQuerySet(models.QuerySet["Alert"]):
    def live(self) -> AlertQuerySet:
        """Open or acknowledged: someone still has to act."""
        return self.filter(_live())

    def ended(self) -> AlertQuerySet:
        """Closed by a person or resolved by the rules."""
        return self.filter(status__in=ENDED)

    def overdue(self, now: dt.datetime) -> AlertQuerySet:
        """Live alerts whose due time has passed."""
        return self.filter(_overdue(now))

    def aged(self, band: str, now: dt.datetime) -> AlertQuerySet:
        """Alerts raised within an age band (``AGE_BANDS``) of whole days before ``now``."""
        return self.filter(_aged(band, now))

    def about_persons(self, person_ids: Iterable[str]) -> AlertQuerySet:
        """Alerts whose subject is one of these persons (a list the caller keeps to one chunk)."""
        return self.filter(person_id__in=sorted(set(person_ids)))

    def on_records(self, source_ids: Iterable[str]) -> AlertQuerySet:
        """Alerts about a record with one of these source ids: a superset of those naming a
        given mention, which only the alert's ``mentions`` (a JSON list) can settle."""
        return self.filter(subject_kind="record", record_source_id__in=sorted(set(source_ids)))

    def about_person(self, person_id: str, keys: set[tuple[str, str, str]]) -> list[Alert]:
        """The alerts about a person: those whose subject is the person, and those about a record
        naming one of the person's mentions (``keys``: system, source id, mention id). One query,
        and one more per 500 records; oldest first. Evaluated, because whether a record's alert
        names a mention is decided on its ``mentions`` list, here rather than in SQL."""
        alerts = list(self.about_persons([person_id]))
        for chunk in _chunks(k[1] for k in keys):
            alerts += [
                a for a in self.on_records(chunk) if any(tuple(m) in keys for m in a.mentions)
            ]
        alerts.sort(key=lambda a: (a.raised_at, a.code))
        return alerts

    def figures(self, now: dt.datetime) -> dict[str, int]:
        """In one query: how many alerts (``total``), how many overdue, and how many in each
        age band (``band_0``… in the order of ``AGE_BANDS``)."""
        return self.aggregate(
            total=Count("id"),
            overdue=Count("id", filter=_overdue(now)),
            **{f"band_{i}": Count("id", filter=_aged(b[0], now)) for i, b in enumerate(AGE_BANDS)},
        )

    def by_code(self) -> list[dict[str, Any]]:
        """``[{"code", "n"}]``, by code."""
        return list(self.values("code").annotate(n=Count("id")).order_by("code"))

    def workload(self, now: dt.datetime) -> list[dict[str, Any]]:
        """Per account assigned (and one row for unassigned): its alerts and how many are
        overdue, by team then account."""
        return list(
            self.values(
                "assigned_to",
                "assigned_to__username",
                "assigned_to__full_name",
                "assigned_to__team__name",
            )
            .annotate(n=Count("id"), overdue=Count("id", filter=_overdue(now)))
            .order_by("assigned_to__team__name", "assigned_to__username")
        )
