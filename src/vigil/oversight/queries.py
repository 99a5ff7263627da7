"""The questions the supervisor's record pages ask of the store (children in custody now,
referrals waiting for a decision), each answered in SQL."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q, QuerySet

from vigil.records.expressions import PayloadText
from vigil.records.models import PersonMention, Record

REFERRAL_AGENCIES = ("childrens_social_care", "mash")


def children_in_custody(now: dt.datetime) -> QuerySet[Record]:
    """Custody records where a detainee under 18 has arrived and not been released or moved."""
    under_18 = PersonMention.objects.filter(record=OuterRef("pk"), role="detainee").filter(
        Q(date_of_birth__gt=adult_birthday_cutoff(now))
        | Q(date_of_birth__isnull=True, age_estimate__lt=18)
    )
    return (
        Record.objects.filter(record_type="custody")
        .filter(payload__arrived_at__isnull=False)
        .exclude(payload__arrived_at=None)
        .filter(Q(payload__released_at__isnull=True) | Q(payload__released_at=None))
        .filter(Q(payload__transferred_at__isnull=True) | Q(payload__transferred_at=None))
        .filter(Exists(under_18))
    )


def adult_birthday_cutoff(now: dt.datetime) -> dt.date:
    """Anyone born after this date is under 18 on ``now``'s date."""
    today = now.date()
    try:
        return today.replace(year=today.year - 18)
    except ValueError:  # 29 February
        return today.replace(year=today.year - 18, day=28)


def referrals_waiting() -> QuerySet[Record]:
    """Referrals to children's social care or the MASH with no decision recorded."""
    # Each field read once as text (->>): JSON null and a missing key are both SQL NULL. The
    # key lookups (payload__decision_at=None) read each field three times, on every referral.
    return (
        Record.objects.filter(record_type="referral")
        .alias(to_agency=PayloadText("to_agency"), decision_at=PayloadText("decision_at"))
        .filter(to_agency__in=REFERRAL_AGENCIES, decision_at__isnull=True)
    )
