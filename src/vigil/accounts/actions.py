"""Changes to accounts, each written with its audit entry in one transaction."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from vigil.accounts.models import Role, User
from vigil.audit import log
from vigil.audit.actions import AuditAction


class AccountError(ValueError):
    pass


def add_user(username: str, role: str, password: str | None, *, actor: str, team: str = "") -> User:
    if role not in Role.values:
        raise AccountError(f"unknown role {role!r}; roles are: {', '.join(Role.values)}")
    if User.objects.filter(username=username).exists():
        raise AccountError(f"an account named {username!r} already exists")
    user = User(username=username, role=role, team=team.strip(), is_staff=role == Role.ADMIN,
                is_superuser=role == Role.ADMIN)
    if password is None:
        user.set_unusable_password()
    else:
        validate_password(password, user)
        user.set_password(password)
    with transaction.atomic():
        user.save()
        detail = {"username": username, "role": role, **({"team": user.team} if user.team else {})}
        log.record(actor, AuditAction.ACCOUNT_CREATE, f"user:{user.pk}", detail=detail)
    return user


def set_password(user: User, password: str, *, actor: str) -> User:
    validate_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        log.record(actor, AuditAction.ACCOUNT_SET_PASSWORD, f"user:{user.pk}")
    return user


def change_user(user: User, *, role: str, team: str, active: bool, actor: str) -> dict[str, Any]:
    """Change an account's role, team or whether it may sign in; returns what changed
    (old and new). A deactivated account's sessions stop working at their next request."""
    if role not in Role.values:
        raise AccountError(f"unknown role {role!r}")
    changes: dict[str, Any] = {}
    for name, value in (("role", role), ("team", team.strip()), ("is_active", active)):
        if getattr(user, name) != value:
            changes[name] = [getattr(user, name), value]
            setattr(user, name, value)
    if not changes:
        return changes
    user.is_staff = user.is_superuser = user.role == Role.ADMIN
    with transaction.atomic():
        user.save(update_fields=[*changes, "is_staff", "is_superuser"])
        log.record(actor, AuditAction.ACCOUNT_CHANGE, f"user:{user.pk}", detail={"changes": changes})
    return changes


def unlock(user: User, *, actor: str) -> int:
    """Clear the failed sign-ins that lock this username out (from every address)."""
    from axes.utils import reset

    with transaction.atomic():
        cleared = reset(username=user.username)
        log.record(actor, AuditAction.ACCOUNT_UNLOCK, f"user:{user.pk}", detail={"attempts_cleared": cleared})
    return cleared
