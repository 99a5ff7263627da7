"""Writing and checking the hash-chained audit log."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import orjson
from django.db import connection, transaction
from django.utils import timezone

from vigil.audit.models import AuditEntry

GENESIS = "0" * 64

# The entries written while handling the current request (see watching()).
_written: ContextVar[list[int] | None] = ContextVar("vigil_audit_written", default=None)


@contextmanager
def watching() -> Iterator[list[int]]:
    """Collect the ids of entries written inside the block (per thread / task)."""
    written: list[int] = []
    token = _written.set(written)
    try:
        yield written
    finally:
        _written.reset(token)


def _digest(previous: str, at: dt.datetime, actor: str, action: str, target: str, reason: str,
            detail: dict[str, Any]) -> str:
    body = orjson.dumps(
        [previous, at.astimezone(dt.UTC).isoformat(), actor, action, target, reason, detail],
        option=orjson.OPT_SORT_KEYS,
    )
    return hashlib.sha256(body).hexdigest()


def record(actor: str, action: str, target: str = "", *, reason: str = "",
           detail: dict[str, Any] | None = None) -> AuditEntry:
    """Append one entry. Call inside the transaction that makes the change it records."""
    detail = detail or {}
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # One writer at a time extends the chain; SQLite's write lock already ensures it.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(7712001)")
        last = AuditEntry.objects.order_by("-id").values_list("entry_hash", flat=True).first()
        previous = last or GENESIS
        at = timezone.now()
        entry = AuditEntry(at=at, actor=actor, action=action, target=target[:300], reason=reason,
                           detail=detail, previous_hash=previous)
        entry.entry_hash = _digest(previous, at, actor, action, entry.target, reason, detail)
        entry.save()
    written = _written.get()
    if written is not None:
        written.append(entry.pk)
    return entry


def verify_chain() -> Iterator[str]:
    """Yield a description of every break in the chain; nothing when it is intact."""
    previous = GENESIS
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.previous_hash != previous:
            yield f"entry {entry.pk}: does not follow the entry before it (one was removed or altered)"
        expected = _digest(entry.previous_hash, entry.at, entry.actor, entry.action, entry.target,
                           entry.reason, entry.detail)
        if expected != entry.entry_hash:
            yield f"entry {entry.pk}: its content does not match its hash (it was altered)"
        previous = entry.entry_hash
