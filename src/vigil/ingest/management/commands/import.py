"""``vigil import PATH... [--json] [--no-assess]`` (CLI.md): files through the ingestion pipeline."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from vigil.commandline import EXIT_FAILED, EXIT_USAGE, VigilCommand, actor


class Command(VigilCommand):
    help = "import NDJSON record files"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument("--json", action="store_true")
        parser.add_argument(
            "--no-assess",
            action="store_true",
            help="do not bring identity resolution and alerts up to date afterwards",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from vigil.ingest.pipeline import ingest_files

        paths = [Path(p) for p in options["paths"]]
        progress, finish = _progress(paths, enabled=sys.stderr.isatty() and not options["json"])
        try:
            try:
                result = ingest_files(
                    paths, actor=actor(), assess=not options["no_assess"], progress=progress
                )
            finally:
                finish()
        except Exception as exc:  # one line on standard error, never a traceback quoting a record
            raise CommandError(_failure(exc), returncode=EXIT_FAILED) from exc
        summary = result.imported
        if options["json"]:
            self.print_json(summary.as_contract())
            # The summary holds these too; standard error is where a script's log picks them up.
            for problem in summary.unreadable_brief:
                self.say(f"vigil import: {problem}")
        else:
            self._print_summary(summary)
        if summary.unreadable:
            raise SystemExit(EXIT_USAGE)

    def _print_summary(self, summary: Any) -> None:
        self.stdout.write(
            f"{summary.files} file(s): {summary.received:,} records received, "
            f"{summary.imported:,} imported, {summary.unchanged:,} unchanged, "
            f"{summary.replaced:,} replaced, {summary.quarantined:,} quarantined"
        )
        shown = summary.errors[:20]
        for error in shown:
            where = f"{error['file']}" + (f" line {error['line']}" if error["line"] else "")
            ident = f" ({error['source_id']})" if error.get("source_id") else ""
            self.stdout.write(f"  {where}{ident}: {'; '.join(error['reasons'])}")
        if len(summary.errors) > len(shown):
            self.stdout.write(
                f"  … and {len(summary.errors) - len(shown):,} more: see `vigil quarantine list`"
            )


def _failure(exc: BaseException) -> str:
    """What stopped an import, in one line: the kind of failure and where, never the values."""
    from vigil.ingest.pipeline import failed_after_import
    from vigil.records.importer import describe_failure, failure_of

    if failed_after_import(exc):
        return (
            f"the records were imported, but linking or assessing them failed: "
            f"{describe_failure(exc, None)} (`vigil link` links and assesses everyone again)"
        )
    failure = failure_of(exc)
    if failure is None:
        return f"failed before it began: {describe_failure(exc, None)}"
    batch, message = failure
    return (
        f"failed: {message}; import batch {batch} is marked failed (the batches before "
        "it are kept: import the same files again to carry on)"
    )


def _progress(paths: Sequence[Path], enabled: bool) -> tuple[Any, Callable[[], None]]:
    if not enabled:
        return None, lambda: None
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    total = sum(p.stat().st_size for p in paths if p.is_file())
    bar = Progress(
        TextColumn("importing"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TextColumn("{task.fields[counts]}"),
        TimeRemainingColumn(),
        transient=False,
    )
    bar.start()
    task = bar.add_task("import", total=total or None, counts="")
    started = dt.datetime.now(dt.UTC)

    def update(done: int, summary: Any) -> None:
        seconds = max((dt.datetime.now(dt.UTC) - started).total_seconds(), 1e-6)
        counts = (
            f"{summary.received:,} records ({summary.received / seconds:,.0f}/s), "
            f"{summary.imported:,} new, {summary.quarantined:,} quarantined"
        )
        bar.update(task, completed=done, counts=counts)

    return update, bar.stop
