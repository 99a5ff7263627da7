"""The accounts app's forms: the second factor (a six-digit code from an authenticator app), and
administrators' forms for accounts and teams."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password

from vigil.access.roles import Role
from vigil.accounts.actions import (
    AccountError,
    clean_full_name,
    clean_rank,
    clean_staff_number,
    clean_team_name,
)
from vigil.accounts.models import Team, User


class CodeForm(forms.Form):
    code = forms.CharField(
        max_length=12,
        strip=True,
        error_messages={"required": "Enter the 6-digit code from your authenticator app"},
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not (code.isdigit() and len(code) == 6):
            raise forms.ValidationError("Enter the 6-digit code from your authenticator app")
        return code


class ReplaceCodeForm(CodeForm):
    """Replacing an authenticator app: the new app's code, and the current app's code, as
    removing it needs (so a session left open cannot swap the second factor)."""

    current_code = forms.CharField(
        max_length=12,
        strip=True,
        error_messages={
            "required": "Enter the 6-digit code your current authenticator app shows now"
        },
    )

    def clean_current_code(self) -> str:
        code = "".join(self.cleaned_data["current_code"].split())
        if not (code.isdigit() and len(code) == 6):
            raise forms.ValidationError(
                "Enter the 6-digit code your current authenticator app shows now"
            )
        return code


# --- administrators' account and team forms -----------------------------------------------------
# The checks are the actions' own (``clean_*``), so the pages, the command and the demo agree.

STATUSES = [("active", "May sign in"), ("inactive", "May not sign in")]
NO_TEAM = ""


def _checked(check: Callable[..., str], value: str, **kwargs: Any) -> str:
    try:
        return check(value, **kwargs)
    except AccountError as exc:
        raise forms.ValidationError(str(exc)) from exc


def _team_choices(current: Team | None = None) -> list[tuple[str, str]]:
    teams = list(Team.objects.filter(active=True))
    if current is not None and not current.active:
        teams.append(current)  # they stay in it until moved, so the form must not drop it
    return [
        (NO_TEAM, "No team"),
        *((str(t.pk), t.name if t.active else f"{t.name} (no longer used)") for t in teams),
    ]


class ProfileForm(forms.Form):
    """Who someone is, as colleagues know them: shown wherever staff are listed."""

    full_name = forms.CharField(
        required=False,
        max_length=150,
        label="Full name",
        error_messages={"max_length": "A full name must be 150 characters or fewer"},
    )
    rank = forms.CharField(
        required=False,
        max_length=100,
        label="Rank or role title",
        error_messages={"max_length": "A rank or role title must be 100 characters or fewer"},
    )
    staff_number = forms.CharField(
        required=False,
        max_length=40,
        label="Collar or staff number",
        error_messages={"max_length": "A collar or staff number is at most 20 letters and digits"},
    )
    team = forms.ChoiceField(
        required=False,
        label="Team",
        error_messages={"invalid_choice": "Choose a team from the list"},
    )
    holder: User | None = None

    def __init__(self, *args: Any, current_team: Team | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team = self.fields["team"]
        assert isinstance(team, forms.ChoiceField)
        team.choices = _team_choices(current_team)

    def clean_full_name(self) -> str:
        return _checked(clean_full_name, self.cleaned_data["full_name"])

    def clean_rank(self) -> str:
        return _checked(clean_rank, self.cleaned_data["rank"])

    def clean_staff_number(self) -> str:
        return _checked(clean_staff_number, self.cleaned_data["staff_number"], holder=self.holder)

    def clean_team(self) -> Team | None:
        chosen = self.cleaned_data["team"]
        return Team.objects.get(pk=int(chosen)) if chosen else None


class AddAccountForm(ProfileForm):
    username = forms.RegexField(
        regex=r"^[\w.@+-]+$",
        max_length=150,
        label="Username",
        error_messages={
            "required": "Enter a username",
            "invalid": "A username may hold only letters, digits and @ . + - _",
        },
    )
    role = forms.ChoiceField(
        choices=Role.choices, label="Role", error_messages={"required": "Choose a role"}
    )
    password = forms.CharField(
        strip=False,
        label="First password",
        widget=forms.PasswordInput,
        error_messages={"required": "Enter a first password"},
    )
    field_order = ["full_name", "username", "rank", "staff_number", "role", "team", "password"]

    def clean_username(self) -> str:
        name: str = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=name).exists():
            raise forms.ValidationError("An account with that username already exists")
        return name

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("username"):
            try:
                validate_password(data["password"], User(username=data["username"]))
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data


class ChangeAccountForm(ProfileForm):
    role = forms.ChoiceField(
        choices=Role.choices, label="Role", error_messages={"required": "Choose a role"}
    )
    status = forms.ChoiceField(
        choices=STATUSES,
        widget=forms.RadioSelect,
        label="Signing in",
        error_messages={"required": "Choose whether the account may sign in"},
    )
    field_order = ["full_name", "rank", "staff_number", "role", "team", "status"]

    def __init__(self, *args: Any, account: User, **kwargs: Any) -> None:
        super().__init__(*args, current_team=account.team, **kwargs)
        self.holder = account

    @classmethod
    def of(cls, account: User) -> ChangeAccountForm:
        """The form filled in with what the account holds now."""
        return cls(
            account=account,
            initial={
                "full_name": account.full_name,
                "rank": account.rank,
                "staff_number": account.staff_number,
                "role": account.role,
                "team": str(account.team_id) if account.team_id else NO_TEAM,
                "status": "active" if account.is_active else "inactive",
            },
        )


class PasswordForm(forms.Form):
    password = forms.CharField(
        strip=False,
        label="New password",
        widget=forms.PasswordInput,
        error_messages={"required": "Enter a new password"},
    )


class TeamForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        label="Team name",
        error_messages={
            "required": "Enter the team's name",
            "max_length": "A team name must be 100 characters or fewer",
        },
    )

    def __init__(self, *args: Any, team: Team | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.team = team

    def clean_name(self) -> str:
        return _checked(clean_team_name, self.cleaned_data["name"], team=self.team)


class TeamStatusForm(forms.Form):
    """Stop using a team, or use it again (a team is never deleted)."""

    active = forms.TypedChoiceField(
        choices=[("no", "Stop using"), ("yes", "Use again")],
        coerce=lambda v: v == "yes",
        error_messages={
            "required": "Choose whether to use the team",
            "invalid_choice": "Choose whether to use the team",
        },
    )
