"""Accounts' free-text teams become Team rows when the store is migrated, and no account loses
its team."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.conftest import as_owner

BEFORE = [("accounts", "0001_initial")]
AFTER = [("accounts", "0002_team_and_names")]


@pytest.mark.django_db(transaction=True)
def test_free_text_teams_become_teams() -> None:
    # Migrations are the tables' owner's to run (docs/operations.md "Database roles").
    with as_owner(connection):
        migrate_and_check()


def migrate_and_check() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("accounts", "User")
    old.objects.create(username="ana", role="investigator", team="CAIT North")
    old.objects.create(username="ben", role="investigator", team="CAIT North")
    old.objects.create(username="cal", role="mash", team="")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    user, team = new.get_model("accounts", "User"), new.get_model("accounts", "Team")
    assert list(team.objects.values_list("name", flat=True)) == ["CAIT North"]
    teams = dict(user.objects.values_list("username", "team__name"))
    assert teams == {"ana": "CAIT North", "ben": "CAIT North", "cal": None}
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
