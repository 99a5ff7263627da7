"""The access log: append-only in the database, hash-chained, verified, viewed, and required."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

import orjson
import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client, override_settings
from django.urls import reverse

from vigil import cli
from vigil.accounts.models import Role
from vigil.audit import append_only, log
from vigil.audit.models import AuditEntry
from vigil.audit.redact import NoRequestDataFilter
from vigil.web.middleware import UnloggedAccess

pytestmark = pytest.mark.django_db


def _entries(n: int = 3) -> list[AuditEntry]:
    return [log.record("cli:test", "view", f"person:{i}", detail={"i": i}) for i in range(n)]


# --- append-only and tamper-evident -----------------------------------------------------------


def test_triggers_are_installed() -> None:
    assert append_only.is_enabled(connection)


@pytest.mark.parametrize("change", [
    lambda: AuditEntry.objects.filter(action="view").update(actor="someone-else"),
    lambda: AuditEntry.objects.filter(action="view").delete(),
    lambda: AuditEntry.objects.first().save(),  # type: ignore[union-attr]
])
def test_changing_or_removing_an_entry_is_refused(change: Callable[[], Any]) -> None:
    _entries()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        change()
    assert list(log.verify_chain()) == []


@pytest.mark.parametrize("sql", [
    "UPDATE audit_auditentry SET reason = 'nothing to see'",
    "DELETE FROM audit_auditentry",
])
def test_raw_sql_tampering_is_refused(sql: str) -> None:
    _entries()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute(sql)
    assert AuditEntry.objects.count() == 3


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_truncate_is_refused_on_postgresql() -> None:
    _entries()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute("TRUNCATE audit_auditentry")


def _drop_triggers_and(sql: str) -> list[str]:
    append_only.disable(connection)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
        return list(log.verify_chain())
    finally:
        append_only.enable(connection)


def test_verify_finds_an_entry_altered_behind_the_triggers() -> None:
    entries = _entries(4)
    breaks = _drop_triggers_and(
        f"UPDATE audit_auditentry SET target = 'person:999' WHERE id = {entries[1].pk}")
    assert breaks == [f"entry {entries[1].pk}: its content does not match its hash (it was altered)"]


def test_verify_finds_an_entry_removed_behind_the_triggers() -> None:
    entries = _entries(4)
    breaks = _drop_triggers_and(f"DELETE FROM audit_auditentry WHERE id = {entries[2].pk}")
    assert len(breaks) == 1 and breaks[0].startswith(f"entry {entries[3].pk}: does not follow")


def test_verify_command(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(cli, "_setup_django", lambda migrate=True: None)
    entries = _entries(3)
    assert cli.main(["audit-log", "verify"]) == 0
    assert "intact" in capsys.readouterr().out
    assert cli.main(["audit-log", "verify", "--json"]) == 0
    report = orjson.loads(capsys.readouterr().out)
    assert report == {"intact": True, "entries": 3, "breaks": []}

    append_only.disable(connection)
    try:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE audit_auditentry SET actor = 'x' WHERE id IN (%s, %s)",
                           [entries[0].pk, entries[2].pk])
        assert cli.main(["audit-log", "verify", "--json"]) == 1
        report = orjson.loads(capsys.readouterr().out)
        assert report["intact"] is False and len(report["breaks"]) == 2
        assert cli.main(["audit-log", "verify"]) == 1
        out = capsys.readouterr()
        assert "NOT intact" in out.err and len(out.out.strip().splitlines()) == 2
    finally:
        append_only.enable(connection)


# --- pages about people must write to the log -------------------------------------------------


@override_settings(ROOT_URLCONF="tests.security.urls_for_tests")
def test_page_about_people_without_a_log_entry_fails_loudly(signed_in: Callable[[str], Client]) -> None:
    client = signed_in(Role.INVESTIGATOR)
    with pytest.raises(UnloggedAccess, match="without writing to the access log"):
        client.get("/people/test-unlogged/")
    with pytest.raises(UnloggedAccess):
        client.post("/alerts/test-unlogged-change/")
    assert client.get("/people/test-logged/").status_code == 200
    assert client.get("/people/test-empty-form/").status_code == 200
    assert client.get("/people/test-empty-search/").status_code == 200


def test_every_staff_area_about_people_is_watched() -> None:
    """Each area of pages that show or change personal data is under the access-log check
    (one's own account is not about anyone else)."""
    from vigil.audit.access import LOGGED_PREFIXES

    from .urlwalk import STAFF_PREFIXES, walk

    unwatched = sorted({r.template for r in walk() if r.template.startswith(STAFF_PREFIXES)
                        and not r.template.startswith(("/accounts/", *LOGGED_PREFIXES))})
    assert not unwatched, f"staff pages the access-log check does not watch: {unwatched}"
    assert set(STAFF_PREFIXES) - {"/accounts/"} <= set(LOGGED_PREFIXES)


@override_settings(ROOT_URLCONF="tests.security.urls_for_tests")
def test_unlogged_page_is_refused_in_service(signed_in: Callable[[str], Client]) -> None:
    client = signed_in(Role.INVESTIGATOR)
    client.raise_request_exception = False
    response = client.get("/people/test-unlogged/")
    assert response.status_code == 500
    assert b"Amy Stone" not in response.content


# --- the viewer -------------------------------------------------------------------------------


def test_viewer_filters_pages_and_logs_itself(signed_in: Callable[[str], Client]) -> None:
    for i in range(60):
        log.record("ivy" if i % 2 else "mo", "view" if i % 3 else "search", f"person:{i}")
    client = signed_in(Role.AUDITOR)
    page = client.get(reverse("audit:log"))
    assert page.status_code == 200
    assert b"Page 1 of 2" in page.content
    viewed = AuditEntry.objects.filter(action="audit.view").last()
    assert viewed is not None and viewed.actor == f"u-{Role.AUDITOR}"

    ivy = client.get(reverse("audit:log"), {"actor": "ivy", "action": "search"})
    rows = ivy.context["page"].object_list
    assert rows and all(e.actor == "ivy" and e.action == "search" for e in rows)
    assert AuditEntry.objects.filter(action="audit.view").last().detail["filters"] == {  # type: ignore[union-attr]
        "actor": "ivy", "action": "search"}

    today = dt.date.today()
    tomorrow = (today + dt.timedelta(days=2)).isoformat()
    none = client.get(reverse("audit:log"), {"since": tomorrow})
    assert list(none.context["page"].object_list) == []
    second = client.get(reverse("audit:log"), {"page": "2"})
    assert second.status_code == 200 and b"Page 2 of 2" in second.content
    bad = client.get(reverse("audit:log"), {"since": "last tuesday"})
    assert bad.status_code == 200


@pytest.mark.parametrize("role", [Role.ADMIN, Role.AUDITOR])
def test_viewer_is_for_auditors_and_admins(role: str, signed_in: Callable[[str], Client]) -> None:
    assert signed_in(role).get(reverse("audit:log")).status_code == 200


def test_viewer_refused_to_others(signed_in: Callable[[str], Client]) -> None:
    assert signed_in(Role.SUPERVISOR).get(reverse("audit:log")).status_code == 403


# --- nothing about people in the console log --------------------------------------------------


def test_console_log_keeps_no_request_data_or_exception_text() -> None:
    value = {"surname": "Stone", "dob": "2009-04-01"}
    try:
        raise ValueError(f"duplicate key (surname)=({value['surname']}) dob {value['dob']}")
    except ValueError:
        import sys

        record = logging.LogRecord("django.request", logging.ERROR, __file__, 1,
                                   "Internal Server Error: %s", ("/people/1/",), sys.exc_info())
    record.request = object()
    assert NoRequestDataFilter().filter(record)
    text = logging.Formatter().format(record)
    assert record.request is None
    assert "Stone" not in text and "2009-04-01" not in text
    assert "ValueError: (message withheld)" in text and "Internal Server Error: /people/1/" in text
