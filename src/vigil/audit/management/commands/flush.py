"""Django's ``flush`` (empty every table), lifting the audit log's append-only triggers for the
run only. Used between tests; anyone able to run it already owns the database."""

from __future__ import annotations

from typing import Any

from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections

from vigil.audit import append_only


class Command(FlushCommand):
    def handle(self, **options: Any) -> None:
        connection = connections[options["database"]]
        append_only.disable(connection)
        try:
            super().handle(**options)
        finally:
            append_only.enable(connection)
