"""The policy: defaults from the contract, a force's overrides, clear refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.rules.builders import HOME, Case
from vigil.rules import ALERT_CODES, DEFAULT_POLICY, PolicyError, load_policy
from vigil.rules.policy import policy_from_mapping


def test_every_code_has_a_severity_and_the_contract_defaults() -> None:
    assert set(DEFAULT_POLICY.rules) == set(ALERT_CODES)
    assert len(ALERT_CODES) == 34
    assert DEFAULT_POLICY.thresholds("CUMULATIVE_DOMESTIC_ABUSE") == {"incidents": 3, "window_days": 365}
    assert DEFAULT_POLICY.thresholds("REPEAT_MISSING") == {"episodes": 3, "window_days": 90}
    assert DEFAULT_POLICY.int("ATTENDANCE_DELAYED", "priority_minutes") == 240
    assert DEFAULT_POLICY.int("RSO_VISIT_OVERDUE", "medium_days") == 180


def test_a_force_overrides_thresholds_and_severity(tmp_path: Path) -> None:
    path = tmp_path / "force.toml"
    path.write_text('[rules.CUMULATIVE_DOMESTIC_ABUSE]\nwindow_days = 180\nseverity = "critical"\n')
    policy = load_policy(path)
    assert policy.thresholds("CUMULATIVE_DOMESTIC_ABUSE") == {"incidents": 3, "window_days": 180}
    assert policy.severity("CUMULATIVE_DOMESTIC_ABUSE") == "critical"
    assert policy.thresholds("REPEAT_MISSING") == DEFAULT_POLICY.thresholds("REPEAT_MISSING")


def test_the_explanation_states_the_threshold_that_fired() -> None:
    case = Case()
    for index, date in enumerate(["2014-03-01 20:00", "2014-05-01 20:00"]):
        case.add("call", f"DA-{index}", date, [("cara", "victim"), ("amy", "child_present")],
                 category="domestic", location=HOME)
    policy = policy_from_mapping({"rules": {"CUMULATIVE_DOMESTIC_ABUSE": {"incidents": 2}}})
    finding = case.one("2014-06-01 12:00", "CUMULATIVE_DOMESTIC_ABUSE", "amy", policy)
    assert "(threshold 2)" in finding.explanation
    assert finding.thresholds == {"incidents": 2, "window_days": 365}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[rules.NOT_A_CODE]\nx = 1\n", "rules.NOT_A_CODE: unknown alert code"),
        ("[rules.REPEAT_MISSING]\nepisodes = '3'\n",
         "rules.REPEAT_MISSING.episodes: expected integer, got string '3'"),
        ("[rules.REPEAT_MISSING]\nepisodes = true\n",
         "rules.REPEAT_MISSING.episodes: expected integer, got boolean True"),
        ("[rules.REPEAT_MISSING]\nepisode = 3\n",
         "rules.REPEAT_MISSING.episode: unknown setting for REPEAT_MISSING"),
        ("[rules.REPEAT_MISSING]\nseverity = 'urgent'\n",
         "rules.REPEAT_MISSING.severity: 'urgent' is not one of critical, high, medium, low"),
        ("[rules.REPEAT_MISSING]\nepisodes = 0\n", "rules.REPEAT_MISSING.episodes: must be at least 1, got 0"),
        ("[response_hours]\nhigh = -1\n", "response_hours.high: must be at least 0, got -1"),
        ("[response_hours]\nurgent = 1\n", "response_hours.urgent: unknown severity"),
        ("[thresholds]\nx = 1\n", "thresholds: unknown section"),
        ("rules = 3\n", "rules: expected a table"),
        ("[rules\n", "not valid TOML"),
    ],
)
def test_bad_policy_files_are_refused_naming_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "force.toml"
    path.write_text(text)
    with pytest.raises(PolicyError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_policy(path)
