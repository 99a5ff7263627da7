"""Tunable constants of the synthetic force: noise rates, event rates and planting density.

Everything a tester may want to turn up or down lives here, so a change never means hunting
through the generators. Rates are probabilities per mention (noise) or expected events per
household over 730 days (events; scaled to the period actually generated).
"""

from __future__ import annotations

# --- every alert code of shared/contract/ALERTS.md (the tests check this list against it) ---
ALERT_CODES: tuple[str, ...] = (
    "CUMULATIVE_DOMESTIC_ABUSE",
    "DA_RISK_UNDERESTIMATED",
    "REPEAT_MISSING",
    "MISSING_EXPLOITATION_RISK",
    "EXPLOITATION_NETWORK",
    "RSO_CHILD_CONTACT",
    "TRANSITION_TO_ADULTHOOD",
    "CHILD_SUSPECT_EXPLOITED",
    "CHILD_NOT_SEEN_OR_HEARD",
    "CALL_DOWNGRADED_UNCHECKED",
    "ATTENDANCE_DELAYED",
    "POLICE_PROTECTION_UNRESOLVED",
    "REFERRAL_NO_DECISION",
    "NO_STRATEGY_DISCUSSION",
    "ACTIONS_OVERDUE",
    "RETURN_INTERVIEW_OVERDUE",
    "SAFE_AND_WELL_NOT_RECORDED",
    "MARAC_INCOMPLETE",
    "MARAC_CRITERIA_MET_NOT_REFERRED",
    "INVESTIGATION_DRIFT",
    "INVESTIGATION_AGED",
    "SUPERVISION_OVERDUE",
    "ALLOCATION_PROBLEM",
    "DIGITAL_BACKLOG",
    "CHARGING_DELAY",
    "INTELLIGENCE_NOT_ACTIONED",
    "CUSTODY_AA_DELAY",
    "CUSTODY_NO_TRANSFER",
    "CUSTODY_NO_CERTIFICATE",
    "CUSTODY_LONG_DETENTION",
    "CUSTODY_NO_REFERRAL",
    "RSO_ARMS_OVERDUE",
    "RSO_VISIT_OVERDUE",
    "RSO_NOT_FLAGGED",
)

# --- planted situations -----------------------------------------------------------------------
# One planted situation of each code per this many people (at least one of each, always).
PEOPLE_PER_PLANTING = 5000

# Planted situations that casework written in Vigil completes (RECORDS.md v1.1 "Records written
# in Vigil"), planted as often as each code. Each expects alerts of ALERT_CODES to fire, or not.
CASEWORK_SITUATIONS: tuple[str, ...] = (
    "referral_decided_late",  # decided by amendment 9 days on: REFERRAL_NO_DECISION, how late
    "referral_decided_in_time",  # decision by amendment the same day: no REFERRAL_NO_DECISION
    "actions_done_on_time",  # its own strategy discussion, actions done (v2): no ACTIONS_OVERDUE
    "drift_reviewed",  # review appended 10 days ago: INVESTIGATION_DRIFT, no SUPERVISION_OVERDUE
    "safe_and_well_late",  # check by amendment 30 hours after found: SAFE_AND_WELL_NOT_RECORDED
    "safe_and_well_in_time",  # check by amendment 4 hours after found: no SAFE_AND_WELL_...
)

# --- identity noise, per mention (most mentions stay clean) -----------------------------------
NOISE_MISSPELL = 0.04  # one edit (substitute, drop, double, swap) in forename or surname
NOISE_NICKNAME = 0.05  # Kayleigh -> Kayley, William -> Bill
NOISE_DOB_SWAP = 0.02  # day and month swapped (only possible when the day is <= 12)
NOISE_DOB_TYPO = 0.015  # one digit of the date of birth mistyped
NOISE_DOB_MISSING = 0.06  # no date of birth; an age estimate instead
NOISE_POSTCODE_MISSING = 0.06  # address without its postcode
NOISE_STALE_ADDRESS = 0.25  # after a move, the old address is still used
NOISE_PREVIOUS_SURNAME = 0.3  # a person with a previous surname is recorded under it
NOISE_ALIAS = 0.03  # an alias recorded (nickname or previous surname)
NOISE_NO_MIDDLE_NAME = 0.5  # middle names dropped by the source system
IDENT_PNC_SHOWN = 0.6  # a person with a PNC id has it on this share of mentions
IDENT_NHS_SHOWN = 0.15  # the NHS number is known on this share of mentions
PHONE_SHOWN = 0.3  # a person's mobile number is recorded on this share of mentions

# --- population ------------------------------------------------------------------------------
PEOPLE_PER_CARE_HOME = 8000
PEOPLE_PER_SCHOOL = 1500
CARE_HOME_CHILD_SHARE = 0.004  # share of households that are one looked-after child in care
MOVE_SHARE = 0.08  # households that move during the period
PREVIOUS_SURNAME_SHARE = 0.35  # partnered women with a previous (maiden) surname
PNC_SHARE_ADULT = 0.12  # adults with an offending history (a PNC id)
PNC_SHARE_TEEN = 0.04  # children 13+ already known to the police (juvenile custody)
RSO_SHARE_ADULT_MALE = 0.0015  # registered sex offenders among adult men
RECENT_POOL = 4000  # people kept for cross-household roles (bounded: flat memory)

# --- background events: expected events per household over 730 days --------------------------
# A household's intensity multiplies these; most households have none, a few have many.
RATE_CALL_GENERAL = 1.9  # assault, public order, concern for welfare... about adults
RATE_CALL_DOMESTIC = 0.55  # per household with an adult couple or single parent
RATE_CONCERN_CHILD = 1.3  # per household with children
RATE_CRIME_GENERAL = 0.5
RATE_MISSING_TEEN = 0.35  # per child aged 11-17
RATE_MISSING_CARE = 5.0  # per looked-after child in a care home
RATE_CUSTODY = 0.25  # per household with someone who has a PNC id
RATE_INTELLIGENCE = 0.12
RATE_POLICE_PROTECTION = 0.01  # per household with children
SHARE_DA_CRIME = 0.35  # a domestic call that is a crime (else a non-crime concern)
SHARE_DA_HIGH = 0.08  # DA assessments at high risk (those go to MARAC, usually)
SHARE_CHILD_CONCERN_REFERRED = 0.5
SHARE_CRIME_INVESTIGATED = 0.25  # crimes with a child victim that get an investigation record
SHARE_WITH_OBJECTS = 0.2  # records naming any vehicle or phone; of those:
SHARE_WITH_VEHICLE = 0.6
SHARE_WITH_PHONE = 0.5
SHARE_WITH_ACCOUNT = 0.1  # an online account (social media handle)

# --- open findings ----------------------------------------------------------------------------
# Background lapses of time-limited duties (a child not spoken to, a late attendance or
# appropriate adult, a referral with no decision, an overdue return interview or MARAC action)
# happen only in the last this many days of the period; older duties were done on time. A force
# running Vigil has closed its older findings, so a force generated to end now shows this year's
# open work, not years of backlog "overdue by 700 days". Planted situations are all recent anyway.
OPEN_FINDINGS_DAYS = 300

# --- scale -----------------------------------------------------------------------------------
# People per block: blocks are the unit of parallel work and of seeding, so changing this
# changes the output; the number of worker processes never does.
BLOCK_PEOPLE = 25_000
