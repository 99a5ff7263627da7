"""The ``vigil`` command (shared/contract/CLI.md).

Each verb is the management command of the app that owns it (``VERBS``); this module only sets
Django up, migrates when the command needs the database, and dispatches. With ``--json`` a
command prints exactly the contract's shape on standard output and nothing else there; progress
and messages go to standard error.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence

from vigil.commandline import VigilCommand

# verb: (the app that owns it, its management command). In the order `vigil --help` lists them.
VERBS: dict[str, tuple[str, str]] = {
    "import": ("vigil.ingest", "import"),
    "link": ("vigil.identity", "link"),
    "persons": ("vigil.identity", "persons"),
    "assess": ("vigil.alerts", "assess"),
    "alerts": ("vigil.alerts", "alerts"),
    "person": ("vigil.alerts", "person"),
    "explain": ("vigil.identity", "explain"),
    "review": ("vigil.identity", "review"),
    "quarantine": ("vigil.records", "quarantine"),
    "export": ("vigil.records", "export"),
    "audit": ("vigil.inspection", "audit"),
    "synth": ("vigil.synth", "synth"),
    "user": ("vigil.accounts", "user"),
    "audit-log": ("vigil.audit", "audit_log"),
    "db": ("vigil.audit", "db"),
    "serve": ("vigil.web", "serve"),
    "demo": ("vigil.ingest", "demo"),
}
# Verbs whose first argument is a subcommand (`vigil review decide`), named in their messages.
WITH_SUBCOMMANDS = {"review", "quarantine", "user", "audit-log", "db", "audit"}


def _setup_django(migrate: bool = True) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vigil.settings")
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command
        from django.db import connections
        from django.db.migrations.executor import MigrationExecutor

        # Every command migrates what it needs, but a store already up to date skips the
        # migrate command's post-migrate work (content types, permissions): a one-record
        # import should not pay for it.
        from vigil.audit.dbroles import owner_alias
        from vigil.records import bulkload, locks

        # One command migrates at a time; another started with it waits, then finds nothing
        # left to do (two creating the tables at once, one died).
        with locks.exclusive(locks.MIGRATING):
            # A bulk load killed part-way left its indexes unbuilt: build them before
            # anything (a migration included) relies on them.
            bulkload.restore_abandoned()
            # Migrations run as the tables' owner (VIGIL_DATABASE_OWNER_URL, when set: the
            # application's own role may not change the schema; docs/operations.md).
            owner = owner_alias()
            executor = MigrationExecutor(connections[owner])
            if executor.migration_plan(executor.loader.graph.leaf_nodes()):
                call_command("migrate", database=owner, verbosity=0, interactive=False)


def _command(verb: str) -> VigilCommand:
    from django.core.management import load_command_class

    app, name = VERBS[verb]
    command = load_command_class(app, name)
    assert isinstance(command, VigilCommand), f"{app}'s {name} command is not a VigilCommand"
    return command


def build_parser() -> argparse.ArgumentParser:
    """The top level only: which verbs there are. Each verb's own options are its command's."""
    parser = argparse.ArgumentParser(
        prog="vigil", description=__doc__.splitlines()[0] if __doc__ else None
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for verb in VERBS:
        sub.add_parser(verb, help=_command(verb).help, add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # Piped into `head`, stop quietly like any Unix tool.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in VERBS:
        build_parser().parse_args(argv)  # help, or a usage error (exit 2)
        return 2
    verb, rest = argv[0], argv[1:]
    command = _command(verb)
    # Usage errors exit 2 with argparse's message, as a command line's should.
    command._called_from_command_line = True
    options = vars(command.create_parser("vigil", verb).parse_args(rest))
    _setup_django(migrate=command.needs_database)
    label = " ".join(["vigil", verb, *rest[:1]] if verb in WITH_SUBCOMMANDS else ["vigil", verb])
    from django.core.management.base import CommandError

    try:
        command.execute(*options.pop("args", ()), **options)
        result = 0
    except CommandError as exc:
        print(f"{label}: {exc}", file=sys.stderr)
        result = exc.returncode
    except SystemExit as exc:
        result = exc.code if isinstance(exc.code, int) else 1
    if command.needs_database:
        from vigil.audit import checkpoints

        checkpoints.write_if_pending()  # what this command wrote, signed outside the table
    return result


if __name__ == "__main__":
    sys.exit(main())
