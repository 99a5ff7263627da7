"""The pipeline's other entries: the web app's reassessment task and the demo build."""

from __future__ import annotations

import io
from pathlib import Path

import orjson
import pytest
from django.core.management import call_command

from tests.conftest import EXAMPLES
from vigil.access.roles import Role
from vigil.accounts.models import User
from vigil.alerts.models import Alert
from vigil.identity.models import MentionLink
from vigil.identity.store import relink_all
from vigil.ingest.pipeline import ingest_files
from vigil.ingest.tasks import reassess_alerts
from vigil.records.models import PersonMention, Record

pytestmark = pytest.mark.django_db


def test_the_reassessment_task_brings_alerts_up_to_date_after_identities_change() -> None:
    ingest_files([EXAMPLES / "repeat_missing" / "records.ndjson"], actor="test", assess=False)
    relink_all(actor="test")
    assert not Alert.objects.exists()
    # No TASKS setting: django-tasks' immediate backend runs it at once.
    outcome = reassess_alerts.enqueue().return_value
    assert outcome["raised"] == Alert.objects.count() > 0


@pytest.mark.slow
def test_demo_ingests_a_synthetic_force_and_makes_an_account_for_every_role(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIGIL_DATA_DIR", str(tmp_path / "data"))  # where the sign-ins are kept
    out = io.StringIO()
    call_command("demo", people=60, seed=3, out=str(tmp_path / "force"), stdout=out)
    lines = [
        orjson.loads(line)
        for p in (tmp_path / "force" / "records").glob("*.ndjson")
        for line in p.read_bytes().splitlines()
    ]
    # One record held per identity: a record Vigil holds of its own comes with a new version.
    written = len({(r["source_system"], r["source_id"]) for r in lines})
    assert Record.objects.count() == written > 0
    assert MentionLink.objects.count() == PersonMention.objects.count()
    assert Alert.objects.exists()
    shown = out.getvalue()
    assert f"Imported {written:,} new records" in shown
    for role in Role:
        username = f"demo-{role.value.replace('_', '-')}"
        assert username in shown and User.objects.filter(username=username).exists()
    # Again: nothing new to ingest, the same accounts.
    accounts = User.objects.count()
    again = io.StringIO()
    call_command("demo", people=60, seed=3, out=str(tmp_path / "force"), stdout=again)
    assert f"Imported 0 new records ({len(lines):,} already held" in again.getvalue()
    assert "Linked" not in again.getvalue()
    assert User.objects.count() == accounts
    signins = (tmp_path / "data" / "demo-accounts.txt").read_text().splitlines()
    assert len(signins) == len(Role) and all(line in again.getvalue() for line in signins)
