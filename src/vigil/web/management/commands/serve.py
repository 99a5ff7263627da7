"""``vigil serve [--host] [--port] [--workers]``: the web application under gunicorn."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from vigil.commandline import VigilCommand


class Command(VigilCommand):
    help = "serve the web application"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args: Any, **options: Any) -> None:
        from django.db import connection

        from vigil.audit import dbroles
        from vigil.web.server import serve

        if connection.vendor == "postgresql" and not dbroles.app_user():
            self.say(
                "vigil serve: warning: VIGIL_DATABASE_OWNER_URL is not set, so the web "
                "application works as the tables' owner and could lift the access log's "
                "protection; see docs/operations.md 'Database roles'"
            )
        serve(options["host"], options["port"], workers=options["workers"])
