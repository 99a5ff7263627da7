"""The store side of case finding: which records may be a case of an area in a period, a
casebook of just what deciding them needs, the reproducible draw, and Vigil's findings in the
cases drawn (AUDIT.md 'Practice areas', ``vigil audit sample``).

The definitions themselves are :mod:`vigil.inspection.cases` (pure). Here:

1. **Candidates.** The records of the area's types whose time can fall in the period, cut by a
   word the record must contain and by what the source record alone rules out
   (:func:`cases.may_be_case`); an amendment stands for the record it amends. A superset of
   the cases, sorted by case reference.
2. **Deciding.** A batch of candidates is decided over a casebook of only what their cases
   rest on (``Neighbourhood``: the records, for a DA incident the records linked to it, the
   records at its address and the people living there, and the whole timeline of everyone named,
   whose dates of birth say who is a child), viewed at the end of the period.
3. **Drawing.** The candidates are shuffled with a generator seeded by the seed and the area,
   then decided in that order until enough cases are found: a uniform random sample of the
   area's cases, the same for the same store, period, area, count and seed, whatever the batch
   sizes, and no more of the store read than the sample needs.
4. **Findings.** What evaluation at the end of the period finds on a case's subjects or its
   index record, from a casebook of their support (``alerts.engine.evaluate_touched``).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

from django.db import connection
from django.db.models import Q, TextField
from django.db.models.functions import Cast

from vigil.alerts.engine import current_policy
from vigil.alerts.neighbourhood import (
    _L,
    _M,
    _P,
    _R,
    Neighbourhood,
    _chunks,
    _marks,
    ensure_statistics,
)
from vigil.identity.models import Person
from vigil.inspection.cases import (
    RECORD_TYPES,
    Case,
    Finder,
    Period,
    Subject,
    case_ref,
    findings_in,
    may_be_case,
)
from vigil.records.contract import RecordBase, parse_record_json
from vigil.records.models import PersonMention, Record
from vigil.rules import Casebook, Finding, MentionKey, RecordKey
from vigil.rules.engine import evaluate
from vigil.rules.view import View

# A record of the area's types must contain one of these words to be a case (a superset: the
# word is in the JSON text of any record the definition can accept, or of its amendment).
_WORDS: Final[dict[str, tuple[str, ...]]] = {
    "domestic_abuse": ("domestic",),
    "child_concern": ("childrens_social_care", "mash"),
    "cse": ("cse", "child_sexual_exploitation"),
    "online_sexual_abuse": ("online", "indecent_images"),
}
# Types whose case turns on a time other than occurred_at, or on a decision that may come long
# after it: every record up to the period's end is read (their counts are small).
_WHOLE_HISTORY: Final[dict[str, frozenset[str]]] = {
    "police_protection": frozenset({"police_protection"}),
    "section_47": frozenset({"referral", "investigation"}),
    "sex_offender": frozenset({"rso"}),
    "custody": frozenset({"custody"}),
}
_WORDS_BY_TYPE: Final[dict[tuple[str, str], tuple[str, ...]]] = {
    ("section_47", "referral"): ("section_47",),
}


def period_of(first: dt.date, last: dt.date) -> Period:
    return Period.of(first, last)


@dataclass(frozen=True)
class Candidate:
    pk: int
    key: RecordKey


def candidates(area: str, period: Period) -> list[Candidate]:
    """Records that may be the index record of a case of the area in the period, by reference."""
    found: dict[int, RecordKey] = {}
    targets: set[RecordKey] = set()
    for record_type in RECORD_TYPES[area]:
        rows = Record.objects.filter(record_type=record_type, occurred_at__lte=period.end)
        whole = record_type in _WHOLE_HISTORY.get(area, frozenset())
        if not whole:
            rows = rows.filter(occurred_at__gte=period.start)
        rows = rows.annotate(text=Cast("payload", output_field=TextField()))
        words = _WORDS_BY_TYPE.get((area, record_type), _WORDS.get(area, ()))
        if words:  # LIKE in the database (on SQLite regardless of case: still a superset)
            wanted = Q()
            for word in words:
                wanted |= Q(text__contains=word)
            rows = rows.filter(wanted)
        texts = rows.values_list("pk", "source_system", "source_id", "text")
        for pk, system, source_id, text in texts.iterator(chunk_size=5000):
            if not whole and '"amends"' not in text:
                # Of the type, in the period, with the word: all the source record can show.
                found[pk] = RecordKey(system, source_id)
                continue
            record = parse_record_json(text)
            amends = [link for link in record.links if link.relation == "amends"]
            if amends:  # an amendment stands for the record it completes
                targets.add(RecordKey(amends[0].source_system, amends[0].source_id))
            elif may_be_case(area, record, period):
                found[pk] = RecordKey(system, source_id)
    for target in sorted(targets - set(found.values())):
        held = Record.objects.filter(
            source_system=target.source_system,
            source_id=target.source_id,
            record_type__in=RECORD_TYPES[area],
        ).values_list("pk", flat=True)
        for pk in held:
            found[pk] = target
    return sorted((Candidate(pk, key) for pk, key in found.items()), key=lambda c: c.key)


@dataclass
class Keeping(Neighbourhood):
    """A Neighbourhood that keeps every record it parsed and who its mentions are. One sampling
    reads many overlapping casebooks (a batch of candidates after another, area after area, then
    the findings of every case drawn) from a store that does not change meanwhile: each record
    is read and parsed once, and each fact looked up once, for the whole sampling."""

    _parsed: dict[int, RecordBase] = field(default_factory=dict)
    _identity: dict[int, dict[MentionKey, str]] = field(default_factory=dict)

    def load(self, records: Iterable[int]) -> tuple[list[RecordBase], dict[MentionKey, str]]:
        """As ``Neighbourhood.load`` (the records with their amendments, and who each mention
        is), reading from the store only the records not read before."""
        wanted = set(records)
        wanted |= self.amendments_of(wanted)
        missing = sorted(wanted - self._parsed.keys())
        column = "r.payload::text" if connection.vendor == "postgresql" else "r.payload"
        for chunk in _chunks(missing):
            marks = _marks(chunk)
            for pk, text in self._rows(
                f"SELECT r.id, {column} FROM {_R} r WHERE r.id IN ({marks})",  # noqa: S608 (catalogue names; values bound)
                chunk,
            ):
                self._parsed[pk] = parse_record_json(text)
            sql = (
                f"SELECT m.record_id, r.source_system, r.source_id, m.mention_id, p.person_id "  # noqa: S608 (catalogue names; values bound)
                f"FROM {_M} m JOIN {_R} r ON r.id = m.record_id JOIN {_L} l "
                f"ON l.mention_id = m.id JOIN {_P} p ON p.id = l.person_id "
                f"WHERE m.record_id IN ({marks})"
            )
            for pk, system, source_id, mention_id, person in self._rows(sql, chunk):
                self._identity.setdefault(pk, {})[MentionKey(system, source_id, mention_id)] = (
                    person
                )
        held = sorted(pk for pk in wanted if pk in self._parsed)
        identity: dict[MentionKey, str] = {}
        for pk in held:
            identity.update(self._identity.get(pk, {}))
        return [self._parsed[pk] for pk in held], identity


@dataclass
class Reading:
    """What deciding candidates read (for benchmarks and the docs), and the store's look-ups
    and parsed records, shared by every draw and the findings of one sampling."""

    batches: int = 0
    decided: int = 0
    records_loaded: int = 0
    seconds: dict[str, float] = field(
        default_factory=lambda: dict.fromkeys(("candidates", "decide", "findings"), 0.0)
    )
    hood: Keeping = field(default_factory=Keeping, repr=False)


def decide(
    area: str,
    batch: Sequence[Candidate],
    period: Period | None,
    as_of: dt.datetime,
    reading: Reading | None = None,
) -> dict[RecordKey, Case]:
    """The cases among the candidates (in the period, if one is given), as of ``as_of``."""
    if not batch:
        return {}
    hood = reading.hood if reading is not None else Keeping()
    records = {c.pk for c in batch}
    if area == "domestic_abuse":
        records = hood.link_closure(records)
        places = {place for _, place in hood.info(records).values() if place is not None}
        persons = hood.persons_on(records) | hood.residents(places)
        records |= hood.records_at(places)
    else:
        persons = hood.persons_on(records)
    support = records | hood.timeline(persons)
    loaded, identity = hood.load(support)
    book = Casebook(loaded, identity)
    finder = Finder(View(book.at(as_of), current_policy(), as_of))
    if reading is not None:
        reading.batches += 1
        reading.decided += len(batch)
        reading.records_loaded += len(loaded)
    found = {}
    for candidate in batch:
        case = finder.case(area, candidate.key, period)
        if case is not None:
            found[candidate.key] = case
    return found


def _shuffled(area: str, found: list[Candidate], seed: int) -> list[Candidate]:
    order = sorted(found, key=lambda c: c.key)
    # A string seed is hashed with SHA-512: the same on every run and machine.
    random.Random(f"vigil-case-audit:{seed}:{area}").shuffle(order)
    return order


@dataclass
class Draw:
    area: str
    asked: int
    cases: list[Case]
    held: int | None  # the cases the store holds for the period, when every one was decided
    already: int = 0  # of them, already in the audit

    @property
    def short(self) -> bool:
        return len(self.cases) < self.asked


def draw(
    area: str,
    count: int,
    period: Period,
    seed: int,
    exclude: Iterable[str] = (),
    reading: Reading | None = None,
) -> Draw:
    """``count`` cases of the area at random, none of those in ``exclude`` (case references)."""
    reading = reading if reading is not None else Reading()
    started = time.perf_counter()
    order = _shuffled(area, candidates(area, period), seed)
    reading.seconds["candidates"] += time.perf_counter() - started
    skip = set(exclude)
    chosen: list[Case] = []
    held = already = 0
    position = 0
    started = time.perf_counter()
    while len(chosen) < count and position < len(order):
        size = min(max(2 * (count - len(chosen)), 25), 400)
        batch = order[position : position + size]
        position += size
        found = decide(area, batch, period, period.end, reading)
        for candidate in batch:
            case = found.get(candidate.key)
            if case is None:
                continue
            held += 1
            if case.case_ref in skip:
                already += 1
            elif len(chosen) < count:
                chosen.append(case)
    reading.seconds["decide"] += time.perf_counter() - started
    exhausted = position >= len(order)
    return Draw(area, count, chosen, held if exhausted else None, already)


def case_for(area: str, key: RecordKey, as_of: dt.datetime) -> Case | None:
    """The case of the area whose index record is ``key``, whatever its period (a case audited
    outside Vigil's sample); None when the store does not hold the record. A record held that
    the definition does not make a case gives a case with no subjects."""
    pks = list(
        Record.objects.filter(source_system=key.source_system, source_id=key.source_id).values_list(
            "pk", flat=True
        )
    )
    if not pks:
        return None
    found = decide(area, [Candidate(pks[0], key)], None, as_of)
    return found.get(key) or Case(area, key, ())


def _person_pks(subjects: Iterable[Subject]) -> set[int]:
    """Neighbourhood's ints for the rules' person ids: a linked person's key, or minus the key of
    the one mention of a person no one linked."""
    subjects = list(subjects)
    linked = {s.person_id for s in subjects if not s.person_id.startswith("m:")}
    found = set(Person.objects.filter(person_id__in=sorted(linked)).values_list("pk", flat=True))
    for subject in subjects:
        if subject.person_id.startswith("m:") and subject.mentions:
            system, source_id, mention_id = subject.mentions[0]
            found |= {
                -pk
                for pk in PersonMention.objects.filter(
                    record__source_system=system, record__source_id=source_id, mention_id=mention_id
                ).values_list("pk", flat=True)
            }
    return found


def _named_on(keys: Iterable[RecordKey]) -> set[int]:
    hood = Neighbourhood()
    pks: set[int] = set()
    for key in keys:
        pks |= set(
            Record.objects.filter(
                source_system=key.source_system, source_id=key.source_id
            ).values_list("pk", flat=True)
        )
    return hood.persons_on(pks)


def findings_for(
    cases: Sequence[Case], as_of: dt.datetime, reading: Reading | None = None
) -> dict[str, list[Finding]]:
    """Case reference -> what evaluation at ``as_of`` finds on its subjects or index record."""
    if not cases:
        return {}
    started = time.perf_counter()
    ensure_statistics()
    hood = reading.hood if reading is not None else Keeping()
    persons = _person_pks(s for c in cases for s in c.subjects)
    # A case without subjects: its index record's own findings, about those named on it.
    persons |= _named_on(c.index for c in cases if not c.subjects)
    found: list[Finding] = []
    if persons:
        # As alerts.engine.evaluate_touched with no records touched: every record the findings
        # about these persons can rest on, evaluated at ``as_of``, only for them. Through the
        # sampling's own Neighbourhood: what deciding the cases read is not read again.
        records, identity = hood.load(hood.support(persons))
        book = Casebook(records, identity)
        found = evaluate(book, current_policy(), as_of, persons=hood.person_ids(persons))
    if reading is not None:
        reading.seconds["findings"] += time.perf_counter() - started
    return {case.case_ref: findings_in(case, found) for case in cases}


__all__ = [
    "Candidate",
    "Case",
    "Draw",
    "Reading",
    "candidates",
    "case_for",
    "case_ref",
    "decide",
    "draw",
    "findings_for",
    "period_of",
]
