"""The kept person index: an import links against it instead of re-reading every mention held,
and a stale, missing or broken index is built again from the database (the truth)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.conftest import EXAMPLES, write_ndjson
from tests.factories import call
from vigil.identity import store
from vigil.identity.models import IdentityState, MentionLink
from vigil.identity.person_index import PersonIndex
from vigil.identity.store import index_path, link_new, person_map, relink_all
from vigil.records.importer import import_files
from vigil.records.models import PersonMention
from vigil.rules import MentionKey

pytestmark = pytest.mark.django_db

KAYLEIGH = {
    "mention_id": "x",
    "role": "child_present",
    "forename": "Kayleigh",
    "surname": "Collins",
    "date_of_birth": "2008-05-06",
    "address": "14 Alder Road, Birmingham",
    "postcode": "B12 9QD",
}


@pytest.fixture
def collins() -> None:
    import_files([EXAMPLES / "cumulative_domestic_abuse" / "records.ndjson"])
    relink_all(actor="test")


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Records each time link_new reads every linked mention to build the index."""
    seen: list[bool] = []
    real = store.mention_frame

    def spy(pks: Any = None, with_person: bool = False) -> Any:
        if with_person and pks is None:
            seen.append(True)
        return real(pks, with_person=with_person)

    monkeypatch.setattr(store, "mention_frame", spy)
    return seen


def import_one(tmp_path: Path, source_id: str, person: dict[str, Any]) -> None:
    summary = import_files(
        [write_ndjson(tmp_path / f"{source_id}.ndjson", [call(source_id, people=[person])])]
    )
    mentions = PersonMention.objects.filter(record_id__in=summary.touched_record_ids)
    link_new(mentions.values_list("pk", flat=True), actor="test")


def pid(source_id: str, mention_id: str, system: str = "storm") -> str:
    return person_map()[MentionKey(system, source_id, mention_id)]


def kept_index() -> PersonIndex:
    from vigil.identity.store import model_in_use

    state = IdentityState.objects.get(pk=1)
    return PersonIndex.open(index_path(state.store_id), model_in_use())


def test_a_relink_keeps_the_index_and_an_import_links_against_it(
    collins: None, tmp_path: Path, builds: list[bool]
) -> None:
    index = kept_index()
    try:
        assert index.token == IdentityState.objects.get(pk=1).token
        assert len(index) == MentionLink.objects.count()
    finally:
        index.close()
    import_one(tmp_path, "C-NEW", KAYLEIGH)
    assert builds == []
    assert pid("C-NEW", "x") == pid("CAD-1001", "k")
    # The index now holds the new mention too, under the token of the links just written.
    index = kept_index()
    try:
        assert index.token == IdentityState.objects.get(pk=1).token
        assert len(index) == MentionLink.objects.count()
        assert index.refs_of(["storm|C-NEW|x"]) == {
            "storm|C-NEW|x": str(PersonMention.objects.get(record__source_id="C-NEW").pk)
        }
    finally:
        index.close()
    # A second import uses the updated index and finds the mention the first one added.
    import_one(tmp_path, "C-NEW2", {**KAYLEIGH, "mention_id": "y", "forename": "Kayley"})
    assert builds == []
    assert pid("C-NEW2", "y") == pid("C-NEW", "x")


def test_a_stale_index_is_built_again(collins: None, tmp_path: Path, builds: list[bool]) -> None:
    # Another writer changed the links (a new token) without updating this index.
    state = IdentityState.objects.get(pk=1)
    state.token = "changed-elsewhere"
    state.save()
    import_one(tmp_path, "C-NEW", KAYLEIGH)
    assert builds == [True]
    assert pid("C-NEW", "x") == pid("CAD-1001", "k")
    import_one(tmp_path, "C-NEW2", {**KAYLEIGH, "mention_id": "y"})
    assert builds == [True]  # rebuilt once, then kept


@pytest.mark.parametrize("damage", ["missing", "garbage"])
def test_a_missing_or_broken_index_is_built_again(
    collins: None, tmp_path: Path, builds: list[bool], damage: str
) -> None:
    path = index_path(IdentityState.objects.get(pk=1).store_id)
    if damage == "missing":
        path.unlink()
    else:
        path.write_bytes(b"not a duckdb file at all" * 100)
    import_one(tmp_path, "C-NEW", KAYLEIGH)
    assert builds == [True]
    assert pid("C-NEW", "x") == pid("CAD-1001", "k")


def test_an_index_written_for_a_rolled_back_change_is_not_trusted(
    collins: None, tmp_path: Path, builds: list[bool]
) -> None:
    from django.db import transaction

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        import_one(tmp_path, "C-GONE", {**KAYLEIGH, "mention_id": "z", "forename": "Tia"})
        raise Abort
    assert builds == []
    # The index learnt of C-GONE under a token the database never kept: rebuilt, and the
    # rolled-back mention is nobody.
    import_one(tmp_path, "C-NEW", KAYLEIGH)
    assert builds == [True]
    index = kept_index()
    try:
        assert index.refs_of(["storm|C-GONE|z"]) == {}
        assert len(index) == MentionLink.objects.count()
    finally:
        index.close()


def test_a_decision_relinks_only_its_persons_and_keeps_the_index_current(
    collins: None, tmp_path: Path, builds: list[bool]
) -> None:
    from vigil.identity.actions import decide, find_mention, undo

    others = {k: v for k, v in person_map().items() if k.mention_id not in {"k"}}
    stamps = dict(MentionLink.objects.values_list("mention_id", "linked_at"))
    a, b = find_mention("storm", "CAD-1001", "k"), find_mention("niche", "PPN-2001", "k")
    made, summary = decide(a, b, "different", actor="sup1", reason="Different schools")
    assert summary.mode == "local"
    assert pid("CAD-1001", "k") != pid("PPN-2001", "k", system="niche")
    # Nobody else's link was rewritten.
    after = person_map()
    assert {k: after[k] for k in others} == others
    moved = {
        m for m, at in MentionLink.objects.values_list("mention_id", "linked_at") if stamps[m] != at
    }
    kayleighs = set(
        PersonMention.objects.filter(forename__startswith="Kayle").values_list("pk", flat=True)
    )
    assert moved <= kayleighs
    # The kept index followed: the next import needs no rebuild and honours the decision.
    import_one(tmp_path, "C-NEW", KAYLEIGH)
    assert builds == []
    # A full relink agrees with what the decision did locally.
    local = person_map()
    relink_all(actor="test")
    assert person_map() == local
    undo(made, actor="sup2", reason="wrong pair")
    assert pid("CAD-1001", "k") == pid("PPN-2001", "k", system="niche")


def test_mentions_never_linked_are_linked_by_the_next_import(
    collins: None, tmp_path: Path, builds: list[bool]
) -> None:
    # As `vigil import --no-assess` leaves them: imported, not linked.
    import_files(
        [
            write_ndjson(
                tmp_path / "quiet.ndjson",
                [call("C-QUIET", people=[{**KAYLEIGH, "mention_id": "q"}])],
            )
        ]
    )
    assert not MentionLink.objects.filter(mention__record__source_id="C-QUIET").exists()
    import_one(tmp_path, "C-NEW", KAYLEIGH)
    assert pid("C-QUIET", "q") == pid("C-NEW", "x") == pid("CAD-1001", "k")
    assert MentionLink.objects.count() == PersonMention.objects.count()
    assert builds == []


def test_links_made_before_the_index_was_kept_get_one(
    collins: None, tmp_path: Path, builds: list[bool]
) -> None:
    index_path(IdentityState.objects.get(pk=1).store_id).unlink()
    IdentityState.objects.all().delete()  # as a store linked by an earlier version holds it
    import_one(tmp_path, "C-NEW", KAYLEIGH)
    import_one(tmp_path, "C-NEW2", {**KAYLEIGH, "mention_id": "y"})
    assert builds == [True]  # built once, kept, reused
    assert pid("C-NEW2", "y") == pid("C-NEW", "x") == pid("CAD-1001", "k")


def test_a_replaced_record_s_mentions_are_linked_afresh_without_a_rebuild(
    collins: None, tmp_path: Path, builds: list[bool]
) -> None:
    from vigil.identity.models import ChangedMention

    two = [
        KAYLEIGH,
        {
            "mention_id": "w",
            "role": "witness",
            "forename": "Tom",
            "surname": "Hale",
            "date_of_birth": "1980-01-02",
            "postcode": "B12 9QD",
        },
    ]
    import_files([write_ndjson(tmp_path / "v1.ndjson", [call("C-TWO", people=two)])])
    link_new(
        PersonMention.objects.filter(record__source_id="C-TWO").values_list("pk", flat=True),
        actor="test",
    )
    # A new version, imported without linking (vigil import --no-assess): the child's name is
    # corrected in place and the witness is no longer named.
    renamed = {**KAYLEIGH, "forename": "Kayleigh-Ann"}
    import_files(
        [write_ndjson(tmp_path / "v2.ndjson", [call("C-TWO", people=[renamed], category="other")])]
    )
    assert not PersonMention.objects.filter(record__source_id="C-TWO", mention_id="w").exists()
    assert set(ChangedMention.objects.values_list("mention_key", "mention_pk")) == {
        ("storm|C-TWO|x", PersonMention.objects.get(record__source_id="C-TWO").pk),
        ("storm|C-TWO|w", None),
    }
    import_one(tmp_path, "C-LATER", {**KAYLEIGH, "mention_id": "z"})
    assert builds == []  # no rebuild: the changed mentions were discarded and linked afresh
    assert not ChangedMention.objects.exists()
    index = kept_index()
    try:
        assert len(index) == MentionLink.objects.count() == PersonMention.objects.count()
        assert index._column_of(["storm|C-TWO|x"], "forename") == {
            "storm|C-TWO|x": prepare_forename("Kayleigh-Ann")
        }
        assert index.refs_of(["storm|C-TWO|w"]) == {}
    finally:
        index.close()


def prepare_forename(name: str) -> str:
    from vigil.identity.frames import prepare

    return str(prepare(pd.DataFrame([{"mention_key": "k", "forename": name}]))["forename"][0])


def test_a_decision_naming_a_mention_a_new_version_drops_lapses(
    collins: None, tmp_path: Path
) -> None:
    from vigil.audit.models import AuditEntry
    from vigil.identity.actions import decide, find_mention
    from vigil.identity.models import LinkDecision

    two = [
        KAYLEIGH,
        {
            "mention_id": "w",
            "role": "witness",
            "forename": "Kayley",
            "surname": "Collins",
            "date_of_birth": "2008-05-06",
            "postcode": "B12 9QD",
        },
    ]
    import_files([write_ndjson(tmp_path / "v1.ndjson", [call("C-TWO", people=two)])])
    link_new(
        PersonMention.objects.filter(record__source_id="C-TWO").values_list("pk", flat=True),
        actor="test",
    )
    made, _ = decide(
        find_mention("storm", "C-TWO", "w"),
        find_mention("storm", "CAD-1001", "k"),
        "different",
        actor="sup1",
        reason="the witness is her cousin",
    )
    import_files(
        [write_ndjson(tmp_path / "v2.ndjson", [call("C-TWO", people=[KAYLEIGH], category="other")])]
    )
    made.refresh_from_db()
    assert made.undone_at is not None and made.undone_by == "vigil (record replaced)"
    assert None in (made.mention_a_id, made.mention_b_id)
    assert LinkDecision.objects.filter(pk=made.pk).exists()  # kept, as every decision is
    assert AuditEntry.objects.filter(
        action="identity.lapse_decision", target=f"decision:{made.pk}"
    ).exists()
