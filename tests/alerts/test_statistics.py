"""Table statistics after large changes: ANALYZE must really run, as the tables' owner."""

from __future__ import annotations

import time

import pytest
from django.db import connection

from vigil.alerts.neighbourhood import ensure_statistics
from vigil.records.models import Location

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="table statistics are PostgreSQL's"
)


def _stats(table: str) -> tuple[int, object]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT n_mod_since_analyze, last_analyze FROM pg_stat_user_tables WHERE relname = %s",
            [table],
        )
        return cursor.fetchone()


@pytest.mark.django_db(transaction=True)
def test_stale_tables_are_analysed_even_when_the_application_role_owns_nothing() -> None:
    table = Location._meta.db_table
    Location.objects.bulk_create(Location(key=f"|{n} test street, leeds") for n in range(500))
    deadline = time.monotonic() + 15
    # The server counts changes a moment after they commit.
    while _stats(table)[0] < 500 and time.monotonic() < deadline:
        time.sleep(0.2)

    assert table in ensure_statistics()

    while _stats(table)[1] is None and time.monotonic() < deadline:
        time.sleep(0.2)
    modified, analysed = _stats(table)
    assert analysed is not None and modified == 0
