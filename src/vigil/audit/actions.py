"""Every action the audit log records, named ``noun.verb``: the thing acted on, then what was
done to it (``alert.close``, ``account.sign_in``). ``vigil.audit.log.record`` takes only these.

Entries written before the names were settled keep the strings they were written with (the
chain covers them, so they are never rewritten): ``LEGACY`` says which action each old string,
for targets starting with a given prefix, is the same as, so the access-log page finds old and
new entries of an action together.
"""

from __future__ import annotations

from enum import StrEnum

from django.db.models import Q


class AuditAction(StrEnum):
    # accounts: sign-in and one's own account
    ACCOUNT_SIGN_IN = "account.sign_in"
    ACCOUNT_SIGN_OUT = "account.sign_out"
    ACCOUNT_FAIL_SIGN_IN = "account.fail_sign_in"
    ACCOUNT_LOCK_OUT = "account.lock_out"
    ACCOUNT_CHANGE_PASSWORD = "account.change_password"  # noqa: S105 (a name, not a password)
    ACCOUNT_START_SECOND_FACTOR = "account.start_second_factor"
    ACCOUNT_ENROL_SECOND_FACTOR = "account.enrol_second_factor"
    ACCOUNT_REMOVE_SECOND_FACTOR = "account.remove_second_factor"
    # accounts: administrators' management
    ACCOUNT_LIST = "account.list"
    ACCOUNT_VIEW = "account.view"
    ACCOUNT_CREATE = "account.create"
    ACCOUNT_CHANGE = "account.change"
    ACCOUNT_SET_PASSWORD = "account.set_password"  # noqa: S105
    ACCOUNT_UNLOCK = "account.unlock"
    TEAM_VIEW = "team.view"
    TEAM_CREATE = "team.create"
    TEAM_RENAME = "team.rename"
    TEAM_DEACTIVATE = "team.deactivate"
    TEAM_REACTIVATE = "team.reactivate"
    # people, records and addresses
    PERSON_SEARCH = "person.search"
    PERSON_REFUSE_SEARCH = "person.refuse_search"
    PERSON_VIEW = "person.view"
    PERSON_GIVE_PURPOSE = "person.give_purpose"
    PERSON_EXPORT_CHRONOLOGY = "person.export_chronology"  # a chronology's CSV or PDF
    PERSON_VIEW_ASSOCIATIONS = "person.view_associations"  # who is around a person
    PERSON_VIEW_NETWORK = "person.view_network"  # the exploitation network around a person
    RECORD_VIEW = "record.view"
    RECORD_IMPORT = "record.import"
    RECORD_EXPORT = "record.export"
    ADDRESS_SEARCH = "address.search"
    ADDRESS_VIEW = "address.view"
    IMPORT_LIST = "import.list"
    QUARANTINE_EXPORT = "quarantine.export"
    # alerts
    ALERT_LIST = "alert.list"
    ALERT_VIEW = "alert.view"
    ALERT_EVALUATE = "alert.evaluate"
    ALERT_SUBMIT_CHANGE = "alert.submit_change"  # a form sent, whether or not it was valid
    ALERT_ACKNOWLEDGE = "alert.acknowledge"
    ALERT_CLOSE = "alert.close"
    ALERT_ASSIGN = "alert.assign"
    ALERT_NOTE = "alert.note"
    # casework written in Vigil
    CASEWORK_START = "casework.start"  # a form opened about a person or record
    CASEWORK_SUBMIT = "casework.submit"  # a form sent, whether or not it was valid
    CASEWORK_WRITE = "casework.write"  # an entry saved: a record written in Vigil
    CASEWORK_VIEW = "casework.view"  # what an entry did
    CASEWORK_LIST_MINE = "casework.list_mine"  # what one has recorded
    CASE_ACTION_VIEW = "case_action.view"  # a strategy discussion or MARAC action's page
    CASE_ACTION_LIST = "case_action.list"  # one's own actions and one's team's
    CASE_ACTION_ASSIGN = "case_action.assign"  # given to its owner (or a team's tray)
    CASE_ACTION_NOTE = "case_action.note"
    CASE_ACTION_CLOSE = "case_action.close"  # recorded done (or taken off a changed record)
    MARAC_LIST = "marac.list"  # the MARAC list: victims, their incidents, children, actions
    REFERRAL_LIST = "referral.list"  # the MASH front door: referrals waiting for a decision
    PERSON_CHECK = "person.check"  # a person's background checks beside a referral
    # work: one's own, the team's, and being told of it
    WORK_VIEW_MINE = "work.view_mine"
    WORK_VIEW_TEAM = "work.view_team"
    NOTIFICATION_LIST = "notification.list"
    NOTIFICATION_SUBMIT_READ = "notification.submit_read"  # a form sent, valid or not
    NOTIFICATION_READ = "notification.read"
    SUPERVISOR_VIEW = "supervisor.view"
    SUPERVISOR_VIEW_PERFORMANCE = "supervisor.view_performance"  # the performance charts
    SUPERVISOR_EXPORT_PERFORMANCE = "supervisor.export_performance"  # one chart's table as CSV
    # identity
    IDENTITY_LIST_REVIEWS = "identity.list_reviews"
    IDENTITY_LIST_PERSON_LINKS = "identity.list_person_links"  # one person's pending pairs
    IDENTITY_REQUEST_REVIEW = "identity.request_review"
    IDENTITY_SUBMIT_DECISION = "identity.submit_decision"  # a form sent, valid or not
    IDENTITY_SUBMIT_UNDO = "identity.submit_undo"
    IDENTITY_DECIDE = "identity.decide"
    IDENTITY_UNDO = "identity.undo"
    IDENTITY_LAPSE_DECISION = "identity.lapse_decision"
    IDENTITY_LINK = "identity.link"
    IDENTITY_RELINK = "identity.relink"
    IDENTITY_TRAIN = "identity.train"
    # the access log itself
    AUDIT_VIEW = "audit.view"
    AUDIT_EXPORT = "audit.export"  # the access log as CSV
    AUDIT_VIEW_PERSON = "audit.view_person"  # who has looked at one person
    # case audits (vigil.inspection): made, sampled, grades loaded, report read or written
    CASE_AUDIT_CREATE = "case_audit.create"
    CASE_AUDIT_SAMPLE = "case_audit.sample"
    CASE_AUDIT_LOAD_GRADES = "case_audit.load_grades"
    CASE_AUDIT_REPORT = "case_audit.report"
    # case audits' pages: an audit, a case, the two assessments of a case
    CASE_AUDIT_VIEW = "case_audit.view"  # an audit's page: its cases, by area
    CASE_AUDIT_VIEW_CASE = "case_audit.view_case"  # a case: its subjects' chronologies
    CASE_AUDIT_SAVE_DRAFT = "case_audit.save_draft"  # an assessment saved as a draft
    CASE_AUDIT_SUBMIT = "case_audit.submit"  # an assessment submitted
    # an immediate management review an assessor asked for (a kind of work)
    MANAGEMENT_REVIEW_RAISE = "management_review.raise"
    MANAGEMENT_REVIEW_VIEW = "management_review.view"
    MANAGEMENT_REVIEW_ASSIGN = "management_review.assign"
    MANAGEMENT_REVIEW_NOTE = "management_review.note"
    MANAGEMENT_REVIEW_CLOSE = "management_review.close"
    # case audit: the report, its documents and the recommendations tracker (vigil.inspection)
    CASE_AUDIT_VIEW_REPORT = "case_audit.view_report"
    CASE_AUDIT_DOWNLOAD_REPORT = "case_audit.download_report"  # HTML or PDF
    CASE_AUDIT_EXPORT_ASSESSMENTS = "case_audit.export_assessments"  # CSV
    CASE_AUDIT_LIST_RECOMMENDATIONS = "case_audit.list_recommendations"
    CASE_AUDIT_VIEW_RECOMMENDATION = "case_audit.view_recommendation"
    CASE_AUDIT_SUBMIT_RECOMMENDATION = (
        "case_audit.submit_recommendation"  # a form sent, valid or not
    )
    CASE_AUDIT_RECOMMEND = "case_audit.recommend"  # a recommendation published
    CASE_AUDIT_CHANGE_RECOMMENDATION = "case_audit.change_recommendation"
    CASE_AUDIT_UPDATE_RECOMMENDATION = "case_audit.update_recommendation"  # status and evidence
    # case audit: inspectors invited to an audit (the inspector role sees only those audits)
    CASE_AUDIT_INVITE = "case_audit.invite"
    CASE_AUDIT_UNINVITE = "case_audit.uninvite"


# (old action string, prefix its target starts with, the action it is now). The generic "view",
# "change" and "export" of the first pages were told apart only by their target.
LEGACY: tuple[tuple[str, str, AuditAction], ...] = (
    ("sign-in", "", AuditAction.ACCOUNT_SIGN_IN),
    ("sign-out", "", AuditAction.ACCOUNT_SIGN_OUT),
    ("sign-in.failed", "", AuditAction.ACCOUNT_FAIL_SIGN_IN),
    ("sign-in.locked-out", "", AuditAction.ACCOUNT_LOCK_OUT),
    ("account.password-change", "", AuditAction.ACCOUNT_CHANGE_PASSWORD),
    ("account.second-factor-enrol", "", AuditAction.ACCOUNT_ENROL_SECOND_FACTOR),
    ("account.second-factor-remove", "", AuditAction.ACCOUNT_REMOVE_SECOND_FACTOR),
    ("accounts.view", "", AuditAction.ACCOUNT_LIST),
    ("search", "", AuditAction.PERSON_SEARCH),
    ("search.refused", "", AuditAction.PERSON_REFUSE_SEARCH),
    ("person.disclosure_purpose", "", AuditAction.PERSON_GIVE_PURPOSE),
    ("records.import", "", AuditAction.RECORD_IMPORT),
    ("export", "quarantine", AuditAction.QUARANTINE_EXPORT),
    ("view", "imports", AuditAction.IMPORT_LIST),
    ("view", "alert-queue", AuditAction.ALERT_LIST),
    ("view", "alert:", AuditAction.ALERT_VIEW),
    ("view", "supervisor", AuditAction.SUPERVISOR_VIEW),
    ("view", "identity-reviews", AuditAction.IDENTITY_LIST_REVIEWS),
    ("alerts.evaluate", "", AuditAction.ALERT_EVALUATE),
    ("change", "alert:", AuditAction.ALERT_SUBMIT_CHANGE),
    ("change", "review:", AuditAction.IDENTITY_SUBMIT_DECISION),
    ("change", "decision:", AuditAction.IDENTITY_SUBMIT_UNDO),
    ("identity.review_requested", "", AuditAction.IDENTITY_REQUEST_REVIEW),
    ("identity.decision_lapsed", "", AuditAction.IDENTITY_LAPSE_DECISION),
)


def current(action: str, target: str = "") -> AuditAction | None:
    """The action an entry records, whether written under today's name or an old one; None for
    a string that is neither (e.g. ``audit.keyed``, the seal written once by a migration)."""
    try:
        return AuditAction(action)
    except ValueError:
        pass
    for old, prefix, now in LEGACY:
        if action == old and target.startswith(prefix):
            return now
    return None


def matching(action: AuditAction) -> Q:
    """Entries of this action, under its name or any old one (for filtering the log)."""
    found = Q(action=action.value)
    for old, prefix, now in LEGACY:
        if now is action:
            found |= Q(action=old, target__startswith=prefix) if prefix else Q(action=old)
    return found
