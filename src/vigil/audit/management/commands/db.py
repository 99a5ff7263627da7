"""``vigil db grant``: as the tables' owner, grant the application's role what it needs."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from vigil.commandline import EXIT_USAGE, VigilCommand


class Command(VigilCommand):
    help = "the database"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="db_command", required=True)
        sub.add_parser("grant", help="as the tables' owner, grant the application's role")

    def handle(self, *args: Any, **options: Any) -> None:
        from django.db import connections

        from vigil.audit import dbroles

        user = dbroles.app_user()
        if not user:
            raise CommandError(
                "set VIGIL_DATABASE_OWNER_URL (the tables' owner) and "
                "VIGIL_DATABASE_URL (the application's role) on PostgreSQL",
                returncode=EXIT_USAGE,
            )
        try:
            dbroles.grant(connections[dbroles.owner_alias()], user)
        except RuntimeError as exc:
            raise CommandError(str(exc), returncode=EXIT_USAGE) from exc
        self.stdout.write(
            f"Granted {user} what the application needs (the access log: read and add only)"
        )
