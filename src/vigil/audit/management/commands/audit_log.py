"""``vigil audit-log verify|checkpoint``: the keyed hash-chained access and change log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from vigil.commandline import EXIT_FAILED, EXIT_USAGE, VigilCommand


class Command(VigilCommand):
    help = "the keyed hash-chained access and change log"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="audit_command", required=True)
        a = sub.add_parser(
            "verify",
            help="check the keyed chain and the signed checkpoints; exit 1 listing each break",
        )
        a.add_argument("--json", action="store_true")
        a.add_argument(
            "--checkpoints",
            metavar="FILE",
            help="the signed checkpoints to check against (default: the data folder's)",
        )
        sub.add_parser("checkpoint", help="write a signed checkpoint of the log now")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["audit_command"] == "verify":
            self._verify(options)
        else:
            self._checkpoint()

    def _verify(self, options: dict[str, Any]) -> None:
        from vigil.audit import checkpoints
        from vigil.audit.keys import AuditKeyError
        from vigil.audit.log import verify

        try:
            found = verify(
                checkpoint_file=Path(options["checkpoints"]) if options["checkpoints"] else None
            )
        except AuditKeyError as exc:
            raise CommandError(str(exc), returncode=EXIT_USAGE) from exc
        if options["json"]:
            self.print_json(found.as_json())
        elif found.breaks:
            self.say(
                f"The audit log is NOT intact: {len(found.breaks)} break(s) in "
                f"{found.entries} entries"
            )
            for line in found.breaks:
                self.stdout.write(line)
        else:
            self.stdout.write(
                f"The audit log is intact: {found.entries} entries, every hash chained under key "
                f"{found.key_id}; {found.checkpoints} signed checkpoint(s) in "
                f"{found.checkpoint_file} match it"
            )
            if found.unkeyed:
                self.stdout.write(
                    f"  {found.unkeyed} entries are from before the chain was keyed "
                    "(plain SHA-256), sealed by the keyed entries after them"
                )
        if found.other_stores and not options["json"]:
            self.say(
                f"Note: {found.checkpoint_file} also holds checkpoints of "
                f"{found.other_stores} other store(s). With one database per data folder, "
                "that means this log is not the one they were written for (replaced, or "
                "rewritten from its first entry)."
            )
        if found.breaks:
            raise SystemExit(EXIT_FAILED)
        if found.entries:
            checkpoints.write()  # verified up to here

    def _checkpoint(self) -> None:
        from vigil.audit import checkpoints

        point = checkpoints.write()
        if point is None:
            self.stdout.write("The audit log is empty: no checkpoint written")
        else:
            self.stdout.write(
                f"Checkpoint written to {checkpoints.path()}: {point.entries} "
                f"entries up to entry {point.last_id}, head {point.head[:16]}…"
            )
