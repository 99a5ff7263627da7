"""``vigil assess [--as-of DATETIME] [--json]``: every rule for everyone, alerts stored."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from vigil.commandline import VigilCommand, datetime_arg, now


class Command(VigilCommand):
    help = "re-evaluate every rule for everyone and store the alerts"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", type=datetime_arg, metavar="DATETIME")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        from vigil.alerts.engine import assess

        as_of = options["as_of"] or now()
        findings, outcome = assess(as_of)
        if options["json"]:
            self.print_json(
                {
                    "as_of": as_of.isoformat(),
                    "findings": len(findings),
                    "raised": outcome.raised,
                    "updated": outcome.updated,
                    "reopened": outcome.reopened,
                    "resolved": outcome.resolved,
                    "unchanged": outcome.unchanged,
                }
            )
            return
        self.stdout.write(
            f"As of {as_of:%d %B %Y %H:%M %Z}: {len(findings):,} findings; "
            f"{outcome.raised:,} alerts raised, {outcome.updated:,} updated, "
            f"{outcome.reopened:,} reopened, {outcome.resolved:,} resolved"
        )
