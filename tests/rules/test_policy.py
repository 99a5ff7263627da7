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
    assert DEFAULT_POLICY.thresholds("CUMULATIVE_DOMESTIC_ABUSE") == {
        "incidents": 3,
        "window_days": 365,
    }
    assert DEFAULT_POLICY.thresholds("REPEAT_MISSING") == {"episodes": 3, "window_days": 90}
    assert DEFAULT_POLICY.int("ATTENDANCE_DELAYED", "priority_minutes") == 240
    assert DEFAULT_POLICY.int("RSO_VISIT_OVERDUE", "medium_days") == 180


# Every default of ALERTS.md, transcribed rule by rule ("2 years" as 730 days, "12 weeks" as weeks).
CONTRACT_DEFAULTS: dict[str, dict[str, object]] = {
    "CUMULATIVE_DOMESTIC_ABUSE": {"incidents": 3, "window_days": 365},
    "DA_RISK_UNDERESTIMATED": {
        "underestimated_levels": "standard,medium",
        "cp_plan_lookback_days": 730,
    },
    "REPEAT_MISSING": {"episodes": 3, "window_days": 90},
    "MISSING_EXPLOITATION_RISK": {"missing_window_days": 90},
    "EXPLOITATION_NETWORK": {"children": 2, "window_days": 365},
    "RSO_CHILD_CONTACT": {"window_days": 365},
    "TRANSITION_TO_ADULTHOOD": {"turned_18_within_days": 180, "lookback_years": 2},
    "CHILD_SUSPECT_EXPLOITED": {"window_days": 90},
    "CHILD_NOT_SEEN_OR_HEARD": {},
    "CALL_DOWNGRADED_UNCHECKED": {},
    "ATTENDANCE_DELAYED": {"emergency_minutes": 60, "priority_minutes": 240},
    "POLICE_PROTECTION_UNRESOLVED": {"max_hours": 72, "inform_la_hours": 2},
    "REFERRAL_NO_DECISION": {"working_days": 1},
    "NO_STRATEGY_DISCUSSION": {"days": 3},
    "ACTIONS_OVERDUE": {},
    "RETURN_INTERVIEW_OVERDUE": {"hours": 72},
    "SAFE_AND_WELL_NOT_RECORDED": {"hours": 24},
    "MARAC_INCOMPLETE": {},
    "MARAC_CRITERIA_MET_NOT_REFERRED": {
        "yes_count": 14,
        "incidents": 3,
        "window_days": 365,
        "referral_days": 14,
    },
    "INVESTIGATION_DRIFT": {"days": 28},
    "INVESTIGATION_AGED": {"weeks": 12},
    "SUPERVISION_OVERDUE": {"days": 28},
    "ALLOCATION_PROBLEM": {"allocate_within_hours": 24, "max_allocations": 3},
    "DIGITAL_BACKLOG": {"days": 30},
    "CHARGING_DELAY": {"days": 28},
    "INTELLIGENCE_NOT_ACTIONED": {"days": 14},
    "CUSTODY_AA_DELAY": {"hours": 2},
    "CUSTODY_NO_TRANSFER": {},
    "CUSTODY_NO_CERTIFICATE": {},
    "CUSTODY_LONG_DETENTION": {"hours": 24},
    "CUSTODY_NO_REFERRAL": {},
    "RSO_ARMS_OVERDUE": {"months": 12},
    "RSO_VISIT_OVERDUE": {
        "very_high_days": 90,
        "high_days": 90,
        "medium_days": 180,
        "low_days": 365,
    },
    "RSO_NOT_FLAGGED": {"required_system": "command_and_control"},
}
ALERTS_MD = Path(__file__).resolve().parents[3] / "shared" / "contract" / "ALERTS.md"


def test_every_default_threshold_is_the_contracts() -> None:
    assert set(CONTRACT_DEFAULTS) == set(ALERT_CODES)
    for code, expected in CONTRACT_DEFAULTS.items():
        assert DEFAULT_POLICY.thresholds(code) == expected, code


@pytest.mark.skipif(not ALERTS_MD.exists(), reason="shared contract not present")
def test_the_codes_are_exactly_those_of_alerts_md() -> None:
    import re

    listed = set(re.findall(r"^\| `([A-Z0-9_]+)` \|", ALERTS_MD.read_text(), flags=re.MULTILINE))
    assert listed == set(ALERT_CODES)


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
        case.add(
            "call",
            f"DA-{index}",
            date,
            [("cara", "victim"), ("amy", "child_present")],
            category="domestic",
            location=HOME,
        )
    policy = policy_from_mapping({"rules": {"CUMULATIVE_DOMESTIC_ABUSE": {"incidents": 2}}})
    finding = case.one("2014-06-01 12:00", "CUMULATIVE_DOMESTIC_ABUSE", "amy", policy)
    assert "(threshold 2)" in finding.explanation
    assert finding.thresholds == {"incidents": 2, "window_days": 365}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[rules.NOT_A_CODE]\nx = 1\n", "rules.NOT_A_CODE: unknown alert code"),
        (
            "[rules.REPEAT_MISSING]\nepisodes = '3'\n",
            "rules.REPEAT_MISSING.episodes: expected integer, got string '3'",
        ),
        (
            "[rules.REPEAT_MISSING]\nepisodes = true\n",
            "rules.REPEAT_MISSING.episodes: expected integer, got boolean True",
        ),
        (
            "[rules.REPEAT_MISSING]\nepisode = 3\n",
            "rules.REPEAT_MISSING.episode: unknown setting for REPEAT_MISSING",
        ),
        (
            "[rules.REPEAT_MISSING]\nseverity = 'urgent'\n",
            "rules.REPEAT_MISSING.severity: 'urgent' is not one of critical, high, medium, low",
        ),
        (
            "[rules.REPEAT_MISSING]\nepisodes = 0\n",
            "rules.REPEAT_MISSING.episodes: must be at least 1, got 0",
        ),
        ("[response_hours]\nhigh = -1\n", "response_hours.high: must be at least 0, got -1"),
        ("[response_hours]\nurgent = 1\n", "response_hours.urgent: unknown severity"),
        ("[thresholds]\nx = 1\n", "thresholds: unknown section"),
        ("rules = 3\n", "rules: expected a table"),
        ("[rules\n", "not valid TOML"),
    ],
)
def test_bad_policy_files_are_refused_naming_the_key(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "force.toml"
    path.write_text(text)
    with pytest.raises(PolicyError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_policy(path)
