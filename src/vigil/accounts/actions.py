"""Changes to accounts, each written with its audit entry in one transaction."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from vigil.accounts.models import Role, User
from vigil.audit import log


class AccountError(ValueError):
    pass


def add_user(username: str, role: str, password: str | None, *, actor: str) -> User:
    if role not in Role.values:
        raise AccountError(f"unknown role {role!r}; roles are: {', '.join(Role.values)}")
    if User.objects.filter(username=username).exists():
        raise AccountError(f"an account named {username!r} already exists")
    user = User(username=username, role=role, is_staff=role == Role.ADMIN,
                is_superuser=role == Role.ADMIN)
    if password is None:
        user.set_unusable_password()
    else:
        validate_password(password, user)
        user.set_password(password)
    with transaction.atomic():
        user.save()
        log.record(actor, "account.create", f"user:{user.pk}", detail={"username": username, "role": role})
    return user


def set_password(user: User, password: str, *, actor: str) -> User:
    validate_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        log.record(actor, "account.set_password", f"user:{user.pk}")
    return user
