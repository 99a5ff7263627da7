"""A force generated to end now is alive when assessed now: issue 12 part 3.

Its records ran 2013-14 before, so at today's date every alert was years overdue and every
time-window rule was silent. Generated to end now, imported, linked and assessed as of its end,
the alerts the demo shows are current.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from vigil.alerts.engine import assess
from vigil.alerts.models import Alert
from vigil.identity.store import relink_all
from vigil.records.importer import import_files
from vigil.synth import generate

pytestmark = pytest.mark.django_db


def test_a_force_ending_now_has_current_alerts(tmp_path: Path) -> None:
    end = dt.datetime.now(dt.UTC)
    summary = generate(tmp_path / "force", people=1500, seed=7, end=end, workers=1)
    as_of = dt.datetime.fromisoformat(summary["as_of"])
    assert as_of == end.replace(microsecond=0)
    import_files(sorted((tmp_path / "force" / "records").glob("*.ndjson")), started_by="test")
    relink_all(actor="test")
    assess(as_of)

    open_alerts = Alert.objects.filter(status=Alert.Status.OPEN)
    codes = Counter(open_alerts.values_list("code", flat=True))
    assert open_alerts.filter(severity="critical").exists()
    assert codes["CUMULATIVE_DOMESTIC_ABUSE"] and codes["RSO_CHILD_CONTACT"]
    # Nothing "overdue by thousands of days": at most a year's lapses are open (OPEN_FINDINGS_DAYS).
    stale = open_alerts.filter(due_at__lt=as_of - dt.timedelta(days=365))
    assert not stale.exists(), Counter(stale.values_list("code", flat=True))
    assert open_alerts.filter(due_at__lt=as_of).exists()  # and some are overdue, as in life
