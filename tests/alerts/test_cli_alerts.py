"""`vigil assess` and `vigil alerts` exactly as CLI.md says: flags, JSON keys, exit status."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.conftest import EXAMPLES, VIGIL, vigil_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]  # subprocesses

# A child missing repeatedly (person alerts) and a child in custody (record alerts).
SCENARIOS = (EXAMPLES / "repeat_missing", EXAMPLES / "custody_overnight")
AS_OF = "2014-07-10T12:00:00+00:00"
ALERT_KEYS = [
    "alert_id",
    "code",
    "severity",
    "status",
    "raised_at",
    "due_at",
    "subject",
    "explanation",
    "evidence",
]


def vigil(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(VIGIL), *args], env=env, capture_output=True, text=True, timeout=300)


def json_of(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stderr
    return orjson.loads(result.stdout)  # standard output is the JSON and nothing else


@pytest.fixture
def env(tmp_path: Path, new_database: Callable[[], str]) -> dict[str, str]:
    env = vigil_env(new_database(), tmp_path)
    json_of(vigil(env, "import", *(str(s / "records.ndjson") for s in SCENARIOS), "--json"))
    return env


def test_alerts_json_is_exactly_the_contract_shape(env: dict[str, str]) -> None:
    alerts = json_of(vigil(env, "alerts", "--as-of", AS_OF, "--json"))
    assert isinstance(alerts, list) and alerts
    kinds = set()
    for alert in alerts:
        assert list(alert) == ALERT_KEYS
        assert alert["severity"] in ("critical", "high", "medium", "low")
        assert alert["status"] == "open"  # nothing stored at this moment yet: a new finding
        assert alert["alert_id"].startswith("A-")
        subject = alert["subject"]
        kinds.add(subject["kind"])
        if subject["kind"] == "person":
            assert list(subject) == ["kind", "person_id", "mentions"]
        else:
            assert list(subject) == ["kind", "source_system", "source_id", "mentions"]
        for mention in subject["mentions"]:
            assert list(mention) == ["source_system", "source_id", "mention_id"]
        assert alert["evidence"] and all(
            list(e) == ["source_system", "source_id"] for e in alert["evidence"]
        )
        assert alert["raised_at"].endswith("+00:00") and alert["raised_at"] <= AS_OF
    assert kinds == {"person", "record"}
    repeat = [a for a in alerts if a["code"] == "REPEAT_MISSING"]
    assert len(repeat) == 1 and "(threshold 3)" in repeat[0]["explanation"]
    assert ["compact", "MIS-1", "p1"] in [
        list(m.values()) for m in repeat[0]["subject"]["mentions"]
    ]
    # The same records and moment always give the same alerts.
    assert json_of(vigil(env, "alerts", "--as-of", AS_OF, "--json")) == alerts


def test_assess_stores_what_alerts_lists_without_duplicates(env: dict[str, str]) -> None:
    listed = json_of(vigil(env, "alerts", "--as-of", AS_OF, "--json"))
    first = json_of(vigil(env, "assess", "--as-of", AS_OF, "--json"))
    assert first["as_of"] == AS_OF and first["findings"] == len(listed)
    assert set(first) == {
        "as_of",
        "findings",
        "raised",
        "updated",
        "reopened",
        "resolved",
        "unchanged",
    }
    again = json_of(vigil(env, "assess", "--as-of", AS_OF, "--json"))
    assert (again["raised"], again["updated"], again["reopened"], again["resolved"]) == (0, 0, 0, 0)
    assert again["unchanged"] == len(listed)
    stored = json_of(vigil(env, "alerts", "--as-of", AS_OF, "--json"))
    # Stored under the ids the listing gave them before, with their stored status.
    assert [a["alert_id"] for a in stored] == [a["alert_id"] for a in listed]
    assert {a["status"] for a in stored} == {"open"}


def test_alerts_filters_by_code_and_status(env: dict[str, str]) -> None:
    everything = json_of(vigil(env, "alerts", "--as-of", AS_OF, "--json"))
    only = json_of(vigil(env, "alerts", "--as-of", AS_OF, "--code", "REPEAT_MISSING", "--json"))
    assert only == [a for a in everything if a["code"] == "REPEAT_MISSING"] and only
    assert (
        json_of(vigil(env, "alerts", "--as-of", AS_OF, "--status", "open", "--json")) == everything
    )
    assert json_of(vigil(env, "alerts", "--as-of", AS_OF, "--status", "closed", "--json")) == []


def test_alerts_as_of_lists_only_what_evaluation_at_that_moment_finds(env: dict[str, str]) -> None:
    json_of(vigil(env, "assess", "--as-of", AS_OF, "--json"))  # alerts now stored
    # Before any of the records nothing fires, whatever is stored from a later evaluation; and
    # after the custody but before the first missing episode, only the custody alerts.
    assert json_of(vigil(env, "alerts", "--as-of", "2014-01-01T12:00:00+00:00", "--json")) == []
    early = json_of(vigil(env, "alerts", "--as-of", "2014-03-20T12:00:00+00:00", "--json"))
    assert early and all(a["code"].startswith("CUSTODY_") for a in early)
    # Listing does not store: the alerts evaluation at AS_OF raised are still there, open.
    stored = json_of(vigil(env, "alerts", "--as-of", AS_OF, "--json"))
    assert stored and {a["status"] for a in stored} == {"open"}


def test_usage_errors_exit_2_with_nothing_on_standard_output(env: dict[str, str]) -> None:
    for args in (
        ["alerts", "--as-of", "2014-07-10T12:00:00", "--json"],  # no UTC offset
        ["assess", "--as-of", "yesterday", "--json"],
        ["alerts", "--status", "pending", "--json"],
        ["alerts", "--code", "REPEAT_MISING", "--json"],
    ):  # misspelt: not an empty list
        result = vigil(env, *args)
        assert result.returncode == 2, args
        assert result.stdout == "" and result.stderr, args
