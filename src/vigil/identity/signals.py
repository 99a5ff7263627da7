"""Identity's receivers for the record store's signals."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.dispatch import receiver

from vigil.identity.models import MentionLink, ReviewPair
from vigil.identity.store import forget_index
from vigil.records.signals import mentions_replaced


@receiver(mentions_replaced)
def on_mentions_replaced(sender: Any, record_id: int, gone: list[int], **kwargs: Any) -> None:
    """A replaced version changes mentions in place: the kept index holds their old values, so
    it is no longer current; mentions the new version drops lose their link and any pending
    review (their person keeps every other mention)."""
    forget_index()
    if gone:
        MentionLink.objects.filter(mention_id__in=gone).delete()
        ReviewPair.objects.filter(Q(mention_a_id__in=gone) | Q(mention_b_id__in=gone)).delete()
