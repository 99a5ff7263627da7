"""Each access-log entry as one sentence staff can read: "Viewed the person page of Amy Stone,
born 1 April 2009", "Searched by name and date of birth", "Closed an alert" — never an id or a
program value.

``SENTENCES`` has wording for every ``AuditAction`` (a test holds it to that). Placeholders
are filled from the entry's target and detail, named through ``naming.Names``:
``{person}``, ``{record}``, ``{place}``, ``{account}``, ``{team}``, ``{subject}``.
"""

from __future__ import annotations

from typing import Any

from vigil.audit.actions import AuditAction, current
from vigil.audit.naming import Names, person_of

A = AuditAction

SENTENCES: dict[AuditAction, str] = {
    A.ACCOUNT_SIGN_IN: "Signed in",
    A.ACCOUNT_SIGN_OUT: "Signed out",
    A.ACCOUNT_FAIL_SIGN_IN: "Failed to sign in as {account}",
    A.ACCOUNT_LOCK_OUT: "Locked out {account} after repeated failed sign-ins",
    A.ACCOUNT_CHANGE_PASSWORD: "Changed the password of {account}",
    A.ACCOUNT_START_SECOND_FACTOR: "Started setting up a second sign-in step for {account}",
    A.ACCOUNT_ENROL_SECOND_FACTOR: "Set up a second sign-in step for {account}",
    A.ACCOUNT_REMOVE_SECOND_FACTOR: "Removed the second sign-in step of {account}",
    A.ACCOUNT_LIST: "Viewed the list of staff accounts",
    A.ACCOUNT_VIEW: "Viewed the account of {account}",
    A.ACCOUNT_CREATE: "Created the account of {account}",
    A.ACCOUNT_CHANGE: "Changed the account of {account}",
    A.ACCOUNT_SET_PASSWORD: "Set a new password for {account}",
    A.ACCOUNT_UNLOCK: "Unlocked the account of {account}",
    A.TEAM_VIEW: "Viewed the page of {team}",
    A.TEAM_CREATE: "Created {team}",
    A.TEAM_RENAME: "Renamed {team}",
    A.TEAM_DEACTIVATE: "Closed {team}",
    A.TEAM_REACTIVATE: "Reopened {team}",
    A.PERSON_SEARCH: "Searched for a person",
    A.PERSON_REFUSE_SEARCH: "Was refused a search for a person",
    A.PERSON_VIEW: "Viewed the person page of {person}",
    A.PERSON_GIVE_PURPOSE: "Gave the purpose of looking at {person}",
    A.PERSON_EXPORT_CHRONOLOGY: "Downloaded the chronology of {person}",
    A.PERSON_VIEW_ASSOCIATIONS: "Viewed who is around {person}",
    A.PERSON_VIEW_NETWORK: "Viewed the exploitation network around {person}",
    A.PERSON_CHECK: "Checked what Vigil holds on {person} before a referral decision",
    A.REFERRAL_LIST: "Viewed the referrals waiting for a decision",
    A.RECORD_VIEW: "Viewed {record}",
    A.RECORD_IMPORT: "Imported records from source systems",
    A.RECORD_EXPORT: "Exported records",
    A.ADDRESS_SEARCH: "Searched for an address",
    A.ADDRESS_VIEW: "Viewed the address briefing for {place}",
    A.IMPORT_LIST: "Viewed the imports and the quarantine",
    A.QUARANTINE_EXPORT: "Downloaded the quarantined records",
    A.ALERT_LIST: "Viewed the alert queue",
    A.ALERT_VIEW: "Viewed an alert",
    A.ALERT_EVALUATE: "Checked every rule for new alerts",
    A.ALERT_SUBMIT_CHANGE: "Sent a change to an alert",
    A.ALERT_ACKNOWLEDGE: "Acknowledged an alert",
    A.ALERT_CLOSE: "Closed an alert",
    A.ALERT_ASSIGN: "Assigned an alert",
    A.ALERT_NOTE: "Added a note to an alert",
    A.CASEWORK_START: "Opened a casework form about {subject}",
    A.CASEWORK_SUBMIT: "Sent a casework form about {subject}",
    A.CASEWORK_WRITE: "Saved a casework record",
    A.CASEWORK_VIEW: "Viewed what a casework record did",
    A.CASEWORK_LIST_MINE: "Viewed the casework they recorded",
    A.CASE_ACTION_VIEW: "Viewed a strategy discussion or MARAC action",
    A.CASE_ACTION_LIST: "Viewed their strategy discussion and MARAC actions",
    A.CASE_ACTION_ASSIGN: "Gave a strategy discussion or MARAC action to its owner",
    A.CASE_ACTION_NOTE: "Added a note to a strategy discussion or MARAC action",
    A.CASE_ACTION_CLOSE: "Closed a strategy discussion or MARAC action",
    A.MARAC_LIST: "Viewed the MARAC list",
    A.WORK_VIEW_MINE: "Viewed their own work",
    A.WORK_VIEW_TEAM: "Viewed their team's work",
    A.NOTIFICATION_LIST: "Viewed their notifications",
    A.NOTIFICATION_SUBMIT_READ: "Sent a form marking notifications as read",
    A.NOTIFICATION_READ: "Read a notification",
    A.SUPERVISOR_VIEW: "Viewed the supervisor's overview",
    A.SUPERVISOR_VIEW_PERFORMANCE: "Viewed the performance charts",
    A.SUPERVISOR_EXPORT_PERFORMANCE: "Downloaded a performance table",
    A.IDENTITY_LIST_REVIEWS: "Viewed the identity review queue",
    A.IDENTITY_LIST_PERSON_LINKS: "Viewed the identity review of {person}",
    A.IDENTITY_REQUEST_REVIEW: "Asked whether records linked to {person} are the same person",
    A.IDENTITY_SUBMIT_DECISION: "Sent a decision on whether two records are the same person",
    A.IDENTITY_SUBMIT_UNDO: "Sent a request to undo an identity decision",
    A.IDENTITY_DECIDE: "Decided whether two records are the same person",
    A.IDENTITY_UNDO: "Undid an identity decision",
    A.IDENTITY_LAPSE_DECISION: "An identity decision lapsed: a record no longer names the person",
    A.IDENTITY_LINK: "Linked new records to people",
    A.IDENTITY_RELINK: "Relinked people",
    A.IDENTITY_TRAIN: "Trained the identity model on this force's records",
    A.AUDIT_VIEW: "Read the access log",
    A.AUDIT_EXPORT: "Downloaded the access log",
    A.AUDIT_VIEW_PERSON: "Viewed who has looked at {person}",
    # case audits (vigil.inspection)
    A.CASE_AUDIT_CREATE: "Created a case audit",
    A.CASE_AUDIT_SAMPLE: "Drew the sample of cases for a case audit",
    A.CASE_AUDIT_LOAD_GRADES: "Loaded grades into a case audit",
    A.CASE_AUDIT_REPORT: "Produced a case audit's report",
    A.CASE_AUDIT_VIEW: "Viewed a case audit",
    A.CASE_AUDIT_VIEW_CASE: "Viewed a case audit's case about {person}",
    A.CASE_AUDIT_SAVE_DRAFT: "Saved a draft assessment of a case audit's case",
    A.CASE_AUDIT_SUBMIT: "Submitted an assessment of a case audit's case",
    A.MANAGEMENT_REVIEW_RAISE: "Asked for an immediate management review",
    A.MANAGEMENT_REVIEW_VIEW: "Viewed a management review",
    A.MANAGEMENT_REVIEW_ASSIGN: "Assigned a management review",
    A.MANAGEMENT_REVIEW_NOTE: "Added a note to a management review",
    A.MANAGEMENT_REVIEW_CLOSE: "Closed a management review",
    A.CASE_AUDIT_VIEW_REPORT: "Read a case audit's report",
    A.CASE_AUDIT_DOWNLOAD_REPORT: "Downloaded a case audit's report, which names {person}",
    A.CASE_AUDIT_EXPORT_ASSESSMENTS: "Downloaded a case audit's assessments, which name {person}",
    A.CASE_AUDIT_LIST_RECOMMENDATIONS: "Viewed a case audit's recommendations",
    A.CASE_AUDIT_VIEW_RECOMMENDATION: "Viewed a case audit's recommendation",
    A.CASE_AUDIT_SUBMIT_RECOMMENDATION: "Sent a form about a case audit's recommendation",
    A.CASE_AUDIT_RECOMMEND: "Published a case audit's recommendation",
    A.CASE_AUDIT_CHANGE_RECOMMENDATION: "Changed a case audit's recommendation",
    A.CASE_AUDIT_UPDATE_RECOMMENDATION: "Recorded progress on a case audit's recommendation",
    A.CASE_AUDIT_INVITE: "Invited an inspector to a case audit",
    A.CASE_AUDIT_UNINVITE: "Removed an inspector from a case audit",
}

# What each placeholder reads as where nothing names it (and in the list of kinds of entry).
GENERAL = {
    "person": "a person",
    "record": "a record",
    "place": "an address",
    "account": "an account",
    "team": "a team",
    "subject": "a person or record",
}

# Search criteria and filter names in words (their values are not repeated).
CRITERIA = {
    "forename": "name",
    "surname": "name",
    "date_of_birth": "date of birth",
    "age": "age",
    "age_min": "age",
    "age_max": "age",
    "place": "address or postcode",
    "vehicle": "vehicle",
    "phone": "phone number",
}
FILTERS = {
    "actor": "who",
    "action": "what was done",
    "since": "date",
    "until": "date",
    "person": "person",
    "record": "record",
    "purpose": "purpose",
    "status": "status",
    "code": "kind of alert",
    "severity": "severity",
    "team": "team",
    "assignee": "who it is assigned to",
    "age": "age",
    "band": "score",
    "source": "source system",
    "linked": "pairs already linked",
    "type_filter": "record type",
}
CHANGES = {
    "acknowledge": "Sent the form to acknowledge an alert",
    "close": "Sent the form to close an alert",
    "assign": "Sent the form to assign an alert",
    "note": "Sent a note on an alert",
}


def label(action: AuditAction) -> str:
    """The kind of entry, in general words (for the list to filter by)."""
    return SENTENCES[action].format(**GENERAL)


def _joined(words: list[str]) -> str:
    unique = list(dict.fromkeys(words))
    if len(unique) <= 1:
        return "".join(unique)
    return ", ".join(unique[:-1]) + " and " + unique[-1]


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _filters(detail: dict[str, Any]) -> str:
    used = detail.get("filters")
    if not isinstance(used, dict):
        return ""
    words = [FILTERS.get(str(k), str(k).replace("_", " ")) for k, v in used.items() if v]
    words = [w for w in words if w != "page"]
    return f", filtered by {_joined(words)}" if words else ""


def sentence(action: str, target: str, detail: dict[str, Any] | None, names: Names) -> str:
    """One entry in words."""
    detail = detail if isinstance(detail, dict) else {}
    known = current(action, target)
    if known is None:
        if action == "audit.keyed":
            return "Sealed the older entries of the access log with its key"
        return "An entry of a kind no longer written"
    pid = person_of(target) or (
        str(detail["person_id"]) if isinstance(detail.get("person_id"), str) else None
    )
    person = names.persons.get(pid, "a person no longer held") if pid else GENERAL["person"]
    record = GENERAL["record"]
    if target.startswith("record:"):
        record = names.records.get(target.removeprefix("record:"), "a record no longer held")
    place = GENERAL["place"]
    if target.startswith("location:") and target[9:].isdigit():
        place = names.places.get(int(target[9:]), "an address no longer held")
    account = names.accounts.get(target, GENERAL["account"])
    if target.startswith("username:"):
        account = f"the username “{target.removeprefix('username:')}”"
    team = GENERAL["team"]
    if isinstance(detail.get("name"), str) and detail["name"]:
        team = f"the team {detail['name']}"
    elif isinstance(detail.get("name"), list) and len(detail["name"]) == 2:
        team = f"the team {detail['name'][0]} as {detail['name'][1]}"
    subject = record if target.startswith("record:") else person
    text = SENTENCES[known].format(
        person=person, record=record, place=place, account=account, team=team, subject=subject
    )
    if known is A.ALERT_SUBMIT_CHANGE and (asked := change_sentence(detail)):
        text = asked
    return text + _more(known, detail, person if pid else "")


def _more(action: AuditAction, detail: dict[str, Any], person: str) -> str:
    """What the detail adds, in words."""
    if action is A.PERSON_SEARCH:
        criteria = detail.get("criteria")
        words = [CRITERIA.get(k, k.replace("_", " ")) for k in criteria or {}]
        found = detail.get("results")
        text = f" by {_joined(words)}" if words else ""
        if isinstance(found, int):
            text += f": {_plural(found, 'person', 'people')} found"
        return text
    if action is A.PERSON_REFUSE_SEARCH:
        refused = [CRITERIA.get(str(k), str(k)) for k in detail.get("refused") or []]
        return f" by {_joined(refused)}, which their role may not search by" if refused else ""
    if action is A.ADDRESS_SEARCH and isinstance(detail.get("results"), int):
        return f": {_plural(detail['results'], 'address', 'addresses')} found"
    if action in (A.ALERT_LIST, A.AUDIT_VIEW, A.IDENTITY_LIST_REVIEWS):
        return _filters(detail)
    if action is A.ALERT_SUBMIT_CHANGE:
        about = f" about {person}" if person else ""
        return about
    if action is A.IDENTITY_DECIDE:
        decision = detail.get("decision")
        if decision == "same":
            return ": the same person"
        if decision == "different":
            return ": different people"
    if action is A.PERSON_EXPORT_CHRONOLOGY:
        fmt = {"csv": "as a spreadsheet", "pdf": "as a PDF"}.get(str(detail.get("format")), "")
        shown = detail.get("records_shown")
        text = f" {fmt}" if fmt else ""
        if isinstance(shown, int):
            text += f" ({_plural(shown, 'record', 'records')})"
        return text
    if action is A.PERSON_VIEW and detail.get("type_filter"):
        return ", narrowed to one type of record"
    return ""


def change_sentence(detail: dict[str, Any]) -> str | None:
    """A sent alert change named by what it asked (for the sentence's first words)."""
    what = detail.get("action")
    return CHANGES.get(what) if isinstance(what, str) else None
