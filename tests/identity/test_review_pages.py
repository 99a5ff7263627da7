"""The identity review queue: both mentions side by side, a decision with a reason, and undo."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import person, record
from vigil.audit.models import AuditEntry
from vigil.identity.models import LinkDecision, MentionLink, ReviewPair
from vigil.identity.store import relink_all
from vigil.records.models import PersonMention

pytestmark = pytest.mark.django_db
REVIEWS = reverse("identity:reviews")


@pytest.fixture
def pair(import_records: Callable[..., Any]) -> ReviewPair:
    import_records(
        [
            record("call", "C-1", [person("c", "child_present", "Amy", "Stone", "2012-04-01")]),
            record(
                "crime",
                "CR-9",
                [person("v", "victim", "Amelia", "Stone", "2012-04-01")],
                offence_group="violence",
            ),
        ]
    )
    relink_all(actor="test")
    a, b = sorted(PersonMention.objects.all(), key=lambda m: m.pk)
    made, _ = ReviewPair.objects.get_or_create(
        mention_a=a,
        mention_b=b,
        defaults={"match_probability": 0.62, "linked_by_model": False, "raised_at": timezone.now()},
    )
    ReviewPair.objects.exclude(pk=made.pk).delete()
    ReviewPair.objects.filter(pk=made.pk).update(status="pending")
    return made


def person_of(mention_id: int) -> str:
    return MentionLink.objects.select_related("person").get(mention_id=mention_id).person.person_id


def test_pairs_are_shown_side_by_side(as_role: Any, pair: ReviewPair) -> None:
    assert REVIEWS == "/identity/reviews/"  # where staff have bookmarked it
    client, user = as_role("mash")
    text = client.get(REVIEWS).content.decode()
    assert "Amy Stone" in text and "Amelia Stone" in text
    assert "1 April 2012" in text and "1 High Street, Leeds" in text
    assert "Call (child present)" in text and "Crime (victim)" in text
    assert "62.0% likely the same person" in text
    assert AuditEntry.objects.filter(
        actor=user.username, action="identity.list_reviews", target="identity-reviews"
    ).exists()


def test_decision_needs_a_choice_and_a_reason(as_role: Any, pair: ReviewPair) -> None:
    client, _ = as_role("supervisor")
    url = reverse("identity:decide", args=[pair.pk])
    no_reason = client.post(url, {"decision": "same", "reason": " "})
    assert no_reason.status_code == 400
    text = no_reason.content.decode()
    assert "govuk-error-summary" in text and f'href="#reason-{pair.pk}"' in text
    assert "Enter the reason for your decision." in text
    no_choice = client.post(url, {"reason": "Same school record"})
    assert (
        no_choice.status_code == 400
        and f'href="#decision-{pair.pk}-same"' in no_choice.content.decode()
    )
    assert not LinkDecision.objects.exists()


def test_decide_same_relinks_reassesses_and_undo(
    as_role: Any,
    pair: ReviewPair,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    import vigil.alerts.engine as engine

    calls: list[Any] = []
    real = engine.assess

    def counted(now: Any, persons: Any = None) -> Any:
        calls.append(now)
        return real(now, persons)

    monkeypatch.setattr(engine, "assess", counted)
    client, user = as_role("mash")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("identity:decide", args=[pair.pk]),
            {
                "decision": "same",
                "reason": "Same date of birth and address; Amy is short for Amelia",
            },
        )
    assert response.status_code == 302 and response["Location"] == REVIEWS
    assert len(calls) == 1  # alerts re-assessed after the relink
    made = LinkDecision.objects.get()
    assert (made.decision, made.decided_by) == ("same", user.username)
    pair.refresh_from_db()
    assert pair.status == "decided"
    assert person_of(pair.mention_a_id) == person_of(pair.mention_b_id)
    page = client.get(REVIEWS).content.decode()
    assert "Decision recorded" in page and "No pairs are waiting for review." in page
    assert "same person (must link), decided by" in page
    assert AuditEntry.objects.filter(actor=user.username, action="identity.decide").exists()

    undo = reverse("identity:undo", args=[made.pk])
    assert client.post(undo, {"reason": ""}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(undo, {"reason": "Decided in error"}).status_code == 302
    made.refresh_from_db()
    assert made.undone_by == user.username
    assert len(calls) == 2
    assert AuditEntry.objects.filter(actor=user.username, action="identity.undo").exists()


def test_decide_different_keeps_them_apart(
    as_role: Any, pair: ReviewPair, django_capture_on_commit_callbacks: Any
) -> None:
    client, _ = as_role("supervisor")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("identity:decide", args=[pair.pk]), {"decision": "different", "reason": "Twins"}
        )
    assert person_of(pair.mention_a_id) != person_of(pair.mention_b_id)
    again = client.post(
        reverse("identity:decide", args=[pair.pk]), {"decision": "same", "reason": "x"}
    )
    assert again.status_code == 302 and LinkDecision.objects.count() == 1  # already decided


def test_a_refused_decision_logs_every_pair_it_shows(
    as_role: Any, import_records: Callable[..., Any]
) -> None:
    """Issue 11 item 11: the 400 page shows a full page of pairs (20); the log names all 20."""
    import_records(
        [
            record(
                "call", f"C-{i}", [person("c", "child_present", f"Amy{i}", "Stone", "2012-04-01")]
            )
            for i in range(26)
        ]
    )
    mentions = sorted(PersonMention.objects.all(), key=lambda m: m.pk)
    now = timezone.now()
    pairs = [
        ReviewPair.objects.create(
            mention_a=mentions[0],
            mention_b=m,
            match_probability=0.6,
            linked_by_model=False,
            raised_at=now,
        )
        for m in mentions[1:]
    ]
    client, user = as_role("supervisor")
    refused = client.post(
        reverse("identity:decide", args=[pairs[0].pk]), {"decision": "\x00", "reason": "x"}
    )
    assert refused.status_code == 400
    shown = set(
        map(int, re.findall(r'action="/identity/reviews/(\d+)/decide/"', refused.content.decode()))
    )
    assert len(shown) == 20
    entry = AuditEntry.objects.filter(
        actor=user.username, action="identity.list_reviews", target="identity-reviews"
    ).last()
    assert entry is not None and set(entry.detail["pairs"]) == shown
    assert entry.detail["refused"] == f"pair:{pairs[0].pk}"
    change = AuditEntry.objects.filter(
        actor=user.username, action="identity.submit_decision"
    ).last()
    assert change is not None and change.detail["refused"] == ["decision"]
