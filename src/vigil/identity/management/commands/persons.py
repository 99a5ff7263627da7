"""``vigil persons [--out FILE]`` (CLI.md v1.1): one JSON object a line, every mention in one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from django.core.management.base import CommandParser

from vigil.commandline import VigilCommand


class Command(VigilCommand):
    help = "every person identity resolution holds, with every mention, one JSON object a line"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--out", metavar="FILE", help="write to FILE instead of standard output"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from vigil.identity.store import persons

        if options["out"]:
            with Path(options["out"]).open("wb") as handle:
                for person in persons():
                    handle.write(orjson.dumps(person) + b"\n")
            return
        for person in persons():
            self.stdout.write(orjson.dumps(person).decode())
