"""The database side of identity resolution: feed the linker mentions, store persons.

``relink_all`` links every mention afresh (``vigil link``), keeping person ids stable;
``link_new`` matches the mentions an import added against the persons already held. Both honour
every decision a person has made (must-link / cannot-link), and both send uncertain pairs to the
review queue. Each run is one transaction with its audit entry.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from django.db import connection, transaction
from django.utils import timezone

from vigil.audit import log
from vigil.audit.actions import AuditAction
from vigil.identity.models import (
    ChangedMention,
    IdentityState,
    LinkDecision,
    MentionLink,
    Person,
    ReviewPair,
)
from vigil.paths import data_dir
from vigil.records.models import PersonMention, Record
from vigil.rules.model import MentionKey

logger = logging.getLogger(__name__)

# Above this share of new mentions, a full relink is cheaper than matching one by one.
FULL_RELINK_SHARE = 0.3


@dataclass
class LinkSummary:
    mentions: int = 0
    persons: int = 0
    changed: int = 0
    review_pairs: int = 0
    mode: str = "full"
    seconds: dict[str, float] = field(default_factory=dict)
    """Wall seconds of each step, for operators and benchmarks."""

    def as_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "mentions": self.mentions,
            "persons": self.persons,
            "links_changed": self.changed,
            "review_pairs": self.review_pairs,
            "seconds": {k: round(v, 2) for k, v in self.seconds.items()},
        }

    def timed(self, step: str, started: float) -> float:
        now = time.perf_counter()
        self.seconds[step] = self.seconds.get(step, 0.0) + now - started
        return now


def model_in_use() -> Any:
    """This store's own model if ``vigil link --train`` made one, else the shipped default.

    The trained model is kept in the store (``IdentityState.trained_model``): a model file in
    the data folder, which every database sharing the folder read, is no longer consulted."""
    from vigil.identity.model import IdentityModel, load_model

    trained = IdentityState.objects.filter(pk=1).values_list("trained_model", flat=True).first()
    return IdentityModel.from_json(trained) if trained else load_model()


def _mention_sql(where: str = "", with_person: bool = False) -> str:
    m, r = PersonMention._meta.db_table, Record._meta.db_table
    links, persons = MentionLink._meta.db_table, Person._meta.db_table
    person = (
        f", p.person_id FROM {m} m JOIN {r} r ON r.id = m.record_id "
        f"JOIN {links} l ON l.mention_id = m.id JOIN {persons} p ON p.id = l.person_id"
        if with_person
        else f", NULL FROM {m} m JOIN {r} r ON r.id = m.record_id"
    )
    return (
        f"SELECT m.id, r.source_system, r.source_id, m.mention_id, m.forename, m.middle_names, "
        f"m.surname, m.aliases, m.date_of_birth, m.age_estimate, m.occurred_at, m.gender, "
        f"m.address, m.postcode, m.phone, m.pnc, m.nhs{person} {where} ORDER BY m.id"
    )


def _iso_date(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).date().isoformat()
    return str(value)[:10]


def mention_frame(
    pks: Iterable[int] | None = None, with_person: bool = False
) -> tuple[pd.DataFrame, dict[str, int]]:
    """The linker's input frame for some or all mentions, and mention key -> mention pk.

    ``with_person``: only linked mentions, with their ``person_id`` column.
    """
    from vigil.identity.frames import INPUT_COLUMNS, mention_key, record_key

    rows: list[dict[str, Any]] = []
    pk_of: dict[str, int] = {}
    wanted = None if pks is None else sorted(set(pks))
    chunks: list[list[int] | None] = (
        [wanted[i : i + 900] for i in range(0, len(wanted), 900)] if wanted is not None else [None]
    )
    with connection.cursor() as cursor:
        for chunk in chunks:
            if chunk is None:
                cursor.execute(_mention_sql(with_person=with_person))
            elif chunk:
                where = f"WHERE m.id IN ({', '.join(['%s'] * len(chunk))})"
                cursor.execute(_mention_sql(where, with_person), chunk)
            else:
                continue
            for (
                pk,
                system,
                source_id,
                mention_id,
                forename,
                middle,
                surname,
                aliases,
                dob,
                age,
                occurred,
                gender,
                address,
                postcode,
                phone,
                pnc,
                nhs,
                person,
            ) in cursor.fetchall():
                key = mention_key(system, source_id, mention_id)
                pk_of[key] = pk
                rows.append(
                    {
                        "mention_key": key,
                        "record_key": record_key(system, source_id),
                        "forename": forename or None,
                        "middle_names": middle or None,
                        "surname": surname or None,
                        "aliases": [a for a in (aliases or "").split("\n") if a] or None,
                        "date_of_birth": _iso_date(dob),
                        "age_estimate": age,
                        "occurred_on": _iso_date(occurred),
                        "gender": gender or None,
                        "address": address or None,
                        "postcode": postcode or None,
                        "phone": phone or None,
                        "pnc": pnc or None,
                        "nhs": nhs or None,
                        "person_id": person,
                    }
                )
    columns = [*INPUT_COLUMNS, "person_id"] if with_person else list(INPUT_COLUMNS)
    return pd.DataFrame(rows, columns=columns), pk_of


def _key_of_pk(pks: Iterable[int]) -> dict[int, str]:
    from vigil.identity.frames import mention_key

    wanted = sorted(set(pks))
    rows = PersonMention.objects.filter(pk__in=wanted).values_list(
        "pk", "record__source_system", "record__source_id", "mention_id"
    )
    return {pk: mention_key(s, i, mid) for pk, s, i, mid in rows}


def decided_pairs() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(must-link, cannot-link) pairs of mention keys from decisions still in force."""
    live = list(
        LinkDecision.objects.filter(undone_at__isnull=True).values_list(
            "mention_a_id", "mention_b_id", "decision"
        )
    )
    if not live:
        return [], []
    keys = _key_of_pk([pk for a, b, _ in live for pk in (a, b)])
    must = [(keys[a], keys[b]) for a, b, d in live if d == LinkDecision.Decision.SAME]
    cannot = [(keys[a], keys[b]) for a, b, d in live if d == LinkDecision.Decision.DIFFERENT]
    return must, cannot


def _linked() -> list[tuple[str, str, str, str]]:
    """(source system, source id, mention id, person id) for every linked mention."""
    m, r = PersonMention._meta.db_table, Record._meta.db_table
    links, persons = MentionLink._meta.db_table, Person._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT r.source_system, r.source_id, m.mention_id, p.person_id FROM {links} l "
            f"JOIN {m} m ON m.id = l.mention_id JOIN {r} r ON r.id = m.record_id "
            f"JOIN {persons} p ON p.id = l.person_id"
        )
        rows: list[tuple[str, str, str, str]] = cursor.fetchall()
        return rows


def person_map() -> dict[MentionKey, str]:
    """Mention -> person id, for every linked mention (what the rules need of identity)."""
    return {MentionKey(s, i, mid): pid for s, i, mid, pid in _linked()}


def _previous_ids() -> dict[str, str]:
    from vigil.identity.frames import mention_key

    return {mention_key(s, i, mid): pid for s, i, mid, pid in _linked()}


def _store_links(assignments: dict[str, str], pk_of: dict[str, int], model_version: str) -> int:
    """Write mention -> person links; returns how many changed. Caller holds the transaction."""
    now = timezone.now()
    wanted = set(assignments.values())
    known = (
        dict(Person.objects.filter(person_id__in=sorted(wanted)).values_list("person_id", "pk"))
        if len(wanted) < 900
        else dict(Person.objects.values_list("person_id", "pk"))
    )
    fresh = sorted(wanted - set(known))
    if fresh:
        Person.objects.bulk_create(
            [Person(person_id=p, created_at=now) for p in fresh], batch_size=2000
        )
        for names in (fresh[i : i + 900] for i in range(0, len(fresh), 900)):
            known.update(Person.objects.filter(person_id__in=names).values_list("person_id", "pk"))
    mention_pks = [pk_of[k] for k in assignments]
    current: dict[int, int] = {}
    if len(mention_pks) > 20_000:  # a relink: one read of every link beats a thousand look-ups
        current.update(MentionLink.objects.values_list("mention_id", "person_id"))
    else:
        for chunk in (mention_pks[i : i + 900] for i in range(0, len(mention_pks), 900)):
            current.update(
                MentionLink.objects.filter(mention_id__in=chunk).values_list(
                    "mention_id", "person_id"
                )
            )
    create, update = [], []
    for key, pid in assignments.items():
        mention_pk, person_pk = pk_of[key], known[pid]
        if mention_pk not in current:
            create.append(
                MentionLink(
                    mention_id=mention_pk,
                    person_id=person_pk,
                    linked_at=now,
                    model_version=model_version,
                )
            )
        elif current[mention_pk] != person_pk:
            update.append(
                MentionLink(
                    mention_id=mention_pk,
                    person_id=person_pk,
                    linked_at=now,
                    model_version=model_version,
                )
            )
    MentionLink.objects.bulk_create(create, batch_size=2000)
    MentionLink.objects.bulk_update(
        update, ["person", "linked_at", "model_version"], batch_size=2000
    )
    return len(create) + len(update)


def _store_review(pairs: Iterable[Any], pk_of: dict[str, int]) -> int:
    """Queue uncertain pairs a person has not yet decided; a pair already queued stays put."""
    now = timezone.now()
    pairs = list(pairs)
    ordered = [tuple(sorted((pk_of[p.mention_key_a], pk_of[p.mention_key_b]))) for p in pairs]
    decided = {
        tuple(sorted(p))
        for p in LinkDecision.objects.filter(undone_at__isnull=True).values_list(
            "mention_a_id", "mention_b_id"
        )
    }
    # Only the queue rows these pairs could repeat (the queue grows with the store).
    firsts = sorted({a for a, _ in ordered})
    queued: set[tuple[int, ...]] = set()
    for chunk in (firsts[i : i + 900] for i in range(0, len(firsts), 900)):
        queued.update(
            tuple(sorted(p))
            for p in ReviewPair.objects.filter(mention_a_id__in=chunk).values_list(
                "mention_a_id", "mention_b_id"
            )
        )
    new = []
    for pair, (a, b) in zip(pairs, ordered, strict=True):
        if (a, b) in decided or (a, b) in queued:
            continue
        queued.add((a, b))
        new.append(
            ReviewPair(
                mention_a_id=a,
                mention_b_id=b,
                match_probability=pair.match_probability,
                linked_by_model=pair.same_cluster,
                raised_at=now,
            )
        )
    ReviewPair.objects.bulk_create(new, batch_size=2000)
    return len(new)


def _state() -> IdentityState:
    """This store's identity state, made on first use (two processes at once get one row)."""
    state, _ = IdentityState.objects.get_or_create(
        pk=1, defaults={"store_id": uuid.uuid4().hex, "token": uuid.uuid4().hex}
    )
    return state


def _new_token() -> tuple[str, str]:
    """Mark a change of links (caller holds the transaction): (token before, new token).

    A kept index may take the new token only if what it holds reflects the token before
    (compare-and-swap): otherwise another writer's change is missing from it.
    """
    _state()
    state = IdentityState.objects.select_for_update().get(pk=1)
    previous, state.token = state.token, uuid.uuid4().hex
    state.save(update_fields=["token"])
    return previous, state.token


def index_path(store_id: str) -> Path:
    """The kept person index of the store named ``store_id`` (a cache: the database is the
    truth, and an index whose token is not the database's is built again)."""
    return data_dir() / f"person-index-{store_id}.duckdb"


# Person-index files of other stores kept in the data folder: the most recently used this many,
# and any used within the hour (a store linking right now). Older ones are deleted whenever a
# store writes its own index: a test run or a demo makes a database, and so a file, each time,
# and the databases go while their files stayed (hundreds of megabytes). An index deleted while
# its store still exists is only a cache: that store's next import builds it again.
KEEP_OTHER_INDEXES = 4
INDEX_IDLE_SECONDS = 3600


def prune_indexes(store_id: str, *, now: float | None = None) -> list[Path]:
    """Delete other stores' idle person-index files (and their lock and write-ahead files)
    beyond :data:`KEEP_OTHER_INDEXES`; returns the index files deleted. A file whose lock is
    held (in use) is left alone."""
    folder = data_dir()
    now = time.time() if now is None else now
    mine = index_path(store_id).name
    others: list[tuple[float, Path]] = []
    for path in folder.glob("person-index-*.duckdb"):
        if path.name == mine:
            continue
        try:
            others.append((path.stat().st_mtime, path))
        except OSError:
            continue
    others.sort(reverse=True)
    deleted: list[Path] = []
    for rank, (mtime, path) in enumerate(others):
        if rank < KEEP_OTHER_INDEXES or now - mtime < INDEX_IDLE_SECONDS:
            continue
        lock = path.with_suffix(".lock")
        try:
            with lock.open("a") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                for stale in (path, Path(f"{path}.wal"), lock):
                    stale.unlink(missing_ok=True)
        except OSError:  # in use by a process linking that store now: keep it
            continue
        deleted.append(path)
    for lock in folder.glob("person-index-*.lock"):  # locks whose index is long gone
        try:
            if (
                not lock.with_suffix(".duckdb").exists()
                and now - lock.stat().st_mtime >= INDEX_IDLE_SECONDS
            ):
                lock.unlink(missing_ok=True)
        except OSError:
            continue
    return deleted


@contextmanager
def _index_lock(store_id: str) -> Iterator[None]:
    """One process at a time opens, matches against and writes the kept index (DuckDB lets one
    process write a file; waiting beats building a second copy)."""
    path = data_dir() / f"person-index-{store_id}.lock"
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _keep_index(
    frame: pd.DataFrame,
    ids: dict[str, str],
    pk_of: dict[str, int],
    model: Any,
    store_id: str,
    token: str,
) -> None:
    """Write the person index after a full relink, so the next import need not build it."""
    from vigil.identity.person_index import PersonIndex

    held = frame.assign(
        person_id=frame["mention_key"].map(ids), ref=frame["mention_key"].map(pk_of).astype(str)
    )
    try:
        with _index_lock(store_id):
            PersonIndex(held, model, path=index_path(store_id), token=token).close()
    except Exception:  # a cache: failing to keep it only costs the next import time
        logger.warning("could not keep the person index", exc_info=True)
    prune_indexes(store_id)


def relink_all(*, actor: str, model: Any = None) -> LinkSummary:
    """Link every mention afresh, keeping person ids where persons survive."""
    from vigil.identity.cluster import assign_stable_ids
    from vigil.identity.frames import prepare
    from vigil.identity.linking import link

    model = model or model_in_use()
    started = time.perf_counter()
    base = _state()  # read before the mentions: the index written last must reflect this token
    changed = list(ChangedMention.objects.values_list("pk", flat=True))
    frame, pk_of = mention_frame()
    summary = LinkSummary(mentions=len(frame), mode="full")
    if frame.empty:
        return summary
    step = summary.timed("read", started)
    frame = prepare(frame)
    step = summary.timed("prepare", step)
    must, cannot = decided_pairs()
    result = link(frame, model, must_link=must, cannot_link=cannot)
    step = summary.timed("link", step)
    with transaction.atomic():
        ids = assign_stable_ids(_previous_ids(), result.clusters)
        step = summary.timed("stable_ids", step)
        summary.changed = _store_links(ids, pk_of, str(model.version))
        summary.persons = len(set(ids.values()))
        step = summary.timed("store_links", step)
        summary.review_pairs = _store_review(result.review, pk_of)
        log.record(actor, AuditAction.IDENTITY_RELINK, "all", detail=summary.as_json())
        ChangedMention.objects.filter(pk__in=changed).delete()  # the new index reads them all
        previous, token = _new_token()
    step = summary.timed("store_review", step)
    if previous == base.token:  # else another writer's links are not in this frame
        _keep_index(frame, ids, pk_of, model, base.store_id, token)
    summary.timed("keep_index", step)
    return summary


def relink_around(mention_pks: Iterable[int], *, actor: str, model: Any = None) -> LinkSummary:
    """Relink only the persons these mentions belong to (and the mentions themselves).

    What a decision about two mentions needs: their persons are clustered afresh under every
    decision in force, with the store's prior, and keep their ids where they survive; nobody
    else's links move (a full ``vigil link`` reconsiders everyone). The kept person index is
    brought up to date when it was current.
    """
    from vigil.identity.cluster import assign_stable_ids
    from vigil.identity.linking import link

    model = model or model_in_use()
    base = _state()
    named = set(mention_pks)
    persons = MentionLink.objects.filter(mention_id__in=sorted(named)).values("person_id")
    members = named | set(
        MentionLink.objects.filter(person_id__in=persons).values_list("mention_id", flat=True)
    )
    frame, pk_of = mention_frame(members)
    summary = LinkSummary(mentions=len(frame), mode="local")
    if frame.empty:
        return summary
    must, cannot = decided_pairs()
    result = link(
        frame, model, must_link=must, cannot_link=cannot, population=MentionLink.objects.count()
    )
    with transaction.atomic():
        previous_frame, _ = mention_frame(members, with_person=True)
        held_ids = dict(
            zip(previous_frame["mention_key"], previous_frame["person_id"], strict=True)
        )
        reserved: set[str] = set()
        while True:  # until no id this relink makes is another person's already
            ids = assign_stable_ids(held_ids, result.clusters, reserved=reserved)
            fresh = set(ids.values()) - set(held_ids.values())
            clash = set(
                Person.objects.filter(person_id__in=sorted(fresh)).values_list(
                    "person_id", flat=True
                )
            )
            if not clash:
                break
            reserved |= clash
        summary.changed = _store_links(ids, pk_of, str(model.version))
        summary.persons = len(set(ids.values()))
        summary.review_pairs = _store_review(result.review, pk_of)
        log.record(
            actor,
            AuditAction.IDENTITY_RELINK,
            f"mentions:{','.join(map(str, sorted(named)))}",
            detail=summary.as_json(),
        )
        previous, token = _new_token()
    if previous == base.token:
        _update_index(base.store_id, previous, token, frame, ids, pk_of, model)
    return summary


def _update_index(
    store_id: str,
    before: str,
    token: str,
    frame: pd.DataFrame,
    ids: dict[str, str],
    pk_of: dict[str, int],
    model: Any,
) -> None:
    """Carry a change of these mentions' persons into the kept index, if it was current."""
    import duckdb

    from vigil.identity.person_index import PersonIndex

    with _index_lock(store_id):
        try:
            index = PersonIndex.open(index_path(store_id), model)
        except (OSError, duckdb.Error):
            return
        try:
            if index.token == before:
                index.discard(ids)
                index.add(frame, ids, token=token, refs={k: str(v) for k, v in pk_of.items()})
        except Exception:  # the file's token is blank or old: the next import rebuilds it
            logger.warning("could not update the person index", exc_info=True)
        finally:
            index.close()


def _open_index(model: Any, store_id: str) -> tuple[Any, str]:
    """The kept person index and the token its contents reflect: the file when it is current,
    else one built from the links held now. The caller holds the index lock."""
    import duckdb

    from vigil.identity.person_index import PersonIndex

    base = IdentityState.objects.get(pk=1).token  # read before any mention
    try:
        index = PersonIndex.open(index_path(store_id), model)
    except (OSError, duckdb.Error) as error:
        logger.info("person index not usable (%s): building it", error)
    else:
        if index.token == base:
            return index, base
        index.close()
    existing, pk_of = mention_frame(with_person=True)
    existing["ref"] = existing["mention_key"].map(pk_of).astype(str)
    prune_indexes(store_id)
    try:
        return PersonIndex(existing, model, path=index_path(store_id), token=base), base
    except (OSError, duckdb.Error):
        logger.warning("could not keep the person index: matching in memory", exc_info=True)
        return PersonIndex(existing, model), base


def explain(first: Any, second: Any, model: Any = None) -> Any:
    """``vigil explain``: two mentions (``PersonMention``), weighed as a link of this store
    weighs them: its prior for as many mentions as it holds, and its name frequencies (its own
    once it holds :data:`~vigil.identity.scoring.MIN_TF_POPULATION` mentions, counted in the
    kept person index; the model's table before that)."""
    from vigil.identity.duck import ensure_prepared
    from vigil.identity.explain import explain_pair
    from vigil.identity.frames import mention_key
    from vigil.identity.scoring import MIN_TF_POPULATION, TF_COLUMNS

    model = model or model_in_use()
    frame, _ = mention_frame([first.pk, second.pk])
    rows = {row["mention_key"]: row for row in frame.to_dict("records")}
    keys = [
        mention_key(m.record.source_system, m.record.source_id, m.mention_id)
        for m in (first, second)
    ]
    held = PersonMention.objects.count()
    frequencies = None
    if held >= MIN_TF_POPULATION:
        prepared = ensure_prepared(frame)
        store_id = _state().store_id
        with _index_lock(store_id):
            index, _ = _open_index(model, store_id)
            try:
                frequencies = {c: index.frequencies(c, prepared[c].tolist()) for c in TF_COLUMNS}
            finally:
                index.close()
    return explain_pair(
        rows[keys[0]], rows[keys[1]], model, n_mentions=held, frequencies=frequencies
    )


def link_new(mention_pks: Iterable[int], *, actor: str, model: Any = None) -> LinkSummary:
    """Link the mentions an import added (and any never linked) to the persons held.

    The persons held are read from the kept person index when it is current (an import of a
    few records then reads only those records' mentions), otherwise from every linked mention.
    """
    todo = set(mention_pks)
    # Mentions a replaced version changed are linked afresh; the ones it dropped only leave the
    # index. Read before the counts, so those rows are the ones this run clears.
    changed = list(ChangedMention.objects.values_list("pk", "mention_key", "mention_pk"))
    todo |= set(
        PersonMention.objects.filter(
            pk__in=[pk for _, _, pk in changed if pk is not None]
        ).values_list("pk", flat=True)
    )
    held = MentionLink.objects.count()
    # Mentions never linked (e.g. imported with --no-assess) are linked now too. Two counts
    # tell whether any exist beyond these; looking for them joins every mention to its link.
    ordered = sorted(todo)
    linked_here = sum(
        MentionLink.objects.filter(mention_id__in=ordered[i : i + 900]).count()
        for i in range(0, len(ordered), 900)
    )
    if PersonMention.objects.count() - held > len(todo) - linked_here:
        todo |= set(PersonMention.objects.filter(link__isnull=True).values_list("pk", flat=True))
    if not todo:  # dropped mentions alone wait for the next run to leave the index
        return LinkSummary(mode="none")
    if held == 0 or len(todo) > FULL_RELINK_SHARE * (held + len(todo)):
        return relink_all(actor=actor, model=model)
    model = model or model_in_use()
    new_frame, new_pk = mention_frame(todo)
    _, cannot = decided_pairs()
    store_id = _state().store_id
    with _index_lock(store_id):
        index, base = _open_index(model, store_id)
        try:
            # Mentions linked before (a replaced record's) are matched afresh, not against
            # themselves; discarding blanks the file's token until the links are written.
            index.discard([*new_pk, *(key for _, key, _ in changed)])
            result = index.match(new_frame, cannot_link=cannot)
            reviewed = {k for p in result.review for k in (p.mention_key_a, p.mention_key_b)}
            held_pk = {k: int(v) for k, v in index.refs_of(reviewed - set(new_pk)).items()}
            pk_of = {**held_pk, **new_pk}
            with transaction.atomic():
                summary = LinkSummary(mentions=len(new_frame), mode="incremental")
                summary.changed = _store_links(result.assignments, pk_of, str(model.version))
                summary.persons = len(set(result.assignments.values()))
                summary.review_pairs = _store_review(result.review, pk_of)
                log.record(
                    actor,
                    AuditAction.IDENTITY_LINK,
                    f"mentions:{len(new_frame)}",
                    detail=summary.as_json(),
                )
                ChangedMention.objects.filter(pk__in=[pk for pk, _, _ in changed]).delete()
                previous, token = _new_token()
            if previous == base:  # else a writer without the lock changed links meanwhile
                try:
                    index.add(
                        new_frame,
                        result.assignments,
                        token=token,
                        refs={k: str(v) for k, v in new_pk.items()},
                    )
                except Exception:  # the file's token stays blank: the next import rebuilds
                    logger.warning("could not update the person index", exc_info=True)
        finally:
            index.close()
    return summary


def train_force_model(*, actor: str) -> Any:
    """``vigil link --train``: re-estimate the model on this store's mentions and keep it in
    this store (no other database sees it).

    The prior is estimated from the data too, as ``bench/identity_febrl.py`` does
    (:func:`vigil.identity.model.train` with ``prior=None``): a store's mentions are the whole
    population the link runs over, and linking still takes the smaller of that estimate and
    :data:`~vigil.identity.model.MATCHES_PER_MENTION` / N."""
    from vigil.identity.model import train

    frame, _ = mention_frame()
    if len(frame) < 2:
        raise ValueError("too few mentions to train on")
    model = train(
        frame,
        prior=None,
        trained_on=f"this store's data, {len(frame):,} mentions, {timezone.now():%Y-%m-%d}",
    )
    keep_trained_model(model, actor=actor, mentions=len(frame))
    return model


def keep_trained_model(model: Any, *, actor: str, mentions: int) -> None:
    """Make ``model`` this store's own (with its audit entry, in one transaction)."""
    _state()
    with transaction.atomic():
        state = IdentityState.objects.select_for_update().get(pk=1)
        state.trained_model = model.to_json()
        state.trained_at = timezone.now()
        state.save(update_fields=["trained_model", "trained_at"])
        log.record(
            actor,
            AuditAction.IDENTITY_TRAIN,
            "model",
            detail={
                "mentions": mentions,
                "prior": model.settings["probability_two_random_records_match"],
            },
        )


def persons() -> Iterator[dict[str, Any]]:
    """Every person with every mention (CLI.md ``vigil persons``): each mention held exactly
    once; a mention linked to no one (imported with ``--no-assess``, not yet linked) is a
    person of its own, under the id a link would give it."""
    from vigil.identity.cluster import cluster_id_for
    from vigil.identity.frames import mention_key

    m, r = PersonMention._meta.db_table, Record._meta.db_table
    links, people = MentionLink._meta.db_table, Person._meta.db_table
    groups: dict[str, list[tuple[str, str, str]]] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.person_id, r.source_system, r.source_id, m.mention_id FROM {m} m "
            f"JOIN {r} r ON r.id = m.record_id LEFT JOIN {links} l ON l.mention_id = m.id "
            f"LEFT JOIN {people} p ON p.id = l.person_id"
        )
        for person_id, system, source_id, mention_id in cursor.fetchall():
            pid = person_id or cluster_id_for([mention_key(system, source_id, mention_id)])
            groups.setdefault(pid, []).append((system, source_id, mention_id))
    for pid in sorted(groups):
        yield {
            "person_id": pid,
            "mentions": [
                {"source_system": s, "source_id": i, "mention_id": mid}
                for s, i, mid in sorted(groups[pid])
            ],
        }
