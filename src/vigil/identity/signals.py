"""Identity's receivers for the record store's signals, and the signal identity sends."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.dispatch import Signal, receiver
from django.utils import timezone

from vigil.audit import log
from vigil.audit.actions import AuditAction
from vigil.identity.models import ChangedMention, LinkDecision, MentionLink, ReviewPair
from vigil.records.models import PersonMention
from vigil.records.signals import mentions_replaced

LAPSED_BY = "vigil (record replaced)"

# Sent by the review pages once a person's decision (or its undoing) has relinked people and
# committed, so the layers above re-assess what the rules find (the web shell queues it);
# identity itself knows nothing of alerts, which sit above it. The CLI re-assesses in line.
persons_relinked = Signal()


@receiver(mentions_replaced)
def on_mentions_replaced(sender: Any, record_id: int, gone: list[int], **kwargs: Any) -> None:
    """A replaced version changes mentions in place: the kept index holds their old values, so
    they are marked for the next link to discard and link afresh; mentions the new version
    drops lose their link and any pending review (their person keeps every other mention), and
    decisions naming them lapse."""
    from vigil.identity.frames import mention_key  # here: pandas loads only when needed

    mentions = list(
        PersonMention.objects.filter(record_id=record_id).values_list(
            "pk", "record__source_system", "record__source_id", "mention_id"
        )
    )
    dropped = set(gone)
    ChangedMention.objects.bulk_create(
        [
            ChangedMention(
                mention_key=mention_key(system, source_id, mention_id),
                mention_pk=None if pk in dropped else pk,
            )
            for pk, system, source_id, mention_id in mentions
        ]
    )
    if not gone:
        return
    MentionLink.objects.filter(mention_id__in=gone).delete()
    ReviewPair.objects.filter(Q(mention_a_id__in=gone) | Q(mention_b_id__in=gone)).delete()
    lapsed = LinkDecision.objects.filter(
        Q(mention_a_id__in=gone) | Q(mention_b_id__in=gone), undone_at__isnull=True
    )
    for decision in lapsed:
        decision.undone_at = timezone.now()
        decision.undone_by = LAPSED_BY
        decision.save(update_fields=["undone_at", "undone_by"])
        log.record(
            LAPSED_BY,
            AuditAction.IDENTITY_LAPSE_DECISION,
            f"decision:{decision.pk}",
            reason=f"record {record_id}'s new version no longer names the mention",
            detail={"record_id": record_id},
        )
