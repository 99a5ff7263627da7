"""My work, the team page, notifications and the alert page's work panel, as staff see them."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from tests.work.conftest import at
from vigil.accounts.models import Team
from vigil.alerts.actions import acknowledge, close
from vigil.alerts.models import Alert
from vigil.audit.models import AuditEntry
from vigil.work import actions
from vigil.work.models import Notification

pytestmark = pytest.mark.django_db


def alert_ids(html: str) -> list[str]:
    return re.findall(r'href="/alerts/(A-[0-9a-f]{20})/"', html)


def main(html: str) -> str:
    """The page's own content (the header names the signed-in account, as the shell decides)."""
    return html[html.index("<main") : html.index("</main>")]


def section(html: str, heading_id: str) -> str:
    start = html.index(f'id="{heading_id}"')
    end = html.find('<h2 class="govuk-heading-m"', start + 1)
    return html[start : end if end > 0 else None]


def test_my_work_lists_mine_by_urgency_the_team_tray_and_what_i_handed_on(
    person: Callable[..., Any], alert: Callable[..., Alert], client_for: Callable[..., Any]
) -> None:
    ivy = person("investigator", "Ivy Long", "CAIT North")
    ian = person("investigator", "Ian Short", "CAIT North")
    mo = person("mash", "Mo Hussain", "MASH")
    later, none, today, overdue = (
        alert(due_at=at(days=5)),
        alert(),
        alert(due_at=at(minutes=30)),
        alert(due_at=at(days=-2)),
    )
    for a in (later, none, today, overdue):
        actions.assign(a, actor=mo, to=ivy)
    tray = alert(code="INVESTIGATION_DRIFT")
    actions.assign(tray, actor=mo, team=Team.objects.get(name="CAIT North"))
    handed = alert(code="CHARGING_DELAY")
    actions.assign(handed, actor=ivy, to=ian, note="Yours now")
    alert()  # nobody's: on no one's My work

    response = client_for(ivy).get(reverse("work:mine"))
    assert response.status_code == 200
    html = response.content.decode()
    assert alert_ids(section(html, "assigned")) == [
        a.alert_id for a in (overdue, today, later, none)
    ]
    assert (
        "Assigned to you: <strong>4</strong>" in html
        and "1 overdue" in html
        and "1 due today" in html
    )
    assert alert_ids(section(html, "team-tray")) == [tray.alert_id]
    handed_html = section(html, "handed-on")
    assert alert_ids(handed_html) == [handed.alert_id] and "Ian Short" in handed_html
    assert "Mo Hussain" in html and mo.username not in main(html) and ivy.username not in main(html)
    # The header counts new work; the banner names it, never the child.
    assert re.search(
        r'id="header-notifications"[^>]*>Notifications <strong class="vigil-count">5<', html
    )
    entry = AuditEntry.objects.filter(
        action="work.view_mine", target="work:mine", actor=ivy.username
    ).get()
    assert f"alert:{overdue.alert_id}" in entry.detail["shown"]

    # The person it was handed to sees it as theirs; MASH sees it nowhere (it went to CAIT).
    assert alert_ids(
        section(client_for(ian).get(reverse("work:mine")).content.decode(), "assigned")
    ) == [handed.alert_id]


def test_home_is_my_work_for_police_roles(
    person: Callable[..., Any], client_for: Callable[..., Any]
) -> None:
    assert client_for(person("call_handler", "Cal H")).get("/")["Location"] == reverse("work:mine")
    page = client_for(person("call_handler", "Cal H")).get(reverse("work:mine"), follow=True)
    assert "Nothing is assigned to you." in page.content.decode()
    assert client_for(person("partner_health", "Pat H")).get("/").status_code == 200


def test_team_page_shows_work_by_person_with_overdue_counts_and_what_was_closed(
    person: Callable[..., Any], alert: Callable[..., Alert], client_for: Callable[..., Any]
) -> None:
    boss = person("supervisor", "Sam Boss", "CAIT North")
    ivy = person("investigator", "Ivy Long", "CAIT North")
    person("investigator", "Ian Short", "CAIT North")
    late, fine, done = (
        alert(due_at=at(days=-1)),
        alert(due_at=at(days=3)),
        alert(code="REFERRAL_NO_DECISION"),
    )
    for a in (late, fine, done):
        actions.assign(a, actor=boss, to=ivy)
    acknowledge(done, actor=ivy)
    close(done, actor=ivy, outcome="referral_decided", rationale="Decided: section 17.")

    # The supervisor lands on My work, which shows the team by person with overdue counts.
    landing = main(client_for(boss).get("/", follow=True).content.decode())
    table = landing[
        landing.index('id="team-by-person"') : landing.index(
            "</table>", landing.index('id="team-by-person"')
        )
    ]
    assert re.search(r"Ivy Long</th><td[^>]*>2</td><td[^>]*><strong[^>]*>1</strong>", table)
    assert "Ian Short" in table and 'id="team-by-person"' not in main(
        client_for(ivy).get(reverse("work:mine")).content.decode()
    )

    response = client_for(boss).get(reverse("work:team"))
    html = response.content.decode()
    assert response.status_code == 200
    rows = {
        m[0]: m[1]
        for m in re.findall(
            r'<th scope="row" class="govuk-table__header">([^<]+)(.*?)</tr>', html, re.S
        )
    }
    assert re.search(r">2<span class=\"govuk-visually-hidden\"> open, Ivy Long", rows["Ivy Long"])
    assert 'moj-badge--red">1<' in rows["Ivy Long"]
    assert ">0<" in rows["Ian Short"] or "0</td>" in rows["Ian Short"]
    closed = html[html.index("Closed in the last 7 days") :]
    assert (
        done.alert_id in closed and "Referral decided" in closed and "referral_decided" not in html
    )
    assert ivy.username not in main(html) and "by Ivy Long" in closed
    assert AuditEntry.objects.filter(
        action="work.view_team", target__startswith="work:team:"
    ).exists()
    # Another team by choice; a malformed choice is a plain 400.
    other = Team.objects.create(name="CAIT South")
    assert (
        "CAIT South: work by person"
        in client_for(boss).get(reverse("work:team"), {"team": other.pk}).content.decode()
    )
    assert client_for(boss).get(reverse("work:team"), {"team": "x"}).status_code == 400
    assert client_for(ivy).get(reverse("work:team")).status_code == 403


def test_notifications_page_marks_read(
    person: Callable[..., Any], alert: Callable[..., Alert], client_for: Callable[..., Any]
) -> None:
    ivy, ian = (
        person("investigator", "Ivy Long", "CAIT"),
        person("investigator", "Ian Short", "CAIT"),
    )
    boss = person("supervisor", "Sam Boss", "CAIT")
    first, second = alert(), alert(code="DIGITAL_BACKLOG")
    actions.assign(first, actor=boss, to=ivy, note="Phone examination first, please.")
    actions.assign(second, actor=boss, to=ivy)
    actions.assign(alert(), actor=boss, to=ian)
    client = client_for(ivy)
    html = client.get(reverse("work:notifications")).content.decode()
    assert "Missing 3 or more times in 90 days" in html and "for examination" in html
    assert "Sam Boss gave this alert to you." in html and "Phone examination first" in html
    assert 'vigil-count">2<' in html
    mine = Notification.objects.filter(recipient=ivy).order_by("id")
    response = client.post(reverse("work:mark-read"), {"notification": mine[0].pk})
    assert response.status_code == 302
    assert Notification.objects.filter(recipient=ivy, read_at=None).count() == 1
    theirs = Notification.objects.get(recipient=ian)
    assert client.post(reverse("work:mark-read"), {"notification": theirs.pk}).status_code == 404
    assert client.post(reverse("work:mark-read"), {}).status_code == 400
    assert client.post(reverse("work:mark-read"), {"all": "1"}).status_code == 302
    assert not Notification.objects.filter(recipient=ivy, read_at=None).exists()
    assert "Nothing new." in client.get(reverse("work:notifications")).content.decode()
    everything = client.get(reverse("work:notifications"), {"show": "all"}).content.decode()
    assert everything.count("Mark as read") == 0 and "Device waiting" in everything
    assert client.get(reverse("work:notifications"), {"show": "nonsense"}).status_code == 400


def test_alert_page_notes_and_gives_to_a_team(
    person: Callable[..., Any], alert: Callable[..., Alert], client_for: Callable[..., Any]
) -> None:
    mo = person("mash", "Mo Hussain", "MASH")
    person("investigator", "Ivy Long", "CAIT North")
    a = alert()
    client = client_for(mo)
    page = reverse("alerts:alert", args=[a.alert_id])
    html = client.get(page).content.decode()
    assert (
        "Add a note" in html
        and 'value="team:' in html
        and "Ivy Long, Investigator, CAIT North" in html
    )
    refused = client.post(reverse("alerts:note", args=[a.alert_id]), {"text": " "})
    assert refused.status_code == 400 and 'href="#text"' in refused.content.decode()
    assert (
        client.post(
            reverse("alerts:note", args=[a.alert_id]), {"text": "Called the school."}
        ).status_code
        == 302
    )
    team = Team.objects.get(name="CAIT North")
    assert (
        client.post(
            reverse("alerts:assign", args=[a.alert_id]), {"assignee": f"team:{team.pk}"}
        ).status_code
        == 302
    )
    a.refresh_from_db()
    assert (a.status, a.assigned_to, a.assigned_team) == ("open", None, team)
    html = client.get(page).content.decode()
    assert "Waiting in CAIT North's work" in html and "Called the school." in html
    assert "by Mo Hussain" in html and mo.username not in main(html)
    # Holding it, the officer hands it on, which needs a note: the error is by the note.
    actions.assign(a, actor=mo, to=mo)
    ivy = type(mo).objects.get(full_name="Ivy Long")
    refused = client.post(
        reverse("alerts:assign", args=[a.alert_id]), {"assignee": f"user:{ivy.pk}"}
    )
    assert refused.status_code == 400 and 'href="#assign_note"' in refused.content.decode()
    handed = client.post(
        reverse("alerts:assign", args=[a.alert_id]),
        {"assignee": f"user:{ivy.pk}", "note": "CAIT to visit."},
        HTTP_HX_REQUEST="true",
    )
    assert (
        "Alert given to Ivy Long." in handed.content.decode()
        and "Handed on" in handed.content.decode()
    )


def test_my_work_names_who_each_alert_is_about(
    person: Callable[..., Any], client_for: Callable[..., Any], named_alert: Callable[[], Alert]
) -> None:
    a = named_alert()
    ivy = person("investigator", "Ivy Long")
    actions.assign(a, actor="test", to=ivy)
    html = section(client_for(ivy).get(reverse("work:mine")).content.decode(), "assigned")
    assert "Child present but not seen or heard" in html and "Amy Stone, born 1 April 2009" in html
    assert "CHILD_NOT_SEEN_OR_HEARD" not in html and a.person_id not in html


def test_notifications_carry_no_personal_data_and_reach_no_one_who_may_not_see_the_work(
    person: Callable[..., Any],
    client_for: Callable[..., Any],
    named_alert: Callable[[], Alert],
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Decided: a notification says what (the alert's plain title) and why (who gave it), never
    a name or date of birth, for any recipient; the link opens the alert behind its own checks.
    Team members whose role may not see alerts (a call handler, a partner placed in the team)
    are not told at all."""
    from django.core import mail

    boss = person("supervisor", "Sam Boss", "MASH")
    ivy = person("investigator", "Ivy Long", "MASH", email="ivy@example.org")
    cal = person("call_handler", "Cal Handler", "MASH", email="cal@example.org")
    pat = person("partner_csc", "Pat Partner", "MASH", email="pat@example.org")
    a = named_alert()
    with django_capture_on_commit_callbacks(execute=True):
        actions.assign(
            a, actor=boss, team=Team.objects.get(name="MASH"), note="Amy Stone's school rang."
        )
    told = Notification.objects.get()
    assert told.recipient == ivy
    for text in (told.title, told.why, mail.outbox[0].subject, mail.outbox[0].body):
        assert (
            "Amy" not in text
            and "Stone" not in text
            and "2009" not in text
            and a.person_id not in text
        )
    assert [m.to for m in mail.outbox] == [["ivy@example.org"]]
    for nobody in (cal, pat):
        page = main(
            client_for(nobody).get(reverse("work:notifications"), {"show": "all"}).content.decode()
        )
        assert "You have no notifications." in page and "Amy" not in page


def test_my_work_and_team_page_queries_do_not_grow_with_the_work(
    person: Callable[..., Any], alert: Callable[..., Alert], client_for: Callable[..., Any]
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    boss = person("supervisor", "Sam Boss", "CAIT")
    ivy, ian = (
        person("investigator", "Ivy Long", "CAIT"),
        person("investigator", "Ian Short", "CAIT"),
    )
    team = Team.objects.get(name="CAIT")

    def grow(n: int) -> None:
        for i in range(n):
            a = alert(due_at=at(days=i % 5 - 2))
            if i % 3 == 0:
                actions.assign(a, actor=boss, team=team)
            else:
                actions.assign(a, actor=boss if i % 2 else ivy, to=ivy if i % 2 else ian, note="n")

    def count(user: Any, url: str) -> int:
        client = client_for(user)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    grow(4)
    few = (count(ivy, reverse("work:mine")), count(boss, reverse("work:team")))
    grow(40)
    assert (count(ivy, reverse("work:mine")), count(boss, reverse("work:team"))) == few


def test_one_area_is_current_in_the_navigation(
    person: Callable[..., Any], client_for: Callable[..., Any]
) -> None:
    boss = client_for(person("supervisor", "Sam Boss", "CAIT"))
    for url, current in (
        (reverse("work:mine"), "My work"),
        (reverse("work:team"), "Team"),
        (reverse("work:notifications"), "Notifications"),
    ):
        html = boss.get(url).content.decode()
        assert re.findall(r'aria-current="page">([^<]+)<', html.split("<main")[0]) == [current], url


def test_take_an_alert_from_the_team_tray(
    person: Callable[..., Any], alert: Callable[..., Alert], client_for: Callable[..., Any]
) -> None:
    boss, ivy = person("supervisor", "Sam Boss", "CAIT"), person("investigator", "Ivy Long", "CAIT")
    a = alert()
    actions.assign(a, actor=boss, team=Team.objects.get(name="CAIT"))
    client = client_for(ivy)
    page = reverse("alerts:alert", args=[a.alert_id])
    assert "Take this alert" in client.get(page).content.decode()
    response = client.post(
        reverse("alerts:assign", args=[a.alert_id]), {"assignee": f"user:{ivy.pk}"}, follow=True
    )
    a.refresh_from_db()
    assert (a.assigned_to, a.assigned_by) == (ivy, ivy)
    text = main(response.content.decode())
    assert "You have taken this alert" in text and "Take this alert" not in text
    assert alert_ids(
        section(main(client.get(reverse("work:mine")).content.decode()), "assigned")
    ) == [a.alert_id]


def test_the_queue_team_filter_includes_the_teams_unassigned_work(
    person: Callable[..., Any], alert: Callable[..., Alert], client_for: Callable[..., Any]
) -> None:
    boss, ivy = person("supervisor", "Sam Boss", "CAIT"), person("investigator", "Ivy Long", "CAIT")
    tray, held, elsewhere = alert(), alert(), alert()
    actions.assign(tray, actor=boss, team=Team.objects.get(name="CAIT"))
    actions.assign(held, actor=boss, to=ivy)
    actions.assign(elsewhere, actor=boss, to=person("investigator", "Ian Short", "MASH"))
    html = client_for(boss).get(reverse("alerts:queue"), {"team": "CAIT"}).content.decode()
    assert set(alert_ids(html)) == {tray.alert_id, held.alert_id}
    assert "CAIT, nobody yet" in html and "Ivy Long (CAIT)" in html
