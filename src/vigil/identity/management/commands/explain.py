"""``vigil explain A B [--json]``: why two mentions are (or are not) one person."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from vigil.commandline import EXIT_USAGE, VigilCommand
from vigil.identity.management.commands._mentions import add_mention_pair, mention_pair


class Command(VigilCommand):
    help = "why two mentions are (or are not) one person: match weights"

    def add_arguments(self, parser: CommandParser) -> None:
        add_mention_pair(parser)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        from vigil.identity.actions import DecisionError
        from vigil.identity.store import explain

        try:
            a, b = mention_pair(options)
        except DecisionError as exc:
            raise CommandError(str(exc), returncode=EXIT_USAGE) from exc
        why = explain(a, b)
        if options["json"]:
            self.print_json(
                {
                    "probability": why.probability,
                    "total_weight": why.total_weight,
                    "prior_weight": why.prior_weight,
                    "terms": [
                        {"comparison": c, "level": level, "match_weight": w}
                        for c, level, w in why.terms
                    ],
                    "capped": why.capped or None,
                }
            )
            return
        self.stdout.write(
            f"Match probability {why.probability:.4f} (total weight "
            f"{why.total_weight:+.2f} bits, prior {why.prior_weight:+.2f})"
        )
        for c, level, w in why.terms:
            self.stdout.write(f"  {c:24s} {level:40s} {w:+7.2f}")
        if why.capped:
            self.stdout.write(f"  Probability held at {why.probability:.4f}: {why.capped}")
