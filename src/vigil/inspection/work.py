"""An immediate management review as a kind of work (``vigil.work``): on the named supervisor's
My work until they close it with an outcome and a note."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from vigil.access.permissions import Capability
from vigil.work.registry import Outcome, Transition, WorkKind, register

KEY = "management_review"

OUTCOMES: tuple[Outcome, ...] = (
    Outcome("actions_set", "Management review held: actions set for the case"),
    Outcome("case_reallocated", "Management review held: the case reallocated"),
    Outcome("no_change_needed", "Management review held: the case is being handled properly"),
    Outcome("escalated", "Escalated to a senior manager"),
)


def title(review: Any) -> str:
    """What the review is about, without personal data: the kind of case and the audit."""
    from vigil.inspection.words import case_title

    return f"Immediate management review: {case_title(review.case)}"


def url(review: Any) -> str:
    return reverse("inspection:review", args=[review.pk])


def outcomes(review: Any) -> tuple[Outcome, ...]:
    return OUTCOMES


def register_reviews() -> WorkKind:
    from vigil.inspection.models import ManagementReview, ManagementReviewEvent

    return register(
        WorkKind(
            key=KEY,
            label="immediate management review",
            model=ManagementReview,
            event_model=ManagementReviewEvent,
            event_item_field="review",
            key_field="pk",
            live_statuses=(ManagementReview.Status.OPEN,),
            see=Capability.VIEW_CASE_AUDITS,
            # The force's side of an audit acts on its reviews: supervisors (who self-assess).
            act=Capability.SELF_ASSESS,
            title=title,
            url=url,
            outcomes=outcomes,
            listing_defers=("reason",),
            transitions={
                "close": Transition(
                    "close",
                    (ManagementReview.Status.OPEN,),
                    ManagementReview.Status.DONE,
                    "closed",
                ),
            },
        )
    )
