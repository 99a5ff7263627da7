"""Inspectors invited to an audit (issue 14, "Roles"). An account of the inspector role sees
only the audits it is invited to: the audits list shows only those, and every page of an audit
(its cases, assessments, report, documents, recommendations, management reviews) answers 403
for any other. Auditors and supervisors see every audit. Inviting and removing an inspector is
for those who run audits, each change in the access log."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet

from vigil.access.roles import Role
from vigil.accounts.models import User
from vigil.audit import log
from vigil.audit.actions import AuditAction
from vigil.inspection.models import Audit


class InvitationError(ValueError):
    """An invitation refused (not an active inspector's account; already invited)."""


def by_invitation(user: Any) -> bool:
    """Whether this account sees only the audits it is invited to (the inspector role)."""
    return getattr(user, "role", None) == Role.INSPECTOR


def visible(user: Any, audits: QuerySet[Audit]) -> QuerySet[Audit]:
    """The audits of ``audits`` this account may open."""
    if by_invitation(user):
        return audits.filter(inspectors=user)
    return audits


def may_open(user: Any, audit: Audit) -> bool:
    if not by_invitation(user):
        return True
    return audit.inspectors.filter(pk=user.pk).exists()


def check(user: Any, audit: Audit) -> None:
    """403 unless this account may open the audit (the server's check on every audit page)."""
    if not may_open(user, audit):
        raise PermissionDenied


def invitable(audit: Audit) -> QuerySet[User]:
    """Active inspector accounts not yet invited to the audit."""
    return (
        User.objects.filter(role=Role.INSPECTOR, is_active=True)
        .exclude(invited_audits=audit)
        .order_by("full_name", "username")
    )


def invited(audit: Audit) -> list[User]:
    return list(audit.inspectors.order_by("full_name", "username"))


def invite(audit: Audit, inspector: User, *, actor: str) -> None:
    if inspector.role != Role.INSPECTOR or not inspector.is_active:
        raise InvitationError("only an active inspector's account can be invited")
    with transaction.atomic():
        if audit.inspectors.filter(pk=inspector.pk).exists():
            raise InvitationError(f"{inspector.display_name} is already invited")
        audit.inspectors.add(inspector)
        log.record(
            actor,
            AuditAction.CASE_AUDIT_INVITE,
            f"case-audit:{audit.audit_id}",
            detail={"inspector": inspector.get_username()},
        )


def uninvite(audit: Audit, inspector: User, *, actor: str) -> None:
    with transaction.atomic():
        if not audit.inspectors.filter(pk=inspector.pk).exists():
            raise InvitationError(f"{inspector.display_name} is not invited")
        audit.inspectors.remove(inspector)
        log.record(
            actor,
            AuditAction.CASE_AUDIT_UNINVITE,
            f"case-audit:{audit.audit_id}",
            detail={"inspector": inspector.get_username()},
        )
