"""What every app's management commands share, so that each one is a verb of ``vigil``.

``vigil`` (``vigil/cli.py``) dispatches each verb to the owning app's command; the same command
runs in process under ``call_command`` (tests) and ``django-admin``. A command reports failure by
raising ``CommandError(message, returncode=…)``: ``vigil`` prints ``vigil VERB: message`` on
standard error and exits with that status. Management commands are edges, like the web views:
they may call any app below them, the ingestion pipeline included.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
from typing import Any

import orjson
from django.core.management.base import BaseCommand

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class VigilCommand(BaseCommand):
    # Django's own options stay accepted but out of `vigil VERB --help`: they are not CLI.md's.
    suppressed_base_arguments = {
        "--version",
        "--verbosity",
        "--settings",
        "--pythonpath",
        "--traceback",
        "--no-color",
        "--force-color",
        "--skip-checks",
    }
    # The system checks belong to the web application's start; a one-record import need not
    # pay for them.
    requires_system_checks: list[str] = []
    # Whether `vigil` brings the schema up to date before running it (synth needs no database).
    needs_database = True
    # Set by `vigil` (as Django's run_from_argv does) so a usage error exits 2 with argparse's
    # message; under call_command it raises CommandError instead.
    _called_from_command_line: bool | None = None

    def print_json(self, value: Any) -> None:
        """Exactly the contract's shape on standard output, nothing else there."""
        self.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode())

    def say(self, message: str) -> None:
        """A message for the person at the terminal (standard error), never styled."""
        self.stderr.write(message, style_func=lambda text: text)


def actor() -> str:
    """Who ran the command, as the audit log names them."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return f"cli:{os.getuid()}"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def datetime_arg(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no UTC offset")
    return value


def date_arg(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None
