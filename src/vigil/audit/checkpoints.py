"""Signed checkpoints of the audit log, kept outside the database.

A checkpoint names the log's store (the hash of its first entry), its newest entry's id and
hash, and how many entries there are up to it, signed with the audit-log key. Each is appended
as one JSON line to the checkpoint file (``VIGIL_AUDIT_CHECKPOINT_FILE``, default
``audit-checkpoints.jsonl`` in the data folder, 0600) and, when ``VIGIL_AUDIT_CHECKPOINT_LOG``
is ``1``, to the server log (logger ``vigil.audit.checkpoint``), which can be shipped off the
machine. A process writes one after its first entry, then after every
``VIGIL_AUDIT_CHECKPOINT_EVERY`` entries (100) or once ``VIGIL_AUDIT_CHECKPOINT_SECONDS`` (60)
have passed, and every ``vigil`` command that wrote entries writes one as it ends.

``vigil audit-log verify`` checks that each checkpoint's entry still exists with that hash and
that as many entries precede it: a log cut short, or rewritten and rechained (even with the
key), no longer matches. Entries since the newest checkpoint are protected by the chain only.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from django.db.models import Count, Max
from django.utils import timezone

from vigil.audit import keys
from vigil.paths import data_dir

logger = logging.getLogger("vigil.audit.checkpoint")

EVERY = int(os.environ.get("VIGIL_AUDIT_CHECKPOINT_EVERY", "100"))
SECONDS = float(os.environ.get("VIGIL_AUDIT_CHECKPOINT_SECONDS", "60"))
_FIELDS = ("v", "store", "at", "last_id", "entries", "head", "key_id")


def path() -> Path:
    return Path(
        os.environ.get("VIGIL_AUDIT_CHECKPOINT_FILE") or data_dir() / "audit-checkpoints.jsonl"
    )


@dataclass(frozen=True)
class Checkpoint:
    store: str
    at: str
    last_id: int
    entries: int
    head: str
    key_id: str


def store_id() -> str:
    """This log's name in checkpoint files: the start of its first entry's hash ('' if empty)."""
    from vigil.audit.models import AuditEntry

    first = AuditEntry.objects.order_by("id").values_list("entry_hash", flat=True).first()
    return (first or "")[:16]


def _signed(values: dict[str, Any], key: keys.AuditKey) -> str:
    return key.sign(orjson.dumps([values[name] for name in _FIELDS]))


def write(key: keys.AuditKey | None = None, target: Path | None = None) -> Checkpoint | None:
    """Append a checkpoint of the log as it stands; None when the log is empty."""
    from vigil.audit.models import AuditEntry

    key = key or keys.current()
    # One statement, so the count and the newest id agree: entries are committed in id order
    # (one writer at a time), and none is ever changed, so the newest's hash can be read after.
    counted = AuditEntry.objects.aggregate(entries=Count("id"), last_id=Max("id"))
    if not counted["entries"]:
        return None
    head = AuditEntry.objects.values_list("entry_hash", flat=True).get(pk=counted["last_id"])
    values: dict[str, Any] = {
        "v": 1,
        "store": store_id(),
        "at": timezone.now().isoformat(),
        "last_id": counted["last_id"],
        "entries": counted["entries"],
        "head": head,
        "key_id": key.key_id,
    }
    values["mac"] = _signed(values, key)
    line = orjson.dumps(values) + b"\n"
    destination = target or path()
    destination.parent.mkdir(parents=True, exist_ok=True)
    # One write of one short line with O_APPEND: processes writing at once never interleave.
    fd = os.open(destination, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)
    logger.info("audit-log checkpoint %s", line.decode().rstrip())
    _state.update(last_id=counted["last_id"], at=time.monotonic(), pending=False)
    return Checkpoint(
        values["store"], values["at"], values["last_id"], values["entries"], head, key.key_id
    )


# This process's last checkpoint, to space them out.
_state: dict[str, Any] = {"last_id": None, "at": 0.0, "pending": False}


def written(entry_id: int) -> None:
    """An entry was committed: write a checkpoint if one is due."""
    _state["pending"] = True
    last = _state["last_id"]
    if last is None or entry_id - last >= EVERY or time.monotonic() - _state["at"] >= SECONDS:
        try:
            write()
        except OSError as exc:
            # The entry is committed and chained; a checkpoint missed is retried at the next.
            logger.error("audit-log checkpoint not written to %s: %s", path(), exc.strerror)


def write_if_pending() -> None:
    """At the end of a command: a checkpoint covering whatever this process wrote."""
    if _state["pending"]:
        write()


@dataclass
class Found:
    valid: list[Checkpoint] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    other_stores: set[str] = field(default_factory=set)


def read(source: Path, key: keys.AuditKey, store: str) -> Found:
    """This store's checkpoints in ``source``, each checked against its signature."""
    found = Found()
    if not source.exists():
        return found
    with source.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                values = orjson.loads(raw)
                point = Checkpoint(
                    *(
                        values[name]
                        for name in ("store", "at", "last_id", "entries", "head", "key_id")
                    )
                )
                mac = values["mac"]
            except (orjson.JSONDecodeError, KeyError, TypeError):
                found.problems.append(
                    f"checkpoint file line {number}: not a checkpoint (the file "
                    "was altered or damaged)"
                )
                continue
            if point.store != store:
                found.other_stores.add(point.store)
                continue
            if point.key_id != key.key_id or _signed(values, key) != mac:
                found.problems.append(
                    f"checkpoint file line {number}: its signature does not "
                    "match the key (altered, or signed with another key)"
                )
                continue
            found.valid.append(point)
    return found
