"""Each alert's title in plain English, as staff would say it (ALERTS.md's rules, in words).

A title states the threshold that fired, taken from the alert's own ``thresholds`` (a force may
change them in its policy), so "Missing 3 or more times in 90 days" reads "4 or more" where the
force set 4. The rule code is never a title; pages show it only as a small caption.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from vigil.rules.policy import load_policy

TITLES: dict[str, str] = {
    # cumulative and hidden risk
    "CUMULATIVE_DOMESTIC_ABUSE": "Exposed to {incidents} or more domestic abuse incidents in {window_days} days",
    "DA_RISK_UNDERESTIMATED": "Domestic abuse risk may be assessed too low",
    "REPEAT_MISSING": "Missing {episodes} or more times in {window_days} days",
    "MISSING_EXPLOITATION_RISK": "Missing, with signs of exploitation",
    "EXPLOITATION_NETWORK": "Possible exploitation network",
    "RSO_CHILD_CONTACT": "Registered sex offender in contact with a child",
    "TRANSITION_TO_ADULTHOOD": "Turned 18 with a history of exploitation",
    "CHILD_SUSPECT_EXPLOITED": "Child suspect with signs of exploitation",
    # recording what matters about the child
    "CHILD_NOT_SEEN_OR_HEARD": "Child present but not seen or heard",
    "CALL_DOWNGRADED_UNCHECKED": "Call about a child downgraded without a check",
    "ATTENDANCE_DELAYED": "Slow attendance at a call about a child",
    "POLICE_PROTECTION_UNRESOLVED": "Police protection not resolved in time",
    # working together
    "REFERRAL_NO_DECISION": "Referral with no decision",
    "NO_STRATEGY_DISCUSSION": "No strategy discussion within {days} days",
    "ACTIONS_OVERDUE": "Agreed actions overdue",
    "RETURN_INTERVIEW_OVERDUE": "No return interview within {hours} hours of being found",
    "SAFE_AND_WELL_NOT_RECORDED": "No safe and well check within {hours} hours of being found",
    "MARAC_INCOMPLETE": "MARAC meeting incomplete",
    "MARAC_CRITERIA_MET_NOT_REFERRED": "Meets the MARAC criteria but not referred",
    # investigations
    "INVESTIGATION_DRIFT": "Investigation with no activity for {days} days",
    "INVESTIGATION_AGED": "Investigation open more than {weeks} weeks",
    "SUPERVISION_OVERDUE": "Investigation not reviewed by a supervisor for {days} days",
    "ALLOCATION_PROBLEM": "Investigation not allocated as it should be",
    "DIGITAL_BACKLOG": "Device waiting {days} days or more for examination",
    "CHARGING_DELAY": "No charging decision {days} days after submission",
    "INTELLIGENCE_NOT_ACTIONED": "Exploitation intelligence not followed up within {days} days",
    # children in custody
    "CUSTODY_AA_DELAY": "Appropriate adult not there within {hours} hours",
    "CUSTODY_NO_TRANSFER": "Charged child kept in custody, not moved to local authority care",
    "CUSTODY_NO_CERTIFICATE": "Charged child kept in custody without a certificate",
    "CUSTODY_LONG_DETENTION": "Child in custody {hours} hours or more",
    "CUSTODY_NO_REFERRAL": "Child in custody not referred to children's social care",
    # offenders
    "RSO_ARMS_OVERDUE": "Sex offender risk assessment (ARMS) overdue",
    "RSO_VISIT_OVERDUE": "Sex offender home visit overdue",
    "RSO_NOT_FLAGGED": "Sex offender's address not flagged for call handlers",
}


@cache
def _defaults() -> dict[str, dict[str, Any]]:
    policy = load_policy()
    return {code: policy.thresholds(code) for code in policy.rules}


def title(code: str, thresholds: Mapping[str, Any] | None = None) -> str:
    """The alert's title, with the thresholds it fired on (the default policy's where the alert
    holds none). A code with no title yet reads as words, never as the code itself."""
    template = TITLES.get(code)
    if template is None:
        return code.replace("_", " ").capitalize()
    # Every name a title uses is a setting of its rule, so the default policy holds it.
    return template.format(**{**_defaults().get(code, {}), **(thresholds or {})})
