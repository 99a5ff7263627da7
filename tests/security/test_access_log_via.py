"""The access log's ``via`` comes from the server's own pages, never the browser's Referer
(issue 11 item 11)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from vigil.access.roles import Role
from vigil.alerts.models import Alert
from vigil.audit.models import AuditEntry
from vigil.identity.models import Person

pytestmark = pytest.mark.django_db


def _last_view(person_id: str) -> AuditEntry:
    entry = AuditEntry.objects.filter(action="person.view", target=person_id).last()
    assert entry is not None
    return entry


def test_via_is_the_page_that_linked_here_never_the_referer(
    small_force: object, signed_in: Callable[[str], Client]
) -> None:
    alert = Alert.objects.exclude(person_id="").order_by("pk").first()
    assert alert is not None
    other = Person.objects.exclude(person_id=alert.person_id).order_by("pk").first()
    assert other is not None
    client = signed_in(Role.SUPERVISOR)
    alert_page = reverse("alerts:alert", args=[alert.alert_id])
    person_page = reverse("people:person", args=[alert.person_id])

    # A Referer naming the alert, with no page of Vigil having linked here: no via.
    client.get(person_page, HTTP_REFERER=f"http://testserver{alert_page}")
    assert "via" not in _last_view(alert.person_id).detail

    # Shown the alert, whose page links to the person: following it records the alert.
    page = client.get(alert_page).content.decode()
    assert f'href="{person_page}"' in page
    client.get(person_page, HTTP_REFERER="http://testserver/search/")  # the Referer is ignored
    assert _last_view(alert.person_id).detail["via"] == alert_page

    # A person the alert's page did not link is not recorded as reached from it, whatever the
    # Referer claims.
    client.get(
        reverse("people:person", args=[other.person_id]),
        HTTP_REFERER=f"http://testserver{alert_page}",
    )
    assert _last_view(other.person_id).detail.get("via", "") != alert_page

    # Another session is not credited with what this one was shown.
    fresh = signed_in(Role.INVESTIGATOR)
    fresh.get(person_page, HTTP_REFERER=f"http://testserver{alert_page}")
    assert "via" not in _last_view(alert.person_id).detail


def test_via_from_search_results(small_force: object, signed_in: Callable[[str], Client]) -> None:
    from vigil.records.models import PersonMention

    mention = (
        PersonMention.objects.filter(link__isnull=False)
        .exclude(surname="")
        .select_related("link__person")
        .order_by("pk")
        .first()
    )
    assert mention is not None
    client = signed_in(Role.INVESTIGATOR)
    results = client.post(reverse("people:search"), {"surname": mention.surname}).content.decode()
    person_page = reverse("people:person", args=[mention.link.person.person_id])
    assert person_page in results
    client.get(person_page)
    assert _last_view(mention.link.person.person_id).detail["via"] == reverse("people:search")
