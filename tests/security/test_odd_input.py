"""Odd input never costs a server error (issue 11 item 5).

Walks every URL pattern of the project (``urlwalk``) as several roles, and sends hostile values
in every path parameter, in every query parameter a page links to it with, and in every field of
every form a page posts to it (found by reading the pages), plus the parameters a probe found
crashing; asserts that no answer is a 500 or an exception. Bad input is to be refused with a 400
or a GOV.UK error message (or 404 for a path that names nothing). Runs on SQLite and on
PostgreSQL, which refuses a NUL character in text and a number beyond 64 bits.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Callable
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from vigil.access.roles import Role
from vigil.web.middleware import UnloggedAccess

from .urlwalk import OPEN_NAMES, PARAM, Route, walk

pytestmark = pytest.mark.django_db

HOSTILE = ["\x00", "a\x00b", "²", "9" * 19, "-1", "١٢", "x" * 3000]
HOSTILE_PATH = ["%00", "a%00b", quote("²"), "9" * 19, "-1", "x" * 300]
ROLES = (Role.SUPERVISOR, Role.ADMIN, Role.PARTNER_CSC)
SKIP = {"accounts:sign-out"}  # ends the session (tested in test_sign_in)
# Parameters the probe found crashing, pinned here whether or not a page links them now.
KNOWN: dict[tuple[str, str], set[str]] = {
    ("alerts:queue", "get"): {
        "assignee",
        "code",
        "team",
        "status",
        "severity",
        "sort",
        "age",
        "page",
        "mine",
        "overdue",
        "dir",
    },
    ("alerts:assign", "post"): {"assignee"},
    ("alerts:close", "post"): {"rationale"},
    ("alerts:acknowledge", "post"): {"note"},
    ("people:person", "get"): {"type"},
    ("people:person", "post"): {"purpose", "detail"},
    ("identity:decide", "post"): {"decision", "reason"},
    ("identity:undo", "post"): {"reason"},
    ("people:search", "post"): {
        "forename",
        "surname",
        "dob_day",
        "dob_month",
        "dob_year",
        "age",
        "place",
        "vehicle",
        "phone",
    },
    ("audit:log", "get"): {"actor", "action", "since", "until", "page"},
    ("records:imports", "get"): {"page", "qpage"},
}


class _Forms(HTMLParser):
    """The forms on a page (action, method, fields with a harmless value) and its links."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, str, dict[str, str]]] = []
        self.links: list[str] = []
        self._current: tuple[str, str, dict[str, str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(html.unescape(a["href"]))
        elif tag == "form":
            self._current = (a.get("action", ""), a.get("method", "get").lower(), {})
            self.forms.append(self._current)
        elif self._current is not None and tag in ("input", "select", "textarea") and a.get("name"):
            fields = self._current[2]
            if a["name"] not in fields or a.get("type") not in ("radio", "checkbox"):
                fields.setdefault(a["name"], a.get("value", "") or "Checked: a reason given")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def _route_name(url: str) -> str | None:
    try:
        return resolve(urlsplit(url).path).view_name
    except Resolver404:
        return None


def _discover(client: Client, routes: list[Route]) -> dict[tuple[str, str], dict[str, str]]:
    """Per (URL name, method): the parameters pages send it, each with a harmless value."""
    found: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for route in routes:
        try:
            response = client.get(route.url())
        except Exception:  # a crash here is reported by the walk itself
            continue
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        page = _Forms()
        page.feed(response.content.decode())
        for action, method, fields in page.forms:
            name = _route_name(action or route.url())
            if name:
                found[(name, method)].update(fields)
        for link in page.links:
            parts = urlsplit(link)
            if parts.query and (name := _route_name(parts.path)):
                found[(name, "get")].update(dict(parse_qsl(parts.query)))
    return found


def _send(client: Client, method: str, url: str, data: dict[str, str]) -> str | None:
    """None when the answer is fine; else what went wrong."""
    try:
        response = getattr(client, method)(url, data)
    except UnloggedAccess as exc:
        return f"unlogged: {exc}"
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc)[:120]}"
    if response.status_code >= 500:
        return f"status {response.status_code}"
    return None


def _show(value: str) -> str:
    return repr(value if len(value) < 30 else value[:10] + f"...({len(value)})")


@pytest.mark.slow
def test_hostile_input_never_gives_a_server_error(
    small_force: object, signed_in: Callable[[str], Client]
) -> None:
    routes = [
        r
        for r in walk()
        if r.name not in OPEN_NAMES
        and r.name not in SKIP
        and not r.template.startswith("/static/")
        and r.requirement() is not None
    ]
    failures: list[str] = []
    sent = 0
    for role in ROLES:
        client = signed_in(role)
        params = _discover(client, routes)
        for route in routes:
            for method in ("get", "post"):
                names = set(params.get((route.name, method), {})) | KNOWN.get(
                    (route.name, method), set()
                )
                base = {
                    k: v
                    for k, v in params.get((route.name, method), {}).items()
                    if k != "csrfmiddlewaretoken"
                }
                for name in sorted(names - {"csrfmiddlewaretoken"}):
                    for value in HOSTILE:
                        sent += 1
                        if problem := _send(client, method, route.url(), {**base, name: value}):
                            failures.append(
                                f"{role} {method.upper()} {route.url()} {name}={_show(value)}: {problem}"
                            )
            # Hostile path parameters.
            for param in {m.group("name") for m in PARAM.finditer(route.template)}:
                for value in HOSTILE_PATH:
                    url = route.url({param: value})
                    for method in ("get", "post"):
                        sent += 1
                        if problem := _send(client, method, url, {}):
                            failures.append(f"{role} {method.upper()} {url[:80]}: {problem}")
    print(f"odd input: {sent} requests")
    assert sent > 1000
    assert not failures, f"{len(failures)} server errors:\n  " + "\n  ".join(failures[:80])


def test_alert_queue_refuses_odd_filters_with_a_message(
    small_force: object, signed_in: Callable[[str], Client]
) -> None:
    client = signed_in(Role.SUPERVISOR)
    for query in (
        {"assignee": "²"},
        {"assignee": "9" * 19},
        {"team": "a\x00b"},
        {"code": "\x00"},
        {"status": "nonsense"},
    ):
        response = client.get(reverse("alerts:queue"), query)
        assert response.status_code == 400, query
        text = response.content.decode()
        assert "govuk-error-summary" in text and "<title>Error:" in text, query
    assert client.get(reverse("alerts:queue"), {"assignee": "none"}).status_code == 200


def test_person_path_with_a_nul_is_not_found(
    small_force: object, signed_in: Callable[[str], Client]
) -> None:
    client = signed_in(Role.SUPERVISOR)
    assert client.get("/people/%00/").status_code == 404
    assert client.get("/people/P%00x/").status_code == 404
