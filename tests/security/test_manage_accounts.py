"""Administrators manage accounts in the web app: add, change role or team, stop signing in,
set a new password, lift a lockout. Each change is in the access log; no one else may."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, make_user
from vigil.access.roles import Role
from vigil.accounts.models import Team, User
from vigil.audit.models import AuditEntry

pytestmark = pytest.mark.django_db
USERS = "/accounts/users/"
NEW_PASSWORD = "another long passphrase 99"


def _admin() -> tuple[Client, User]:
    admin = make_user(Role.ADMIN, "ada", password=PASSWORD)
    client = Client()
    client.force_login(admin)
    return client, admin


def _last(action: str) -> AuditEntry:
    entry = AuditEntry.objects.filter(action=action).order_by("id").last()
    assert entry is not None, f"no {action} entry"
    return entry


def test_admin_lists_and_adds_an_account() -> None:
    client, _ = _admin()
    make_user(Role.MASH, "mo", password=PASSWORD)
    page = client.get(USERS).content.decode()
    assert "mo" in page and "MASH / central referral unit" in page and "Add an account" in page
    assert _last("account.list").actor == "ada"
    assert f'href="{USERS}"' in client.get("/").content.decode()  # in the navigation

    cait = Team.objects.create(name="CAIT")
    response = client.post(
        USERS,
        {
            "username": "nia",
            "role": Role.INVESTIGATOR,
            "team": cait.pk,
            "full_name": "Nia  Okafor",
            "rank": "DC",
            "staff_number": "ab 4521",
            "password": NEW_PASSWORD,
        },
    )
    nia = User.objects.get(username="nia")
    assert response.status_code == 302 and response["Location"] == reverse(
        "accounts:user", args=[nia.pk]
    )
    assert nia.role == Role.INVESTIGATOR and nia.team == cait and nia.is_active
    assert (nia.full_name, nia.rank, nia.staff_number) == ("Nia Okafor", "DC", "AB4521")
    assert nia.password.startswith("argon2$") and nia.check_password(NEW_PASSWORD)
    created = _last("account.create")
    assert created.actor == "ada" and created.target == f"user:{nia.pk}"
    assert created.detail == {
        "username": "nia",
        "role": "investigator",
        "team": "CAIT",
        "full_name": "Nia Okafor",
        "rank": "DC",
        "staff_number": "AB4521",
    }
    assert "Nia Okafor" in client.get(USERS).content.decode()
    assert NEW_PASSWORD not in str(list(AuditEntry.objects.values_list("detail", flat=True)))
    assert (
        Client()
        .post("/accounts/sign-in/", {"username": "nia", "password": NEW_PASSWORD})
        .status_code
        == 302
    )


@pytest.mark.parametrize(
    "data, error",
    [
        ({"username": "mo", "role": "mash", "password": NEW_PASSWORD}, "already exists"),
        ({"username": "pat", "role": "mash", "password": "password"}, "too common"),
        ({"username": "pat", "role": "sheriff", "password": NEW_PASSWORD}, "Select a valid choice"),
        ({"username": "p a t", "role": "mash", "password": NEW_PASSWORD}, "only letters"),
        ({}, "Enter a username"),
        (
            {"username": "pat", "role": "mash", "password": NEW_PASSWORD, "staff_number": "12-34"},
            "only letters and digits",
        ),
        (
            {"username": "pat", "role": "mash", "password": NEW_PASSWORD, "staff_number": "1" * 21},
            "at most 20",
        ),
        (
            {"username": "pat", "role": "mash", "password": NEW_PASSWORD, "staff_number": "m1"},
            "Another account already has the number M1",
        ),
        (
            {"username": "pat", "role": "mash", "password": NEW_PASSWORD, "team": "999999"},
            "Choose a team from the list",
        ),
        (
            {"username": "pat", "role": "mash", "password": NEW_PASSWORD, "full_name": "x" * 151},
            "150 characters or fewer",
        ),
    ],
)
def test_adding_refuses_what_is_wrong(data: dict[str, str], error: str) -> None:
    client, _ = _admin()
    mo = make_user(Role.MASH, "mo", password=PASSWORD)
    mo.staff_number = "M1"
    mo.save()
    before = User.objects.count()
    response = client.post(USERS, data)
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode() and error in response.content.decode()
    assert User.objects.count() == before


def test_change_role_team_and_stop_signing_in() -> None:
    client, _ = _admin()
    ivy = make_user(Role.CALL_HANDLER, "ivy", password=PASSWORD)
    ivy_client = Client()
    ivy_client.force_login(ivy)
    assert ivy_client.get("/alerts/").status_code == 403
    url = reverse("accounts:user", args=[ivy.pk])
    assert "ivy" in client.get(url).content.decode()
    assert _last("account.view").target == f"user:{ivy.pk}"

    # An empty form changes nothing (it must say whether the account may sign in).
    assert client.post(url, {}).status_code == 400
    ivy.refresh_from_db()
    assert ivy.role == Role.CALL_HANDLER and ivy.is_active

    cait = Team.objects.create(name="CAIT")
    assert (
        client.post(
            url,
            {
                "role": Role.INVESTIGATOR,
                "team": cait.pk,
                "status": "active",
                "full_name": "Ivy Brown",
                "rank": "DC",
                "staff_number": "7731",
            },
        ).status_code
        == 302
    )
    ivy.refresh_from_db()
    assert (ivy.role, ivy.team.name, ivy.is_active) == (Role.INVESTIGATOR, "CAIT", True)
    assert ivy_client.get("/alerts/").status_code == 200  # the new role, at the next request
    assert _last("account.change").detail == {
        "changes": {
            "role": ["call_handler", "investigator"],
            "full_name": ["", "Ivy Brown"],
            "rank": ["", "DC"],
            "staff_number": ["", "7731"],
            "team": ["", "CAIT"],
        }
    }
    page = client.get(url).content.decode()
    assert "Ivy Brown" in page and "7731" in page and "<title>Account of Ivy Brown" in page

    assert (
        client.post(
            url,
            {
                "role": Role.INVESTIGATOR,
                "team": cait.pk,
                "status": "inactive",
                "full_name": "Ivy Brown",
                "rank": "DC",
                "staff_number": "7731",
            },
        ).status_code
        == 302
    )
    ivy.refresh_from_db()
    assert not ivy.is_active
    assert _last("account.change").detail == {"changes": {"is_active": [True, False]}}
    # Her session ends, and her password no longer signs in.
    assert ivy_client.get("/alerts/").status_code == 302
    assert (
        Client().post("/accounts/sign-in/", {"username": "ivy", "password": PASSWORD}).status_code
        == 200
    )


def test_admin_cannot_demote_or_stop_themselves() -> None:
    client, admin = _admin()
    url = reverse("accounts:user", args=[admin.pk])
    for data in (
        {"role": Role.AUDITOR, "status": "active"},
        {"role": Role.ADMIN, "status": "inactive"},
    ):
        response = client.post(url, data)
        assert response.status_code == 400 and "another administrator" in response.content.decode()
    admin.refresh_from_db()
    assert admin.role == Role.ADMIN and admin.is_active
    # Their own name and team they may change.
    it = Team.objects.create(name="IT")
    assert (
        client.post(
            url,
            {"role": Role.ADMIN, "team": it.pk, "status": "active", "full_name": "Ada Lovelace"},
        ).status_code
        == 302
    )
    admin.refresh_from_db()
    assert (admin.team, admin.full_name) == (it, "Ada Lovelace")


def test_set_a_new_password() -> None:
    client, _ = _admin()
    ivy = make_user(Role.MASH, "ivy", password=PASSWORD)
    url = reverse("accounts:user-password", args=[ivy.pk])
    assert client.post(url, {"password": "short"}).status_code == 400
    assert client.post(url, {"password": NEW_PASSWORD}).status_code == 302
    ivy.refresh_from_db()
    assert ivy.check_password(NEW_PASSWORD) and not ivy.check_password(PASSWORD)
    entry = _last("account.set_password")
    assert entry.actor == "ada" and entry.target == f"user:{ivy.pk}"


def test_unlock_a_locked_out_account() -> None:
    client, _ = _admin()
    ivy = make_user(Role.MASH, "ivy", password=PASSWORD)
    other = Client()
    for _ in range(5):
        other.post("/accounts/sign-in/", {"username": "ivy", "password": "wrong password here"})
    assert (
        other.post("/accounts/sign-in/", {"username": "ivy", "password": PASSWORD}).status_code
        == 429
    )
    page = client.get(reverse("accounts:user", args=[ivy.pk])).content.decode()
    assert "Locked out" in page and "sign in again" in page
    assert "Locked out" in client.get(USERS).content.decode()
    assert client.post(reverse("accounts:user-unlock", args=[ivy.pk])).status_code == 302
    assert _last("account.unlock").detail["attempts_cleared"] >= 1
    assert (
        other.post("/accounts/sign-in/", {"username": "ivy", "password": PASSWORD}).status_code
        == 302
    )


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMIN])
def test_only_administrators_manage_accounts(role: str) -> None:
    target = make_user(Role.MASH, "target", password=PASSWORD)
    client = Client()
    client.force_login(make_user(role, password=PASSWORD))
    assert client.get(USERS).status_code == 403
    assert (
        client.post(USERS, {"username": "x", "role": "admin", "password": NEW_PASSWORD}).status_code
        == 403
    )
    assert (
        client.post(
            reverse("accounts:user", args=[target.pk]), {"role": "admin", "status": "active"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            reverse("accounts:user-password", args=[target.pk]), {"password": NEW_PASSWORD}
        ).status_code
        == 403
    )
    assert not User.objects.filter(username="x").exists()
    target.refresh_from_db()
    assert target.role == Role.MASH and target.check_password(PASSWORD)
