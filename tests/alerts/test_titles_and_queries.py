"""Alert titles in words for every rule, and the questions ``Alert.objects`` answers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from vigil.alerts.models import Alert
from vigil.alerts.querysets import AGE_BANDS
from vigil.alerts.titles import TITLES, title
from vigil.rules.registry import RULES

pytestmark = pytest.mark.django_db


def test_every_rule_has_a_title_in_words() -> None:
    assert set(TITLES) == set(RULES)
    for code in RULES:
        words = title(code)
        assert words and "{" not in words and "_" not in words and code not in words, code


def test_a_title_states_the_threshold_the_alert_fired_on() -> None:
    assert title("REPEAT_MISSING") == "Missing 3 or more times in 90 days"
    assert (
        title("REPEAT_MISSING", {"episodes": 4, "window_days": 60})
        == "Missing 4 or more times in 60 days"
    )
    assert (
        title("INVESTIGATION_DRIFT", {"days": 21, "severity": "high"})
        == "Investigation with no activity for 21 days"
    )
    assert title("SOMETHING_NEW") == "Something new"  # a code without a title yet: still words


def _alert(n: int, status: str, raised_days: float, due_hours: float | None, **kw: str) -> Alert:
    now = timezone.now()
    return Alert.objects.create(
        alert_id=f"A-{n}",
        code=kw.get("code", "REPEAT_MISSING"),
        severity="high",
        subject_kind=kw.get("kind", "person"),
        subject_key=kw.get("key", f"person:P{n}"),
        person_id=kw.get("person", f"P{n}"),
        record_system=kw.get("system", ""),
        record_source_id=kw.get("source_id", ""),
        status=status,
        raised_at=now - dt.timedelta(days=raised_days),
        due_at=None if due_hours is None else now + dt.timedelta(hours=due_hours),
        explanation="x",
        evidence=[],
        mentions=kw.get("mentions", []),
        evidence_hash="x",
        evaluated_at=now,
    )


def test_live_ended_overdue_aged_and_figures() -> None:
    now = timezone.now()
    a = _alert(1, "open", 1, -2)  # overdue, 0-2 days
    b = _alert(2, "acknowledged", 5, 10)  # 3-7 days
    c = _alert(3, "closed", 40, -100)  # past due but closed: not overdue
    d = _alert(4, "resolved", 10, None)
    e = _alert(5, "open", 30, -1)  # overdue, over 28 days
    assert set(Alert.objects.live()) == {a, b, e}
    assert set(Alert.objects.ended()) == {c, d}
    assert set(Alert.objects.overdue(now)) == {a, e}
    assert set(Alert.objects.aged("0-2", now)) == {a}
    assert set(Alert.objects.aged("8-28", now)) == {d}
    assert set(Alert.objects.aged("over-28", now)) == {c, e}
    figures = Alert.objects.live().figures(now)
    assert figures["total"] == 3 and figures["overdue"] == 2
    assert [figures[f"band_{i}"] for i in range(len(AGE_BANDS))] == [1, 1, 0, 1]
    assert Alert.objects.live().by_code() == [{"code": "REPEAT_MISSING", "n": 3}]
    with pytest.raises(ValueError, match="no-such-band"):
        Alert.objects.aged("no-such-band", now)


def test_about_person_takes_the_persons_and_their_records_alerts() -> None:
    mine = _alert(1, "open", 1, 1, person="P-ella", key="person:P-ella")
    ended = _alert(
        2, "closed", 2, 1, person="P-ella", key="person:P-ella", code="INVESTIGATION_AGED"
    )
    on_my_record = _alert(
        3,
        "open",
        3,
        1,
        kind="record",
        person="",
        key="record:cad/C1",
        system="cad",
        source_id="C1",
        mentions=[["cad", "C1", "m1"]],
    )
    _alert(
        4,
        "open",
        3,
        1,
        kind="record",
        person="",
        key="record:cad/C2",
        system="cad",
        source_id="C1",
        mentions=[["cad", "C1", "m2"]],
    )  # the same record id, not naming her
    _alert(5, "open", 1, 1, person="P-other", key="person:P-other")
    keys = {("cad", "C1", "m1")}
    assert Alert.objects.about_person("P-ella", keys) == [on_my_record, ended, mine]
    assert Alert.objects.live().about_person("P-ella", keys) == [on_my_record, mine]
