"""Django's ``flush`` (empty every table), lifting the audit log's append-only triggers for the
run only. Used between tests; it runs as the tables' owner (vigil.audit.dbroles), as only an
owner may drop the triggers or empty the log, and anyone able to run it owns the database."""

from __future__ import annotations

from typing import Any

from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections

from vigil.audit import append_only, dbroles


class Command(FlushCommand):
    def handle(self, **options: Any) -> None:
        connection = connections[options["database"]]
        with dbroles.as_owner(connection):
            append_only.disable(connection)
            try:
                super().handle(**options)
            finally:
                append_only.enable(connection)
