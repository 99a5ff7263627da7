"""What the record store tells the apps that build on it.

``mentions_replaced`` is sent inside the transaction that replaces a record's version, before
its mentions change: ``record_id``, and ``gone``, the primary keys of mentions the new version
no longer names (about to be deleted). Identity resolution uses it to forget what it derived
from the old mentions, in the same transaction.
"""

from __future__ import annotations

from django.dispatch import Signal

mentions_replaced = Signal()
