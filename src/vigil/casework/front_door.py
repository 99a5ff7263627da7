"""The front door (MASH): referrals to children's social care or the MASH waiting for a decision,
and each one's first-working-day clock, exactly as REFERRAL_NO_DECISION reads them.

ALERTS.md: a referral has its decision "by the end of the first working day after the date of
``received_at`` (or, without it, ``sent_at``)", read as its effective record (an amendment
written in Vigil may have decided it). The clock uses the rules' own working-day function and the
force's policy, so the inbox and the alert never disagree.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import DateTimeField, Exists, F, OuterRef, QuerySet
from django.db.models.functions import Cast, Coalesce

from vigil.alerts.engine import current_policy
from vigil.records.contract import AMENDS, VIGIL_SYSTEM, Referral, parse_record
from vigil.records.expressions import PayloadText
from vigil.records.models import Record, RecordLink
from vigil.rules.amendments import effective_record
from vigil.rules.clock import LONDON, end_of_working_day_after, london_date

CODE = "REFERRAL_NO_DECISION"
AGENCIES = ("childrens_social_care", "mash")
AGENCY_NAMES = {"childrens_social_care": "children's social care", "mash": "the MASH"}


def _decided_by_amendment(now: dt.datetime) -> Exists:
    """An amendment written in Vigil, in effect at ``now``, that gives the referral a decision."""
    return Exists(
        Record.objects.filter(
            source_system=VIGIL_SYSTEM,
            record_type="referral",
            links__relation=AMENDS,
            links__target_system=OuterRef("source_system"),
            links__target_id=OuterRef("source_id"),
            occurred_at__lte=now,
        )
        .alias(amended_decision_at=PayloadText("decision_at"))
        .filter(amended_decision_at__isnull=False)
    )


def _is_amendment() -> Exists:
    return Exists(RecordLink.objects.filter(record=OuterRef("pk"), relation=AMENDS))


def waiting(now: dt.datetime) -> QuerySet[Record]:
    """Referrals to children's social care or the MASH with no decision in their effective
    record, oldest clock first (the clock runs from the date received, else sent, and the
    deadline only moves later as that moment does). The decision is read through the indexed
    expression (``record_decision_at``); amendments through the index on link targets."""
    start = Coalesce(
        Cast(PayloadText("received_at"), DateTimeField()),
        Cast(PayloadText("sent_at"), DateTimeField()),
        F("occurred_at"),
    )
    return (
        Record.objects.filter(record_type="referral")
        .alias(to_agency=PayloadText("to_agency"), decision_at=PayloadText("decision_at"))
        .filter(to_agency__in=AGENCIES, decision_at__isnull=True)
        .exclude(_decided_by_amendment(now))
        .exclude(_is_amendment())
        .alias(clock_start=start)
        .order_by("clock_start", "id")
    )


def amendments_of(records: Iterable[Record]) -> dict[int, list[Record]]:
    """The amendments written in Vigil of each record (one query)."""
    wanted = {(r.source_system, r.source_id): r.pk for r in records}
    if not wanted:
        return {}
    links = RecordLink.objects.filter(
        relation=AMENDS,
        target_id__in=sorted({k[1] for k in wanted}),
        record__source_system=VIGIL_SYSTEM,
    ).select_related("record")
    out: dict[int, list[Record]] = defaultdict(list)
    for link in links:
        pk = wanted.get((link.target_system, link.target_id))
        if pk is not None and link.record.record_type == "referral":
            out[pk].append(link.record)
    return out


def effective_referral(record: Record, amendments: Iterable[Record], now: dt.datetime) -> Referral:
    """The referral as the rules read it at ``now``: the source's record with the amendments in
    effect by then applied (ALERTS.md 'Effective record')."""
    source = parse_record(dict(record.payload))
    applied = [parse_record(dict(a.payload)) for a in amendments if a.occurred_at <= now]
    merged = effective_record(source, applied).record
    assert isinstance(merged, Referral)
    return merged


def _seen(moment: dt.datetime | None, now: dt.datetime) -> dt.datetime | None:
    return moment if moment is not None and moment <= now else None


@dataclass(frozen=True)
class Clock:
    """A referral's first-working-day clock, as a MASH officer reads it."""

    start: dt.datetime  # received (or sent)
    deadline: dt.datetime  # the end of the working day(s) after the day it arrived
    decided_at: dt.datetime | None
    now: dt.datetime

    @property
    def overdue(self) -> bool:
        return self.decided_at is None and self.now >= self.deadline

    @property
    def due_day(self) -> dt.date:
        """The last day it may be decided on (the deadline is midnight at its end)."""
        return london_date(self.deadline - dt.timedelta(seconds=1))

    @property
    def due_text(self) -> str:
        """'Due by the end of Tuesday 3 March' (the year too when it is not this year)."""
        return f"Due by the end of {_day_words(self.due_day, self.now)}"

    @property
    def overdue_text(self) -> str:
        """'Overdue by 2 days', '5 hours', '20 minutes' (whole units, rounded down)."""
        late = self.now - self.deadline
        for unit, size in (("day", 86400), ("hour", 3600)):
            count = int(late.total_seconds() // size)
            if count >= 1:
                return f"Overdue by {count} {unit}{'' if count == 1 else 's'}"
        minutes = max(int(late.total_seconds() // 60), 1)
        return f"Overdue by {minutes} minute{'' if minutes == 1 else 's'}"

    @property
    def text(self) -> str:
        if self.decided_at is not None:
            on_time = self.decided_at < self.deadline
            return f"Decided {'in time' if on_time else 'late'}"
        return self.overdue_text if self.overdue else self.due_text

    @property
    def tag(self) -> tuple[str, str]:
        """The GOV.UK tag: (words, colour modifier)."""
        if self.decided_at is not None:
            return ("Decided", "green") if self.decided_at < self.deadline else ("Late", "orange")
        if self.overdue:
            return "Overdue", "red"
        if self.due_day == london_date(self.now):
            return "Due today", "yellow"
        return "Due", "blue"


def _day_words(day: dt.date, now: dt.datetime) -> str:
    words = f"{day:%A} {day.day} {day:%B}"
    return words if day.year == now.astimezone(LONDON).year else f"{words} {day.year}"


def clock_of(referral: Referral, now: dt.datetime, working_days: int | None = None) -> Clock:
    """The clock of an (effective) referral at ``now``, as REFERRAL_NO_DECISION computes it."""
    if working_days is None:
        working_days = working_days_policy()
    start = _seen(referral.received_at, now) or _seen(referral.sent_at, now) or referral.occurred_at
    return Clock(
        start=start,
        deadline=end_of_working_day_after(start, working_days),
        decided_at=_seen(referral.decision_at, now),
        now=now,
    )


def working_days_policy() -> int:
    return current_policy().int(CODE, "working_days")


def referral_clock(record: Record, now: dt.datetime) -> Clock | None:
    """The clock of one stored referral to children's social care or the MASH (None for any
    other record, which has no such clock)."""
    if record.record_type != "referral":
        return None
    referral = effective_referral(record, amendments_of([record]).get(record.pk, []), now)
    if referral.to_agency not in AGENCIES:
        return None
    return clock_of(referral, now)


def agency_name(value: Any) -> str:
    return AGENCY_NAMES.get(str(value or ""), "another agency")
