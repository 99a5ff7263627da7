"""How ``ui/_form_field.html`` tells one kind of field from another."""

from __future__ import annotations

from typing import Any

from django import forms, template

from vigil.ui.fields import WhenWidget

register = template.Library()


@register.filter
def widget_kind(bound: Any) -> str:
    widget = bound.field.widget
    if isinstance(widget, WhenWidget):
        return "when"
    if isinstance(widget, forms.HiddenInput):
        return "hidden"
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    return "text"


@register.filter
def is_checked(value: Any, bound: Any) -> bool:
    """Whether a choice's value is among what the field holds (radios and checkboxes)."""
    held = bound.value()
    if isinstance(held, list | tuple):
        return str(value) in {str(v) for v in held}
    return held is not None and str(held) == str(value)
