"""One action agreed at a strategy discussion or MARAC meeting, as a form row: what is to be
done, its owner (a member of staff, a team, or a partner agency by name) and when it is due.

The row is one field (``ActionRowField``) drawn as a GOV.UK fieldset, so a form with six of
them reads as six actions. Its value is an ``ActionRow``; ``contract`` gives the entry the
contract's ``actions`` list holds (RECORDS.md ``strategy_discussion``), the owner named in words.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from vigil.access.permissions import Capability, capabilities
from vigil.accounts.models import Team, User
from vigil.ui.fields import WhenField, WhenWidget, when_text

AGENCY = "agency"


@dataclass(frozen=True)
class ActionRow:
    description: str
    owner: str  # the owner in words, as the record names them
    due_at: dt.datetime
    user_pk: int | None = None  # a member of staff who owns it
    team_pk: int | None = None  # a team that owns it
    agency: str = ""  # a partner agency with no account in Vigil

    def contract(self) -> dict[str, Any]:
        return {"description": self.description, "owner": self.owner, "due_at": self.due_at}

    def __str__(self) -> str:
        return f"{self.description}\nOwner: {self.owner}\nDue: {when_text(self.due_at)}"


def owner_choices() -> list[tuple[str, Any]]:
    """Who may own an action: active staff who may record their own actions (by team), the
    active teams, or a partner agency named in words."""
    staff = [
        u
        for u in User.objects.filter(is_active=True)
        .select_related("team")
        .order_by("full_name", "username")
        if Capability.RECORD_OWN_ACTIONS in capabilities(u)
    ]
    people = [
        (f"user:{u.pk}", f"{u.display_name}, {u.team.name}" if u.team else u.display_name)
        for u in staff
    ]
    teams = [(f"team:{t.pk}", t.name) for t in Team.objects.filter(active=True).order_by("name")]
    return [
        ("A member of staff", people),
        ("A team", teams),
        ("A partner agency", [(AGENCY, "A partner agency with no Vigil account (name it below)")]),
    ]


class ActionRowWidget(WhenWidget):
    """Description, owner, the owner agency's name, then the due date's day, month, year and
    time. A WhenWidget, so the shared field partial draws it inside a fieldset with a legend."""

    template_name = "casework/_action_row_widget.html"

    def __init__(self) -> None:
        forms.MultiWidget.__init__(
            self,
            [
                forms.TextInput(),
                forms.Select(),
                forms.TextInput(),
                forms.TextInput(),
                forms.TextInput(),
                forms.TextInput(),
                forms.TextInput(),
            ],
        )

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, ActionRow):
            owner = (
                f"user:{value.user_pk}"
                if value.user_pk
                else (f"team:{value.team_pk}" if value.team_pk else AGENCY)
            )
            return [value.description, owner, value.agency, *super().decompress(value.due_at)]
        return [None] * 7


class ActionRowField(forms.MultiValueField):
    widget: ActionRowWidget
    hide_when_empty = True  # check your answers leaves out a row not used

    def __init__(self, number: int, **kwargs: Any) -> None:
        self.number = number
        self.owners: dict[str, tuple[str, int | None, int | None]] = {}
        fields = (
            forms.CharField(max_length=500, required=False),
            forms.CharField(max_length=20, required=False),
            forms.CharField(max_length=200, required=False),
            *(forms.CharField(max_length=10, required=False) for _ in range(4)),
        )
        kwargs.setdefault("label", f"Action {number}")
        super().__init__(
            fields, widget=ActionRowWidget(), require_all_fields=False, required=False, **kwargs
        )

    def set_owners(self, choices: list[tuple[str, Any]]) -> None:
        select = self.widget.widgets[1]
        assert isinstance(select, forms.Select)
        select.choices = [("", "Choose the owner"), *choices]
        self.owners = {}
        for _, options in choices:
            for value, label in options:
                if value.startswith("user:"):
                    name = label.split(", ")[0]
                    self.owners[value] = (name, int(value[5:]), None)
                elif value.startswith("team:"):
                    self.owners[value] = (label, None, int(value[5:]))
                else:
                    self.owners[value] = ("", None, None)

    def compress(self, data_list: list[Any]) -> ActionRow | None:
        if not data_list or not any(str(v or "").strip() for v in data_list):
            return None
        description, owner, agency, *due = (str(v or "").strip() for v in data_list)
        n = self.number
        if not description:
            raise ValidationError(f"Enter what is to be done for action {n}")
        if not owner:
            raise ValidationError(f"Choose the owner of action {n}")
        if owner not in self.owners:
            raise ValidationError(f"Choose the owner of action {n} from the list")
        if owner == AGENCY and not agency:
            raise ValidationError(f"Enter the name of the partner agency that owns action {n}")
        if not any(due):
            raise ValidationError(f"Enter the date action {n} is due")
        when = WhenField(label=f"the due date of action {n}", future=True)
        due_at = when.compress(due)
        assert due_at is not None
        name, user_pk, team_pk = self.owners[owner]
        if owner == AGENCY:
            name = agency
        return ActionRow(
            description=description,
            owner=name,
            due_at=due_at,
            user_pk=user_pk,
            team_pk=team_pk,
            agency=agency if owner == AGENCY else "",
        )


def action_fields(count: int) -> dict[str, ActionRowField]:
    return {
        f"action_{n}": ActionRowField(
            n,
            help_text=(
                "What is to be done, who owns it and when it is due. Leave an action blank if "
                "it is not needed."
                if n == 1
                else ""
            ),
        )
        for n in range(1, count + 1)
    }


def rows_of(cleaned: dict[str, Any]) -> list[ActionRow]:
    """The actions a form recorded, in order, blanks left out."""
    rows = [
        (int(k.removeprefix("action_")), v)
        for k, v in cleaned.items()
        if k.removeprefix("action_").isdigit() and isinstance(v, ActionRow)
    ]
    return [v for _, v in sorted(rows, key=lambda nv: nv[0])]


def check_rows(form: forms.Form, cleaned: dict[str, Any]) -> None:
    """Cross-row checks: the same action given twice is one action (the contract knows an
    action by what, who and when)."""
    seen: dict[tuple[str, str, dt.datetime], str] = {}
    for name, row in sorted(cleaned.items()):
        if not (name.removeprefix("action_").isdigit() and isinstance(row, ActionRow)):
            continue
        key = (row.description.casefold(), row.owner.casefold(), row.due_at)
        if key in seen:
            form.add_error(
                name,
                f"Action {name.removeprefix('action_')} is the same as action "
                f"{seen[key].removeprefix('action_')}: give it once",
            )
        else:
            seen[key] = name
