"""``vigil alerts [--as-of DATETIME] [--code CODE] [--status STATUS] [--json]`` (CLI.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from vigil.commandline import EXIT_USAGE, VigilCommand, datetime_arg, now


class Command(VigilCommand):
    help = "the alerts evaluation finds at a moment"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", type=datetime_arg, metavar="DATETIME")
        parser.add_argument("--code")
        parser.add_argument("--status", choices=["open", "acknowledged", "closed", "resolved"])
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        from vigil.alerts.engine import alerts_json, findings_at
        from vigil.rules import ALERT_CODES

        code = options["code"]
        if code is not None and code not in ALERT_CODES:
            # A misspelt code would otherwise list nothing, which reads as "no alerts".
            raise CommandError(
                f"--code {code!r} is not an alert code of ALERTS.md", returncode=EXIT_USAGE
            )
        as_of = options["as_of"] or now()
        findings = findings_at(as_of)
        if code:
            findings = [f for f in findings if f.code == code]
        listed = alerts_json(findings, status=options["status"])
        if options["json"]:
            self.print_json(listed)
            return
        if not listed:
            self.stdout.write(f"No alerts as of {as_of:%d %B %Y %H:%M %Z}.")
        for alert in listed:
            self.stdout.write(
                f"{alert['severity']:8s} {alert['code']:32s} {alert['status']:12s} "
                f"{alert['alert_id']}"
            )
            self.stdout.write(f"         {alert['explanation']}")
