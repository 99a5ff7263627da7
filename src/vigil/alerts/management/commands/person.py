"""``vigil person SOURCE_SYSTEM SOURCE_ID MENTION_ID [--json]``: a person and their chronology."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from vigil.commandline import EXIT_USAGE, VigilCommand


class Command(VigilCommand):
    help = "the person a mention resolves to, with their chronology"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source_system")
        parser.add_argument("source_id")
        parser.add_argument("mention_id")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        from vigil.alerts.profile import MentionNotFound, person_profile

        try:
            profile = person_profile(
                options["source_system"], options["source_id"], options["mention_id"]
            )
        except MentionNotFound as exc:
            raise CommandError(str(exc), returncode=EXIT_USAGE) from exc
        if options["json"]:
            self.print_json(profile)
            return
        out = self.stdout.write
        out(f"Person {profile['person_id']}: {', '.join(profile['names']) or '(no name)'}")
        out(f"  dates of birth: {', '.join(profile['dates_of_birth']) or 'none recorded'}")
        out(f"  {len(profile['mentions'])} mention(s); chronology:")
        for entry in profile["chronology"]:
            out(
                f"    {entry['at'][:16]}  {entry['record_type']:20s} {entry['source_system']}/"
                f"{entry['source_id']}  {entry['summary'][:60]}"
            )
        for alert in profile["alerts"]:
            out(f"  ALERT {alert['code']} ({alert['status']}): {alert['explanation']}")
