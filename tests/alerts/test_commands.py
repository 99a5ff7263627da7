"""`vigil assess`, `alerts` and `person`, run in process as the alerts app's commands."""

from __future__ import annotations

import datetime as dt
import io

import orjson
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.conftest import EXAMPLES
from vigil.alerts.models import Alert
from vigil.identity.store import relink_all
from vigil.ingest.pipeline import ingest_files

pytestmark = pytest.mark.django_db

SCENARIO = EXAMPLES / "repeat_missing"
AS_OF = orjson.loads((SCENARIO / "expect.json").read_bytes())["as_of"]


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture(autouse=True)
def scenario() -> None:
    ingest_files([SCENARIO / "records.ndjson"], actor="test", assess=False)
    relink_all(actor="test")  # linked, not yet assessed


def test_assess_stores_the_alerts_and_prints_counts() -> None:
    first = orjson.loads(run("assess", "--as-of", AS_OF, "--json"))
    assert first["as_of"] == dt.datetime.fromisoformat(AS_OF).isoformat()
    assert first["raised"] == Alert.objects.count() == first["findings"] > 0
    again = orjson.loads(run("assess", "--as-of", AS_OF, "--json"))
    assert (again["raised"], again["unchanged"]) == (0, first["findings"])
    assert run("assess", "--as-of", AS_OF).startswith("As of 10 July 2014 12:00 UTC: ")


def test_alerts_lists_what_evaluation_finds_by_code_and_status() -> None:
    listed = orjson.loads(run("alerts", "--as-of", AS_OF, "--code", "REPEAT_MISSING", "--json"))
    assert [a["code"] for a in listed] == ["REPEAT_MISSING"]
    assert listed[0]["status"] == "open"
    assert ["compact", "MIS-1", "p1"] in [
        [m["source_system"], m["source_id"], m["mention_id"]]
        for m in listed[0]["subject"]["mentions"]
    ]
    assert orjson.loads(run("alerts", "--as-of", AS_OF, "--status", "closed", "--json")) == []
    assert "REPEAT_MISSING" in run("alerts", "--as-of", AS_OF)
    with pytest.raises(CommandError) as refused:
        run("alerts", "--code", "REPEAT_MISSNG")
    assert refused.value.returncode == 2 and "not an alert code of ALERTS.md" in str(refused.value)


def test_person_gives_the_identity_chronology_and_alerts() -> None:
    run("assess", "--as-of", AS_OF)
    profile = orjson.loads(run("person", "compact", "MIS-1", "p1", "--json"))
    assert "Chloe Ward" in profile["names"]
    assert [e["source_id"] for e in profile["chronology"]] == ["MIS-1", "MIS-2", "MIS-3", "MIS-4"]
    assert "REPEAT_MISSING" in {a["code"] for a in profile["alerts"]}
    assert run("person", "compact", "MIS-1", "p1").startswith(f"Person {profile['person_id']}: ")
    with pytest.raises(CommandError) as refused:
        run("person", "compact", "MIS-9", "p1")
    assert refused.value.returncode == 2
