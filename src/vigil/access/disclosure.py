"""What each role may see of a record: need-to-know inside the police, and partners' agreements.

Two rules, both enforced on the server by the people pages (person, record, search, address):

**Restricted record types.** Intelligence records are seen only by roles holding
``Capability.VIEW_INTELLIGENCE`` (investigators, MASH, supervisors, auditors). Other police roles
(call handlers, response officers) see in a person's chronology that a *restricted record exists*
(its date and that it is restricted: nothing else), so they know to ask an investigator or the
MASH before acting; the record page answers 403, and restricted records never contribute names,
addresses, flags, associates or search matches. Alerts whose evidence includes a restricted record
show their code and severity but not their explanation.

**Partners' information-sharing agreements** (roles ``partner_csc``, ``partner_health``,
``partner_education``; ``Capability.VIEW_PERSON_MINIMISED``). A partner sees, for the person it
has given a purpose for (DPA 2018 s62: logged as the justification), only the records of the
kinds its agreement names, and of those only the fields listed below: dates and types, never the
free-text summary, never intelligence, never a record on which the person is a suspect or
offender, never other people's names or identifiers, never alerts, households or associates.
Partners never learn that a restricted or undisclosed record exists (it is omitted, not marked).

* Children's social care: referrals, strategy discussions (when, which agencies: not the
  decisions or actions, which are free text), child protection plans, missing episodes, police
  protection (not the protective plan's text), custody (dates, grounds, accommodation), and
  domestic abuse incidents (the date only).
* Health: missing episodes and non-crime safeguarding concerns (dates and types).
* Education: domestic abuse incidents (date only: Operation Encompass) and missing episodes.

A "domestic abuse incident" is a call categorised ``domestic``, a crime in the
``domestic_abuse`` offence group or flagged ``domestic_abuse``, or a non-crime concern of type
``domestic_abuse_noncrime``. Partners see such a record as "Domestic abuse incident", not as the
call, crime or concern it is, with its date and not the time or the person's role on it.

``AGREEMENTS`` below is the one table of what each partner sees; the pages read it through
``Viewer`` (``share``, ``fields``, ``shows_time``, ``shows_role``), and
``tests/people/test_partner_disclosure.py`` checks every partner page against it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vigil.access.permissions import Capability, capabilities
from vigil.access.roles import Role

DA_INCIDENT = "da_incident"
# Record types that may be a domestic abuse incident, depending on their fields.
DA_CANDIDATE_TYPES = frozenset({"call", "crime", "concern"})
# Record types only roles with VIEW_INTELLIGENCE may see.
RESTRICTED_TYPES = frozenset({"intelligence"})
# A partner never sees a record on which the person is named in one of these roles.
PARTNER_EXCLUDED_ROLES = frozenset({"suspect", "offender"})

KIND_LABELS: dict[str, str] = {
    DA_INCIDENT: "Domestic abuse incident",
    "call": "Call for service",
    "crime": "Crime",
    "concern": "Safeguarding concern (non-crime)",
    "missing": "Missing or absent episode",
    "custody": "Custody",
    "police_protection": "Police protection",
    "referral": "Referral",
    "strategy_discussion": "Strategy discussion",
    "investigation": "Investigation",
    "intelligence": "Intelligence",
    "rso": "Registered sex offender management",
    "marac": "MARAC",
    "cp_plan": "Child protection plan",
}


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind.replace("_", " ").capitalize())


# Every purpose a partner may give for looking at a person (the DPA 2018 s62 justification);
# each agreement names the ones it covers, and a partner is offered only those.
PURPOSES: dict[str, str] = {
    "s47_enquiry": "Child protection enquiry (Children Act 1989 section 47)",
    "child_in_need": "Child in need assessment (section 17)",
    "strategy_discussion": "Preparing for a strategy discussion or conference",
    "missing_return": "A missing episode or return interview",
    "school_safeguarding": "School safeguarding (including Operation Encompass)",
    "health_safeguarding": "Health safeguarding assessment",
}


@dataclass(frozen=True)
class Share:
    """What an agreement discloses of one kind of record, beyond its kind (type) and date."""

    fields: tuple[str, ...] = ()  # payload fields shown; never free text (FREE_TEXT)
    time: bool = True  # the time of day too; False: the date only
    role: bool = True  # how the record names the person (victim, missing person...)


# Payload fields written by people in their own words: no agreement shares them (a partner
# sees dates and types, never free text). Summaries are never shared either.
FREE_TEXT = frozenset(
    {
        "summary",
        "decisions",
        "actions",
        "description",
        "protective_plan",
        "offence",
        "designated_officer",
        "note",
        "notes",
        "outcome_note",
    }
)


@dataclass(frozen=True)
class Agreement:
    """One partner's information-sharing agreement: the kinds of record it shares, what of each
    (``Share``), and the purposes it covers. The one place a partner's view is decided: the
    person page (chronology, records linked), the record page and search all read it."""

    name: str
    shares: dict[str, Share]  # kind (a record type or DA_INCIDENT) -> what is shared
    purposes: tuple[str, ...] = ()  # keys of PURPOSES

    @property
    def fields(self) -> dict[str, tuple[str, ...]]:
        return {kind: share.fields for kind, share in self.shares.items()}

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(self.shares)

    @property
    def record_types(self) -> frozenset[str]:
        """Record types that may hold something this agreement discloses."""
        types = set(self.shares) - {DA_INCIDENT}
        if DA_INCIDENT in self.shares:
            types |= DA_CANDIDATE_TYPES
        return frozenset(types)


_MISSING_DATES = ("classification", "reported_at", "found_at")
# A domestic abuse incident: that one happened and when (the date), nothing more.
_DA_DATE_ONLY = Share((), time=False, role=False)

AGREEMENTS: dict[str, Agreement] = {
    Role.PARTNER_CSC: Agreement(
        "Children's social care",
        {
            "referral": Share(
                (
                    "from_unit",
                    "to_agency",
                    "sent_at",
                    "received_at",
                    "decision_at",
                    "decision",
                    "feedback_at",
                )
            ),
            "strategy_discussion": Share(("held_at", "agencies")),
            "cp_plan": Share(("started_at", "ended_at", "category")),
            "missing": Share(
                (
                    *_MISSING_DATES,
                    "risk_level",
                    "from_care",
                    "safe_and_well_at",
                    "return_interview_offered_at",
                    "return_interview_completed_at",
                )
            ),
            "police_protection": Share(
                ("started_at", "local_authority_informed_at", "ended_at", "end_reason")
            ),
            "custody": Share(
                (
                    "grounds",
                    "arrived_at",
                    "released_at",
                    "accommodation_requested_at",
                    "accommodation_outcome",
                    "referral_to_csc_at",
                )
            ),
            DA_INCIDENT: _DA_DATE_ONLY,
        },
        purposes=("s47_enquiry", "child_in_need", "strategy_discussion", "missing_return"),
    ),
    Role.PARTNER_HEALTH: Agreement(
        "Health",
        {
            "missing": Share(_MISSING_DATES),
            "concern": Share(("concern_type",)),
        },
        purposes=("health_safeguarding", "strategy_discussion", "missing_return"),
    ),
    Role.PARTNER_EDUCATION: Agreement(
        "Education",
        {
            DA_INCIDENT: _DA_DATE_ONLY,  # Operation Encompass: the date only
            "missing": Share(_MISSING_DATES),
        },
        purposes=("school_safeguarding", "missing_return"),
    ),
}


def agreement_for(user: Any) -> Agreement | None:
    """The partner agreement that governs what this user sees, or None for police roles."""
    if Capability.VIEW_PERSON_MINIMISED not in capabilities(user):
        return None
    return AGREEMENTS.get(getattr(user, "role", ""), Agreement("No agreement", {}))


def is_domestic_abuse(
    record_type: str,
    category: Any = None,
    offence_group: Any = None,
    concern_type: Any = None,
    flags: Any = None,
) -> bool:
    """Whether a call, crime or concern is a domestic abuse incident (see the module doc)."""
    if record_type == "call":
        return bool(category == "domestic")
    if record_type == "crime":
        if offence_group == "domestic_abuse":
            return True
        if isinstance(flags, list):
            return "domestic_abuse" in flags
        return isinstance(flags, str) and "domestic_abuse" in flags  # JSON text of the list
    if record_type == "concern":
        return bool(concern_type == "domestic_abuse_noncrime")
    return False


def da_fields_of(payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "category": payload.get("category"),
        "offence_group": payload.get("offence_group"),
        "concern_type": payload.get("concern_type"),
        "flags": payload.get("flags"),
    }


@dataclass(frozen=True)
class Viewer:
    """What one signed-in user may see of records. Build with :func:`viewer_for`."""

    intelligence: bool
    agreement: Agreement | None

    @property
    def partner(self) -> bool:
        return self.agreement is not None

    def retrievable_types(self) -> frozenset[str] | None:
        """Record types whose mentions may match a search or fill a summary (None: all but the
        restricted ones are decided by :meth:`excluded_types`)."""
        return self.agreement.record_types if self.agreement else None

    def excluded_types(self) -> frozenset[str]:
        return frozenset() if self.intelligence or self.agreement else RESTRICTED_TYPES

    def kind(self, record_type: str, da: dict[str, Any] | None) -> str:
        """The kind a record is shown as: a partner sees DA incidents as such."""
        if (
            self.agreement
            and record_type in DA_CANDIDATE_TYPES
            and DA_INCIDENT in self.agreement.kinds
            and da is not None
            and is_domestic_abuse(record_type, **da)
        ):
            return DA_INCIDENT
        return record_type

    def visibility(self, record_type: str, role: str = "", da: dict[str, Any] | None = None) -> str:
        """'full', 'minimised' (partners: listed fields only), 'restricted' (that it exists, no
        more) or 'hidden'. ``role`` is the viewed person's role on the record; ``da`` the fields
        :func:`is_domestic_abuse` reads (needed for partners on calls, crimes and concerns)."""
        if self.agreement is not None:
            if record_type in RESTRICTED_TYPES or role in PARTNER_EXCLUDED_ROLES:
                return "hidden"
            return "minimised" if self.kind(record_type, da) in self.agreement.kinds else "hidden"
        if record_type in RESTRICTED_TYPES and not self.intelligence:
            return "restricted"
        return "full"

    def share(self, record_type: str, da: dict[str, Any] | None) -> Share | None:
        """What of this record a partner's agreement shares (None: a police role, no limit
        beyond the restricted types; a record no agreement kind covers shares nothing)."""
        if self.agreement is None:
            return None
        return self.agreement.shares.get(self.kind(record_type, da), Share(time=False, role=False))

    def fields(self, record_type: str, da: dict[str, Any] | None) -> tuple[str, ...] | None:
        """The payload fields shown (None: all of them)."""
        share = self.share(record_type, da)
        return None if share is None else share.fields

    def shows_time(self, record_type: str, da: dict[str, Any] | None) -> bool:
        share = self.share(record_type, da)
        return share is None or share.time

    def shows_role(self, record_type: str, da: dict[str, Any] | None) -> bool:
        share = self.share(record_type, da)
        return share is None or share.role


def viewer_for(user: Any) -> Viewer:
    return Viewer(
        intelligence=Capability.VIEW_INTELLIGENCE in capabilities(user),
        agreement=agreement_for(user),
    )


def disclosed_payload(viewer: Viewer, record_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The part of a record's payload this viewer may read (the whole of it for police roles)."""
    wanted = viewer.fields(record_type, da_fields_of(payload))
    if wanted is None:
        return payload
    return {k: payload[k] for k in wanted if k in payload}
