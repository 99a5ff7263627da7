"""``vigil quarantine list [--all] [--json]``: records that broke the contract, and why."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from vigil.commandline import VigilCommand


class Command(VigilCommand):
    help = "records that broke the contract"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="quarantine_command", required=True)
        q = sub.add_parser("list", help="list quarantined records and why")
        q.add_argument(
            "--all", action="store_true", help="include those since fixed and re-imported"
        )
        q.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        from vigil.records.models import QuarantinedRecord

        entries = QuarantinedRecord.objects.order_by("file", "line")
        if not options["all"]:
            entries = entries.filter(resolved_by_batch__isnull=True)
        rows = [
            {
                "file": q.file,
                "line": q.line,
                "source_system": q.source_system or None,
                "source_id": q.source_id or None,
                "reasons": q.reasons,
                "resolved": q.resolved_by_batch_id is not None,
                "raw": q.raw,
            }
            for q in entries.iterator(chunk_size=2000)
        ]
        if options["json"]:
            self.print_json(rows)
            return
        if not rows:
            self.stdout.write(
                "Quarantine is empty."
                if options["all"]
                else "No records are waiting in quarantine."
            )
        for row in rows:
            ident = f"{row['source_system'] or '?'}/{row['source_id'] or '?'}"
            state = " (resolved)" if row["resolved"] else ""
            self.stdout.write(f"{row['file']} line {row['line']} {ident}{state}")
            for reason in row["reasons"]:
                self.stdout.write(f"    {reason}")
