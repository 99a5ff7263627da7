"""``vigil export [--source-system S] [--since DATETIME] [--out FILE]`` (CLI.md v1.1)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from vigil.commandline import VigilCommand, actor, datetime_arg


class Command(VigilCommand):
    help = "write the records held, the latest version of each as received, one a line"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--source-system", metavar="S", help="only this source system's")
        parser.add_argument(
            "--since",
            type=datetime_arg,
            metavar="DATETIME",
            help="only records stored or replaced at or after it (with its UTC offset)",
        )
        parser.add_argument(
            "--out", metavar="FILE", help="write to FILE instead of standard output"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from vigil.records.actions import export_records

        asked = {
            "actor": actor(),
            "source_system": options["source_system"],
            "since": options["since"],
        }
        if options["out"]:
            with Path(options["out"]).open("wb") as handle:
                export_records(handle.write, out=options["out"], **asked)
            return
        export_records(lambda line: self.stdout.write(line.decode(), ending=""), **asked)
