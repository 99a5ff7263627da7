"""``vigil demo``: generate a synthetic force, ingest it, and make an account for every role."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from vigil.commandline import VigilCommand
from vigil.synth.clock import end_arg


class Command(VigilCommand):
    help = "generate and import a demo force with demo accounts"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--people", type=int, default=2000)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument(
            "--out", help="where to write the synthetic files (default: data folder)"
        )
        parser.add_argument(
            "--end",
            type=end_arg,
            metavar="DATE|DATETIME",
            help="end of a newly generated force's period (default: now)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from vigil.ingest.demo import build_demo

        build_demo(
            people=options["people"],
            seed=options["seed"],
            out=Path(options["out"]) if options["out"] else None,
            end=options["end"],
            say=self._say,
        )

    def _say(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()
