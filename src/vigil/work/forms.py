"""Every parameter the work pages read: the team page's team, notifications marked read."""

from __future__ import annotations

from django import forms

MAX_KEY = 2**63 - 1


class TeamChoiceForm(forms.Form):
    team = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_KEY,
        error_messages={
            "invalid": "Choose a team from the list",
            "min_value": "Choose a team from the list",
            "max_value": "Choose a team from the list",
        },
    )


class MarkReadForm(forms.Form):
    """One notification (``notification``), or every unread one (``all``)."""

    notification = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_KEY,
        error_messages={
            "invalid": "Choose a notification",
            "min_value": "Choose a notification",
            "max_value": "Choose a notification",
        },
    )
    all = forms.BooleanField(required=False)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not data.get("notification") and not data.get("all"):
            raise forms.ValidationError("Choose a notification to mark as read")
        return data


class NotificationFilterForm(forms.Form):
    show = forms.ChoiceField(
        required=False,
        choices=[("", "Unread"), ("all", "All")],
        error_messages={"invalid_choice": "Choose unread or all"},
    )
    page = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=10**9,
        error_messages={
            "invalid": "A page is a whole number",
            "min_value": "A page is a whole number",
            "max_value": "A page is a whole number",
        },
    )
