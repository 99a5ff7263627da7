"""Writing and checking the keyed hash chain of the audit log.

Each entry stores the HMAC-SHA256, under the audit-log key (``vigil.audit.keys``: never in the
database), of its content and of the entry before it, and the id of the key (``key_id``).
Entries written before the chain was keyed have an empty ``key_id`` and a plain SHA-256; they
come first, and migration ``audit/0003_keyed_chain`` sealed them with a keyed entry, so
rewriting them breaks the keyed entry after them. Signed checkpoints (``checkpoints``), kept
outside the database, catch what a chain alone cannot: the newest entries cut off the end.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from django.db import connection, transaction
from django.utils import timezone

from vigil.audit import checkpoints, keys
from vigil.audit.actions import AuditAction
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


def body(
    previous: str,
    at: dt.datetime,
    actor: str,
    action: str,
    target: str,
    reason: str,
    detail: dict[str, Any],
) -> bytes:
    """What an entry's hash covers: its content and the hash of the entry before it."""
    return orjson.dumps(
        [previous, at.astimezone(dt.UTC).isoformat(), actor, action, target, reason, detail],
        option=orjson.OPT_SORT_KEYS,
    )


def unkeyed_digest(content: bytes) -> str:
    """The hash of an entry written before the chain was keyed (anyone can compute it)."""
    return hashlib.sha256(content).hexdigest()


def record(
    actor: str,
    action: AuditAction,
    target: str = "",
    *,
    reason: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry. Call inside the transaction that makes the change it records."""
    if not isinstance(action, AuditAction):
        # A free string would split one action over several spellings, which filters miss.
        raise TypeError(f"audit action {action!r} is not an AuditAction")
    detail = detail or {}
    key = keys.current()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # One writer at a time extends the chain; SQLite's write lock already ensures it.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(7712001)")
        last = AuditEntry.objects.order_by("-id").values_list("entry_hash", flat=True).first()
        previous = last or GENESIS
        at = timezone.now()
        entry = AuditEntry(
            at=at,
            actor=actor,
            action=action.value,
            target=target[:300],
            reason=reason,
            detail=detail,
            previous_hash=previous,
            key_id=key.key_id,
        )
        entry.entry_hash = key.sign(
            body(previous, at, actor, action.value, entry.target, reason, detail)
        )
        entry.save()
        pk = entry.pk
        transaction.on_commit(lambda: checkpoints.written(pk))
    written = _written.get()
    if written is not None:
        written.append(entry.pk)
    return entry


@dataclass
class Verification:
    """What ``verify`` found: every break, and what it checked."""

    entries: int = 0
    unkeyed: int = 0  # entries from before the chain was keyed
    checkpoints: int = 0  # this store's checkpoints checked
    other_stores: int = 0  # stores other than this one with checkpoints in the file
    key_id: str = ""
    checkpoint_file: str = ""
    breaks: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.breaks

    def as_json(self) -> dict[str, Any]:
        return {
            "intact": self.intact,
            "entries": self.entries,
            "breaks": self.breaks,
            "key_id": self.key_id,
            "unkeyed_entries": self.unkeyed,
            "checkpoints_checked": self.checkpoints,
            "checkpoint_file": self.checkpoint_file,
            "other_stores_in_checkpoint_file": self.other_stores,
        }


def verify(key: keys.AuditKey | None = None, checkpoint_file: Path | None = None) -> Verification:
    """Check every entry's hash under the key, and the log against its signed checkpoints."""
    key = key or keys.current()
    path = checkpoint_file or checkpoints.path()
    result = Verification(key_id=key.key_id, checkpoint_file=str(path))
    store = checkpoints.store_id()
    found = checkpoints.read(path, key, store)
    result.other_stores = len(found.other_stores)
    result.checkpoints = len(found.valid)
    result.breaks.extend(found.problems)
    due: dict[int, list[checkpoints.Checkpoint]] = {}
    for point in found.valid:
        due.setdefault(point.last_id, []).append(point)

    previous = GENESIS
    keyed_seen = False
    last_unkeyed = 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        result.entries += 1
        result.breaks.extend(_check_entry(entry, previous, key, keyed_seen))
        if entry.key_id:
            keyed_seen = True
        else:
            result.unkeyed += 1
            last_unkeyed = entry.pk
        for point in due.pop(entry.pk, []):
            result.breaks.extend(_check_point(point, entry, result.entries))
        previous = entry.entry_hash
    if result.unkeyed and not keyed_seen:
        result.breaks.append(
            f"entries up to {last_unkeyed}: none is keyed (written without the key, or never sealed "
            "by migration audit/0003)"
        )
    for points in due.values():
        for point in points:
            result.breaks.append(
                f"checkpoint of {point.at}: entry {point.last_id}, the newest of {point.entries} "
                "it signed, is missing (the log was cut short or rewritten)"
            )
    return result


def _check_entry(
    entry: AuditEntry, previous: str, key: keys.AuditKey, keyed_seen: bool
) -> list[str]:
    breaks = []
    if entry.previous_hash != previous:
        breaks.append(
            f"entry {entry.pk}: does not follow the entry before it (one was removed or altered)"
        )
    content = body(
        entry.previous_hash,
        entry.at,
        entry.actor,
        entry.action,
        entry.target,
        entry.reason,
        entry.detail,
    )
    if not entry.key_id:
        if keyed_seen:
            breaks.append(
                f"entry {entry.pk}: has no key although entries before it have "
                "(written without the key)"
            )
        elif unkeyed_digest(content) != entry.entry_hash:
            breaks.append(f"entry {entry.pk}: its content does not match its hash (it was altered)")
    elif entry.key_id != key.key_id:
        breaks.append(
            f"entry {entry.pk}: signed with another key (key id {entry.key_id}, "
            f"not {key.key_id}); verify with the key it was written with"
        )
    elif key.sign(content) != entry.entry_hash:
        breaks.append(
            f"entry {entry.pk}: its content does not match its keyed hash (it was altered)"
        )
    return breaks


def _check_point(point: checkpoints.Checkpoint, entry: AuditEntry, counted: int) -> list[str]:
    breaks = []
    if counted != point.entries:
        breaks.append(
            f"checkpoint of {point.at}: {point.entries} entries up to entry "
            f"{point.last_id}, but the log now has {counted} (entries were removed or added)"
        )
    if entry.entry_hash != point.head:
        breaks.append(
            f"checkpoint of {point.at}: entry {point.last_id} does not have the hash it "
            "had (the chain was rewritten)"
        )
    return breaks


def verify_chain() -> Iterator[str]:
    """Yield a description of every break; nothing when the log is intact."""
    yield from verify().breaks
