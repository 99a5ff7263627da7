"""Identity resolution through the store: import, link, relink, decisions, review."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, write_ndjson
from tests.factories import call
from vigil.identity.models import LinkDecision, MentionLink, Person
from vigil.identity.store import link_new, person_map, relink_all
from vigil.records.importer import import_files
from vigil.records.models import PersonMention
from vigil.rules import MentionKey

pytestmark = pytest.mark.django_db


def pid(system: str, source_id: str, mention_id: str) -> str:
    return person_map()[MentionKey(system, source_id, mention_id)]


@pytest.fixture
def collins() -> None:
    import_files([EXAMPLES / "cumulative_domestic_abuse" / "records.ndjson"])
    relink_all(actor="test")


def test_relink_links_the_example_pairs(collins: None) -> None:
    assert pid("storm", "CAD-1001", "k") == pid("niche", "PPN-2001", "k")
    assert pid("storm", "CAD-1001", "v") == pid("niche", "PPN-2001", "v")
    assert pid("storm", "CAD-1001", "t") != pid("niche", "PPN-2999", "t")
    assert pid("storm", "CAD-1001", "k") != pid("storm", "CAD-1001", "t")  # siblings
    assert MentionLink.objects.count() == PersonMention.objects.count()


def test_relink_keeps_person_ids(collins: None) -> None:
    before = person_map()
    summary = relink_all(actor="test")
    assert person_map() == before
    assert summary.changed == 0


def test_a_cannot_link_decision_splits_and_persists_and_can_be_undone(collins: None) -> None:
    a = PersonMention.objects.get(record__source_id="CAD-1001", mention_id="k")
    b = PersonMention.objects.get(record__source_id="PPN-2001", mention_id="k")
    decision = LinkDecision.objects.create(
        mention_a=a,
        mention_b=b,
        decision="different",
        decided_by="sup1",
        decided_at=a.occurred_at,
        reason="Different schools; confirmed with CSC",
    )
    relink_all(actor="test")
    assert pid("storm", "CAD-1001", "k") != pid("niche", "PPN-2001", "k")
    relink_all(actor="test")
    assert pid("storm", "CAD-1001", "k") != pid("niche", "PPN-2001", "k")
    decision.undone_at, decision.undone_by = a.occurred_at, "sup2"
    decision.save()
    relink_all(actor="test")
    assert pid("storm", "CAD-1001", "k") == pid("niche", "PPN-2001", "k")


def test_new_mentions_join_persons_held(collins: None, tmp_path: Path) -> None:
    record = call(
        "C-NEW",
        people=[
            {
                "mention_id": "x",
                "role": "child_present",
                "forename": "Kayleigh",
                "surname": "Collins",
                "date_of_birth": "2008-05-06",
                "address": "14 Alder Road, Birmingham",
                "postcode": "B12 9QD",
            }
        ],
    )
    summary = import_files([write_ndjson(tmp_path / "new.ndjson", [record])])
    persons_before = Person.objects.count()
    mentions = PersonMention.objects.filter(record_id__in=summary.touched_record_ids)
    link_new(mentions.values_list("pk", flat=True), actor="test")
    assert pid("storm", "C-NEW", "x") == pid("storm", "CAD-1001", "k")
    assert Person.objects.count() == persons_before


def test_decisions_record_who_and_why_apply_at_once_and_undo(collins: None) -> None:
    from vigil.audit.models import AuditEntry
    from vigil.identity.actions import DecisionError, decide, find_mention, undo

    a, b = find_mention("storm", "CAD-1001", "k"), find_mention("niche", "PPN-2001", "k")
    with pytest.raises(DecisionError, match="needs a reason"):
        decide(a, b, "different", actor="sup1", reason=" ")
    with pytest.raises(DecisionError, match="always different people"):
        decide(a, find_mention("storm", "CAD-1001", "t"), "same", actor="sup1", reason="x")
    made, _ = decide(a, b, "different", actor="sup1", reason="Different children: checked school")
    assert (made.decided_by, made.reason) == ("sup1", "Different children: checked school")
    assert pid("storm", "CAD-1001", "k") != pid("niche", "PPN-2001", "k")
    undo(made, actor="sup2", reason="entered on the wrong pair")
    made.refresh_from_db()
    assert made.undone_by == "sup2" and made.undone_at is not None
    assert pid("storm", "CAD-1001", "k") == pid("niche", "PPN-2001", "k")
    assert list(
        AuditEntry.objects.filter(action__startswith="identity.")
        .exclude(action="identity.relink")
        .values_list("action", flat=True)
    ) == ["identity.decide", "identity.undo"]


def test_a_review_request_puts_the_mention_beside_the_persons_first(
    collins: None, tmp_path: Path
) -> None:
    from vigil.audit.models import AuditEntry
    from vigil.identity.actions import (
        DecisionError,
        NothingToSeparate,
        decide,
        find_mention,
        request_review,
    )
    from vigil.identity.models import ReviewPair

    first, later = find_mention("storm", "CAD-1001", "k"), find_mention("niche", "PPN-2002", "k")
    subject = Person.objects.get(person_id=pid("storm", "CAD-1001", "k"))
    ReviewPair.objects.all().delete()
    with pytest.raises(DecisionError, match="needs a reason"):
        request_review(subject, later, actor="mash1", reason=" ")
    assert not ReviewPair.objects.exists()

    pair = request_review(subject, later, actor="mash1", reason="Different school")
    assert (pair.mention_a_id, pair.mention_b_id) == tuple(sorted((first.pk, later.pk)))
    assert (pair.status, pair.match_probability, pair.linked_by_model) == ("pending", 1.0, True)
    entry = AuditEntry.objects.get(action="identity.request_review")
    assert (entry.actor, entry.target, entry.reason) == (
        "mash1",
        subject.person_id,
        "Different school",
    )
    assert entry.detail == {
        "review_pair": pair.pk,
        "mentions": [pair.mention_a_id, pair.mention_b_id],
    }

    # Decided, then asked about again: the same pair goes back to the queue.
    decide(pair.mention_a, pair.mention_b, "same", actor="sup1", reason="Same child")
    again = request_review(subject, later, actor="mash2", reason="Still doubt it")
    assert again.pk == pair.pk and again.status == "pending"
    assert ReviewPair.objects.count() == 1

    lone = call(
        "C-ALONE",
        people=[
            {
                "mention_id": "z",
                "role": "child_present",
                "forename": "Zed",
                "surname": "Quill",
                "date_of_birth": "2001-01-01",
            }
        ],
    )
    summary = import_files([write_ndjson(tmp_path / "lone.ndjson", [lone])])
    link_new(
        PersonMention.objects.filter(record_id__in=summary.touched_record_ids).values_list(
            "pk", flat=True
        ),
        actor="test",
    )
    only = find_mention("storm", "C-ALONE", "z")
    with pytest.raises(NothingToSeparate):
        request_review(
            Person.objects.get(person_id=pid("storm", "C-ALONE", "z")),
            only,
            actor="mash1",
            reason="x",
        )
    assert ReviewPair.objects.count() == 1
