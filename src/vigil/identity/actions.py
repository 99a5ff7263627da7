"""A person's decisions about identity: link two mentions, keep them apart, or undo either; and
asking for such a decision.

Each decision is recorded with who, when and why, applies at once (the persons of the two
mentions are relinked), and binds every later run until undone. Undoing keeps the decision's row.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from vigil.audit import log
from vigil.audit.actions import AuditAction
from vigil.identity.models import LinkDecision, Person, ReviewPair
from vigil.identity.store import LinkSummary, relink_around
from vigil.records.models import PersonMention


class DecisionError(ValueError):
    pass


class NothingToSeparate(DecisionError):
    pass


def find_mention(source_system: str, source_id: str, mention_id: str) -> PersonMention:
    try:
        return PersonMention.objects.get(
            record__source_system=source_system, record__source_id=source_id, mention_id=mention_id
        )
    except PersonMention.DoesNotExist:
        raise DecisionError(
            f"no mention {mention_id!r} on record {source_system}/{source_id}"
        ) from None


def decide(
    a: PersonMention, b: PersonMention, decision: str, *, actor: str, reason: str
) -> tuple[LinkDecision, LinkSummary]:
    """Record that two mentions are ('same') or are not ('different') one person, and relink."""
    if decision not in LinkDecision.Decision.values:
        raise DecisionError(f"decision must be one of {', '.join(LinkDecision.Decision.values)}")
    if not reason.strip():
        raise DecisionError("a decision about identity needs a reason")
    if a.pk == b.pk:
        raise DecisionError("a mention is always its own person")
    if decision == LinkDecision.Decision.SAME and a.record_id == b.record_id:
        raise DecisionError("two mentions in one record are always different people (RECORDS.md)")
    first, second = sorted((a, b), key=lambda m: m.pk)
    with transaction.atomic():
        LinkDecision.objects.filter(
            mention_a=first, mention_b=second, undone_at__isnull=True
        ).update(undone_at=timezone.now(), undone_by=f"{actor} (superseded)")
        made = LinkDecision.objects.create(
            mention_a=first,
            mention_b=second,
            decision=decision,
            decided_by=actor,
            decided_at=timezone.now(),
            reason=reason.strip(),
        )
        ReviewPair.objects.filter(mention_a=first, mention_b=second).update(
            status=ReviewPair.Status.DECIDED
        )
        log.record(
            actor,
            AuditAction.IDENTITY_DECIDE,
            f"mentions:{first.pk},{second.pk}",
            reason=made.reason,
            detail={"decision": decision},
        )
    return made, relink_around([first.pk, second.pk], actor=actor)


def undo(decision: LinkDecision, *, actor: str, reason: str) -> LinkSummary:
    """Withdraw a decision; the model decides that pair again from the next relink (now)."""
    if decision.undone_at is not None:
        raise DecisionError("that decision was already undone")
    with transaction.atomic():
        decision.undone_at = timezone.now()
        decision.undone_by = actor
        decision.save()
        log.record(actor, AuditAction.IDENTITY_UNDO, f"decision:{decision.pk}", reason=reason)
    named = [pk for pk in (decision.mention_a_id, decision.mention_b_id) if pk is not None]
    return relink_around(named, actor=actor)


def request_review(
    subject: Person, mention: PersonMention, *, actor: str, reason: str
) -> ReviewPair:
    """'Not the same person': put one of a person's mentions to review beside the person's
    earliest other mention. The pair goes in as the linker's surest link (it heads the queue);
    a pair decided before goes back to the queue."""
    if not reason.strip():
        raise DecisionError("a review request needs a reason")
    anchor = (
        PersonMention.objects.filter(link__person=subject)
        .exclude(pk=mention.pk)
        .order_by("occurred_at", "pk")
        .first()
    )
    if anchor is None:
        raise NothingToSeparate(
            "this person has only one linked record: there is nothing to separate"
        )
    a, b = sorted((mention.pk, anchor.pk))
    with transaction.atomic():
        pair, created = ReviewPair.objects.get_or_create(
            mention_a_id=a,
            mention_b_id=b,
            defaults={
                "match_probability": 1.0,
                "linked_by_model": True,
                "raised_at": timezone.now(),
            },
        )
        if not created and pair.status != ReviewPair.Status.PENDING:
            pair.status = ReviewPair.Status.PENDING
            pair.raised_at = timezone.now()
            pair.save(update_fields=["status", "raised_at"])
        log.record(
            actor,
            AuditAction.IDENTITY_REQUEST_REVIEW,
            subject.person_id,
            reason=reason.strip(),
            detail={"review_pair": pair.pk, "mentions": [a, b]},
        )
    return pair
