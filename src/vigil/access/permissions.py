"""What each role may see and do: one table, enforced on the server for every page and action.

Views name the capability they need (``@requires(Capability.VIEW_PERSON)``); templates ask
``can`` to decide what to show, but hiding a link is never the protection. Partners (children's
social care, health, education) see a minimised view: see ``vigil.access.disclosure``.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

from vigil.access.roles import Role


class Capability(StrEnum):
    HOME = "home"  # the home page (every role)
    RECORD_COUNTS = "record_counts"  # how many records of each type (police roles)
    SEARCH_PEOPLE = "search_people"  # by name and date of birth
    SEARCH_BY_PLACE_OR_CONTACT = (
        "search_by_place_or_contact"  # address, postcode, phone, vehicle, age
    )
    VIEW_PERSON = "view_person"  # a person's full page and chronology
    VIEW_PERSON_MINIMISED = "view_person_minimised"  # partners: only what their agreement allows
    VIEW_INTELLIGENCE = "view_intelligence"  # intelligence records and their content
    ADDRESS_BRIEFING = "address_briefing"
    VIEW_ALERTS = "view_alerts"
    ACT_ON_ALERTS = "act_on_alerts"  # acknowledge, assign, hand on, note, close
    MY_WORK = "my_work"  # My work, the landing page of police roles
    SUPERVISE = "supervise"  # the supervisor's view
    REQUEST_IDENTITY_REVIEW = "request_identity_review"
    DECIDE_IDENTITY = "decide_identity"
    VIEW_IMPORTS = "view_imports"
    DOWNLOAD_QUARANTINE = "download_quarantine"
    VIEW_AUDIT_LOG = "view_audit_log"
    MANAGE_ACCOUNTS = "manage_accounts"
    # Casework written in Vigil (docs/casework.md): one capability per workflow.
    WRITE_CASEWORK = "write_casework"  # check one's answers, see what one's entry did
    REFERRALS_INBOX = "referrals_inbox"  # the MASH front door: referrals and their clocks
    DECIDE_REFERRALS = "decide_referrals"  # a referral's decision and feedback
    RECORD_STRATEGY_DISCUSSION = "record_strategy_discussion"
    RECORD_MARAC = "record_marac"
    VIEW_MARAC_LIST = "view_marac_list"
    RECORD_OWN_ACTIONS = "record_own_actions"  # mark done an action one owns
    RECORD_MISSING_EPISODE = "record_missing_episode"  # safe and well, return interview
    RECORD_POLICE_PROTECTION = "record_police_protection"
    RECORD_INVESTIGATION_ACTIVITY = "record_investigation_activity"
    RECORD_SUPERVISORY_REVIEW = "record_supervisory_review"  # and allocation changes
    RECORD_INTELLIGENCE_FOLLOW_UP = "record_intelligence_follow_up"
    RECORD_CUSTODY_REFERRAL = "record_custody_referral"
    RECORD_OFFENDER_VISIT = "record_offender_visit"
    # Case audit and inspection (AUDIT.md, docs/audit.md).
    VIEW_CASE_AUDITS = "view_case_audits"  # audits, their cases, reports, recommendations
    RUN_CASE_AUDIT = "run_case_audit"  # create an audit, draw its sample, load grades
    SELF_ASSESS = "self_assess"  # the force's self-assessment of a case
    INSPECT = "inspect"  # the independent (inspector's) assessment of a case
    MANAGE_RECOMMENDATIONS = "manage_recommendations"  # write a report's recommendations
    UPDATE_RECOMMENDATIONS = "update_recommendations"  # an owner's progress and evidence


# What each capability lets a person do, in words (the account page; docs/security.md's table).
DESCRIPTIONS: dict[Capability, str] = {
    Capability.HOME: "see the home page",
    Capability.RECORD_COUNTS: "see how many records of each type are held (of the types the role may see)",
    Capability.SEARCH_PEOPLE: "search people by name and date of birth",
    Capability.SEARCH_BY_PLACE_OR_CONTACT: "search people by address, postcode, phone number, vehicle or age",
    Capability.VIEW_PERSON: "open a person's full page and chronology",
    Capability.VIEW_PERSON_MINIMISED: "open a person's minimised page (agreement fields, after giving a purpose)",
    Capability.VIEW_INTELLIGENCE: "see intelligence records",
    Capability.ADDRESS_BRIEFING: "read address briefings",
    Capability.VIEW_ALERTS: "work the alert queues and open an alert's page (evidence, history)",
    Capability.ACT_ON_ALERTS: "acknowledge, assign, hand on, add notes to and close alerts",
    Capability.MY_WORK: "see My work: what is given to them, their team's unassigned work, what they handed on",
    Capability.SUPERVISE: "see the supervisor's view",
    Capability.REQUEST_IDENTITY_REVIEW: 'ask for a "not the same person" review',
    Capability.DECIDE_IDENTITY: "decide identity reviews",
    Capability.VIEW_IMPORTS: "see import batches and quarantine",
    Capability.DOWNLOAD_QUARANTINE: "download quarantined records",
    Capability.VIEW_AUDIT_LOG: "read the access log",
    Capability.MANAGE_ACCOUNTS: "manage accounts (add, change role or team, stop signing in, set a password, lift a lockout)",
    Capability.WRITE_CASEWORK: "check casework before saving it, and see what it did to alerts",
    Capability.REFERRALS_INBOX: "work the referrals inbox (each referral's first-working-day clock)",
    Capability.DECIDE_REFERRALS: "record a referral's decision and the feedback given to the referrer",
    Capability.RECORD_STRATEGY_DISCUSSION: "record strategy discussions and their actions",
    Capability.RECORD_MARAC: "record MARAC referrals, meetings and actions",
    Capability.VIEW_MARAC_LIST: "see the MARAC list",
    Capability.RECORD_OWN_ACTIONS: "record an action they own as done",
    Capability.RECORD_MISSING_EPISODE: "record safe and well checks, return interviews and trigger plans",
    Capability.RECORD_POLICE_PROTECTION: "record police protection (informing, ending, protective plan)",
    Capability.RECORD_INVESTIGATION_ACTIVITY: "record activity on an investigation",
    Capability.RECORD_SUPERVISORY_REVIEW: "record supervisory reviews and change allocations",
    Capability.RECORD_INTELLIGENCE_FOLLOW_UP: "record the follow-up of intelligence",
    Capability.RECORD_CUSTODY_REFERRAL: "record a custody referral to children's social care",
    Capability.RECORD_OFFENDER_VISIT: "record a visit to a registered sex offender",
    Capability.VIEW_CASE_AUDITS: "see case audits, their cases, reports and recommendations",
    Capability.RUN_CASE_AUDIT: "create a case audit, draw its sample and load grades",
    Capability.SELF_ASSESS: "grade a case as the force's self-assessment",
    Capability.INSPECT: "grade a case as the independent inspection",
    Capability.MANAGE_RECOMMENDATIONS: "write an audit's recommendations and give them owners",
    Capability.UPDATE_RECOMMENDATIONS: "record progress and evidence on a recommendation",
}

C = Capability
_POLICE_READ = {
    C.HOME,
    C.RECORD_COUNTS,
    C.SEARCH_PEOPLE,
    C.SEARCH_BY_PLACE_OR_CONTACT,
    C.VIEW_PERSON,
    C.ADDRESS_BRIEFING,
}
# Police and MASH roles land on My work; auditors read, partners and administrators hold no work.
_WORKS = {C.MY_WORK}
# Partners see only what their agreement names, so no counts of what the force holds; they
# search by name and date of birth only, never by where or how someone may be reached.
_PARTNER = {C.HOME, C.SEARCH_PEOPLE, C.VIEW_PERSON_MINIMISED}
# Partners record only what their agreement allows (issue 13): actions they own; children's
# social care also referral decisions and feedback.
_PARTNER_WRITES = {C.WRITE_CASEWORK, C.RECORD_OWN_ACTIONS}
_WRITES = {C.WRITE_CASEWORK, C.RECORD_OWN_ACTIONS}

ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.CALL_HANDLER: frozenset(_POLICE_READ | _WORKS),
    Role.RESPONSE_OFFICER: frozenset(
        _POLICE_READ
        | _WORKS
        | _WRITES
        | {C.RECORD_MISSING_EPISODE, C.RECORD_POLICE_PROTECTION, C.RECORD_CUSTODY_REFERRAL}
    ),
    Role.INVESTIGATOR: frozenset(
        _POLICE_READ
        | _WORKS
        | _WRITES
        | {
            C.VIEW_INTELLIGENCE,
            C.VIEW_ALERTS,
            C.ACT_ON_ALERTS,
            C.REQUEST_IDENTITY_REVIEW,
            C.RECORD_STRATEGY_DISCUSSION,
            C.RECORD_MARAC,
            C.VIEW_MARAC_LIST,
            C.RECORD_MISSING_EPISODE,
            C.RECORD_POLICE_PROTECTION,
            C.RECORD_INVESTIGATION_ACTIVITY,
            C.RECORD_INTELLIGENCE_FOLLOW_UP,
            C.RECORD_CUSTODY_REFERRAL,
            C.RECORD_OFFENDER_VISIT,
        }
    ),
    Role.MASH: frozenset(
        _POLICE_READ
        | _WORKS
        | {
            C.VIEW_INTELLIGENCE,
            C.VIEW_ALERTS,
            C.ACT_ON_ALERTS,
            C.REQUEST_IDENTITY_REVIEW,
            C.DECIDE_IDENTITY,
            C.REFERRALS_INBOX,
            C.DECIDE_REFERRALS,
            C.RECORD_STRATEGY_DISCUSSION,
            C.RECORD_MARAC,
            C.VIEW_MARAC_LIST,
            C.RECORD_MISSING_EPISODE,
            C.RECORD_INTELLIGENCE_FOLLOW_UP,
            C.RECORD_CUSTODY_REFERRAL,
        }
        | _WRITES
    ),
    Role.SUPERVISOR: frozenset(
        _POLICE_READ
        | _WORKS
        | {
            C.VIEW_INTELLIGENCE,
            C.VIEW_ALERTS,
            C.ACT_ON_ALERTS,
            C.SUPERVISE,
            C.REQUEST_IDENTITY_REVIEW,
            C.DECIDE_IDENTITY,
            C.VIEW_IMPORTS,
            C.REFERRALS_INBOX,
            C.DECIDE_REFERRALS,
            C.RECORD_STRATEGY_DISCUSSION,
            C.RECORD_MARAC,
            C.VIEW_MARAC_LIST,
            C.RECORD_MISSING_EPISODE,
            C.RECORD_POLICE_PROTECTION,
            C.RECORD_INVESTIGATION_ACTIVITY,
            C.RECORD_SUPERVISORY_REVIEW,
            C.RECORD_INTELLIGENCE_FOLLOW_UP,
            C.RECORD_CUSTODY_REFERRAL,
            C.RECORD_OFFENDER_VISIT,
            C.VIEW_CASE_AUDITS,
            C.RUN_CASE_AUDIT,
            C.SELF_ASSESS,
            C.UPDATE_RECOMMENDATIONS,
        }
        | _WRITES
    ),
    Role.PARTNER_CSC: frozenset(_PARTNER | _PARTNER_WRITES | {C.DECIDE_REFERRALS}),
    Role.PARTNER_HEALTH: frozenset(_PARTNER | _PARTNER_WRITES),
    Role.PARTNER_EDUCATION: frozenset(_PARTNER | _PARTNER_WRITES),
    # Inspectors and auditors read everything and change nothing of the force's records; they
    # run case audits, grade cases as the inspection and write recommendations.
    Role.AUDITOR: frozenset(
        _POLICE_READ
        | {
            C.VIEW_CASE_AUDITS,
            C.RUN_CASE_AUDIT,
            C.INSPECT,
            C.MANAGE_RECOMMENDATIONS,
            C.VIEW_INTELLIGENCE,
            C.VIEW_ALERTS,
            C.SUPERVISE,
            C.VIEW_IMPORTS,
            C.VIEW_AUDIT_LOG,
            C.VIEW_MARAC_LIST,
        }
    ),
    # An inspector from outside the force sees only the case audits they are invited to (the
    # pages check the invitation: vigil.inspection.invitations) and grades their cases as the
    # inspection; no search, no person's page, no alerts beyond what those cases show.
    Role.INSPECTOR: frozenset({C.HOME, C.VIEW_CASE_AUDITS, C.INSPECT}),
    # The administrator manages accounts and imports and sees no one's records, nor their counts.
    Role.ADMIN: frozenset(
        {C.HOME, C.VIEW_IMPORTS, C.DOWNLOAD_QUARANTINE, C.VIEW_AUDIT_LOG, C.MANAGE_ACCOUNTS}
    ),
}


# Each search criterion (a field of the search form) and the capability it needs.
SEARCH_CRITERIA: dict[str, Capability] = {
    "forename": C.SEARCH_PEOPLE,
    "surname": C.SEARCH_PEOPLE,
    "dob_day": C.SEARCH_PEOPLE,
    "dob_month": C.SEARCH_PEOPLE,
    "dob_year": C.SEARCH_PEOPLE,
    "age": C.SEARCH_BY_PLACE_OR_CONTACT,
    "place": C.SEARCH_BY_PLACE_OR_CONTACT,
    "vehicle": C.SEARCH_BY_PLACE_OR_CONTACT,
    "phone": C.SEARCH_BY_PLACE_OR_CONTACT,
}


def capabilities(user: Any) -> frozenset[Capability]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    return ROLE_CAPABILITIES.get(user.role, frozenset())


def can(user: Any, capability: Capability) -> bool:
    return capability in capabilities(user)


def search_criteria(user: Any) -> frozenset[str]:
    """The search form's fields this user may search by."""
    held = capabilities(user)
    return frozenset(name for name, needed in SEARCH_CRITERIA.items() if needed in held)


def can_see_person(user: Any) -> bool:
    caps = capabilities(user)
    return C.VIEW_PERSON in caps or C.VIEW_PERSON_MINIMISED in caps


F = TypeVar("F", bound=Callable[..., HttpResponseBase])


def requires(*needed: Capability, any_of: bool = False) -> Callable[[F], F]:
    """A view decorator: 403 unless the signed-in user's role has the capabilities."""

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            held = capabilities(request.user)
            ok = any(c in held for c in needed) if any_of else all(c in held for c in needed)
            if not ok:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        guarded.required_capabilities = needed  # type: ignore[attr-defined]
        guarded.required_any_of = any_of  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorate


def any_signed_in(view: F) -> F:
    """Declare that a view is for every signed-in account whatever its role (e.g. one's own
    account page). The permission matrix treats it so; an undeclared view fails the matrix."""
    view.required_capabilities = ()  # type: ignore[attr-defined]
    return view
