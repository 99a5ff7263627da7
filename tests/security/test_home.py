"""The home page: a declared capability, and counts of records only for roles that may see them
(issue 11 item 12): partners and the administrator see no counts, and no role sees a count of
intelligence it may not read."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import resolve, reverse

from vigil.access.permissions import ROLE_CAPABILITIES, Capability
from vigil.access.roles import Role

pytestmark = pytest.mark.django_db


def test_home_declares_a_capability_every_role_holds() -> None:
    view = resolve(reverse("web:home")).func
    assert view.required_capabilities == (Capability.HOME,)  # type: ignore[attr-defined]
    assert all(Capability.HOME in caps for caps in ROLE_CAPABILITIES.values())


@pytest.mark.parametrize(
    "role, counts, intelligence",
    [
        (Role.PARTNER_CSC, False, False),
        (Role.PARTNER_HEALTH, False, False),
        (Role.PARTNER_EDUCATION, False, False),
        (Role.ADMIN, False, False),
        (Role.CALL_HANDLER, True, False),
        (Role.RESPONSE_OFFICER, True, False),
        (Role.INVESTIGATOR, True, True),
        (Role.AUDITOR, True, True),
    ],
)
def test_home_counts_by_role(
    small_force: object,
    signed_in: Callable[[str], Client],
    role: str,
    counts: bool,
    intelligence: bool,
) -> None:
    from vigil.records.models import Record

    assert Record.objects.filter(record_type="intelligence").exists()
    assert Record.objects.filter(record_type="rso").exists()
    client = signed_in(role)
    home = client.get(reverse("web:home"))
    # Police and MASH roles land on My work; the counts stay one link away for every role.
    works = Capability.MY_WORK in ROLE_CAPABILITIES[role]
    assert (home.status_code, home.get("Location")) == (
        (302, reverse("work:mine")) if works else (200, None)
    )
    response = client.get(reverse("web:records-held"))
    assert response.status_code == 200
    text = response.content.decode()
    assert ("Records held, by type" in text) is counts
    assert (">rso<" in text) is counts
    assert (">intelligence<" in text) is intelligence
