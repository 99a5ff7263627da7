"""Changes to accounts and teams, each written with its audit entry in one transaction.

The web pages, the ``vigil user add`` command and the demo all come through here, so a name,
collar number or team is checked the same way whichever way it arrives.
"""

from __future__ import annotations

import re
from typing import Any, Final

from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from vigil.access.roles import Role
from vigil.accounts.models import Team, User
from vigil.audit import log
from vigil.audit.actions import AuditAction

DEVICE_NAME = "Authenticator app"
STAFF_NUMBER = re.compile(r"[A-Za-z0-9]{1,20}")
# Text staff type into a name, rank or team: printable, one line.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]")


class AccountError(ValueError):
    """A change refused, with a message fit to show the person who asked for it."""


class _Unchanged:
    pass


UNCHANGED: Final = _Unchanged()


# --- what accounts and teams hold -------------------------------------------------------------


def _line(value: str, what: str, limit: int) -> str:
    value = " ".join(value.split())
    if _UNPRINTABLE.search(value):
        raise AccountError(f"{what} may not hold control characters")
    if len(value) > limit:
        raise AccountError(f"{what} must be {limit} characters or fewer")
    return value


def clean_full_name(value: str) -> str:
    return _line(value, "A full name", 150)


def clean_rank(value: str) -> str:
    return _line(value, "A rank or role title", 100)


def clean_staff_number(value: str, *, holder: User | None = None) -> str:
    """A collar or staff number: letters and digits only, at most 20, held by one account only
    (blank means none). Stored in capitals, as it is written on a uniform."""
    value = "".join(value.split()).upper()
    if not value:
        return ""
    if not STAFF_NUMBER.fullmatch(value):
        raise AccountError("A collar or staff number may hold only letters and digits, at most 20")
    taken = User.objects.filter(staff_number=value)
    if holder is not None and holder.pk is not None:
        taken = taken.exclude(pk=holder.pk)
    if taken.exists():
        raise AccountError(f"Another account already has the number {value}")
    return value


def clean_team_name(value: str, *, team: Team | None = None) -> str:
    name = _line(value, "A team name", 100)
    if not name:
        raise AccountError("Enter the team's name")
    same = Team.objects.filter(name__iexact=name)
    if team is not None:
        same = same.exclude(pk=team.pk)
    if same.exists():
        raise AccountError(f"There is already a team called {same.get().name}")
    return name


def active_team(name: str) -> Team:
    """The team in use with that name (any case), for a command that names it in words."""
    team = Team.objects.filter(name__iexact=" ".join(name.split()), active=True).first()
    if team is None:
        held = ", ".join(Team.objects.filter(active=True).values_list("name", flat=True))
        raise AccountError(
            f"no team in use is called {name!r}; teams in use: {held or 'none'}"
            " (administrators add teams at Accounts → Teams)"
        )
    return team


# --- teams ------------------------------------------------------------------------------------


def create_team(name: str, *, actor: str) -> Team:
    with transaction.atomic():
        team = Team.objects.create(name=clean_team_name(name))
        log.record(actor, AuditAction.TEAM_CREATE, f"team:{team.pk}", detail={"name": team.name})
    return team


def rename_team(team: Team, name: str, *, actor: str) -> bool:
    """Rename a team; its members and their history go with it. False if the name is the same."""
    name = clean_team_name(name, team=team)
    if name == team.name:
        return False
    with transaction.atomic():
        old, team.name = team.name, name
        team.save(update_fields=["name"])
        log.record(actor, AuditAction.TEAM_RENAME, f"team:{team.pk}", detail={"name": [old, name]})
    return True


def set_team_active(team: Team, active: bool, *, actor: str) -> bool:
    """Stop using a team, or use it again. A team is never deleted: accounts, work and the
    access log still name it. A stopped team is offered for no new account; its members stay in
    it until moved. False if it was already so."""
    if team.active == active:
        return False
    with transaction.atomic():
        team.active = active
        team.save(update_fields=["active"])
        members = team.members.filter(is_active=True).count()
        log.record(
            actor,
            AuditAction.TEAM_REACTIVATE if active else AuditAction.TEAM_DEACTIVATE,
            f"team:{team.pk}",
            detail={"name": team.name, "members": members},
        )
    return True


# --- accounts ---------------------------------------------------------------------------------


def _team(team: Team | str | None) -> Team | None:
    if isinstance(team, str):
        return active_team(team) if team.strip() else None
    return team


def add_user(
    username: str,
    role: str,
    password: str | None,
    *,
    actor: str,
    full_name: str = "",
    rank: str = "",
    staff_number: str = "",
    team: Team | str | None = None,
) -> User:
    """Make an account. ``team`` is a team in use, or its name (from a command). Without a
    password the account cannot sign in until one is set."""
    if role not in Role.values:
        raise AccountError(f"unknown role {role!r}; roles are: {', '.join(Role.values)}")
    if User.objects.filter(username__iexact=username).exists():
        raise AccountError(f"an account named {username!r} already exists")
    user = User(
        username=username,
        role=role,
        is_staff=role == Role.ADMIN,
        is_superuser=role == Role.ADMIN,
        full_name=clean_full_name(full_name),
        rank=clean_rank(rank),
        staff_number=clean_staff_number(staff_number),
        team=_team(team),
    )
    if user.team is not None and not user.team.active:
        raise AccountError(f"the team {user.team.name} is no longer in use")
    if password is None:
        user.set_unusable_password()
    else:
        validate_password(password, user)
        user.set_password(password)
    with transaction.atomic():
        user.save()
        detail: dict[str, Any] = {"username": username, "role": role}
        for name in ("full_name", "rank", "staff_number"):
            if getattr(user, name):
                detail[name] = getattr(user, name)
        if user.team:
            detail["team"] = user.team.name
        log.record(actor, AuditAction.ACCOUNT_CREATE, f"user:{user.pk}", detail=detail)
    return user


def user_summary(user: User) -> dict[str, Any]:
    """An account as ``vigil user add --json`` prints it."""
    return {
        "username": user.username,
        "role": user.role,
        "full_name": user.full_name,
        "rank": user.rank,
        "staff_number": user.staff_number,
        "team": user.team.name if user.team else None,
    }


def set_password(user: User, password: str, *, actor: str) -> User:
    validate_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        log.record(actor, AuditAction.ACCOUNT_SET_PASSWORD, f"user:{user.pk}")
    return user


def change_user(
    user: User,
    *,
    actor: str,
    role: str | None = None,
    active: bool | None = None,
    full_name: str | None = None,
    rank: str | None = None,
    staff_number: str | None = None,
    team: Team | _Unchanged | None = UNCHANGED,
) -> dict[str, Any]:
    """Change what an account holds (what is not given stays as it is); returns what changed,
    old and new. A deactivated account's sessions stop working at their next request. An
    account may stay in a team that has stopped, but not be moved into one."""
    if role is not None and role not in Role.values:
        raise AccountError(f"unknown role {role!r}")
    wanted: dict[str, Any] = {}
    if role is not None:
        wanted["role"] = role
    if active is not None:
        wanted["is_active"] = active
    if full_name is not None:
        wanted["full_name"] = clean_full_name(full_name)
    if rank is not None:
        wanted["rank"] = clean_rank(rank)
    if staff_number is not None:
        wanted["staff_number"] = clean_staff_number(staff_number, holder=user)
    changes: dict[str, Any] = {}
    for name, value in wanted.items():
        if getattr(user, name) != value:
            changes[name] = [getattr(user, name), value]
    new_team = user.team if isinstance(team, _Unchanged) else team
    if new_team != user.team:
        if new_team is not None and not new_team.active:
            raise AccountError(f"the team {new_team.name} is no longer in use")
        changes["team"] = [user.team.name if user.team else "", new_team.name if new_team else ""]
    if not changes:
        return changes
    with transaction.atomic():
        for name in wanted:
            setattr(user, name, wanted[name])
        user.team = new_team
        user.is_staff = user.is_superuser = user.role == Role.ADMIN
        fields = [name for name in changes if name != "team"]
        user.save(
            update_fields=[
                *fields,
                *(["team"] if "team" in changes else []),
                "is_staff",
                "is_superuser",
            ]
        )
        log.record(
            actor, AuditAction.ACCOUNT_CHANGE, f"user:{user.pk}", detail={"changes": changes}
        )
    return changes


def unlock(user: User, *, actor: str) -> int:
    """Clear the failed sign-ins that lock this username out (from every address)."""
    from axes.utils import reset

    with transaction.atomic():
        cleared = reset(username=user.username)
        log.record(
            actor,
            AuditAction.ACCOUNT_UNLOCK,
            f"user:{user.pk}",
            detail={"attempts_cleared": cleared},
        )
    return int(cleared)


# --- one's own password and second factor -----------------------------------------------------


def change_own_password(user: User, password: str) -> None:
    """Someone changing their own password (the form has checked the old one and the rules)."""
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        log.record(user.get_username(), AuditAction.ACCOUNT_CHANGE_PASSWORD, f"user:{user.pk}")


def start_second_factor(user: User) -> TOTPDevice:
    """A new secret for an authenticator app, unconfirmed until a code from it is given; any
    earlier unconfirmed one is discarded, so only the QR code last shown can be confirmed."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
        log.record(user.get_username(), AuditAction.ACCOUNT_START_SECOND_FACTOR, f"user:{user.pk}")
    return device


def confirm_second_factor(user: User, device: TOTPDevice, *, replaced: bool) -> None:
    """The app's code was right: this device becomes the account's only second factor."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        log.record(
            user.get_username(),
            AuditAction.ACCOUNT_ENROL_SECOND_FACTOR,
            f"user:{user.pk}",
            detail={"replaced": replaced},
        )


def remove_second_factor(user: User) -> None:
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        log.record(user.get_username(), AuditAction.ACCOUNT_REMOVE_SECOND_FACTOR, f"user:{user.pk}")
