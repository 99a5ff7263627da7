"""The navigation every page shows: only the areas the signed-in role may use."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from vigil.access.permissions import Capability, capabilities

# (label, URL name, capabilities any one of which opens it)
AREAS: list[tuple[str, str, tuple[Capability, ...]]] = [
    ("My work", "work:mine", (Capability.MY_WORK,)),
    ("Search", "people:search", (Capability.SEARCH_PEOPLE,)),
    ("Address briefing", "people:address-search", (Capability.ADDRESS_BRIEFING,)),
    ("Alerts", "alerts:queue", (Capability.VIEW_ALERTS,)),
    ("Referrals", "casework:referrals", (Capability.REFERRALS_INBOX,)),
    ("Recorded by me", "casework:mine", (Capability.WRITE_CASEWORK,)),
    ("Supervisor", "oversight:supervisor", (Capability.SUPERVISE,)),
    ("Team", "work:team", (Capability.SUPERVISE,)),
    ("Case audits", "inspection:audits", (Capability.VIEW_CASE_AUDITS,)),
    ("Identity review", "identity:reviews", (Capability.DECIDE_IDENTITY,)),
    ("Imports", "records:imports", (Capability.VIEW_IMPORTS,)),
    ("Access log", "audit:log", (Capability.VIEW_AUDIT_LOG,)),
    ("Accounts", "accounts:users", (Capability.MANAGE_ACCOUNTS,)),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    held = capabilities(getattr(request, "user", None))
    items: list[dict[str, Any]] = []
    for label, name, needed in AREAS:
        if not held.intersection(needed):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue  # an area not built yet
        items.append({"label": label, "url": url, "current": False})
    # One current area: the longest that the path is under (/work/team/ is Team, not My work).
    # The notifications page has its own header link.
    own_link = request.path.startswith(reverse("work:notifications"))
    within = [i for i in items if request.path.startswith(i["url"]) and not own_link]
    if within:
        max(within, key=lambda i: len(i["url"]))["current"] = True
    return {"navigation": items, "capabilities": {c.value for c in held}}
