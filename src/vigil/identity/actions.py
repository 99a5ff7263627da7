"""A person's decisions about identity: link two mentions, keep them apart, or undo either.

Each decision is recorded with who, when and why, applies at once (the persons of the two
mentions are relinked), and binds every later run until undone. Undoing keeps the decision's row.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from vigil.audit import log
from vigil.audit.actions import AuditAction
from vigil.identity.models import LinkDecision, ReviewPair
from vigil.identity.store import LinkSummary, relink_around
from vigil.records.models import PersonMention


class DecisionError(ValueError):
    pass


def find_mention(source_system: str, source_id: str, mention_id: str) -> PersonMention:
    try:
        return PersonMention.objects.get(record__source_system=source_system,
                                         record__source_id=source_id, mention_id=mention_id)
    except PersonMention.DoesNotExist:
        raise DecisionError(f"no mention {mention_id!r} on record {source_system}/{source_id}") from None


def decide(a: PersonMention, b: PersonMention, decision: str, *, actor: str,
           reason: str) -> tuple[LinkDecision, LinkSummary]:
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
        LinkDecision.objects.filter(mention_a=first, mention_b=second, undone_at__isnull=True).update(
            undone_at=timezone.now(), undone_by=f"{actor} (superseded)")
        made = LinkDecision.objects.create(mention_a=first, mention_b=second, decision=decision,
                                           decided_by=actor, decided_at=timezone.now(),
                                           reason=reason.strip())
        ReviewPair.objects.filter(mention_a=first, mention_b=second).update(
            status=ReviewPair.Status.DECIDED)
        log.record(actor, AuditAction.IDENTITY_DECIDE, f"mentions:{first.pk},{second.pk}", reason=made.reason,
                   detail={"decision": decision})
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
