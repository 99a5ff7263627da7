"""The form every workflow's form inherits: a token, so a form sent twice writes once."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms

from vigil.ui.forms import NUL


class CaseworkForm(forms.Form):
    """A workflow's form. ``token`` is made when the form is first shown and names the entry
    it writes; everything else is the workflow's own fields. ``user`` is who writes it (the
    pages give it), for a default "by whom" or a reviewer's name."""

    token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)
        if not self.is_bound and not self.initial.get("token"):
            self.initial["token"] = uuid.uuid4()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name, value in list(cleaned.items()):
            if isinstance(value, str) and "\x00" in value:
                self.add_error(name, NUL)
        return cleaned


class ConfirmForm(forms.Form):
    """Check your answers: the one button that saves (nothing else is sent)."""

    confirm = forms.CharField(max_length=10)
