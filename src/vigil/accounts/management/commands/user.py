"""``vigil user add USERNAME --role ROLE [--password-stdin] [--name NAME] [--rank RANK]
[--staff-number NUMBER] [--team TEAM] [--json]``: create an account."""

from __future__ import annotations

import getpass
import sys
from typing import Any

from django.core.management.base import CommandError, CommandParser

from vigil.commandline import EXIT_USAGE, VigilCommand, actor


class Command(VigilCommand):
    help = "accounts"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="user_command", required=True)
        u = sub.add_parser("add", help="create an account")
        u.add_argument("username")
        u.add_argument("--role", required=True)
        u.add_argument("--password-stdin", action="store_true")
        u.add_argument("--name", default="", help="full name, as colleagues know them")
        u.add_argument(
            "--rank", default="", help="rank or role title, e.g. DC or 'MASH researcher'"
        )
        u.add_argument(
            "--staff-number", default="", help="collar or staff number (letters, digits)"
        )
        u.add_argument("--team", default="", help="a team in use, by name")
        u.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        from django.core.exceptions import ValidationError

        from vigil.accounts.actions import AccountError, add_user, user_summary

        password: str | None
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
        elif sys.stdin.isatty():
            password = getpass.getpass("Password: ")
        else:
            password = None
        try:
            user = add_user(
                options["username"],
                options["role"],
                password,
                actor=actor(),
                full_name=options["name"],
                rank=options["rank"],
                staff_number=options["staff_number"],
                team=options["team"],
            )
        except AccountError as exc:
            raise CommandError(str(exc), returncode=EXIT_USAGE) from exc
        except ValidationError as exc:
            raise CommandError(
                f"password refused: {' '.join(exc.messages)}", returncode=EXIT_USAGE
            ) from exc
        if options["json"]:
            self.print_json(user_summary(user))
        else:
            self.stdout.write(f"Created {user.username} with role {user.role}")
