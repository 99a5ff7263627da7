"""Alerts as a kind of work (``vigil.work``): their titles (``alerts.titles``), the outcomes that may close
each code, and their transitions (ALERTS.md 'Lifecycle': open → acknowledged → closed; the rule
engine's resolving and reopening stay in ``actions.sync_findings``)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from vigil.access.permissions import Capability
from vigil.alerts import titles
from vigil.work.registry import Outcome, Transition, WorkKind, register


def title(alert: Any) -> str:
    """The rule's title in words (``alerts.titles``, the one list); no personal data."""
    return titles.title(alert.code, alert.thresholds)


def _o(*pairs: tuple[str, str]) -> tuple[Outcome, ...]:
    return tuple(Outcome(k, v) for k, v in pairs)


REFERRAL = ("referral_made", "Referral made to children's social care")
STRATEGY = ("strategy_discussion_held", "Strategy discussion held")
MARAC = ("marac_referral_made", "MARAC referral made")
DONE_LATE = ("done_late", "Done, but late: the reason is recorded")
ESCALATED = ("escalated", "Escalated to a manager in the partner agency")
SCREENING = ("exploitation_screening", "Exploitation screening completed and risk recorded")
NRM = ("nrm_referral_made", "National Referral Mechanism referral made")
DISRUPTION = ("disruption_started", "Disruption activity started")
OFFENDER_MANAGER = ("offender_manager_informed", "Offender manager told and acting")
RECORD_CORRECTED = ("record_corrected", "Recording corrected and the officer advised")
REVIEWED = ("supervisory_review", "Supervisory review recorded with actions")
REALLOCATED = ("reallocated", "Reallocated to another investigator")

# Every code may close as one of these: an alert that is wrong, repeated, or judged low risk.
COMMON = _o(
    ("nfa_low_risk", "No further action: risk assessed as low"),
    (
        "already_in_hand",
        "No further action: already in hand (open plan, investigation or referral)",
    ),
    ("duplicate", "Duplicate of another alert"),
    ("records_wrong", "Alert raised in error: the records are wrong and have been corrected"),
)

BY_CODE: dict[str, tuple[Outcome, ...]] = {
    "CUMULATIVE_DOMESTIC_ABUSE": _o(
        REFERRAL, STRATEGY, MARAC, ("risk_reassessed", "Household risk reassessed")
    ),
    "DA_RISK_UNDERESTIMATED": _o(
        ("risk_reassessed", "Risk reassessed and raised"),
        ("risk_confirmed", "Risk reassessed and confirmed as recorded"),
        MARAC,
        REFERRAL,
    ),
    "REPEAT_MISSING": _o(
        REFERRAL, STRATEGY, SCREENING, ("missing_plan", "Missing-from-home plan agreed with carers")
    ),
    "MISSING_EXPLOITATION_RISK": _o(STRATEGY, SCREENING, NRM, DISRUPTION, REFERRAL),
    "EXPLOITATION_NETWORK": _o(
        STRATEGY, ("investigation_opened", "Investigation opened"), DISRUPTION, NRM
    ),
    "RSO_CHILD_CONTACT": _o(
        OFFENDER_MANAGER, STRATEGY, REFERRAL, ("safeguarding_visit", "Safeguarding visit made")
    ),
    "TRANSITION_TO_ADULTHOOD": _o(
        ("adult_safeguarding_referral", "Referral to adult safeguarding made"),
        ("transition_plan", "Transition plan agreed with partners"),
        NRM,
    ),
    "CHILD_SUSPECT_EXPLOITED": _o(SCREENING, NRM, REFERRAL, STRATEGY),
    "CHILD_NOT_SEEN_OR_HEARD": _o(
        ("child_seen", "Child seen and spoken to; their voice recorded"), RECORD_CORRECTED, REFERRAL
    ),
    "CALL_DOWNGRADED_UNCHECKED": _o(
        ("welfare_check_made", "Welfare check made"),
        ("downgrade_justified", "Downgrade reviewed: reason recorded"),
        RECORD_CORRECTED,
    ),
    "ATTENDANCE_DELAYED": _o(
        ("delay_reviewed", "Delay reviewed with the control room"),
        ("child_seen_safe", "Child since seen and safe"),
        RECORD_CORRECTED,
    ),
    "POLICE_PROTECTION_UNRESOLVED": _o(
        ("protection_ended", "Police protection ended with a plan"),
        ("local_authority_informed", "Local authority told"),
        DONE_LATE,
    ),
    "REFERRAL_NO_DECISION": _o(("referral_decided", "Referral decided"), ESCALATED, DONE_LATE),
    "NO_STRATEGY_DISCUSSION": _o(
        STRATEGY,
        ESCALATED,
        DONE_LATE,
        ("strategy_not_needed", "Strategy discussion not needed: threshold not met"),
    ),
    "ACTIONS_OVERDUE": _o(
        ("actions_done", "Actions completed"),
        ("actions_reset", "Actions reallocated with new dates"),
        ESCALATED,
    ),
    "RETURN_INTERVIEW_OVERDUE": _o(
        ("return_interview_done", "Return interview completed"),
        ("return_interview_declined", "Return interview offered and declined"),
        DONE_LATE,
    ),
    "SAFE_AND_WELL_NOT_RECORDED": _o(
        ("safe_and_well_done", "Safe and well check recorded"), DONE_LATE, RECORD_CORRECTED
    ),
    "MARAC_INCOMPLETE": _o(
        ("marac_actions_recorded", "MARAC actions recorded"),
        ("marac_information_shared", "Information shared with the MARAC"),
    ),
    "MARAC_CRITERIA_MET_NOT_REFERRED": _o(
        MARAC,
        DONE_LATE,
        ("marac_declined", "MARAC referral considered and not made: reason recorded"),
    ),
    "INVESTIGATION_DRIFT": _o(
        REVIEWED, REALLOCATED, ("investigation_finalised", "Investigation finalised")
    ),
    "INVESTIGATION_AGED": _o(
        REVIEWED,
        ("inspector_review", "Inspector's review recorded"),
        ("investigation_finalised", "Investigation finalised"),
    ),
    "SUPERVISION_OVERDUE": _o(REVIEWED),
    "ALLOCATION_PROBLEM": _o(
        ("allocated", "Investigation allocated"),
        ("specialist_allocated", "Allocated to a specialist investigator"),
        REALLOCATED,
    ),
    "DIGITAL_BACKLOG": _o(
        ("examination_prioritised", "Examination prioritised"),
        ("device_examined", "Device examined"),
    ),
    "CHARGING_DELAY": _o(
        ("charging_chased", "Charging decision chased with the CPS"),
        ("charging_decided", "Charging decision made"),
    ),
    "INTELLIGENCE_NOT_ACTIONED": _o(
        ("intelligence_actioned", "Intelligence actioned and developed"),
        ("intelligence_assessed", "Intelligence assessed: no action needed"),
        REFERRAL,
        DONE_LATE,
    ),
    "CUSTODY_AA_DELAY": _o(
        ("aa_arrived", "Appropriate adult arrived"),
        DONE_LATE,
        ("aa_escalated", "Delay escalated to the appropriate adult service"),
    ),
    "CUSTODY_NO_TRANSFER": _o(
        ("transfer_arranged", "Transfer to local authority accommodation arranged"),
        ("accommodation_escalated", "Refusal of accommodation escalated"),
    ),
    "CUSTODY_NO_CERTIFICATE": _o(
        ("certificate_completed", "Custody officer's certificate completed"), DONE_LATE
    ),
    "CUSTODY_LONG_DETENTION": _o(
        ("detention_reviewed", "Detention reviewed by an inspector"),
        ("child_released", "Child released or transferred"),
    ),
    "CUSTODY_NO_REFERRAL": _o(REFERRAL, DONE_LATE),
    "RSO_ARMS_OVERDUE": _o(("arms_completed", "ARMS assessment completed")),
    "RSO_VISIT_OVERDUE": _o(
        ("visit_made", "Home visit made"),
        ("visit_booked", "Visit booked: reason for the delay recorded"),
    ),
    "RSO_NOT_FLAGGED": _o(("flag_added", "Flag added to command and control")),
}


def outcomes(alert: Any) -> tuple[Outcome, ...]:
    return BY_CODE.get(alert.code, ()) + COMMON


def describe(alerts: list[Any]) -> dict[Any, str]:
    """Each alert's subject as staff name them: the first person it names, with their date of
    birth (one query for the page)."""
    from vigil.records.models import PersonMention

    first = {a.pk: tuple(a.mentions[0]) for a in alerts if a.mentions}
    if not first:
        return {}
    # Three IN lists (on the records' unique index) and a match here: an OR of a condition per
    # alert costs the ORM more to build than the database to answer.
    wanted = set(first.values())
    found = PersonMention.objects.filter(
        record__source_system__in={k[0] for k in wanted},
        record__source_id__in={k[1] for k in wanted},
        mention_id__in={k[2] for k in wanted},
    ).values_list(
        "record__source_system",
        "record__source_id",
        "mention_id",
        "forename",
        "surname",
        "date_of_birth",
    )
    names = {}
    for system, source_id, mention_id, forename, surname, born in found:
        name = " ".join(p for p in (forename, surname) if p) or "Name not recorded"
        names[(system, source_id, mention_id)] = name + (f", born {born:%-d %B %Y}" if born else "")
    return {pk: names[key] for pk, key in first.items() if key in names}


def url(alert: Any) -> str:
    return reverse("alerts:alert", args=[alert.alert_id])


def register_alerts() -> WorkKind:
    from vigil.alerts.models import Alert, AlertEvent

    return register(
        WorkKind(
            key="alert",
            label="alert",
            model=Alert,
            event_model=AlertEvent,
            event_item_field="alert",
            key_field="alert_id",
            live_statuses=(Alert.Status.OPEN, Alert.Status.ACKNOWLEDGED),
            see=Capability.VIEW_ALERTS,
            act=Capability.ACT_ON_ALERTS,
            title=title,
            url=url,
            outcomes=outcomes,
            describe=describe,
            listing_defers=("evidence", "explanation"),
            transitions={
                "acknowledge": Transition(
                    "acknowledge", (Alert.Status.OPEN,), Alert.Status.ACKNOWLEDGED, "acknowledged"
                ),
                "close": Transition(
                    "close", (Alert.Status.ACKNOWLEDGED,), Alert.Status.CLOSED, "closed"
                ),
            },
        )
    )
