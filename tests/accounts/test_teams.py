"""Teams: administrators add, rename and stop using them (never delete); every change is an action
with its audit entry; the account forms offer only the teams in use."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from vigil.access.roles import Role
from vigil.accounts import actions
from vigil.accounts.models import Team, User
from vigil.audit.models import AuditEntry

pytestmark = pytest.mark.django_db
TEAMS = "/accounts/teams/"


def _entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


def _user(username: str, role: str = Role.INVESTIGATOR, **fields: object) -> User:
    return actions.add_user(username, role, None, actor="test", **fields)  # type: ignore[arg-type]


@pytest.fixture
def admin() -> Client:
    client = Client()
    client.force_login(_user("ada", Role.ADMIN, full_name="Ada Price"))
    return client


# --- actions ----------------------------------------------------------------------------------


def test_create_rename_and_stop_a_team_each_logged() -> None:
    team = actions.create_team("  CAIT   North ", actor="ada")
    assert team.name == "CAIT North" and team.active
    assert [(e.actor, e.target, e.detail) for e in _entries("team.create")] == [
        ("ada", f"team:{team.pk}", {"name": "CAIT North"})
    ]

    assert actions.rename_team(team, "CAIT (North)", actor="ada")
    assert not actions.rename_team(team, "CAIT (North)", actor="ada")  # nothing to change
    team.refresh_from_db()
    assert team.name == "CAIT (North)"
    assert [e.detail for e in _entries("team.rename")] == [{"name": ["CAIT North", "CAIT (North)"]}]

    _user("ivy", team=team)
    assert actions.set_team_active(team, False, actor="ada")
    assert not actions.set_team_active(team, False, actor="ada")
    team.refresh_from_db()
    assert not team.active
    assert [e.detail for e in _entries("team.deactivate")] == [
        {"name": "CAIT (North)", "members": 1}
    ]
    # Kept, with its member still in it.
    assert User.objects.get(username="ivy").team == team
    assert actions.set_team_active(team, True, actor="ada")
    assert len(_entries("team.reactivate")) == 1


@pytest.mark.parametrize(
    "name, error",
    [
        ("", "Enter the team's name"),
        ("   ", "Enter the team's name"),
        ("mash", "There is already a team called MASH"),
        ("x" * 101, "100 characters or fewer"),
        ("MASH\x00", "control characters"),
    ],
)
def test_team_names_refused(name: str, error: str) -> None:
    actions.create_team("MASH", actor="ada")
    with pytest.raises(actions.AccountError, match=error):
        actions.create_team(name, actor="ada")
    assert Team.objects.count() == 1 and len(_entries("team.create")) == 1


def test_no_one_is_moved_into_a_stopped_team() -> None:
    old = actions.create_team("Response Team 1", actor="ada")
    new = actions.create_team("Response Team 2", actor="ada")
    ivy = _user("ivy", team=old)
    actions.set_team_active(old, False, actor="ada")
    with pytest.raises(actions.AccountError, match="no longer in use"):
        _user("joe", team=old)
    with pytest.raises(actions.AccountError, match="no team in use is called 'Response Team 1'"):
        _user("joe", team="Response Team 1")
    # Ivy may stay in it while other things change, and be moved out of it.
    assert actions.change_user(ivy, rank="PC", team=old, actor="ada") == {"rank": ["", "PC"]}
    assert actions.change_user(ivy, team=new, actor="ada") == {
        "team": ["Response Team 1", "Response Team 2"]
    }
    with pytest.raises(actions.AccountError, match="no longer in use"):
        actions.change_user(ivy, team=old, actor="ada")
    ivy.refresh_from_db()
    assert ivy.team == new


# --- pages ------------------------------------------------------------------------------------


def test_teams_page_lists_counts_and_adds(admin: Client) -> None:
    mash = actions.create_team("MASH", actor="test")
    _user("mo", Role.MASH, team=mash)
    gone = _user("old", Role.MASH, team=mash)
    actions.change_user(gone, active=False, actor="test")
    page = admin.get(TEAMS)
    assert page.status_code == 200
    html = page.content.decode()
    assert "MASH" in html and "1 team" in html and "who may not sign in" in html
    assert f'href="{TEAMS}"' in admin.get("/accounts/users/").content.decode()

    added = admin.post(TEAMS, {"name": "CAIT North"})
    assert added.status_code == 302
    team = Team.objects.get(name="CAIT North")
    assert _entries("team.create")[-1].actor == "ada" and team.active
    assert "Team CAIT North added" in admin.get(TEAMS).content.decode()


@pytest.mark.parametrize(
    "name, error",
    [("", "Enter the team&#x27;s name"), ("mash", "There is already a team called MASH")],
)
def test_adding_a_team_refuses_with_the_error_pattern(admin: Client, name: str, error: str) -> None:
    actions.create_team("MASH", actor="test")
    response = admin.post(TEAMS, {"name": name})
    html = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in html and error in html and "<title>Error: Teams" in html
    assert 'href="#id_name"' in html and "govuk-form-group--error" in html
    assert Team.objects.count() == 1


def test_team_page_names_members_renames_and_stops(admin: Client) -> None:
    team = actions.create_team("CAIT North", actor="test")
    _user("ivy", full_name="Ivy Brown", rank="DC", staff_number="4521", team=team)
    url = reverse("accounts:team", args=[team.pk])
    html = admin.get(url).content.decode()
    assert "Ivy Brown" in html and "DC" in html and "4521" in html
    assert _entries("team.view")[-1].target == f"team:{team.pk}"  # it names staff

    assert admin.post(url, {"name": "CAIT  South"}).status_code == 302
    team.refresh_from_db()
    assert team.name == "CAIT South"
    assert admin.post(url, {"name": ""}).status_code == 400

    status = reverse("accounts:team-status", args=[team.pk])
    assert admin.post(status, {"active": "maybe"}).status_code == 400
    assert admin.post(status, {"active": "no"}).status_code == 302
    team.refresh_from_db()
    assert not team.active and Team.objects.filter(pk=team.pk).exists()
    html = admin.get(url).content.decode()
    assert "No longer used" in html and "Use CAIT South again" in html
    # Stopped: not offered for a new account, but kept on the account of someone still in it.
    ivy = User.objects.get(username="ivy")
    add_form = admin.get("/accounts/users/").content.decode()
    assert "CAIT South" not in add_form.split('id="add"')[1]
    ivy_page = admin.get(reverse("accounts:user", args=[ivy.pk])).content.decode()
    assert f'<option value="{team.pk}" selected>CAIT South (no longer used)</option>' in ivy_page

    assert admin.post(status, {"active": "yes"}).status_code == 302
    team.refresh_from_db()
    assert team.active


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMIN])
def test_only_administrators_manage_teams(role: str) -> None:
    team = actions.create_team("MASH", actor="test")
    client = Client()
    client.force_login(_user(f"u-{role}", role))
    assert client.get(TEAMS).status_code == 403
    assert client.post(TEAMS, {"name": "Rogue"}).status_code == 403
    assert (
        client.post(reverse("accounts:team", args=[team.pk]), {"name": "Rogue"}).status_code == 403
    )
    assert (
        client.post(reverse("accounts:team-status", args=[team.pk]), {"active": "no"}).status_code
        == 403
    )
    team.refresh_from_db()
    assert (team.name, team.active) == ("MASH", True) and Team.objects.count() == 1
