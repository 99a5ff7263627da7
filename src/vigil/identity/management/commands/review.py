"""``vigil review list|decide|undo``: pairs the model was unsure of, and people's decisions."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from vigil.commandline import EXIT_USAGE, VigilCommand, actor
from vigil.identity.management.commands._mentions import add_mention_pair, mention_pair


class Command(VigilCommand):
    help = "pairs of mentions the model was unsure of, and decisions"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="review_command", required=True)
        r = sub.add_parser("list", help="pairs waiting for a person to decide")
        r.add_argument("--json", action="store_true")
        r = sub.add_parser("decide", help="record that two mentions are, or are not, one person")
        add_mention_pair(r)
        r.add_argument("--decision", required=True, choices=["same", "different"])
        r.add_argument("--reason", required=True)
        r = sub.add_parser("undo", help="withdraw a decision")
        r.add_argument("decision_id", type=int)
        r.add_argument("--reason", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['review_command']}")(options)

    def _list(self, options: dict[str, Any]) -> None:
        from vigil.identity.models import ReviewPair

        pairs = (
            ReviewPair.objects.filter(status=ReviewPair.Status.PENDING)
            .select_related("mention_a__record", "mention_b__record")
            .order_by("-match_probability")
        )
        rows: list[dict[str, Any]] = [
            {
                "review_id": p.pk,
                "match_probability": p.match_probability,
                "linked_by_model": p.linked_by_model,
                "a": [
                    p.mention_a.record.source_system,
                    p.mention_a.record.source_id,
                    p.mention_a.mention_id,
                ],
                "b": [
                    p.mention_b.record.source_system,
                    p.mention_b.record.source_id,
                    p.mention_b.mention_id,
                ],
            }
            for p in pairs
        ]
        if options["json"]:
            self.print_json(rows)
            return
        if not rows:
            self.stdout.write("No pairs wait for review.")
        for row in rows:
            self.stdout.write(
                f"{row['review_id']:>6}  p={row['match_probability']:.3f}  {'/'.join(row['a'])}"
                f"  ~  {'/'.join(row['b'])}  "
                f"(model: {'same' if row['linked_by_model'] else 'apart'})"
            )

    def _decide(self, options: dict[str, Any]) -> None:
        from vigil.identity.actions import DecisionError, decide
        from vigil.identity.models import LinkDecision
        from vigil.identity.signals import persons_relinked

        try:
            a, b = mention_pair(options)
            made, summary = decide(
                a, b, options["decision"], actor=actor(), reason=options["reason"]
            )
        except DecisionError as exc:
            raise CommandError(str(exc), returncode=EXIT_USAGE) from exc
        # Who is who changed: the ingest app re-assesses every rule (vigil.ingest.tasks).
        persons_relinked.send(sender=LinkDecision)
        self.stdout.write(
            f"Decision {made.pk} recorded ({made.decision}); relinked "
            f"{summary.mentions:,} mentions into {summary.persons:,} persons"
        )

    def _undo(self, options: dict[str, Any]) -> None:
        from vigil.identity.actions import DecisionError, undo
        from vigil.identity.models import LinkDecision
        from vigil.identity.signals import persons_relinked

        try:
            decision = LinkDecision.objects.get(pk=options["decision_id"])
            undo(decision, actor=actor(), reason=options["reason"])
        except LinkDecision.DoesNotExist as exc:
            raise CommandError(
                f"no decision {options['decision_id']}", returncode=EXIT_USAGE
            ) from exc
        except DecisionError as exc:
            raise CommandError(str(exc), returncode=EXIT_USAGE) from exc
        # Who is who changed: the ingest app re-assesses every rule (vigil.ingest.tasks).
        persons_relinked.send(sender=LinkDecision)
        self.stdout.write(f"Decision {decision.pk} undone")
