"""The access-log page names people: each entry's actor by their full name beside the username
the entry stores, and "who" may be either. The stored entries never change."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from vigil.access.roles import Role
from vigil.accounts import actions
from vigil.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_log_shows_the_actors_name_beside_the_stored_username() -> None:
    auditor = actions.add_user(
        "aud1", Role.AUDITOR, None, actor="cli:root", full_name="Ruth Ellison"
    )
    actions.add_user("ada", Role.ADMIN, None, actor="cli:root", full_name="Ada Price")
    actions.create_team("MASH", actor="ada")
    actions.add_user("nameless", Role.MASH, None, actor="cli:root")
    actions.create_team("CAIT", actor="nameless")
    stored = list(AuditEntry.objects.order_by("id").values_list("id", "actor", "entry_hash"))

    client = Client()
    client.force_login(auditor)
    html = client.get(reverse("audit:log")).content.decode()
    assert "Ada Price<span" in html and ">ada</span>" in html
    assert ">nameless</td>" in html  # no name held: the username alone
    assert ">cli:root</td>" in html  # not an account: as stored
    # Entries as they were: the name is looked up for the page, never written into the log.
    assert (
        list(
            AuditEntry.objects.filter(id__lte=stored[-1][0])
            .order_by("id")
            .values_list("id", "actor", "entry_hash")
        )
        == stored
    )
    assert not AuditEntry.objects.filter(actor="Ada Price").exists()

    # Who is found by the stored username, or by the name staff know them by.
    for who in ("ada", "ada  PRICE"):
        filtered = client.get(reverse("audit:log"), {"actor": who})
        assert {e.actor for e in filtered.context["page"].object_list} == {"ada"}, who
    assert not client.get(reverse("audit:log"), {"actor": "Ada"}).context["page"].object_list
