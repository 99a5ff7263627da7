"""``vigil user add USERNAME --role ROLE [--password-stdin] [--json]``: create an account."""

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
        u.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        from django.core.exceptions import ValidationError

        from vigil.accounts.actions import AccountError, add_user

        password: str | None
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
        elif sys.stdin.isatty():
            password = getpass.getpass("Password: ")
        else:
            password = None
        try:
            user = add_user(options["username"], options["role"], password, actor=actor())
        except AccountError as exc:
            raise CommandError(str(exc), returncode=EXIT_USAGE) from exc
        except ValidationError as exc:
            raise CommandError(f"password refused: {' '.join(exc.messages)}",
                               returncode=EXIT_USAGE) from exc
        if options["json"]:
            self.print_json({"username": user.username, "role": user.role})
        else:
            self.stdout.write(f"Created {user.username} with role {user.role}")
