"""``vigil link [--train] [--json]``: identity resolution over every mention, then assessment."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from vigil.commandline import EXIT_USAGE, VigilCommand, actor


class Command(VigilCommand):
    help = "re-run identity resolution over every mention"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--train",
            action="store_true",
            help="first re-estimate the model, match prior included, on this "
            "store's own mentions and keep it in this store",
        )
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        from vigil.identity.models import Person
        from vigil.identity.signals import persons_relinked
        from vigil.identity.store import relink_all, train_force_model

        try:
            model = train_force_model(actor=actor()) if options["train"] else None
        except ValueError as exc:
            raise CommandError(
                f"--train: {exc}; the model in use is unchanged", returncode=EXIT_USAGE
            ) from exc
        summary = relink_all(actor=actor(), model=model)
        # Who is who changed: the ingest app re-assesses every rule (vigil.ingest.tasks).
        persons_relinked.send(sender=Person)
        if options["json"]:
            self.print_json(summary.as_json())
        else:
            self.stdout.write(
                f"Linked {summary.mentions:,} mentions into {summary.persons:,} "
                f"persons ({summary.changed:,} links changed, "
                f"{summary.review_pairs:,} pairs for review)"
            )
