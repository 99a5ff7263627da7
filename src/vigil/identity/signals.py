"""Identity's receivers for the record store's signals."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.dispatch import receiver
from django.utils import timezone

from vigil.audit import log
from vigil.identity.models import LinkDecision, MentionLink, ReviewPair
from vigil.identity.store import forget_index
from vigil.records.signals import mentions_replaced

LAPSED_BY = "vigil (record replaced)"


@receiver(mentions_replaced)
def on_mentions_replaced(sender: Any, record_id: int, gone: list[int], **kwargs: Any) -> None:
    """A replaced version changes mentions in place: the kept index holds their old values, so
    it is no longer current; mentions the new version drops lose their link and any pending
    review (their person keeps every other mention), and decisions naming them lapse."""
    forget_index()
    if not gone:
        return
    MentionLink.objects.filter(mention_id__in=gone).delete()
    ReviewPair.objects.filter(Q(mention_a_id__in=gone) | Q(mention_b_id__in=gone)).delete()
    lapsed = LinkDecision.objects.filter(Q(mention_a_id__in=gone) | Q(mention_b_id__in=gone),
                                         undone_at__isnull=True)
    for decision in lapsed:
        decision.undone_at = timezone.now()
        decision.undone_by = LAPSED_BY
        decision.save(update_fields=["undone_at", "undone_by"])
        log.record(LAPSED_BY, "identity.decision_lapsed", f"decision:{decision.pk}",
                   reason=f"record {record_id}'s new version no longer names the mention",
                   detail={"record_id": record_id})
