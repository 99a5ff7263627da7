"""Template filters that put alerts in words: ``{{ alert|alert_title }}``, ``{{ code|code_title }}``."""

from __future__ import annotations

from typing import Any

from django import template

from vigil.alerts.titles import title

register = template.Library()


@register.filter
def alert_title(alert: Any) -> str:
    """A stored alert's title, with the thresholds it fired on."""
    return title(alert.code, alert.thresholds)


@register.filter
def code_title(code: str) -> str:
    """A rule's title at the default thresholds (for figures counting many alerts)."""
    return title(code)
