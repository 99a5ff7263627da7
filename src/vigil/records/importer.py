"""The NDJSON importer: streams files into the record store, batch by atomic batch.

Memory stays flat because a file is read a line at a time and only one batch is held. Each batch
commits in one transaction, so a killed import leaves whole batches behind it; importing again
finds those records unchanged and carries on, ending where one clean import would.

A line that breaks the contract goes to quarantine with its file, line, source id and every
reason; the rest of the file still imports. A file that cannot be read as NDJSON at all (missing,
wrong encoding, not line-delimited JSON) is refused whole with a message saying which.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import multiprocessing
import os
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from django.db import DatabaseError, OperationalError, connection, connections, transaction
from django.utils import timezone

from vigil.records import bulkload, locks, walcheckpoint
from vigil.records.models import ImportBatch
from vigil.records.prepare import (
    IMPORT_GC_THRESHOLD,
    UTF8_BOM,
    PreparedRecord,
    QuarantineEntry,
    prepare_block,
    start_worker,
)
from vigil.records.sqlite import set_pragma
from vigil.records.store import BatchWriter

Prepared = PreparedRecord | QuarantineEntry

BATCH_SIZE = int(os.environ.get("VIGIL_IMPORT_BATCH_SIZE", "5000"))
SQLITE_CACHE_KIB = 131072  # the importer's page cache: index pages stay in memory between batches
# Bytes of whole lines handed to a worker at a time (some 500 records of a synthetic force).
CHUNK_BYTES = int(os.environ.get("VIGIL_IMPORT_CHUNK_BYTES", str(512 * 1024)))
WORKERS = min(2, os.cpu_count() or 1)
# Bytes of blocks given to workers ahead of the writer. The writer hands out blocks only between
# batches, so the window must outlast a batch (5,000 records, some ten blocks) or the workers
# sit idle while it writes and it then waits for them (with four blocks, 29% of the writer's
# time went in that wait). Bounded, so memory stays flat.
IN_FLIGHT_BYTES = 8 * 1024 * 1024
# Below this many bytes, starting workers costs more than it saves.
POOL_THRESHOLD_BYTES = int(os.environ.get("VIGIL_IMPORT_POOL_BYTES", str(4 * 1024 * 1024)))
SNIFF_BYTES = 65536
SNIFF_LINES = 5


class FileUnreadable(Exception):
    """A file that cannot be read as NDJSON at all; nothing from it is imported."""

    def __init__(self, path: Path, message: str, preview: str = "") -> None:
        super().__init__(f"{path}: {message}{preview}")
        self.path = path
        self.message = message + preview
        # Without the preview of the file's first line: for standard error, which is kept in
        # logs that must not hold record contents.
        self.brief = f"{path}: {message}"


@dataclass
class ImportSummary:
    """The counts CLI.md's ``vigil import --json`` prints, plus what the batch needs."""

    files: int = 0
    received: int = 0
    imported: int = 0
    unchanged: int = 0
    replaced: int = 0
    quarantined: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    unreadable_brief: list[str] = field(default_factory=list)  # the same, quoting no content
    touched_record_ids: set[int] = field(default_factory=set)
    batch_id: int | None = None
    # (file, first line, last line) of the batch being written, to say where a failure struck.
    writing: tuple[str, int, int] | None = None
    # Secondary indexes and foreign keys built once at the end (records.bulkload); 0: none.
    deferred_indexes: int = 0

    def as_contract(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "received": self.received,
            "imported": self.imported,
            "unchanged": self.unchanged,
            "replaced": self.replaced,
            "quarantined": self.quarantined,
            "errors": self.errors,
        }


Progress = Callable[[int, ImportSummary], None]


def _looks_like_record_line(text: bytes) -> bool:
    try:
        return isinstance(orjson.loads(text), dict)
    except orjson.JSONDecodeError:
        return False


def looks_wide(head: bytes) -> bool:
    """Whether a file's first bytes are UTF-16 or UTF-32 rather than UTF-8.

    By its byte order mark, or by the pattern such text leaves: the high bytes of the
    characters JSON is made of are NUL, so the bytes at odd offsets (or at even ones) are
    nearly all NUL and the others far fewer (UTF-32: all against half). A stray NUL byte in
    UTF-8 text is not that pattern, nor is a run of them (a disk block of zeros): such lines
    are quarantined, the rest imported.
    """
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")):
        return True
    if len(head) < 4:
        return False
    even, odd = head[0::2], head[1::2]
    return abs(even.count(0) / len(even) - odd.count(0) / len(odd)) > 0.4


def check_readable(path: Path) -> None:
    """Refuse, with a specific message, a file that is not NDJSON at all."""
    if not path.exists():
        raise FileUnreadable(path, "no such file")
    if path.is_dir():
        raise FileUnreadable(path, "is a folder, not an NDJSON file")
    try:
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError as exc:
        raise FileUnreadable(path, f"cannot be read: {exc.strerror}") from None
    if looks_wide(head):
        raise FileUnreadable(
            path,
            "wrong encoding: the file looks like UTF-16 or UTF-32 (it holds NUL bytes); "
            "NDJSON must be UTF-8",
        )
    head = head.removeprefix(UTF8_BOM)
    lines = [ln.strip() for ln in head.split(b"\n")]
    if len(head) == SNIFF_BYTES:
        lines = lines[:-1]  # the last may be cut by the sniff, not by the file
    sample = [ln for ln in lines if ln][:SNIFF_LINES]
    if not sample:
        return  # empty: reported by the reader, not an error that stops the import
    if any(_looks_like_record_line(ln) for ln in sample):
        return
    first = sample[0]
    if first.startswith(b"{") and len(first) > 1:
        return  # one broken record line: quarantined with its reason, not a refused file
    try:
        preview = first[:40].decode("utf-8")
    except UnicodeDecodeError:
        raise FileUnreadable(
            path, "wrong encoding: the first line is not UTF-8; NDJSON must be UTF-8"
        ) from None
    try:
        parsed: Any = orjson.loads(first)
    except orjson.JSONDecodeError:
        parsed = None
        what = (
            "a JSON document spread over several lines (a pretty-printed object or array)"
            if first in (b"[", b"{")
            else "not JSON"
        )
    if parsed is not None:
        kind = {list: "array", str: "string", int: "number", float: "number", bool: "boolean"}
        what = f"a JSON {kind.get(type(parsed), 'value')}, not one object per line"
    raise FileUnreadable(
        path,
        f"not NDJSON: expected one JSON object per line, but the file is {what}",
        f" (line 1 starts {preview!r})",
    )


def _os_user() -> str:
    try:
        return os.getlogin()
    except OSError:
        return str(os.getuid())


def _blocks(path: Path) -> Iterator[tuple[bytes, int, int]]:
    """A file in blocks of whole lines: (bytes, number of the block's first line, bytes read).

    Read here in large reads and split into lines by the process that prepares them: handing
    workers one block is one copy, where lines one by one cost the importer a pickled object
    each way.
    """
    with path.open("rb") as handle:
        first, done = 1, 0
        while data := handle.read(CHUNK_BYTES):
            if not data.endswith(b"\n"):
                data += handle.readline()
            done += len(data)
            yield data, first, done
            first += data.count(b"\n")


def _prepared(
    path: Path, pool: ProcessPoolExecutor | None, vendor: str
) -> Iterator[tuple[list[Prepared], int]]:
    """Prepared lines of a file in order; with a pool, several blocks are prepared at once."""
    name = str(path)
    if pool is None:
        for data, first, done in _blocks(path):
            yield prepare_block(name, data, first, vendor), done
        return
    in_flight: deque[tuple[Future[list[Prepared]], int]] = deque()
    for data, first, done in _blocks(path):
        in_flight.append((pool.submit(prepare_block, name, data, first, vendor), done))
        # A bounded window keeps memory flat whatever the file's size.
        while len(in_flight) > max(2 * WORKERS, IN_FLIGHT_BYTES // CHUNK_BYTES):
            future, upto = in_flight.popleft()
            yield future.result(), upto
    while in_flight:
        future, upto = in_flight.popleft()
        yield future.result(), upto


def _pool_for(paths: Sequence[Path]) -> ProcessPoolExecutor | None:
    if _total_bytes(paths) < POOL_THRESHOLD_BYTES or WORKERS < 2:
        return None
    # Spawned, not forked: a forked child would share the parent's database sockets.
    return ProcessPoolExecutor(
        max_workers=WORKERS,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=start_worker,
        initargs=(os.getpid(),),
    )


_gc_lock = threading.Lock()
_gc_imports = 0
_gc_before: tuple[int, ...] = ()


@contextlib.contextmanager
def _import_pace_gc() -> Iterator[None]:
    """The collector at the import's pace for its duration (prepare.IMPORT_GC_THRESHOLD).

    The thresholds are the process's: with imports in several threads, the last to end puts
    back what the first found.
    """
    global _gc_imports, _gc_before
    with _gc_lock:
        if _gc_imports == 0:
            _gc_before = gc.get_threshold()
            gc.set_threshold(*IMPORT_GC_THRESHOLD)
        _gc_imports += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_imports -= 1
            if _gc_imports == 0:
                gc.set_threshold(*_gc_before)


def import_files(
    paths: Sequence[Path],
    *,
    started_by: str | None = None,
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportSummary:
    """Import NDJSON files; return what CLI.md's summary reports (and what was touched).

    One import at a time per store: a second waits for the first (``locks.IMPORTING``).
    """
    with locks.exclusive(locks.IMPORTING), _import_pace_gc():
        return _import_files(paths, started_by=started_by, progress=progress, batch_size=batch_size)


def _import_files(
    paths: Sequence[Path],
    *,
    started_by: str | None,
    progress: Progress | None,
    batch_size: int,
) -> ImportSummary:
    summary = ImportSummary(files=len(paths))
    batch = ImportBatch.objects.create(
        started_at=timezone.now(),
        started_by=started_by or f"cli:{_os_user()}",
        pid=os.getpid(),
        files=[str(p) for p in paths],
    )
    summary.batch_id = batch.pk
    writer = BatchWriter(batch)
    vendor = connection.vendor
    cache_before = set_pragma("cache_size", -SQLITE_CACHE_KIB) if vendor == "sqlite" else None
    pool = _pool_for(paths)
    try:
        with (
            _checkpoints_aside(vendor),
            bulkload.deferred(batch, _total_bytes(paths)) as summary.deferred_indexes,
        ):
            _import_each(paths, writer, pool, vendor, summary, progress, batch_size)
        batch.status = ImportBatch.Status.COMPLETED
    except BaseException as exc:
        batch.status = ImportBatch.Status.FAILED
        batch.error = describe_failure(exc, summary.writing)
        # For the command line's one-line message: the batch and what befell it, no values.
        exc.add_note(f"{FAILURE_NOTE}{batch.pk}: {batch.error}")
        raise
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        batch.finished_at = timezone.now()
        for name in ("received", "imported", "unchanged", "replaced", "quarantined"):
            setattr(batch, name, getattr(summary, name))
        _save_outcome(batch, cache_before)
    return summary


FAILURE_NOTE = "vigil import batch "


def failure_of(exc: BaseException) -> tuple[int, str] | None:
    """The batch an import failure marked failed, and why (as ``ImportBatch.error`` says)."""
    for note in getattr(exc, "__notes__", ()):
        if note.startswith(FAILURE_NOTE):
            batch, _, message = note.removeprefix(FAILURE_NOTE).partition(": ")
            return int(batch), message
    return None


def describe_failure(exc: BaseException, writing: tuple[str, int, int] | None) -> str:
    """Why an import stopped, for ``ImportBatch.error`` (shown on /imports/) and standard error.

    Only the kind of failure and where: never the database's own message, which can quote the
    values of a record (a refused row's key, a value that would not convert).
    """
    where = f" while writing {writing[0]} lines {writing[1]}-{writing[2]}" if writing else ""
    cause = exc.__cause__ if isinstance(exc, DatabaseError) and exc.__cause__ else exc
    code = getattr(cause, "sqlstate", None) or getattr(cause, "sqlite_errorname", None)
    if isinstance(exc, KeyboardInterrupt):
        what = "interrupted"
    elif isinstance(exc, OperationalError) and (code is None or code[:2] in ("08", "57")):
        what = "the connection to the database was lost" + (f" ({code})" if code else "")
    elif isinstance(exc, DatabaseError):
        what = f"the database refused a batch ({type(cause).__name__}" + (
            f", {code})" if code else ")"
        )
    elif isinstance(exc, OSError) and exc.strerror:
        what = f"{type(exc).__name__}: {exc.strerror}"
    else:
        what = f"an internal error ({type(exc).__name__})"
    return what + where


def _save_outcome(batch: ImportBatch, cache_before: int | None) -> None:
    """Record how the import ended, even after its database connection was cut off.

    A connection ended from outside (``pg_terminate_backend``, a restarted server) cannot save
    anything: a new one marks the batch, and builds what its bulk load dropped if no other
    load runs (the dead session's lock is gone with it).
    """
    try:
        if cache_before is not None:
            set_pragma("cache_size", cache_before)
        batch.save()
        return
    except DatabaseError:
        if connection.in_atomic_block:
            raise
    # Every connection: with two roles the bulk load's own (the owner's) was lost too.
    connections.close_all()
    batch.save()
    with contextlib.suppress(DatabaseError):
        bulkload.restore_abandoned()


def _checkpoints_aside(vendor: str) -> contextlib.AbstractContextManager[None]:
    """SQLite: the WAL checkpointed by a thread of its own (``walcheckpoint``) meanwhile."""
    if vendor != "sqlite":
        return contextlib.nullcontext()
    connection.ensure_connection()
    return walcheckpoint.checkpointed_aside(
        connection.connection, str(connection.settings_dict["NAME"])
    )


def _total_bytes(paths: Sequence[Path]) -> int:
    return sum(p.stat().st_size for p in paths if p.is_file())


class _OrderedWriter:
    """Runs the import's writes in the order given: here, or in a thread of their own.

    On PostgreSQL the database works in a process of its own, so while it stores one batch
    this process can already gather the next; written inline, each waits for the other. The
    thread has its own connection and takes one batch at a time, in order, so every batch is
    still one transaction and a killed import still leaves whole batches. SQLite does its work
    inside this process, holding the interpreter lock between rows, so it writes inline.
    """

    def __init__(self, threaded: bool) -> None:
        self.error: BaseException | None = None
        self.abandoned = False
        self.queue: queue.Queue[Callable[[], None] | None] | None = None
        if threaded:
            self.queue = queue.Queue(maxsize=1)
            self.thread = threading.Thread(
                target=self._run, name="vigil-import-writer", daemon=True
            )
            self.thread.start()

    def submit(self, job: Callable[[], None]) -> None:
        if self.queue is None:
            job()
            return
        while True:
            if self.error is not None:
                raise self.error
            try:
                self.queue.put(job, timeout=0.5)
                return
            except queue.Full:
                continue

    def _run(self) -> None:
        assert self.queue is not None
        try:
            while (job := self.queue.get()) is not None:
                # After a failure the rest is drained unrun, so submit() never blocks for ever.
                if self.error is None and not self.abandoned:
                    try:
                        job()
                    except BaseException as exc:
                        self.error = exc
        finally:
            connection.close()

    def close(self, abandon: bool = False) -> None:
        """Wait for what was submitted (or, abandoning, only for the batch being written)."""
        if self.queue is None:
            return
        self.abandoned = self.abandoned or abandon
        self.queue.put(None)
        self.thread.join()
        if self.error is not None and not abandon:
            raise self.error


def _import_each(
    paths: Sequence[Path],
    writer: BatchWriter,
    pool: ProcessPoolExecutor | None,
    vendor: str,
    summary: ImportSummary,
    progress: Progress | None,
    batch_size: int,
) -> None:
    threaded = vendor == "postgresql" and pool is not None and not connection.in_atomic_block
    ordered = _OrderedWriter(threaded)
    try:
        _read_each(paths, writer, pool, vendor, summary, progress, batch_size, ordered)
    except BaseException:
        ordered.close(abandon=True)
        raise
    ordered.close()


def _read_each(
    paths: Sequence[Path],
    writer: BatchWriter,
    pool: ProcessPoolExecutor | None,
    vendor: str,
    summary: ImportSummary,
    progress: Progress | None,
    batch_size: int,
    ordered: _OrderedWriter,
) -> None:
    def flush(items: list[Prepared]) -> None:
        if items:
            ordered.submit(lambda: _flush(writer, items, summary))

    def error(path: Path, reason: str) -> None:
        # Through the writer, so that errors are listed in the order of the files and lines.
        ordered.submit(
            lambda: summary.errors.append(
                {"file": str(path), "line": None, "source_id": None, "reasons": [reason]}
            )
        )

    bytes_before = 0
    for path in paths:
        try:
            check_readable(path)
        except FileUnreadable as exc:
            summary.unreadable.append(str(exc))
            summary.unreadable_brief.append(exc.brief)
            error(path, exc.message)
            continue
        received_before = summary.received
        pending: list[Prepared] = []
        keys: set[tuple[str, str]] = set()
        done = 0
        for items, done in _prepared(path, pool, vendor):
            for item in items:
                summary.received += 1
                if isinstance(item, PreparedRecord):
                    # A second version of one record in a batch must follow the first.
                    if item.key in keys:
                        flush(pending)
                        pending, keys = [], set()
                    keys.add(item.key)
                pending.append(item)
                if len(pending) >= batch_size:
                    flush(pending)
                    pending, keys = [], set()
            if progress:
                progress(bytes_before + done, summary)
        flush(pending)
        ordered.submit(functools.partial(writer.file_reread, path))
        bytes_before += done
        if progress:
            progress(bytes_before, summary)
        if summary.received == received_before:
            error(path, "file is empty: it holds no records")


def _flush(writer: BatchWriter, items: list[Prepared], summary: ImportSummary) -> None:
    if not items:
        return
    valid = [i for i in items if isinstance(i, PreparedRecord)]
    bad = [i for i in items if isinstance(i, QuarantineEntry)]
    summary.writing = (items[0].file, items[0].line, items[-1].line)
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # A batch is one transaction either way; not waiting for its WAL flush saves a
                # disk sync per batch. A server crash could lose the last batches committed
                # (never part of one), which importing again restores, like any killed import.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
            outcome = writer.write(valid)
            bad += outcome.refused  # amendments of a record of another type (RECORDS.md v1.1)
            writer.quarantine(bad)
    except BaseException:
        writer.rolled_back()
        raise
    writer.committed()
    summary.imported += outcome.imported
    summary.unchanged += outcome.unchanged
    summary.replaced += outcome.replaced
    summary.touched_record_ids |= outcome.touched
    summary.quarantined += len(bad)
    summary.errors.extend(entry.error() for entry in bad)
    summary.writing = None
