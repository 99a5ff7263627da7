"""Finding people: by name (spelling, sound and nickname), date of birth or age, address or
postcode, vehicle or phone. Results are persons, not mentions.

Name matching runs over the *distinct* surnames held (a few thousand even on a large force),
cached in the process and refreshed when mentions are added or after ``INDEX_TTL`` seconds;
the matching surnames are then looked up through the surname index. A surname matches when it
is spelt the same ignoring case and punctuation, sounds the same (metaphone; or soundex with a
close spelling), is a part of a double-barrelled name, or is one or two typing errors away.
A forename matches the same ways, or as a nickname or formal name ('Bill' finds 'William').
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import jellyfish
from django.db.models import Count, Max, Q
from django.utils import timezone

from vigil.access.disclosure import Viewer
from vigil.identity.frames import _forename_keys, clean_name, clean_text
from vigil.identity.summaries import (
    PersonSummary,
    chunks,
    da_annotations,
    full_name,
    mention_visible,
    visible_mentions,
)
from vigil.people.briefing import joining_without_postcode
from vigil.people.summaries import summarise
from vigil.records import normalise
from vigil.records.models import Location, PersonMention, RecordObject

MAX_RESULTS = 50  # persons shown
MAX_CANDIDATES = 2000  # persons considered before refining; beyond it, ask for more
MAX_SURNAMES = 200  # distinct spellings looked up for one surname
INDEX_TTL = 300.0


@dataclass
class Criteria:
    forename: str = ""
    surname: str = ""
    date_of_birth: dt.date | None = None
    age_min: int | None = None  # an age range, inclusive (one age asked: a year either side)
    age_max: int | None = None
    place: str = ""  # an address or a postcode
    vehicle: str = ""
    phone: str = ""

    def as_log(self) -> dict[str, Any]:
        return {
            k: (v.isoformat() if isinstance(v, dt.date) else v)
            for k, v in self.__dict__.items()
            if v not in ("", None)
        }


@dataclass
class SearchResult:
    people: list[PersonSummary] = field(default_factory=list)
    total: int = 0
    too_many: bool = False
    # Persons found with the date of birth asked for but a year out (a typing error), by pk:
    # ranked after exact matches and said so.
    year_out: set[int] = field(default_factory=set)

    @property
    def truncated(self) -> bool:
        return self.total > len(self.people)


# ---- the surname index -------------------------------------------------------------------


@dataclass
class _NameIndex:
    built_at: float
    max_pk: int | None
    by_clean: dict[str, list[str]]  # clean surname -> spellings held
    by_metaphone: dict[str, list[str]]  # metaphone -> clean surnames
    by_soundex: dict[str, list[str]]
    by_part: dict[str, list[str]]  # a part of a double-barrelled name -> clean surnames
    forenames: dict[str, list[str]] = field(default_factory=dict)  # clean -> spellings held
    forename_sounds: dict[str, list[str]] = field(default_factory=dict)  # metaphone -> clean
    forename_formal: dict[str, list[str]] = field(default_factory=dict)  # a key -> clean names


_index: _NameIndex | None = None
_lock = threading.Lock()


def _spellings_held(name_field: str) -> dict[str, list[str]]:
    """Every distinct spelling of a mention's name field held, by its clean form."""
    found: dict[str, list[str]] = defaultdict(list)
    for spelling in (
        PersonMention.objects.exclude(**{name_field: ""})
        .values_list(name_field, flat=True)
        .distinct()
    ):
        if key := clean_name(spelling):
            found[key].append(spelling)
    return found


def _build_index(max_pk: int | None) -> _NameIndex:
    by_clean = _spellings_held("surname")
    by_meta: dict[str, list[str]] = defaultdict(list)
    by_sdx: dict[str, list[str]] = defaultdict(list)
    by_part: dict[str, list[str]] = defaultdict(list)
    for key, spellings in by_clean.items():
        by_meta[jellyfish.metaphone(key)].append(key)
        by_sdx[jellyfish.soundex(key)].append(key)
        for spelling in spellings:
            parts = (clean_text(spelling) or "").split(" ")
            if len(parts) > 1:
                for part in parts:
                    by_part[part].append(key)
    forenames = _spellings_held("forename")
    sounds: dict[str, list[str]] = defaultdict(list)
    formal: dict[str, list[str]] = defaultdict(list)
    for key in forenames:
        sounds[jellyfish.metaphone(key)].append(key)
        for other in _forename_keys(key):
            formal[other].append(key)
    return _NameIndex(
        time.monotonic(),
        max_pk,
        dict(by_clean),
        dict(by_meta),
        dict(by_sdx),
        dict(by_part),
        dict(forenames),
        dict(sounds),
        dict(formal),
    )


def name_index() -> _NameIndex:
    global _index
    max_pk = PersonMention.objects.aggregate(m=Max("pk"))["m"]
    with _lock:
        if (
            _index is None
            or _index.max_pk != max_pk
            or time.monotonic() - _index.built_at > INDEX_TTL
        ):
            _index = _build_index(max_pk)
        return _index


def reset_name_index() -> None:
    global _index
    with _lock:
        _index = None


def _typo_limit(name: str) -> int:
    return 0 if len(name) < 4 else 1 if len(name) < 8 else 2


def surname_spellings(surname: str) -> list[str]:
    """Every spelling held that this surname may be, closest first."""
    query = clean_name(surname)
    if not query:
        return []
    index = name_index()
    scores: dict[str, float] = {}
    if query in index.by_clean:
        scores[query] = 2.0
    for key in index.by_part.get(query, ()):
        scores.setdefault(key, 1.5)
    for key in index.by_metaphone.get(jellyfish.metaphone(query), ()):
        scores.setdefault(key, 1.0 + jellyfish.jaro_winkler_similarity(query, key) / 10)
    for key in index.by_soundex.get(jellyfish.soundex(query), ()):
        similarity = jellyfish.jaro_winkler_similarity(query, key)
        if similarity >= 0.8:
            scores.setdefault(key, similarity)
    limit = _typo_limit(query)
    if limit:
        for key in index.by_clean:
            if (
                key not in scores
                and abs(len(key) - len(query)) <= limit
                and jellyfish.damerau_levenshtein_distance(query, key) <= limit
            ):
                scores[key] = 0.5 + jellyfish.jaro_winkler_similarity(query, key) / 10
    best = sorted(scores, key=lambda k: -scores[k])[:MAX_SURNAMES]
    return [spelling for key in best for spelling in index.by_clean.get(key, ())]


def forename_spellings(query: str) -> list[str] | None:
    """Every forename held that ``forename_matches`` would accept for this query, found
    through the index (the same tests, not a scan of every mention); None for an initial."""
    q = clean_name(query)
    if not q or len(q) == 1:
        return None
    index = name_index()
    held = index.forenames
    keys = {q} & held.keys()
    keys.update(k for k in _forename_keys(q) if k in held)
    keys.update(index.forename_formal.get(q, ()))
    keys.update(index.forename_sounds.get(jellyfish.metaphone(q), ()))
    limit = _typo_limit(q)
    if limit:
        keys.update(
            k
            for k in held
            if abs(len(k) - len(q)) <= limit
            and jellyfish.damerau_levenshtein_distance(q, k) <= limit
        )
    return sorted(spelling for k in keys for spelling in held[k])


def forename_matches(query: str, forename: str) -> bool:
    q, f = clean_name(query), clean_name(forename)
    if not q:
        return True
    if not f:
        return False
    if len(q) == 1:
        return f.startswith(q)
    if q == f or f in _forename_keys(q) or q in _forename_keys(f):
        return True
    if jellyfish.metaphone(q) == jellyfish.metaphone(f):
        return True
    return jellyfish.damerau_levenshtein_distance(q, f) <= _typo_limit(q)


def _dob_matches(wanted: dt.date, dob: dt.date | None) -> bool:
    return _dob_closeness(wanted, dob) is not None


def _dob_closeness(wanted: dt.date, dob: dt.date | None) -> int | None:
    """0: the date asked for; 1: its day and month swapped (a common error in source systems);
    2: the same day and month a year either side (a typing error in the year); None: neither."""
    if dob is None:
        return None
    if dob == wanted:
        return 0
    if dob.year == wanted.year and dob.month == wanted.day and dob.day == wanted.month:
        return 1
    if abs(dob.year - wanted.year) == 1 and (dob.month, dob.day) == (wanted.month, wanted.day):
        return 2
    return None


def _dates_near(wanted: dt.date) -> list[dt.date]:
    """The dates of birth a search for ``wanted`` finds: itself, day and month swapped, and the
    same day a year before and after (each a look-up on the date-of-birth index)."""
    dates = [wanted]
    if wanted.day <= 12 and wanted.day != wanted.month:
        dates.append(wanted.replace(month=wanted.day, day=wanted.month))
    for year in (wanted.year - 1, wanted.year + 1):
        with contextlib.suppress(ValueError):  # 29 February in a year that has none
            dates.append(wanted.replace(year=year))
    return dates


def _born_between(age_min: int, age_max: int, today: dt.date) -> Q:
    """Dates of birth of people aged ``age_min`` to ``age_max`` today (on the indexed column)."""

    def years_before(years: int) -> dt.date:
        try:
            return today.replace(year=today.year - years)
        except ValueError:  # today is 29 February
            return today.replace(year=today.year - years, day=28)

    earliest = years_before(age_max + 1) + dt.timedelta(days=1)
    return Q(date_of_birth__gte=earliest, date_of_birth__lte=years_before(age_min))


# ---- candidates by each criterion --------------------------------------------------------

_ROW = ("forename", "middle_names", "surname", "link__person_id")
_PARTNER_ROW = (*_ROW, "role", "record__record_type")  # what mention_visible needs

# The names each candidate was matched by (person pk -> name -> mentions), for ranking.
Matched = dict[int, Counter[str]]


def _persons(
    viewer: Viewer,
    q: Q,
    refine_forename: str = "",
    matched: Matched | None = None,
) -> set[int]:
    """Persons with a visible mention matching ``q`` (and the forename, if given). The names of
    the matching mentions are counted into ``matched``."""
    annotations = da_annotations() if viewer.partner else {}
    qs = visible_mentions(viewer, PersonMention.objects.filter(q, link__isnull=False))
    found: set[int] = set()
    forename_ok: dict[str, bool] = {}  # a few hundred distinct forenames among thousands of rows
    if viewer.partner:
        rows: Any = qs.annotate(**annotations).values(*_PARTNER_ROW, *annotations)
    else:
        # Police roles need no per-record check: one row per person and name as written, with
        # how many mentions, counted by the database (a common surname is 10,000 mentions).
        rows = qs.values(*_ROW).annotate(n=Count("pk")).order_by()
    for row in rows:
        if refine_forename:
            ok = forename_ok.get(row["forename"])
            if ok is None:
                ok = forename_ok[row["forename"]] = forename_matches(
                    refine_forename, row["forename"]
                )
            if not ok:
                continue
        if mention_visible(viewer, row):
            pk = row["link__person_id"]
            found.add(pk)
            if matched is not None and (
                name := full_name(row["forename"], row["middle_names"], row["surname"])
            ):
                matched.setdefault(pk, Counter())[name] += row.get("n", 1)
    return found


def _by_place(viewer: Viewer, place: str, matched: Matched) -> set[int]:
    code = normalise.postcode(place)
    compact = place.replace(" ", "")
    if code and 5 <= len(compact) <= 7 and any(c.isdigit() for c in compact):
        # With the people recorded at one of its addresses written without the postcode, where
        # that address joins one here (the first line and town agree, no other candidate).
        here = Location.objects.filter(postcode=code).values_list("pk", "key", "address")[:200]
        bare = sorted(joining_without_postcode(list(here)))
        q = Q(postcode=code) | Q(location_id__in=bare) if bare else Q(postcode=code)
        return _persons(viewer, q, matched=matched)
    locations = list(
        Location.objects.filter(address__icontains=place.strip()).values_list("pk", flat=True)[:500]
    )
    return _persons(viewer, Q(location_id__in=locations), matched=matched) if locations else set()


def _by_object(viewer: Viewer, object_type: str, value: str, matched: Matched) -> set[int]:
    identifier = normalise.identifier(value) or ""
    records = list(
        RecordObject.objects.filter(object_type=object_type, identifier=identifier).values_list(
            "record_id", flat=True
        )[:500]
    )
    q = Q(record_id__in=records)
    if object_type == "phone" and (digits := normalise.phone(value)):
        q |= Q(phone=digits)
    return _persons(viewer, q, matched=matched)


def search(criteria: Criteria, viewer: Viewer, today: dt.date | None = None) -> SearchResult:
    """Persons matching every criterion given (on any of their mentions the viewer may see)."""
    today = today or timezone.localdate()
    sets: list[set[int]] = []
    matched: Matched = {}
    # The forenames a first name may be, so the database narrows by them too (the per-row
    # check in _persons stays, and decides).
    forenames = forename_spellings(criteria.forename) if criteria.forename else None
    by_forename = (
        Q(forename__in=forenames) if forenames is not None and len(forenames) <= 900 else Q()
    )
    if criteria.surname:
        spellings = surname_spellings(criteria.surname)
        found: set[int] = set()
        for chunk in chunks(spellings):
            found |= _persons(
                viewer, Q(surname__in=chunk) & by_forename, criteria.forename, matched
            )
        sets.append(found)
    if criteria.place:
        sets.append(_by_place(viewer, criteria.place, matched))
    if criteria.vehicle:
        sets.append(_by_object(viewer, "vehicle", criteria.vehicle, matched))
    if criteria.phone:
        sets.append(_by_object(viewer, "phone", criteria.phone, matched))
    forename_applied = bool(criteria.surname)
    wanted = criteria.date_of_birth
    ages = (
        (criteria.age_min, criteria.age_max)
        if criteria.age_min is not None and criteria.age_max is not None
        else None
    )
    if ages and criteria.forename and not sets and not wanted:
        # A first name and an age range: the names it may be, among the people born in those
        # years (a range on the date-of-birth index, the names checked on those rows).
        forename_applied = True
        sets.append(
            _persons(viewer, _born_between(*ages, today) & by_forename, criteria.forename, matched)
        )
    if wanted:
        q = Q(date_of_birth__in=_dates_near(wanted))
        if not sets:
            forename_applied = True
            sets.append(_persons(viewer, q & by_forename, criteria.forename, matched))
        else:
            # Only persons with some mention of that date can have it as their date of birth
            # (checked on their summary below): fewer persons to summarise, the same results.
            sets.append(_persons(viewer, q))
    if not sets:
        return SearchResult()
    candidates = set.intersection(*sets)
    if len(candidates) > MAX_CANDIDATES:
        return SearchResult(total=len(candidates), too_many=True)
    query_name = clean_name(criteria.surname) or ""
    needs_summaries = bool(wanted or ages or (criteria.forename and not forename_applied))
    if len(candidates) > MAX_RESULTS and not needs_summaries:
        # Many people match, and nothing left to check needs their whole summary: rank them by
        # the names they were matched by and summarise only those shown.
        return _ranked_by_match(candidates, matched, query_name, viewer, today)
    few = len(candidates) <= MAX_RESULTS  # then their summaries are the ones shown
    summaries = summarise(candidates, viewer, with_alerts=few, today=today)
    people = list(summaries.values())
    if criteria.forename and not forename_applied:
        people = [
            p
            for p in people
            if any(forename_matches(criteria.forename, n.split(" ")[0]) for n in p.names)
        ]
    closeness: dict[int, int] = {}
    if wanted:
        for p in people:
            if (near := _dob_closeness(wanted, p.date_of_birth)) is not None:
                closeness[p.pk] = near
        people = [p for p in people if p.pk in closeness]
    if ages:
        low, high = ages
        people = [p for p in people if p.age is not None and low <= p.age <= high]

    def rank(p: PersonSummary) -> tuple[Any, ...]:
        # The date of birth asked for (or swapped) first, a year out after.
        return (closeness.get(p.pk, 0) == 2, *_rank(p.names, p.best_name, query_name, p.person_id))

    people.sort(key=rank)
    shown = people[:MAX_RESULTS]
    result = SearchResult(
        people=shown,
        total=len(people),
        year_out={p.pk for p in shown if closeness.get(p.pk) == 2},
    )
    if shown and not few:
        full = summarise([p.pk for p in shown], viewer, with_alerts=True, today=today)
        result.people = [full.get(p.pk, p) for p in shown]
    return result


def _rank(names: Any, best_name: str, query_name: str, tie: Any) -> tuple[Any, ...]:
    """Exact spellings of the surname first, then by surname and name."""
    exact = any(clean_name(n.split(" ")[-1]) == query_name for n in names)
    return (not exact, best_name.split(" ")[-1].lower(), best_name.lower(), tie)


def _ranked_by_match(
    candidates: set[int], matched: Matched, query_name: str, viewer: Viewer, today: dt.date
) -> SearchResult:
    def rank(pk: int) -> tuple[Any, ...]:
        names = matched.get(pk) or Counter()
        best = names.most_common(1)[0][0] if names else ""
        return _rank(names, best, query_name, pk)

    shown = sorted(candidates, key=rank)[:MAX_RESULTS]
    full = summarise(shown, viewer, with_alerts=True, today=today)
    return SearchResult(people=[full[pk] for pk in shown if pk in full], total=len(candidates))
