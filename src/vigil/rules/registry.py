"""Every rule, by alert code. A rule is a pure function of a View to its findings."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from vigil.rules.model import Finding
from vigil.rules.view import View

Rule = Callable[[View], Iterable[Finding]]

RULES: dict[str, Rule] = {}


def rule(code: str) -> Callable[[Rule], Rule]:
    """Register a rule under its alert code (one function per code)."""

    def register(function: Rule) -> Rule:
        if code in RULES:
            raise ValueError(f"{code} is registered twice")
        RULES[code] = function
        return function

    return register
