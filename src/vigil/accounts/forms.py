"""Forms for the second factor (a six-digit code from an authenticator app)."""

from __future__ import annotations

from django import forms


class CodeForm(forms.Form):
    code = forms.CharField(max_length=12, strip=True, error_messages={
        "required": "Enter the 6-digit code from your authenticator app"})

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not (code.isdigit() and len(code) == 6):
            raise forms.ValidationError("Enter the 6-digit code from your authenticator app")
        return code


class ReplaceCodeForm(CodeForm):
    """Replacing an authenticator app: the new app's code, and the current app's code, as
    removing it needs (so a session left open cannot swap the second factor)."""

    current_code = forms.CharField(max_length=12, strip=True, error_messages={
        "required": "Enter the 6-digit code your current authenticator app shows now"})

    def clean_current_code(self) -> str:
        code = "".join(self.cleaned_data["current_code"].split())
        if not (code.isdigit() and len(code) == 6):
            raise forms.ValidationError("Enter the 6-digit code your current authenticator app shows now")
        return code
