"""``vigil synth --people N [--seed S] [--start DATE] [--days D] [--end DATE|DATETIME] --out DIR``
(no database)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from vigil.commandline import EXIT_USAGE, VigilCommand, date_arg
from vigil.synth.clock import end_arg


class Command(VigilCommand):
    help = "write a synthetic force and its ground truth"
    needs_database = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--people", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--start", type=date_arg)
        parser.add_argument("--days", type=int, help="length of the period (default 730)")
        parser.add_argument(
            "--end",
            type=end_arg,
            metavar="DATE|DATETIME",
            help="end of the period, as_of of the truth (default: now)",
        )
        parser.add_argument("--out", required=True)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        from vigil.synth import generate

        out = Path(options["out"])
        people = options["people"]
        show = sys.stderr.isatty()

        def progress(done: int) -> None:
            if show:
                self.stderr.write(f"\r{done:,} of {people:,} people", ending="")

        # Neither start nor end: a period ending now, so alerts are current when assessed now.
        end = options["end"] if options["end"] or options["start"] else dt.datetime.now(dt.UTC)
        try:
            summary = generate(
                out,
                people=people,
                seed=options["seed"],
                start=options["start"],
                days=options["days"],
                end=end,
                progress=progress,
            )
        except ValueError as exc:
            raise CommandError(str(exc), returncode=EXIT_USAGE) from exc
        if show:
            self.stderr.write("")
        if options["json"]:
            self.print_json(summary)
            return
        records = summary.get("records")
        if isinstance(records, dict):
            records = sum(records.values())
        self.stdout.write(
            f"Wrote a synthetic force of {people:,} people ({records:,} records) to {out}"
        )
