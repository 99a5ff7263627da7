"""The method's fixed words (AUDIT.md): practice areas, grades, assessors, the questions an
assessor answers, and the recommendation deadlines. Pure: no Django."""

from __future__ import annotations

import datetime as dt
from typing import Final

# code -> the area as the inspectorate names it
AREAS: Final[dict[str, str]] = {
    "domestic_abuse": "Domestic abuse",
    "child_concern": "Children in need of help and protection, referred to children's social care",
    "information_sharing": "Information sharing and discussions about children at risk",
    "police_protection": "Police protection (Children Act 1989 section 46)",
    "section_47": "Section 47 enquiries",
    "sex_offender": "Sex offender management",
    "missing": "Missing children",
    "cse": "Child sexual exploitation",
    "online_sexual_abuse": "Online child sexual abuse",
    "custody": "Detention of children in police custody",
}

# Best first; the value is the grade's step (AUDIT.md 'Grades').
GRADES: Final[dict[str, int]] = {
    "excellent": 5,
    "good": 4,
    "adequate": 3,
    "requires_improvement": 2,
    "inadequate": 1,
}
GRADE_LABELS: Final[dict[str, str]] = {
    "excellent": "Excellent",
    "good": "Good",
    "adequate": "Adequate",
    "requires_improvement": "Requires improvement",
    "inadequate": "Inadequate",
}

SELF, INSPECTOR = "self", "inspector"
ASSESSORS: Final[dict[str, str]] = {
    SELF: "Force self-assessment",
    INSPECTOR: "Independent inspection",
}

# The questions inspectors ask of a case (issue 14), each answered met / partly met / not met /
# not applicable, with a note.
QUESTIONS: Final[dict[str, str]] = {
    "initial_response": "Initial response, and the child seen and heard",
    "risk": "Risk identified and assessed",
    "information_sharing": "Information shared, and a strategy discussion where needed",
    "investigation": "Investigation progressed and supervised",
    "outcome": "Outcome for the child",
}
ANSWERS: Final[dict[str, str]] = {
    "met": "Met",
    "partly_met": "Partly met",
    "not_met": "Not met",
    "not_applicable": "Not applicable",
}

UPDATE_DUE_DAYS: Final = 42  # an update (immediate) or an action plan, 6 weeks after publication
REVISIT_MONTHS: Final = 6


def differ_significantly(a: str, b: str) -> bool:
    """Two grades two or more steps apart."""
    return abs(GRADES[a] - GRADES[b]) >= 2


def update_due(published: dt.datetime) -> dt.datetime:
    return published + dt.timedelta(days=UPDATE_DUE_DAYS)


def revisit_due(published: dt.datetime) -> dt.datetime:
    """Six calendar months after publication (the last day of a shorter month if need be)."""
    month = published.month - 1 + REVISIT_MONTHS
    year, month = published.year + month // 12, month % 12 + 1
    for day in (published.day, 30, 29, 28):
        try:
            return published.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise AssertionError("unreachable")
