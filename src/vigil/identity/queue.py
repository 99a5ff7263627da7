"""The identity review queue as staff work it: the most uncertain pairs first, pairs the model
already linked out of the way unless asked for, and narrowed by person, score band and source.

Every page is one bounded query on ``ReviewPair`` (its ``status`` and ``match_probability``
index) plus a count, then the page's own mentions, records and persons.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.fields.json import KT
from django.db.models.functions import Abs
from django.utils import timezone

from vigil.access.disclosure import Viewer
from vigil.identity.forms import BANDS
from vigil.identity.model import Thresholds
from vigil.identity.models import IdentityState, MentionLink, Person, ReviewPair
from vigil.identity.summaries import PersonSummary, summarise
from vigil.records.models import PersonMention, Record

MAX_PERSONS = 50  # persons a name may find before the filter asks for more of it
SOURCES_TTL = 300.0

# Source systems as staff know them; one not listed is shown with a capital letter.
SOURCE_NAMES = {
    "storm": "Storm (calls for service)",
    "niche": "Niche (crimes, intelligence and investigations)",
    "custody": "Custody",
    "compact": "Compact (missing people)",
    "csc": "Children's social care",
    "vigil": "Recorded in Vigil",
}


def source_name(system: str) -> str:
    return SOURCE_NAMES.get(system, system[:1].upper() + system[1:])


def link_threshold() -> float:
    """The probability at or above which this store's model links two mentions (its own
    trained model's, else the shipped default's)."""
    held = (
        IdentityState.objects.filter(pk=1)
        .values_list(KT("trained_model__thresholds__link"), flat=True)
        .first()
    )
    try:
        return float(str(held)) if held not in (None, "") else Thresholds().link
    except ValueError:
        return Thresholds().link


_sources: tuple[float, list[str]] | None = None
_sources_lock = threading.Lock()


def source_systems() -> list[tuple[str, str]]:
    """The source systems held, as (value, name) choices; read at most every five minutes (a
    distinct over every record is not a query for each page)."""
    global _sources
    with _sources_lock:
        if _sources is None or time.monotonic() - _sources[0] > SOURCES_TTL:
            held = Record.objects.order_by().values_list("source_system", flat=True).distinct()
            _sources = (time.monotonic(), sorted(set(held)))
        systems = _sources[1]
    return sorted(((s, source_name(s)) for s in systems), key=lambda c: c[1].lower())


def reset_source_systems() -> None:
    global _sources
    with _sources_lock:
        _sources = None


def persons_matching(text: str) -> list[int]:
    """The persons (``Person`` pks) a filter's text means: a person's id as written, or a name
    ("Amy Stone", or a last name alone) on any of their mentions, any case."""
    if not text:
        return []
    exact = list(Person.objects.filter(person_id=text).values_list("pk", flat=True)[:1])
    if exact:
        return exact
    words = text.split(" ")
    q = Q(surname__iexact=words[-1])
    if len(words) > 1:
        q &= Q(forename__iexact=words[0])
    found = (
        PersonMention.objects.filter(q, link__isnull=False)
        .order_by()
        .values_list("link__person_id", flat=True)
        .distinct()[: MAX_PERSONS + 1]
    )
    return sorted(found)


@dataclass
class QueueQuery:
    person_pks: list[int] | None = None  # None: no person asked for
    band: str = ""
    source: str = ""
    include_linked: bool = False
    threshold: float = field(default_factory=lambda: Thresholds().link)


def pending_pairs(query: QueueQuery) -> QuerySet[ReviewPair]:
    """The pending pairs asked for, the most uncertain (closest to the link threshold) first:
    ids only, for paging."""
    qs = ReviewPair.objects.filter(status=ReviewPair.Status.PENDING)
    if query.person_pks is not None:
        # Driven from the persons' mentions, so each side is a look-up on its own index rather
        # than a join from every pending pair.
        mentions = MentionLink.objects.filter(person_id__in=query.person_pks).values("mention_id")
        qs = qs.filter(Q(mention_a_id__in=mentions) | Q(mention_b_id__in=mentions))
    if query.band:
        _, low, high = BANDS[query.band]
        qs = qs.filter(match_probability__gte=low, match_probability__lt=high)
    if query.source:
        # The source's mentions hashed once, each side checked against them (measured faster
        # than a look-up per side at 50,000 pending pairs).
        from_source = PersonMention.objects.filter(record__source_system=query.source).values("pk")
        qs = qs.filter(Q(mention_a_id__in=from_source) | Q(mention_b_id__in=from_source))
    if not query.include_linked:
        # Both mentions already one person, and the model sure enough to have linked them:
        # each side's link read by its mention's key (no join through the mentions).
        person_b = MentionLink.objects.filter(mention_id=OuterRef(OuterRef("mention_b_id")))
        same_person = MentionLink.objects.filter(
            mention_id=OuterRef("mention_a_id"),
            person_id=Subquery(person_b.values("person_id")[:1]),
        )
        qs = qs.exclude(Q(match_probability__gte=query.threshold) & Exists(same_person))
    return qs.order_by(Abs(F("match_probability") - query.threshold), "id")


# ---- a pair in words ---------------------------------------------------------------------


RELATED = ("mention_a__record", "mention_b__record")


def name_of(m: PersonMention) -> str:
    return " ".join(p for p in (m.forename, m.middle_names, m.surname) if p) or "Name not recorded"


def _born(dob: dt.date | None, age: int | None = None) -> str:
    if dob is not None:
        return f"born {dob.day} {dob:%B %Y}"
    if age is not None:
        return f"about {age} years old"
    return "date of birth not known"


def person_label(summary: PersonSummary) -> str:
    """A person as staff tell them apart: name and date of birth (never their id)."""
    return f"{summary.best_name}, {_born(summary.date_of_birth, summary.age)}"


def record_label(m: PersonMention) -> str:
    record = m.record
    kind = record.record_type.replace("_", " ")
    when = timezone.localtime(record.occurred_at)
    return f"{kind[:1].upper()}{kind[1:]} of {when.day} {when:%B %Y}"


def mention_view(m: PersonMention, persons: dict[int, tuple[str, str]]) -> dict[str, Any]:
    record = m.record
    person = persons.get(m.pk)
    return {
        "name": name_of(m),
        "aliases": [a for a in m.aliases.splitlines() if a.strip()],
        "date_of_birth": m.date_of_birth,
        "age_estimate": m.age_estimate,
        "gender": m.gender,
        "address": m.address,
        "postcode": m.postcode,
        "role": m.role.replace("_", " "),
        "record_type": record.record_type.replace("_", " "),
        "record_label": record_label(m),
        "occurred_at": record.occurred_at,
        "source": source_name(record.source_system),
        "record_pk": record.pk,
        "person_id": person[0] if person else None,
        "person_label": person[1] if person else None,
    }


def persons_of(mentions: list[PersonMention], viewer: Viewer) -> dict[int, tuple[str, str]]:
    """Each mention's person now: (person id for the link, the person in words)."""
    links = dict(
        MentionLink.objects.filter(mention__in=mentions).values_list("mention_id", "person_id")
    )
    summaries, _ = summarise(set(links.values()), viewer)
    return {
        mention: (summaries[pk].person_id, person_label(summaries[pk]))
        for mention, pk in links.items()
        if pk in summaries
    }


def pair_title(a: dict[str, Any], b: dict[str, Any]) -> str:
    """The pair in words: both names, with the record each was named on."""
    return (
        f"{a['name']} ({_uncap(a['record_label'])}) and {b['name']} ({_uncap(b['record_label'])})"
    )


def _uncap(text: str) -> str:
    return text[:1].lower() + text[1:]
