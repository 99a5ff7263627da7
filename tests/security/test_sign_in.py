"""Signing in and out, lockout, the second factor, password change and session limits."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from django.contrib.sessions.models import Session
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD, make_user
from vigil.access.roles import Role
from vigil.accounts.models import User
from vigil.accounts.sessions import SIGNED_IN_AT
from vigil.audit.models import AuditEntry

pytestmark = pytest.mark.django_db
SIGN_IN = "/accounts/sign-in/"


def _post_sign_in(client: Client, username: str, password: str = PASSWORD, **extra: str):
    return client.post(SIGN_IN, {"username": username, "password": password, **extra})


def _code(device: TOTPDevice, drift: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift):06d}"


def _actions() -> list[str]:
    return list(AuditEntry.objects.order_by("id").values_list("action", flat=True))


def test_argon2_hashes_passwords() -> None:
    user = make_user(Role.CALL_HANDLER, password=PASSWORD)
    assert user.password.startswith("argon2$")


def test_sign_in_and_out_are_logged() -> None:
    make_user(Role.INVESTIGATOR, "ivy", password=PASSWORD)
    client = Client()
    response = _post_sign_in(client, "ivy")
    assert response.status_code == 302 and response["Location"] == reverse("web:home")
    assert client.get(reverse("accounts:account")).status_code == 200
    response = client.post(reverse("accounts:sign-out"))
    assert response.status_code == 302
    assert client.get(reverse("accounts:account")).status_code == 302  # signed out
    assert _actions() == ["account.sign_in", "account.sign_out"]
    assert AuditEntry.objects.get(action="account.sign_in").actor == "ivy"


def test_sign_out_needs_post(signed_in: Callable[[str], Client]) -> None:
    client = signed_in(Role.MASH)
    assert client.get(reverse("accounts:sign-out")).status_code == 405
    assert client.get(reverse("accounts:account")).status_code == 200


def test_failed_sign_in_is_logged_and_generic() -> None:
    make_user(Role.INVESTIGATOR, "ivy", password=PASSWORD)
    wrong_password = _post_sign_in(Client(), "ivy", "not the password at all")
    no_such_user = _post_sign_in(Client(), "nobody", "not the password at all")
    assert wrong_password.status_code == no_such_user.status_code == 200
    assert b"Enter a correct username and password" in wrong_password.content
    assert b"Enter a correct username and password" in no_such_user.content
    failed = AuditEntry.objects.filter(action="account.fail_sign_in")
    assert sorted(failed.values_list("target", flat=True)) == ["username:ivy", "username:nobody"]
    assert all("not the password" not in str(e.detail) for e in failed)


def test_open_redirect_after_sign_in_is_refused() -> None:
    make_user(Role.INVESTIGATOR, "ivy", password=PASSWORD)
    response = _post_sign_in(Client(), "ivy", next="https://evil.example/")
    assert response["Location"] == reverse("web:home")


def test_lockout_after_five_failures() -> None:
    make_user(Role.INVESTIGATOR, "ivy", password=PASSWORD)
    client = Client()
    for _ in range(4):
        assert _post_sign_in(client, "ivy", "wrong password here").status_code == 200
    locked = _post_sign_in(client, "ivy", "wrong password here")
    assert locked.status_code == 429
    assert b"Sign-in is locked for now" in locked.content
    assert b"30 minutes" in locked.content
    # Now even the right password is refused, with the same page.
    again = _post_sign_in(client, "ivy")
    assert again.status_code == 429
    assert client.get(reverse("accounts:account")).status_code == 302
    assert "account.lock_out" in _actions()
    # Another account from the same address is not locked (username + address).
    make_user(Role.MASH, "mo", password=PASSWORD)
    assert _post_sign_in(client, "mo").status_code == 302


def test_lockout_is_configured() -> None:
    from django.conf import settings

    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 30 * 60
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_HANDLER == "vigil.accounts.lockout.AddressThrottleHandler"
    assert settings.VIGIL_ADDRESS_LOCKOUT_FAILURES == 20
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"


@override_settings(AXES_FAILURE_LIMIT=2)
def test_lockout_from_another_address_is_separate() -> None:
    make_user(Role.INVESTIGATOR, "ivy", password=PASSWORD)
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(2):
        attacker.post(SIGN_IN, {"username": "ivy", "password": "wrong password here"})
    assert _post_sign_in(attacker, "ivy").status_code == 429
    assert _post_sign_in(Client(REMOTE_ADDR="198.51.100.7"), "ivy").status_code == 302


# --- the second factor ------------------------------------------------------------------------


def _enrol(client: Client, user: User) -> TOTPDevice:
    page = client.get(reverse("accounts:enrol"))
    assert page.status_code == 200
    assert b"<svg" in page.content  # the QR code, inline
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("accounts:enrol"), {"code": _code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    return device


def test_totp_enrolment_then_sign_in_asks_for_code() -> None:
    user = make_user(Role.SUPERVISOR, "sue", password=PASSWORD)
    client = Client()
    client.force_login(user)
    device = _enrol(client, user)
    client.post(reverse("accounts:sign-out"))

    client = Client()
    response = _post_sign_in(client, "sue")
    assert response["Location"] == reverse("accounts:second-factor")
    # The password alone is not a session.
    assert client.get(reverse("accounts:account")).status_code == 302
    bad = client.post(
        reverse("accounts:second-factor"),
        {"code": "000000" if _code(device) != "000000" else "111111"},
    )
    assert bad.status_code == 200 and b"The code is not right" in bad.content
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    ok = client.post(reverse("accounts:second-factor"), {"code": _code(device, drift=1)})
    assert ok.status_code == 302, ok.content[:400]
    assert client.get(reverse("accounts:account")).status_code == 200
    entry = AuditEntry.objects.filter(action="account.sign_in").last()
    assert entry is not None and entry.detail["second_factor"] is True
    failed = AuditEntry.objects.filter(action="account.fail_sign_in").last()
    assert failed is not None and failed.detail["stage"] == "second factor"


def test_wrong_codes_count_towards_lockout() -> None:
    user = make_user(Role.SUPERVISOR, "sue", password=PASSWORD)
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    client = Client()
    assert _post_sign_in(client, "sue").status_code == 302
    wrong = "000000" if _code(device) != "000000" else "111111"
    statuses = [
        client.post(reverse("accounts:second-factor"), {"code": wrong}).status_code
        for _ in range(5)
    ]
    assert statuses[-1] == 429
    assert _post_sign_in(Client(), "sue").status_code == 429


def test_code_page_without_password_goes_to_sign_in() -> None:
    client = Client()
    response = client.get(reverse("accounts:second-factor"))
    assert response.status_code == 302 and response["Location"] == SIGN_IN


@override_settings(VIGIL_TOTP_REQUIRED_ROLES=frozenset({Role.ADMIN}))
def test_role_that_must_use_totp_enrols_before_signing_in() -> None:
    user = make_user(Role.ADMIN, "ada", password=PASSWORD)
    client = Client()
    response = _post_sign_in(client, "ada")
    assert response["Location"] == reverse("accounts:second-factor-enrol")
    assert client.get(reverse("audit:log")).status_code == 302  # not signed in yet
    page = client.get(reverse("accounts:second-factor-enrol"))
    assert page.status_code == 200 and b"<svg" in page.content
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    done = client.post(reverse("accounts:second-factor-enrol"), {"code": _code(device)})
    assert done.status_code == 302
    assert client.get(reverse("audit:log")).status_code == 200
    # And it cannot be removed while the role needs it.
    client.post(reverse("accounts:remove-second-factor"), {"code": _code(device, drift=1)})
    assert TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def test_expired_password_step_must_start_again() -> None:
    user = make_user(Role.SUPERVISOR, "sue", password=PASSWORD)
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    client = Client()
    _post_sign_in(client, "sue")
    session = client.session
    pending = session["vigil_pending_sign_in"]
    pending["at"] = time.time() - 3600
    session["vigil_pending_sign_in"] = pending
    session.save()
    response = client.post(reverse("accounts:second-factor"), {"code": _code(device)})
    assert response.status_code == 302 and response["Location"] == SIGN_IN


# --- password change and session limits -------------------------------------------------------


def test_password_change() -> None:
    user = make_user(Role.INVESTIGATOR, "ivy", password=PASSWORD)
    client = Client()
    client.force_login(user)
    # Every page leads to one's own account, where the password is changed.
    home = client.get("/", follow=True).content.decode()  # an investigator lands on My work
    assert f'href="{reverse("accounts:account")}"' in home
    assert (
        f'href="{reverse("accounts:password-change")}"'
        in client.get(reverse("accounts:account")).content.decode()
    )
    new = "a much longer new passphrase 42"
    weak = client.post(
        reverse("accounts:password-change"),
        {"old_password": PASSWORD, "new_password1": "password", "new_password2": "password"},
    )
    assert weak.status_code == 200 and b"There is a problem" in weak.content
    response = client.post(
        reverse("accounts:password-change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert client.get(reverse("accounts:account")).status_code == 200  # still signed in
    user.refresh_from_db()
    assert user.check_password(new) and user.password.startswith("argon2$")
    assert "account.change_password" in _actions()
    assert _post_sign_in(Client(), "ivy", new).status_code == 302


def test_idle_session_expires(signed_in: Callable[[str], Client]) -> None:
    client = signed_in(Role.INVESTIGATOR)
    assert client.get(reverse("accounts:account")).status_code == 200
    Session.objects.update(expire_date=timezone.now() - timezone.timedelta(seconds=1))
    response = client.get(reverse("accounts:account"))
    assert response.status_code == 302 and response["Location"].startswith(SIGN_IN)


def test_session_has_an_absolute_limit(signed_in: Callable[[str], Client]) -> None:
    client = signed_in(Role.INVESTIGATOR)
    session = client.session
    session[SIGNED_IN_AT] = time.time() - 11 * 3600
    session.save()
    response = client.get(reverse("accounts:account"))
    assert response.status_code == 302 and response["Location"].startswith(SIGN_IN)
    assert client.get(reverse("accounts:account")).status_code == 302
    out = AuditEntry.objects.filter(action="account.sign_out").last()
    assert out is not None and out.detail["reason"] == "session limit reached"


def test_session_cookie_settings() -> None:
    from django.conf import settings

    assert settings.SESSION_COOKIE_HTTPONLY
    assert settings.SESSION_COOKIE_AGE <= 1800
    assert settings.SESSION_SAVE_EVERY_REQUEST


@override_settings(VIGIL_TOTP_REQUIRED_ROLES=frozenset({Role.AUDITOR}))
def test_session_without_second_factor_ends_when_role_needs_one(
    signed_in: Callable[[str], Client],
) -> None:
    client = signed_in(Role.AUDITOR)  # signed in with no code, as before the setting
    response = client.get(reverse("accounts:account"))
    assert response.status_code == 302 and response["Location"].startswith(SIGN_IN)
    out = AuditEntry.objects.filter(action="account.sign_out").last()
    assert out is not None and out.detail["reason"] == "second factor required"


def test_replacing_the_second_factor_needs_the_current_code() -> None:
    """A session left open must not be able to swap the authenticator app (issue 11 item 9)."""
    user = make_user(Role.INVESTIGATOR, "ivy", password=PASSWORD)
    client = Client()
    client.force_login(user)
    old = _enrol(client, user)
    # GET then POST with only the new app's code: refused, the confirmed device stays.
    page = client.get(reverse("accounts:enrol"))
    assert b"Code from your current authenticator app" in page.content
    new = TOTPDevice.objects.get(user=user, confirmed=False)
    refused = client.post(reverse("accounts:enrol"), {"code": _code(new)})
    assert refused.status_code == 400
    assert b"current authenticator app" in refused.content
    assert TOTPDevice.objects.filter(pk=old.pk, confirmed=True).exists()
    wrong = "000000" if _code(old) != "000000" else "111111"
    refused = client.post(reverse("accounts:enrol"), {"code": _code(new), "current_code": wrong})
    assert refused.status_code == 400 and b"is not right" in refused.content
    assert TOTPDevice.objects.filter(pk=old.pk, confirmed=True).exists()
    old.refresh_from_db()
    old.throttling_failure_count = 0  # django-otp slows codes after a wrong one
    old.throttling_failure_timestamp = None
    old.save()
    # With the current app's code too, the new app replaces the old.
    done = client.post(
        reverse("accounts:enrol"), {"code": _code(new), "current_code": _code(old, drift=1)}
    )
    assert done.status_code == 302
    assert list(TOTPDevice.objects.filter(user=user).values_list("pk", "confirmed")) == [
        (new.pk, True)
    ]
    entry = AuditEntry.objects.filter(action="account.enrol_second_factor").last()
    assert entry is not None and entry.detail == {"replaced": True}


@override_settings(VIGIL_ADDRESS_LOCKOUT_FAILURES=4)
def test_password_spraying_from_one_address_is_throttled() -> None:
    """Failures across many usernames from one address lock that address (issue 11 item 12);
    once locked, no password is checked (no Argon2 hash) and other addresses are unaffected."""
    from unittest import mock

    from django.contrib.auth.backends import ModelBackend

    make_user(Role.INVESTIGATOR, "ivy", password=PASSWORD)
    sprayer = Client(REMOTE_ADDR="203.0.113.9")
    for name in ("ann", "bob", "cat"):
        assert _post_sign_in(sprayer, name, "Summer2026!!x").status_code == 200
    fourth = _post_sign_in(sprayer, "dan", "Summer2026!!x")
    assert fourth.status_code == 429
    assert b"from this computer or network" in fourth.content
    with mock.patch.object(
        ModelBackend, "authenticate", autospec=True, side_effect=ModelBackend.authenticate
    ) as checked:
        # Even a right password for a username never tried from there is refused, unchecked.
        assert _post_sign_in(sprayer, "ivy").status_code == 429
        assert checked.call_count == 0
        assert _post_sign_in(Client(REMOTE_ADDR="198.51.100.7"), "ivy").status_code == 302
        assert checked.call_count == 1
    assert "account.lock_out" in _actions()
