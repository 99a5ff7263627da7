"""The demo's staff: teams, and named people with ranks and numbers in them, made through the
actions (so logged), once however often the demo runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from vigil.access.roles import Role
from vigil.accounts import actions
from vigil.accounts.demo import STAFF, TEAMS, make_demo_staff, sign_in_name
from vigil.accounts.models import Team, User
from vigil.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_demo_staff_fill_the_teams_with_named_people() -> None:
    described = make_demo_staff(actor="cli:demo")
    assert set(Team.objects.filter(active=True).values_list("name", flat=True)) == set(TEAMS)
    for role in Role:  # every role has its sign-in, named, in a team
        user = User.objects.select_related("team").get(username=sign_in_name(role))
        assert user.role == role and user.full_name and user.rank and user.team is not None
        assert described[user.username] == f"{user.rank} {user.full_name}, {user.team.name}"
        assert not user.has_usable_password()  # the demo gives the sign-ins their passwords
    for team in Team.objects.all():
        assert team.members.exists(), f"{team.name} has nobody in it"
    cait = User.objects.filter(team__name="CAIT North")
    assert (
        cait.filter(role=Role.SUPERVISOR).count() == 1
        and cait.filter(role=Role.INVESTIGATOR).count() >= 2
    )
    numbers = [p.staff_number for p in STAFF if p.staff_number]
    assert len(numbers) == len(set(numbers))
    assert all(actions.STAFF_NUMBER.fullmatch(n) for n in numbers)
    # Partners are not police officers: they carry job titles, not ranks or collar numbers.
    for person in STAFF:
        if person.role.startswith("partner"):
            assert person.rank not in ("DC", "DS", "PC", "Sgt") and not person.staff_number
    created = AuditEntry.objects.filter(action="account.create", actor="cli:demo").count()
    assert created == len(STAFF)
    assert AuditEntry.objects.filter(action="team.create").count() == len(TEAMS)


def test_demo_staff_made_again_changes_nothing_and_mends_old_demos() -> None:
    actions.add_user(sign_in_name(Role.MASH), Role.MASH, None, actor="cli:demo")  # an older demo
    make_demo_staff(actor="cli:demo")
    mash = User.objects.get(username=sign_in_name(Role.MASH))
    assert (mash.full_name, mash.team.name if mash.team else None) == ("Chloe Evans", "MASH")
    entries = AuditEntry.objects.count()
    make_demo_staff(actor="cli:demo")
    assert AuditEntry.objects.count() == entries
    assert User.objects.count() == len(STAFF) and Team.objects.count() == len(TEAMS)


def test_the_demo_prints_its_sign_ins_with_who_they_are(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from vigil.ingest.demo import build_demo

    monkeypatch.setenv("VIGIL_DATA_DIR", str(tmp_path))
    build_demo(people=20, seed=5, out=tmp_path / "force")
    out = capsys.readouterr().out
    assert "demo-investigator" in out and "Investigator: DC Priya Shah, CAIT North" in out
    signed = (tmp_path / "demo-accounts.txt").read_text().splitlines()
    assert len(signed) == len(Role)
    username, password = signed[0].split()[:2]
    assert User.objects.get(username=username).check_password(password)
