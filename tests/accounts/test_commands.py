"""`vigil user add`, run in process as the accounts app's command."""

from __future__ import annotations

import io

import orjson
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from vigil.accounts.models import User
from vigil.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def add(monkeypatch: pytest.MonkeyPatch, *args: str, password: str) -> str:
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    out = io.StringIO()
    call_command("user", "add", *args, "--password-stdin", stdout=out)
    return out.getvalue()


def test_user_add(monkeypatch: pytest.MonkeyPatch) -> None:
    shown = add(
        monkeypatch,
        "ann",
        "--role",
        "supervisor",
        "--json",
        password="correct horse battery staple",
    )
    assert orjson.loads(shown) == {
        "username": "ann",
        "role": "supervisor",
        "full_name": "",
        "rank": "",
        "staff_number": "",
        "team": None,
    }
    ann = User.objects.get()
    assert ann.role == "supervisor" and ann.password.startswith("argon2")
    assert ann.check_password("correct horse battery staple")
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["account.create"]


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["bob", "--role", "sheriff"], "x" * 20, "unknown role 'sheriff'"),
        (["cat", "--role", "auditor"], "short", "password refused"),
    ],
)
def test_user_add_refuses_with_exit_status_2(
    monkeypatch: pytest.MonkeyPatch, args: list[str], password: str, message: str
) -> None:
    with pytest.raises(CommandError) as refused:
        add(monkeypatch, *args, password=password)
    assert refused.value.returncode == 2 and message in str(refused.value)
    assert not User.objects.exists()
