"""Recompute every stored location key when the address key changes (issue 11 item 21).

A location is derived state: its key is :func:`vigil.records.normalise.location_key` of the
address and postcode on each mention and record located there. When that definition changes,
mentions and records that gave one old location may belong to several new ones (every
postcode-less 'Flat 4' was one place), and some no longer identify a dwelling at all. This
recomputes the key of every located or addressed mention and record and moves each to the
location its key now names. A location keeps its id (and so its address page and audit
targets) when every reference it keeps still names it, or when it is renamed to the one new key
most of its references moved to; locations left with nothing are deleted.

It runs as a data migration, so the next command after an upgrade corrects the store before it
reads anything (``vigil assess`` then re-evaluates the alerts on the corrected addresses). It
takes the model classes as arguments so the migration can pass its historical ones. Nothing in
a record changes: its payload, as received, still holds the address as written.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Q
from django.db.models.fields.json import KeyTextTransform, KeyTransform

from vigil.records import normalise

_CHUNK = 900  # ids per UPDATE ... WHERE id IN (...): under SQLite's parameter limit


def _chunks(values: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def rekey_locations(
    location_model: Any, mention_model: Any, record_model: Any, using: str = "default"
) -> dict[str, int]:
    """Move every mention and record to the location its address now keys to.

    Returns counts: ``mentions_moved``, ``records_moved``, ``locations_created``,
    ``locations_renamed``, ``locations_deleted``.
    """

    def objects(model: Any) -> Any:
        return model._default_manager.db_manager(using)

    written: dict[int, tuple[str, str]] = {}
    existing: dict[str, int] = {}
    for key, pk, address, code in objects(location_model).values_list(
        "key", "pk", "address", "postcode"
    ):
        existing[key] = pk
        written[pk] = (address, code)
    first_written: dict[str, tuple[str, str]] = {}
    # (model, pk, old location id, new key) for every reference whose key is known.
    moves: list[tuple[Any, int, int | None, str | None]] = []

    def note(model: Any, pk: int, old: int | None, address: str | None, code: str | None) -> None:
        key = normalise.location_key(address or None, code or None)
        if key is not None and key not in first_written:
            first_written[key] = ((normalise.postcode(code) or "")[:16], (address or "")[:500])
        moves.append((model, pk, old, key))

    mentions = (
        objects(mention_model)
        .filter(Q(location__isnull=False) | ~Q(address=""))
        .order_by("pk")
        .values_list("pk", "location_id", "address", "postcode")
    )
    for pk, old, address, code in mentions.iterator(chunk_size=5000):
        note(mention_model, pk, old, address, code)
    records = (
        objects(record_model)
        .annotate(
            at_address=KeyTextTransform("address", KeyTransform("location", "payload")),
            at_postcode=KeyTextTransform("postcode", KeyTransform("location", "payload")),
        )
        .filter(Q(location__isnull=False) | Q(at_address__isnull=False))
        .order_by("pk")
        .values_list("pk", "location_id", "at_address", "at_postcode")
    )
    for pk, old, address, code in records.iterator(chunk_size=5000):
        note(record_model, pk, old, address, code)

    wanted = {key for *_, key in moves if key is not None}
    # An old location whose key no key names any more may be renamed to the new key most of
    # its references now have, so that its id (its page, its audit entries) carries on.
    obsolete = {pk for key, pk in existing.items() if key not in wanted}
    heading: dict[int, Counter[str]] = defaultdict(Counter)
    for _, _, old, key in moves:
        if old in obsolete and key is not None and key not in existing:
            heading[old][key] += 1
    target: dict[str, int] = {key: existing[key] for key in wanted if key in existing}
    renamed = 0
    for old in sorted(heading):
        for key, _ in heading[old].most_common():
            if key not in target:
                objects(location_model).filter(pk=old).update(key=key)
                target[key] = old
                obsolete.discard(old)
                renamed += 1
                break
    # A location shows its address as first written; after the move that must be an address
    # of this dwelling (the old 'flat 4' may have been first written at Garner Street).
    for key, pk in target.items():
        address, code = written[pk]
        if normalise.location_key(address or None, code or None) != key:
            postcode, address = first_written[key]
            objects(location_model).filter(pk=pk).update(postcode=postcode, address=address)
    created = [key for key in sorted(wanted) if key not in target]
    objects(location_model).bulk_create(
        [
            location_model(key=key, postcode=first_written[key][0], address=first_written[key][1])
            for key in created
        ],
        batch_size=500,
    )
    if created:
        for keys in _key_chunks(created):
            target.update(objects(location_model).filter(key__in=keys).values_list("key", "pk"))

    by_target: dict[tuple[Any, int | None], list[int]] = defaultdict(list)
    moved: Counter[str] = Counter()
    for model, pk, old, key in moves:
        new = target[key] if key is not None else None
        if new != old:
            by_target[(model, new)].append(pk)
            moved["mentions_moved" if model is mention_model else "records_moved"] += 1
    for (model, new), pks in by_target.items():
        for chunk in _chunks(pks):
            objects(model).filter(pk__in=chunk).update(location_id=new)
    deleted = 0
    for chunk in _chunks(sorted(obsolete)):
        deleted += (
            objects(location_model)
            .filter(pk__in=chunk, residents__isnull=True, records__isnull=True)
            .delete()[0]
        )
    return {
        "mentions_moved": moved["mentions_moved"],
        "records_moved": moved["records_moved"],
        "locations_created": len(created),
        "locations_renamed": renamed,
        "locations_deleted": deleted,
    }


def _key_chunks(keys: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(keys), _CHUNK):
        yield keys[start : start + _CHUNK]
