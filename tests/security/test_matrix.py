"""The permission matrix: every role x every URL pattern x GET and POST, allowed and denied.

Walks ``django.urls.get_resolver()`` so a page added by anyone is covered at once. What each
role may do comes from the view's ``required_capabilities`` (set by
``vigil.access.permissions.requires``) and ``ROLE_CAPABILITIES``; a view that declares
nothing fails here unless it is one of the few listed in ``urlwalk`` on purpose.

Allowed means the server does not refuse: any answer but 403 or a redirect to sign-in (a 404
for a placeholder id is fine). Denied means 403 (or 405 when no role may use that method).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from vigil.access.permissions import ROLE_CAPABILITIES, Capability
from vigil.access.roles import Role
from vigil.web.middleware import UnloggedAccess

from .urlwalk import OPEN_NAMES, STAFF_PREFIXES, walk

METHODS = ("get", "post")
ENDS_SESSION = {"accounts:sign-out"}
C = Capability

# Where a view narrows its declared requirement by method or by the object shown, the matrix
# expects exactly the narrower rule (the page's own tests cover the detail). Keyed by
# (URL name, method); the value decides from the role's capabilities.
REFINEMENTS: dict[tuple[str, str], Callable[[frozenset[Capability]], bool]] = {
    # Only a partner POSTs to a person's page (the purpose of its look, before any disclosure).
    ("people:person", "post"): lambda held: C.VIEW_PERSON_MINIMISED in held,
    # A partner opens a record only about a person it has given a purpose for (none here).
    ("people:record", "get"): lambda held: C.VIEW_PERSON in held,
}
ROLES = list(Role)


def _allowed(role: str, needed: tuple[str, ...], any_of: bool, refinement: tuple[str, str]) -> bool:
    caps = ROLE_CAPABILITIES.get(role, frozenset())
    if refinement in REFINEMENTS and not REFINEMENTS[refinement](caps):
        return False
    held = {str(c) for c in caps}
    if not needed:
        return True
    return any(c in held for c in needed) if any_of else all(c in held for c in needed)


def _request(client: Client, method: str, url: str) -> int | str:
    try:
        response = getattr(client, method)(url)
    except UnloggedAccess as exc:
        return f"unlogged: {exc}"
    except Exception as exc:  # a crash is a finding, reported with the rest
        return f"error: {type(exc).__name__}: {exc}"
    if response.status_code in (301, 302) and reverse("accounts:sign-in") in response["Location"]:
        return "sign-in"
    return response.status_code


def test_every_view_declares_what_it_requires() -> None:
    undeclared = [
        f"{r.template} ({r.name or r.callback.__qualname__})"
        for r in walk()
        if r.name not in OPEN_NAMES
        and r.requirement() is None
        and not r.template.startswith("/static/")
    ]
    assert not undeclared, (
        "views with no declared requirement: decorate each with "
        "@requires(Capability.X) (vigil.access.permissions), or @any_signed_in when every "
        "role may use it:\n  " + "\n  ".join(undeclared)
    )


def test_staff_areas_are_covered() -> None:
    routes = walk()
    assert any(r.name == "audit:log" for r in routes)
    staff = [r for r in routes if r.template.startswith(STAFF_PREFIXES)]
    assert staff, "no staff pages found: the URL walk is broken"


@pytest.mark.django_db
def test_signed_out_requests_go_to_sign_in(small_force: object) -> None:
    client = Client()
    wrong = []
    for route in walk():
        if route.name in OPEN_NAMES:
            continue
        url = route.url()
        for method in METHODS:
            outcome = _request(client, method, url)
            if outcome != "sign-in":
                wrong.append(f"{method.upper()} {url}: {outcome}")
    assert not wrong, "signed-out requests not sent to sign-in:\n  " + "\n  ".join(wrong)


@pytest.mark.django_db
def test_permission_matrix(small_force: object, signed_in: Callable[[str], Client]) -> None:
    clients = {role: signed_in(role) for role in ROLES}
    failures: list[str] = []
    cells = 0
    for route in walk():
        requirement = route.requirement()
        if route.name in OPEN_NAMES or route.name in ENDS_SESSION or requirement is None:
            continue  # open pages, signing out (test_sign_in), the undeclared (failed above)
        needed, any_of = requirement
        url = route.url()
        for method in METHODS:
            outcomes = {role: _request(clients[role], method, url) for role in ROLES}
            cells += len(outcomes)
            if all(o == 405 for o in outcomes.values()):
                continue  # no one may use this method here
            for role, outcome in outcomes.items():
                allowed = _allowed(role, needed, any_of, (route.name, method))
                label = f"{role:18} {method.upper():4} {url} needs {needed or 'sign-in'}"
                if isinstance(outcome, str) and outcome.startswith(("unlogged", "error")):
                    failures.append(f"{label}: {outcome}")
                elif allowed and outcome in (403, "sign-in"):
                    failures.append(f"{label}: refused ({outcome}) but the role may")
                elif not allowed and outcome != 403:
                    failures.append(f"{label}: answered {outcome} but the role may not (403)")
    print(f"permission matrix: {cells} role x URL x method cells")
    assert cells > 0
    assert not failures, f"{len(failures)} of {cells} cells wrong:\n  " + "\n  ".join(failures)


# Search criteria per role (issue 11 item 6): the page offers, and the server accepts, only the
# criteria the role may search by. Partners search by name and date of birth only, never by
# address, postcode, phone, vehicle (or age), which would tell them who lives where.
NAME_AND_BIRTH = {"forename", "surname", "dob_day", "dob_month", "dob_year"}
SAMPLE_CRITERIA = {
    "forename": "Anna",
    "surname": "Smith",
    "dob_day": "1",
    "dob_month": "2",
    "dob_year": "2010",
    "age": "12",
    "place": "B66 2SS",
    "vehicle": "AB12 CDE",
    "phone": "07700 900123",
}


def test_partners_search_by_name_and_date_of_birth_only() -> None:
    from vigil.access.permissions import SEARCH_CRITERIA

    assert set(SEARCH_CRITERIA) == set(SAMPLE_CRITERIA)
    for role in ROLES:
        caps = ROLE_CAPABILITIES[role]
        allowed = {n for n, needed in SEARCH_CRITERIA.items() if needed in caps}
        if C.VIEW_PERSON_MINIMISED in caps:
            assert allowed == NAME_AND_BIRTH, role


@pytest.mark.django_db
def test_search_criteria_matrix(small_force: object, signed_in: Callable[[str], Client]) -> None:
    from vigil.access.permissions import SEARCH_CRITERIA
    from vigil.audit.models import AuditEntry

    failures: list[str] = []
    for role in ROLES:
        caps = ROLE_CAPABILITIES[role]
        if C.SEARCH_PEOPLE not in caps:
            continue  # the URL matrix covers the 403
        client = signed_in(role)
        form = client.get("/search/").content.decode()
        for criterion, needed in SEARCH_CRITERIA.items():
            allowed = needed in caps
            if (f'name="{criterion}"' in form) != allowed:
                failures.append(f"{role} {criterion}: offered={not allowed}")
            data = {"surname": "Smith", criterion: SAMPLE_CRITERIA[criterion]}
            if criterion.startswith("dob_"):
                data.update({k: SAMPLE_CRITERIA[k] for k in ("dob_day", "dob_month", "dob_year")})
            before = AuditEntry.objects.filter(action="person.search").count()
            response = client.post("/search/", data)
            searched = AuditEntry.objects.filter(action="person.search").count() > before
            if allowed and (response.status_code != 200 or not searched):
                failures.append(f"{role} {criterion}: refused ({response.status_code})")
            if not allowed and (response.status_code != 400 or searched):
                failures.append(
                    f"{role} {criterion}: answered {response.status_code}, searched={searched}"
                )
            if (
                not allowed
                and "You may search by name and date of birth only" not in response.content.decode()
            ):
                failures.append(f"{role} {criterion}: no error message")
    assert not failures, "\n  ".join(failures)
