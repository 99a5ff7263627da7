# ruff: noqa: F811 (the client_for fixture is imported, and each test names it)
"""The alert queue and an alert's page name their subject as staff do (a child by name, age and
date of birth; a record by its type and date), title each alert in words, group one child's
alerts together, show no internal id, and ask a fixed number of queries however many alerts."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.people.conftest import build_force, client_for  # noqa: F401 (fixtures)
from vigil.alerts.models import Alert
from vigil.audit.models import AuditEntry
from vigil.identity.models import Person
from vigil.identity.summaries import age_on

pytestmark = pytest.mark.django_db

Clients = Callable[[str], Client]


def stored(
    alert_id: str,
    code: str,
    severity: str,
    *,
    person: str = "",
    record: str = "",
    mentions: list[list[str]] | None = None,
    days_ago: int = 1,
    thresholds: dict[str, Any] | None = None,
    status: str = "open",
) -> Alert:
    now = timezone.now()
    return Alert.objects.create(
        alert_id=alert_id,
        code=code,
        severity=severity,
        subject_kind="person" if person else "record",
        subject_key=f"person:{person}" if person else f"record:test/{record}",
        person_id=person,
        record_system="test" if record else "",
        record_source_id=record,
        raised_at=now - dt.timedelta(days=days_ago),
        due_at=now + dt.timedelta(days=days_ago),
        explanation=f"Explained {code}",
        evidence=[["test", "MIS-1"]],
        mentions=mentions or [],
        thresholds=thresholds or {},
        evidence_hash="x",
        evaluated_at=now,
        status=status,
    )


def visible_text(page: str) -> str:
    """What a reader sees: the page without its tags and attribute values."""
    body = page.split("<main", 1)[1]
    return html.unescape(re.sub(r"<[^>]*>", " ", body))


def alert_order(page: str) -> list[str]:
    return re.findall(r'href="/alerts/(A-[a-z0-9-]+)/"', page)


def william() -> str:
    age = age_on(dt.date(2012, 5, 3), None, None, timezone.localdate())
    return f"William Stone, {age}, born 3 May 2012"


@pytest.fixture
def alerts(build_force: Callable[..., dict[str, Person]]) -> dict[str, Alert]:
    build_force()
    return {
        "w_high": stored(
            "A-w-high",
            "REPEAT_MISSING",
            "high",
            person="P-william",
            thresholds={"episodes": 4, "window_days": 60},
        ),
        "w_low": stored("A-w-low", "INVESTIGATION_AGED", "low", person="P-william"),
        "amy": stored("A-amy", "CHILD_NOT_SEEN_OR_HEARD", "medium", person="P-amy"),
        "custody": stored(
            "A-custody",
            "CUSTODY_NO_REFERRAL",
            "medium",
            record="CUS-1",
            mentions=[["test", "CUS-1", "c"]],
        ),
    }


def test_queue_names_children_and_records_and_titles_alerts(
    alerts: dict[str, Alert],
    client_for: Clients,
) -> None:
    page = client_for("mash").get("/alerts/").content.decode()
    text = visible_text(page)
    assert william() in text
    amy_age = age_on(dt.date(2011, 1, 1), None, None, timezone.localdate())
    assert f"Amy Smith, {amy_age}, born 1 January 2011" in text
    # A record by its type and date, and the child it names.
    assert "Custody record, 1 September 2020" in text
    assert re.search(r"Custody record, 1 September 2020\s*: names\s*" + re.escape(william()), text)
    # Titles in words, with the thresholds the alert fired on; the code only as a caption.
    assert "Missing 4 or more times in 60 days" in text
    assert "Child present but not seen or heard" in text
    assert "Child in custody not referred to children's social care" in text
    # No internal id anywhere a reader sees.
    for person_id in ("P-william", "P-amy"):
        assert person_id not in text
    assert "test/CUS-1" not in text and "A-w-high" not in text
    # The names link to the person's and the record's pages.
    assert 'href="/people/P-william/"' in page and 'href="/people/P-amy/"' in page
    # The access log says whom the page showed.
    entry = AuditEntry.objects.filter(target="alert-queue").last()
    assert entry is not None and entry.detail["people"] == ["P-amy", "P-william"]


def test_queue_groups_one_childs_alerts_whatever_the_sort(
    alerts: dict[str, Alert],
    client_for: Clients,
) -> None:
    client = client_for("supervisor")
    # By severity, William's low alert would fall after Amy's medium one: grouped, it follows
    # his high one, under one heading naming him once.
    page = client.get("/alerts/?sort=severity").content.decode()
    order = alert_order(page)
    assert order.index("A-w-high") + 1 == order.index("A-w-low")
    assert order.index("A-w-high") < order.index("A-amy")
    assert visible_text(page).count(william()) == 2  # his group, and the custody record's child
    groups = re.findall(
        r'<tbody class="govuk-table__body vigil-alert-group">(.*?)</tbody>', page, re.S
    )
    assert [alert_order(g) for g in groups] == [["A-w-high", "A-w-low"], ["A-amy"], ["A-custody"]]
    assert order == ["A-w-high", "A-w-low", "A-amy", "A-custody"]
    # Reversed (least severe first), William's group leads with his low alert and stays whole;
    # the two medium groups reverse too.
    order = alert_order(client.get("/alerts/?sort=severity&dir=desc").content.decode())
    assert order == ["A-w-low", "A-w-high", "A-custody", "A-amy"]
    # Filters still apply to single alerts: the low one alone.
    order = alert_order(client.get("/alerts/?severity=low").content.decode())
    assert order == ["A-w-low"]


def test_queue_pages_keep_groups_in_order(
    build_force: Callable[..., dict[str, Person]],
    client_for: Clients,
) -> None:
    build_force()
    codes = [
        "REPEAT_MISSING",
        "INVESTIGATION_AGED",
        "CHILD_NOT_SEEN_OR_HEARD",
        "MISSING_EXPLOITATION_RISK",
        "TRANSITION_TO_ADULTHOOD",
    ]
    for n in range(60):  # 12 people with 5 alerts each, raised in turn, so unsorted they mix
        stored(f"A-n{n:02d}", codes[n // 12], "medium", person=f"P-extra{n % 12}", days_ago=n)
    client = client_for("supervisor")
    first = alert_order(client.get("/alerts/?sort=raised").content.decode())
    second = alert_order(client.get("/alerts/?sort=raised&page=2").content.decode())
    assert len(first) == 50 and len(second) == 10 and not set(first) & set(second)
    persons = [int(a[3:]) % 12 for a in first + second]
    runs = [p for i, p in enumerate(persons) if i == 0 or persons[i - 1] != p]
    assert len(runs) == 12 == len(set(runs)), "each person's alerts are consecutive"
    # Groups come in the order of their first alert: the longest-raised first.
    assert runs == sorted(runs, key=lambda p: -max(n for n in range(60) if n % 12 == p))


def test_queue_query_count_is_fixed(
    build_force: Callable[..., dict[str, Person]],
    client_for: Clients,
) -> None:
    build_force()
    client = client_for("supervisor")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/alerts/").status_code == 200
        return len(queries.captured_queries)

    stored("A-1", "REPEAT_MISSING", "high", person="P-william")
    stored("A-2", "CUSTODY_NO_REFERRAL", "high", record="CUS-1", mentions=[["test", "CUS-1", "c"]])
    few = count()
    for n, code in enumerate(
        ["INVESTIGATION_AGED", "CHILD_NOT_SEEN_OR_HEARD", "TRANSITION_TO_ADULTHOOD"]
    ):
        for who in ("P-william", "P-amy", "P-karen", "P-derek"):
            stored(f"A-{code}-{who}", code, "medium", person=who, days_ago=n)
    for source_id in ("CALL-1", "CRIME-DA", "PPN-1", "MIS-1"):
        stored(
            f"A-rec-{source_id}",
            "CHILD_NOT_SEEN_OR_HEARD",
            "medium",
            record=source_id,
            mentions=[["test", source_id, "c"]],
        )
    assert count() == few


def test_alert_page_names_its_subject_and_titles_it(
    alerts: dict[str, Alert], client_for: Clients
) -> None:
    client = client_for("investigator")
    page = client.get("/alerts/A-w-high/").content.decode()
    text = visible_text(page)
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    assert title and "Missing 4 or more times in 60 days" in html.unescape(title.group(1))
    assert re.search(r"<h1[^>]*>\s*Missing 4 or more times in 60 days", page)
    assert william() in text and "P-william" not in text and "A-w-high" not in text
    assert "REPEAT_MISSING" in page.replace("<wbr>", "")  # as a small caption
    page = client.get("/alerts/A-custody/").content.decode()
    text = visible_text(page)
    assert "Custody record, 1 September 2020" in text and william() in text
    assert "test/MIS-1" in text  # the evidence table keeps the source's reference
    assert "Missing or absent episode" in text  # the evidence's type in words


def test_partners_still_see_no_alerts(alerts: dict[str, Alert], client_for: Clients) -> None:
    client = client_for("partner_csc")
    assert client.get("/alerts/").status_code == 403
    assert client.get("/alerts/A-w-high/").status_code == 403


def test_deep_pages_group_alike(
    build_force: Callable[..., dict[str, Person]],
    client_for: Clients,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Past MAX_SUBJECTS subjects the ids come from one pass over every matching alert: the
    same order as the short way."""
    from vigil.alerts import queries

    build_force()
    for n in range(30):
        stored(
            f"A-d{n:02d}",
            ("REPEAT_MISSING", "INVESTIGATION_AGED", "TRANSITION_TO_ADULTHOOD")[n // 10],
            "medium",
            person=f"P-deep{n % 10}",
            days_ago=n,
        )
    filters = queries.AlertFilters(sort="raised")
    matching = filters.apply(Alert.objects.all(), None, timezone.now())
    short = list(filters.grouped(matching, 30)[0:30])
    monkeypatch.setattr(queries, "MAX_SUBJECTS", 3)
    assert list(filters.grouped(matching, 30)[0:30]) == short
    assert list(filters.grouped(matching, 30)[20:30]) == short[20:30]
    assert len(short) == 30 == len(set(short))
