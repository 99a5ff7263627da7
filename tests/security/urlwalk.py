"""Every URL pattern of the project, with a concrete URL for each (for the matrix and crawls).

Parameters are filled from the database where a model matches the parameter's name (``alert_id``
→ an Alert's ``alert_id``, ``person_id`` → a Person's pk), else with a harmless placeholder, so
a new page is covered the moment its URL pattern exists.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter, UUIDConverter

from vigil.ui.converters import BigIntConverter

# Reachable signed out: signing in and its second step.
OPEN_NAMES = {"accounts:sign-in", "accounts:second-factor", "accounts:second-factor-enrol"}
# Views with no capability of their own, for every signed-in account (each one listed here on
# purpose; anything else without a declared requirement fails the matrix).
ANY_SIGNED_IN_NAMES = {"accounts:sign-out"}
# URL prefixes of the staff areas: every view there must declare what it requires.
STAFF_PREFIXES = (
    "/people/",
    "/records/",
    "/addresses/",
    "/alerts/",
    "/supervisor/",
    "/imports/",
    "/audit/",
    "/identity/",
    "/search/",
    "/accounts/",
    "/work/",
    "/casework/",
    "/case-audits/",
)
PARAM = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")


@dataclass
class Route:
    template: str  # e.g. "/alerts/<str:alert_id>/"
    name: str  # e.g. "alerts:alert" ("" when unnamed)
    callback: Callable[..., Any]
    converters: dict[str, Any] = field(default_factory=dict)

    @property
    def has_params(self) -> bool:
        return bool(PARAM.search(self.template))

    def requirement(self) -> tuple[tuple[str, ...], bool] | None:
        """(capabilities, any_of) the view declares, or None when it declares nothing."""
        view = self.callback
        for candidate in (view, getattr(view, "view_class", None)):
            if candidate is not None and hasattr(candidate, "required_capabilities"):
                caps = tuple(str(c) for c in candidate.required_capabilities)
                return caps, bool(getattr(candidate, "required_any_of", False))
        if self.name in ANY_SIGNED_IN_NAMES:
            return (), False
        return None

    def url(self, values: dict[str, str] | None = None) -> str:
        values = values or {}

        def fill(match: re.Match[str]) -> str:
            name = match["name"]
            if name in values:
                return values[name]
            if name in ("pk", "id"):  # named by the path before it: /records/<int:pk>/
                before = self.template[: match.start()].rstrip("/").rsplit("/", 1)[-1]
                name = before.removesuffix("s")
            return sample_value(name, match["conv"] or "str", self.converters.get(match["name"]))

        return PARAM.sub(fill, self.template)


def walk() -> list[Route]:
    return list(_walk(get_resolver().url_patterns, "/", ""))


def _walk(patterns: list[Any], prefix: str, namespace: str) -> Iterator[Route]:
    for p in patterns:
        route = str(p.pattern).lstrip("^").rstrip("$")
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}{p.namespace}:"
            yield from _walk(p.url_patterns, prefix + route, ns)
        elif isinstance(p, URLPattern):
            converters = getattr(p.pattern, "converters", {})
            name = f"{namespace}{p.name}" if p.name else ""
            yield Route(prefix + route, name, p.callback, dict(converters))


def _model_for(param: str) -> tuple[Any, str] | None:
    stem = param.removesuffix("_id").removesuffix("_pk").replace("_", "")
    for model in apps.get_models():
        if model.__name__.lower() == stem:
            field_names = {f.name for f in model._meta.get_fields()}
            return model, (param if param in field_names else "pk")
    return None


def sample_value(param: str, conv: str, converter: Any = None) -> str:
    found = _model_for(param)
    if found is not None:
        model, attr = found
        value = model.objects.order_by("pk").values_list(attr, flat=True).first()
        if value is not None:
            return str(value)
    if conv in ("int", "key") or isinstance(converter, (IntConverter, BigIntConverter)):
        return "1"
    if conv == "uuid" or isinstance(converter, UUIDConverter):
        return str(uuid.UUID(int=1))
    return "sample"
