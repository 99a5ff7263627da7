"""The performance page: each figure on hand-made data, the filters and their errors, the CSV
export (formula-safe, logged) and who may see it."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import add_alert, make_user, person, record
from vigil.access.permissions import ROLE_CAPABILITIES, Capability
from vigil.access.roles import Role
from vigil.accounts.models import Team
from vigil.alerts.models import Alert
from vigil.audit.models import AuditEntry
from vigil.identity.models import MentionLink, Person
from vigil.oversight import performance
from vigil.oversight.performance import Period
from vigil.oversight.performance_views import Table, safe_cell, table_csv
from vigil.records.models import PersonMention
from vigil.rules.clock import LONDON

pytestmark = pytest.mark.django_db

URL = "/supervisor/performance/"
# Eight London weeks, Monday 1 December 2025 to Sunday 25 January 2026.
PERIOD = {"start": "2025-12-01", "end": "2026-01-25"}
WEEKS = [dt.date(2025, 12, 1) + dt.timedelta(days=7 * i) for i in range(8)]


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=LONDON)


def alert(person_id: str, code: str, raised: str, **fields: Any) -> Alert:
    return add_alert(person_id, code, raised_at=at(raised), **fields)


def table(page: Any, slug: str) -> list[list[Any]]:
    figure = next(f for f in page.context["figures"] if f.slug == slug)
    return [list(row) for row in figure.table.rows]


@pytest.fixture
def supervisor(as_role: Callable[..., Any]) -> Any:
    client, _ = as_role("supervisor")
    return client


# ---- alerts raised and closed per week by rule ------------------------------------------------


def test_alerts_raised_and_closed_each_week_by_rule(supervisor: Any) -> None:
    alert("P1", "REPEAT_MISSING", "2025-12-02")
    alert("P2", "REPEAT_MISSING", "2025-12-07")  # Sunday: still the week of 1 December
    alert("P3", "REPEAT_MISSING", "2025-12-08", status="closed", closed_at=at("2025-12-10"))
    alert("P1", "INVESTIGATION_DRIFT", "2025-12-08")
    alert("P4", "REPEAT_MISSING", "2025-11-30")  # before the period
    alert("P5", "REPEAT_MISSING", "2025-11-20", status="closed", closed_at=at("2026-01-20"))
    page = supervisor.get(URL, PERIOD)
    assert page.status_code == 200
    raised = table(page, "alerts-raised")
    missing, drift = (
        "Missing 3 or more times in 90 days",
        "Investigation with no activity for 28 days",
    )
    columns = next(f for f in page.context["figures"] if f.slug == "alerts-raised").table.columns
    assert columns == ["Week beginning", missing, drift, "All rules"]  # titles, never codes
    assert raised[0] == ["1 December 2025", 2, 0, 2]
    assert raised[1] == ["8 December 2025", 1, 1, 2]
    assert [r[-1] for r in raised[2:]] == [0] * 6
    closed = table(page, "alerts-closed")
    assert closed[1][-1] == 1 and closed[7][-1] == 1  # 10 December; 20 January
    assert sum(r[-1] for r in closed) == 2
    body = page.content.decode()
    assert "REPEAT_MISSING" not in body and "INVESTIGATION_DRIFT" not in body
    assert 'id="chart-alerts-raised"' in body and 'role="img"' in body


def test_more_than_five_rules_share_an_other_group() -> None:
    codes = [
        "REPEAT_MISSING",
        "INVESTIGATION_DRIFT",
        "INVESTIGATION_AGED",
        "SUPERVISION_OVERDUE",
        "ALLOCATION_PROBLEM",
        "DIGITAL_BACKLOG",
        "CHARGING_DELAY",
    ]
    for i, code in enumerate(codes):
        for n in range(len(codes) - i):
            alert(f"P{n}", code, "2025-12-03")
    data = performance.alerts_per_week(Period(dt.date(2025, 12, 1), dt.date(2025, 12, 7)))
    assert len(data.groups) == 6 and data.groups[-1] == performance.OTHER
    assert data.raised[performance.OTHER] == [2 + 1]
    assert data.raised["Missing 3 or more times in 90 days"] == [7]
    assert len(data.by_code) == 7  # the CSV keeps every rule


# ---- open and overdue by team -----------------------------------------------------------------


def test_open_and_overdue_by_team_and_the_team_filter(supervisor: Any) -> None:
    north, south = Team.objects.create(name="CAIT North"), Team.objects.create(name="MASH")
    amy = make_user("investigator", team="CAIT North")
    now = timezone.now()
    late, soon = now - dt.timedelta(days=1), now + dt.timedelta(days=1)
    alert("P1", "REPEAT_MISSING", "2025-12-02", assigned_team=north, due_at=late)
    alert("P2", "REPEAT_MISSING", "2025-12-02", assigned_to=amy, due_at=soon)  # a member's
    alert("P3", "REPEAT_MISSING", "2025-12-02", assigned_team=south, due_at=late)
    alert("P4", "REPEAT_MISSING", "2025-12-02", due_at=late)
    alert("P5", "REPEAT_MISSING", "2025-12-02", assigned_team=north, status="closed", due_at=late)
    alert("P6", "REPEAT_MISSING", "2025-12-02", assigned_team=north, status="acknowledged")
    page = supervisor.get(URL, PERIOD)
    assert table(page, "teams") == [["CAIT North", 3, 1], ["MASH", 1, 1], ["No team", 1, 1]]
    page = supervisor.get(URL, {**PERIOD, "team": str(north.pk)})
    assert table(page, "teams") == [["CAIT North", 3, 1]]
    assert "team CAIT North" in page.content.decode()
    assert table(page, "alerts-raised")[0][-1] == 4  # P1, P2, P5 (closed since) and P6


# ---- time to close ----------------------------------------------------------------------------


def test_time_to_close_median_and_90th_percentile(supervisor: Any) -> None:
    for i, days in enumerate([1, 2, 3, 4, 10]):
        raised = at("2025-12-01")
        alert(
            f"P{i}",
            "REPEAT_MISSING",
            "2025-12-01",
            status="closed",
            closed_at=raised + dt.timedelta(days=days),
        )
    alert("Q1", "INVESTIGATION_DRIFT", "2025-12-01", status="closed", closed_at=at("2025-12-03"))
    # not counted: closed after the period, reopened since, or resolved by the rules
    alert("Q2", "INVESTIGATION_DRIFT", "2025-12-01", status="closed", closed_at=at("2026-02-03"))
    alert("Q3", "INVESTIGATION_DRIFT", "2026-01-05", status="open", closed_at=at("2025-12-03"))
    alert(
        "Q4", "INVESTIGATION_DRIFT", "2025-12-01", status="resolved", resolved_at=at("2025-12-09")
    )
    rows = table(supervisor.get(URL, PERIOD), "time-to-close")
    # median of 1, 2, 3, 4, 10 is 3; the 90th percentile 4 + 0.6 * (10 - 4) = 7.6
    assert rows == [
        ["Missing 3 or more times in 90 days", 5, 3.0, 7.6],
        ["Investigation with no activity for 28 days", 1, 2.0, 2.0],
    ]


def test_percentile_matches_percentile_cont() -> None:
    assert performance.percentile([5.0], 0.9) == 5.0
    assert performance.percentile([1.0, 2.0], 0.5) == 1.5
    assert performance.percentile([10.0, 1.0, 4.0, 3.0, 2.0], 0.9) == pytest.approx(7.6)


# ---- referrals within the first working day ---------------------------------------------------


def referral(source_id: str, received: str, decision: str | None = None, **fields: Any) -> Any:
    extra = {"decision_at": decision} if decision else {}
    return record(
        "referral",
        source_id,
        [person("c1", "subject", "Ann", "Lee", "2015-01-01")],
        day=received[:10],
        to_agency=fields.pop("to_agency", "childrens_social_care"),
        received_at=received,
        **extra,
        **fields,
    )


def test_referrals_decided_in_time_late_or_not_by_the_working_day_rule(
    supervisor: Any, import_records: Callable[..., Any]
) -> None:
    summary = import_records(
        [
            # Monday 5 January: the deadline is the end of Tuesday 6 January
            referral("R1", "2026-01-05T10:00:00+00:00", "2026-01-06T16:00:00+00:00"),
            referral("R2", "2026-01-05T11:00:00+00:00", "2026-01-07T09:00:00+00:00"),
            referral("R3", "2026-01-05T12:00:00+00:00"),
            # Friday 9 January, decided on Monday 12: in time (the weekend is no working day)
            referral("R4", "2026-01-09T15:00:00+00:00", "2026-01-12T15:00:00+00:00"),
            # Wednesday 24 December: Christmas and Boxing Day are bank holidays, so Monday 29
            # December is the first working day after
            referral("R5", "2025-12-24T15:00:00+00:00", "2025-12-29T20:00:00+00:00"),
            # no decision at source, one recorded by an amendment written in Vigil, in time
            referral("R6", "2026-01-05T13:00:00+00:00"),
            {
                "record_type": "referral",
                "source_system": "vigil",
                "source_id": "VGL-1",
                "occurred_at": "2026-01-06T14:00:00+00:00",
                "recorded_at": "2026-01-06T14:00:00+00:00",
                "people": [],
                "decision_at": "2026-01-06T14:00:00+00:00",
                "links": [{"source_system": "test", "source_id": "R6", "relation": "amends"}],
            },
            # the source's late decision wins over an amendment's earlier one
            referral("R7", "2026-01-05T14:00:00+00:00", "2026-01-08T09:00:00+00:00"),
            {
                "record_type": "referral",
                "source_system": "vigil",
                "source_id": "VGL-2",
                "occurred_at": "2026-01-06T14:00:00+00:00",
                "people": [],
                "decision_at": "2026-01-06T10:00:00+00:00",
                "links": [{"source_system": "test", "source_id": "R7", "relation": "amends"}],
            },
            # not to children's social care or the MASH; received before the period
            referral("R8", "2026-01-05T10:00:00+00:00", to_agency="health"),
            referral("R9", "2025-11-28T10:00:00+00:00"),
        ]
    )
    assert summary.quarantined == 0, summary.errors
    rows = table(supervisor.get(URL, PERIOD), "referrals")
    by_week = {r[0]: r[1:] for r in rows}
    # in time, late, not decided, not yet due, all
    # in time R1, R4 (Friday), R6 (by amendment); late R2, R7; not decided R3
    assert by_week["5 January 2026"] == [3, 2, 1, 0, 6]
    assert by_week["22 December 2025"] == [1, 0, 0, 0, 1]
    assert sum(r[-1] for r in rows) == 7


def test_a_referral_whose_deadline_has_not_passed_is_not_yet_due(
    import_records: Callable[..., Any],
) -> None:
    import_records(
        [
            referral("R1", "2026-01-05T10:00:00+00:00"),
            # decided after the moment asked about: not yet seen then
            referral("R2", "2026-01-05T10:00:00+00:00", "2026-01-09T10:00:00+00:00"),
        ]
    )
    period = Period(dt.date(2026, 1, 5), dt.date(2026, 1, 11))
    before = performance.referral_decisions(period, at("2026-01-06", 23))
    after = performance.referral_decisions(period, at("2026-01-07", 0))
    later = performance.referral_decisions(period, at("2026-01-10", 0))
    assert (before[0]["waiting"], before[0]["not_decided"]) == (2, 0)
    assert (after[0]["waiting"], after[0]["not_decided"]) == (0, 2)
    assert (later[0]["late"], later[0]["not_decided"]) == (1, 1)


# ---- children missing 3 or more times in 90 days ----------------------------------------------


def episode(source_id: str, day: str, who: str, born: str = "2012-01-01") -> Any:
    return record("missing", source_id, [person("m", "missing_person", who, "Lee", born)], day=day)


def link_each_name() -> None:
    now = timezone.now()
    for mention in PersonMention.objects.all():
        found, _ = Person.objects.get_or_create(
            person_id=f"P-{mention.forename}", defaults={"created_at": now}
        )
        MentionLink.objects.create(mention=mention, person=found, linked_at=now)


def test_children_missing_three_times_in_ninety_days_each_week(
    supervisor: Any, import_records: Callable[..., Any]
) -> None:
    summary = import_records(
        [
            # Amy: 3 episodes, the third on 10 December; the first falls out of the 90 days
            # in the week of 19 January (1 October + 90 days = 30 December... see below)
            episode("M1", "2025-10-20", "Amy"),
            episode("M2", "2025-11-15", "Amy"),
            episode("M3", "2025-12-10", "Amy"),
            # Ben: only twice
            episode("M4", "2025-12-02", "Ben"),
            episode("M5", "2025-12-03", "Ben"),
            # Cal: three times, but an adult
            episode("M6", "2025-12-02", "Cal", born="1990-01-01"),
            episode("M7", "2025-12-03", "Cal", born="1990-01-01"),
            episode("M8", "2025-12-04", "Cal", born="1990-01-01"),
            # Dee: three times in the week of 5 January
            episode("M9", "2026-01-05", "Dee"),
            episode("M10", "2026-01-06", "Dee"),
            episode("M11", "2026-01-07", "Dee"),
        ]
    )
    assert summary.quarantined == 0, summary.errors
    link_each_name()
    rows = table(supervisor.get(URL, PERIOD), "missing")
    counts = [r[1] for r in rows]
    # Amy from the week of 8 December until 20 October leaves the 90 days (18 January, in the
    # week of 12 January: at its close, 19 January, the window starts 21 October)
    assert counts == [0, 1, 1, 1, 1, 2, 1, 1]


# ---- filters and their errors -----------------------------------------------------------------


def test_the_default_period_is_the_last_twelve_weeks(supervisor: Any) -> None:
    page = supervisor.get(URL)
    assert page.status_code == 200
    period = page.context["period"]
    assert period.end - period.start == dt.timedelta(days=83)
    assert len(period.weeks()) in (12, 13)
    assert AuditEntry.objects.filter(
        action="supervisor.view_performance", target="supervisor:performance"
    ).exists()


@pytest.mark.parametrize(
    "query, field, message",
    [
        ({"start": "2026-13-45"}, "start", "Enter the start date as a real date"),
        ({"end": "yesterday"}, "end", "Enter the end date as a real date"),
        ({"start": "2026-01-10", "end": "2026-01-01"}, "end", "same as or after the start"),
        ({"end": "2999-01-01"}, "end", "today or in the past"),
        ({"start": "2020-01-01", "end": "2025-01-01"}, "start", "2 years or shorter"),
        ({"team": "999999"}, "team", "Choose a team from the list"),
    ],
)
def test_filter_errors_follow_the_govuk_pattern(
    supervisor: Any, query: dict[str, str], field: str, message: str
) -> None:
    page = supervisor.get(URL, query)
    assert page.status_code == 400
    body = page.content.decode()
    assert "govuk-error-summary" in body and f'href="#id_{field}"' in body
    assert message in body
    assert f'id="id_{field}-error"' in body
    assert "<title>Error:" in body
    assert "vigil-chart" not in body
    for value in query.values():
        assert value not in body.split("<form")[0]  # the summary never echoes a value


def test_dates_in_british_order_are_read(supervisor: Any) -> None:
    page = supervisor.get(URL, {"start": "1/12/2025", "end": "25/01/2026"})
    assert page.status_code == 200
    assert page.context["period"].start == dt.date(2025, 12, 1)


# ---- CSV --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, cell",
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("  =x", "'  =x"),
        ("CAIT North", "CAIT North"),
        (3, "3"),
        (-2, "-2"),
        (7.6, "7.6"),
        (None, ""),
    ],
)
def test_csv_cells_are_formula_safe(value: Any, cell: str) -> None:
    assert safe_cell(value) == cell


def test_csv_export_of_a_table_is_safe_and_logged(supervisor: Any) -> None:
    team = Team.objects.create(name='=HYPERLINK("http://x")')
    alert("P1", "REPEAT_MISSING", "2025-12-02", assigned_team=team)
    response = supervisor.get(reverse("oversight:performance-csv", args=["teams"]), PERIOD)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [["Team", "Open", "Overdue"], ['\'=HYPERLINK("http://x")', "1", "0"]]
    entry = AuditEntry.objects.get(action="supervisor.export_performance")
    assert entry.target == "supervisor:performance:teams"
    assert entry.detail["rows"] == 1


def test_every_figure_and_the_rule_breakdown_export(supervisor: Any) -> None:
    alert("P1", "REPEAT_MISSING", "2025-12-02")
    page = supervisor.get(URL, PERIOD)
    for f in page.context["figures"]:
        response = supervisor.get(reverse("oversight:performance-csv", args=[f.slug]), PERIOD)
        assert response.status_code == 200, f.slug
        header = next(csv.reader(io.StringIO(response.content.decode())))
        assert header == f.table.columns
    every = supervisor.get(reverse("oversight:performance-csv", args=["alerts-by-rule"]), PERIOD)
    assert list(csv.reader(io.StringIO(every.content.decode())))[1] == [
        "1 December 2025",
        "Missing 3 or more times in 90 days",
        "1",
        "0",
    ]


def test_csv_with_a_bad_query_string_is_a_bad_request(supervisor: Any) -> None:
    url = reverse("oversight:performance-csv", args=["teams"])
    response = supervisor.get(url, {"start": "<script>"})
    assert response.status_code == 400
    assert "Enter the start date as a real date" in response.content.decode()
    assert "<script>" not in response.content.decode()
    assert not AuditEntry.objects.filter(action="supervisor.export_performance").exists()
    assert supervisor.get(reverse("oversight:performance-csv", args=["nope"])).status_code == 404


def test_table_csv_writes_header_and_rows() -> None:
    text = table_csv(Table("T", ["A", "B"], [["-x", 1]]))
    assert text.splitlines() == ["A,B", "'-x,1"]


# ---- who may see it ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role", [r for r in Role if Capability.SUPERVISE not in ROLE_CAPABILITIES.get(r, frozenset())]
)
def test_only_those_who_supervise_see_it(as_role: Callable[..., Any], role: str) -> None:
    client, _ = as_role(role)
    assert client.get(URL).status_code == 403
    assert client.get(reverse("oversight:performance-csv", args=["teams"])).status_code == 403


def test_the_supervisor_page_links_to_it(supervisor: Any) -> None:
    body = supervisor.get(reverse("oversight:supervisor")).content.decode()
    assert f'href="{URL}"' in body


def test_an_empty_store_draws_every_chart_saying_so(supervisor: Any) -> None:
    page = supervisor.get(URL, PERIOD)
    body = page.content.decode()
    # the referrals and missing charts have weeks but no numbers; the rest have nothing at all
    assert body.count("No data for this period") >= len(page.context["figures"])


def test_weeks_are_london_weeks_in_summer_time() -> None:
    # 23:30 UTC on Sunday 7 June is 00:30 on Monday 8 June in London (BST)
    add_alert("P1", raised_at=dt.datetime(2026, 6, 7, 23, 30, tzinfo=dt.UTC))
    add_alert("P2", raised_at=dt.datetime(2026, 6, 7, 22, 30, tzinfo=dt.UTC))  # 23:30 Sunday
    add_alert("P3", raised_at=dt.datetime(2026, 5, 31, 23, 30, tzinfo=dt.UTC))  # 00:30, 1 June
    add_alert("P4", raised_at=dt.datetime(2026, 5, 31, 22, 30, tzinfo=dt.UTC))  # 31 May: before
    data = performance.alerts_per_week(Period(dt.date(2026, 6, 1), dt.date(2026, 6, 14)))
    assert data.weeks == [dt.date(2026, 6, 1), dt.date(2026, 6, 8)]
    assert data.raised["Missing 3 or more times in 90 days"] == [2, 1]


def test_a_period_starting_midweek_keeps_its_partial_weeks() -> None:
    period = Period(dt.date(2026, 1, 7), dt.date(2026, 1, 13))  # Wednesday to Tuesday
    assert period.weeks() == [dt.date(2026, 1, 5), dt.date(2026, 1, 12)]
    add_alert("P1", raised_at=at("2026-01-06"))  # Tuesday: the same week, but before the period
    add_alert("P2", raised_at=at("2026-01-13", 23))
    data = performance.alerts_per_week(period)
    assert data.raised["Missing 3 or more times in 90 days"] == [0, 1]
