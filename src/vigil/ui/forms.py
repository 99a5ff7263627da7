"""Form helpers every page uses: every POSTed field and query parameter is read through a form,
so odd input (a NUL character, a number too large for the database, text beyond its limit) gets
a plain error message, never a server error."""

from __future__ import annotations

from django import forms


def first_error(form: forms.Form, field: str) -> str:
    errors = form.errors.get(field) or [e for errs in form.errors.values() for e in errs]
    text = str(errors[0]) if errors else "Check what you entered"
    return text if text.endswith(".") else text + "."


def shown(form: forms.Form, field: str) -> str:
    """What was sent, to put back in the form (without characters no page should hold)."""
    return str(form.data.get(field, "")).replace("\x00", "")


NUL = "Remove the null character (\\0) from what you entered"
