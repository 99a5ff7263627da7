"""Accounts carry a full name, rank or role title, collar or staff number and team, checked the
same whichever way they arrive (page, command, demo); one's own second factor and password change
are actions with their audit entries."""

from __future__ import annotations

import io
from typing import Any

import orjson
import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from vigil.access.roles import Role
from vigil.accounts import actions
from vigil.accounts.models import Team, User
from vigil.audit.models import AuditEntry

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


def _actions() -> list[str]:
    return list(AuditEntry.objects.order_by("id").values_list("action", flat=True))


def test_add_user_with_name_rank_number_and_team() -> None:
    team = actions.create_team("CAIT North", actor="test")
    user = actions.add_user(
        "dc4521",
        Role.INVESTIGATOR,
        None,
        actor="ada",
        full_name=" Priya  Shah ",
        rank="DC",
        staff_number=" 4521 ",
        team="cait north",
    )
    assert (user.full_name, user.rank, user.staff_number, user.team) == (
        "Priya Shah",
        "DC",
        "4521",
        team,
    )
    assert user.display_name == "Priya Shah" and not user.has_usable_password()
    entry = AuditEntry.objects.get(action="account.create")
    assert entry.detail == {
        "username": "dc4521",
        "role": "investigator",
        "full_name": "Priya Shah",
        "rank": "DC",
        "staff_number": "4521",
        "team": "CAIT North",
    }


@pytest.mark.parametrize(
    "fields, error",
    [
        ({"staff_number": "45-21"}, "only letters and digits"),
        ({"staff_number": "A" * 21}, "at most 20"),
        ({"staff_number": "4521"}, "Another account already has the number 4521"),
        ({"full_name": "Ann\nSmith"}, None),  # whitespace is folded, not refused
        ({"full_name": "Ann\x07"}, "control characters"),
        ({"rank": "D" * 101}, "100 characters or fewer"),
        ({"team": "Nowhere"}, "no team in use is called 'Nowhere'"),
        ({"role": "sheriff"}, "unknown role"),
    ],
)
def test_add_user_refuses_what_is_wrong(fields: dict[str, Any], error: str | None) -> None:
    actions.add_user("held", Role.MASH, None, actor="test", staff_number="4521")
    role = fields.pop("role", Role.MASH)
    if error is None:
        assert actions.add_user("new", role, None, actor="test", **fields).full_name == "Ann Smith"
        return
    with pytest.raises(actions.AccountError, match=error):
        actions.add_user("new", role, None, actor="test", **fields)
    assert not User.objects.filter(username="new").exists()
    assert _actions() == ["account.create"]


def test_change_user_changes_only_what_is_given() -> None:
    user = actions.add_user(
        "ivy", Role.MASH, None, actor="test", full_name="Ivy Brown", staff_number="m77"
    )
    assert actions.change_user(user, full_name="Ivy Brown", staff_number="M77", actor="ada") == {}
    assert _actions() == ["account.create"]  # nothing changed, nothing logged
    changes = actions.change_user(user, rank="MASH researcher", staff_number="", actor="ada")
    assert changes == {"rank": ["", "MASH researcher"], "staff_number": ["M77", ""]}
    user.refresh_from_db()
    assert (user.full_name, user.rank, user.staff_number, user.role) == (
        "Ivy Brown",
        "MASH researcher",
        "",
        Role.MASH,
    )
    # The number freed may be given to someone else.
    assert (
        actions.add_user("joe", Role.MASH, None, actor="t", staff_number="M77").staff_number
        == "M77"
    )
    with pytest.raises(actions.AccountError, match="Another account"):
        actions.change_user(user, staff_number="m77", actor="ada")


def test_display_name_falls_back_to_username() -> None:
    assert actions.add_user("pc1", Role.RESPONSE_OFFICER, None, actor="t").display_name == "pc1"


def test_second_factor_actions_write_their_entries() -> None:
    user = actions.add_user("ivy", Role.MASH, PASSWORD, actor="test")
    first = actions.start_second_factor(user)
    second = actions.start_second_factor(user)
    # Only the QR code last shown can be confirmed.
    assert list(TOTPDevice.objects.filter(user=user).values_list("pk", flat=True)) == [second.pk]
    assert not TOTPDevice.objects.filter(pk=first.pk).exists()
    actions.confirm_second_factor(user, second, replaced=False)
    second.refresh_from_db()
    assert second.confirmed
    actions.remove_second_factor(user)
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert _actions() == [
        "account.create",
        "account.start_second_factor",
        "account.start_second_factor",
        "account.enrol_second_factor",
        "account.remove_second_factor",
    ]
    assert {e.actor for e in AuditEntry.objects.exclude(action="account.create")} == {"ivy"}


def test_enrolment_page_goes_through_the_actions() -> None:
    user = actions.add_user("ivy", Role.MASH, PASSWORD, actor="test")
    client = Client()
    client.force_login(user)
    assert client.get("/accounts/second-factor/").status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    assert client.post("/accounts/second-factor/", {"code": code}).status_code == 302
    assert _actions()[-2:] == ["account.start_second_factor", "account.enrol_second_factor"]


def test_own_password_change_is_an_action() -> None:
    user = actions.add_user("ivy", Role.MASH, PASSWORD, actor="test")
    actions.change_own_password(user, "another long passphrase 99")
    user.refresh_from_db()
    assert user.check_password("another long passphrase 99")
    entry = AuditEntry.objects.get(action="account.change_password")
    assert (entry.actor, entry.target) == ("ivy", f"user:{user.pk}")


def test_own_account_page_shows_name_rank_number_and_team() -> None:
    team = actions.create_team("MASH", actor="test")
    user = actions.add_user(
        "ivy",
        Role.MASH,
        PASSWORD,
        actor="test",
        full_name="Ivy Brown",
        rank="MASH researcher",
        staff_number="S1234",
        team=team,
    )
    client = Client()
    client.force_login(user)
    html = client.get("/accounts/").content.decode()
    for shown in ("Ivy Brown", "MASH researcher", "S1234", "MASH / central referral unit"):
        assert shown in html


# --- vigil user add ---------------------------------------------------------------------------


def _vigil_user_add(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    from vigil.cli import main

    # The test database is set up and migrated already (the command would check as the owner).
    monkeypatch.setattr("vigil.cli._setup_django", lambda migrate=True: None)
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    code = main(["user", "add", *args, "--password-stdin"])
    out, err = capsys.readouterr()
    return code, out, err


def test_vigil_user_add_takes_name_rank_number_and_team(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    Team.objects.create(name="CAIT North")
    code, out, err = _vigil_user_add(
        monkeypatch,
        capsys,
        "ds-khan",
        "--role",
        "supervisor",
        "--name",
        "Omar Khan",
        "--rank",
        "DS",
        "--staff-number",
        "ds1201",
        "--team",
        "CAIT North",
        "--json",
    )
    assert code == 0, err
    assert orjson.loads(out) == {
        "username": "ds-khan",
        "role": "supervisor",
        "full_name": "Omar Khan",
        "rank": "DS",
        "staff_number": "DS1201",
        "team": "CAIT North",
    }
    user = User.objects.get(username="ds-khan")
    assert user.check_password(PASSWORD) and user.team is not None

    code, _, err = _vigil_user_add(monkeypatch, capsys, "x", "--role", "mash", "--team", "MASH")
    assert code == 2 and "no team in use is called 'MASH'; teams in use: CAIT North" in err
    code, _, err = _vigil_user_add(
        monkeypatch, capsys, "y", "--role", "mash", "--staff-number", "DS1201"
    )
    assert code == 2 and "Another account already has the number DS1201" in err
    assert not User.objects.filter(username__in=["x", "y"]).exists()
    # Without the new flags it is as CLI.md has it.
    code, out, _ = _vigil_user_add(monkeypatch, capsys, "ann", "--role", "auditor")
    assert code == 0 and out.startswith("Created ann with role auditor")
