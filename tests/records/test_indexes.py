"""Indexes declared in ``Meta.indexes`` are the ones the pages' queries use."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection, connections
from django.db.migrations.executor import MigrationExecutor

from vigil.oversight.queries import referrals_waiting

OLD = "web_referral_decision_at"
NEW = "record_decision_at"


def _indexes() -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.get_constraints(cursor, "records_record"))


@contextmanager
def _planner_prefers_indexes() -> Iterator[None]:
    # An empty table is cheaper to scan than to look up: PostgreSQL's cost-based planner would
    # (rightly) scan it, which says nothing about whether the index matches the query.
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            yield
        finally:
            cursor.execute("RESET enable_seqscan")


@pytest.mark.django_db
def test_referrals_waiting_uses_the_records_apps_index() -> None:
    assert NEW in _indexes() and OLD not in _indexes()
    with _planner_prefers_indexes():
        plan = referrals_waiting().explain()
    assert NEW in plan, plan


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_web_migration_drops_the_raw_sql_index_and_puts_it_back_backwards() -> None:
    owner = connections["owner" if "owner" in connections.settings else "default"]
    before = [("web", "0001_referral_decision_index")]
    latest = [("web", "0002_drop_raw_referral_decision_index")]
    try:
        MigrationExecutor(owner).migrate(before)
        assert {OLD, NEW} <= _indexes()
    finally:
        MigrationExecutor(owner).migrate(latest)
    assert NEW in _indexes() and OLD not in _indexes()
