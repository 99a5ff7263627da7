"""How the access log names people, records and addresses (``vigil.audit.naming``): a person
by name and date of birth, a record by its type and date, an address as written. Registered
from ``IdentityConfig.ready`` (the log sits below the apps that hold them)."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from vigil.access.disclosure import Viewer
from vigil.audit import naming
from vigil.identity import queue
from vigil.identity.models import Person
from vigil.identity.summaries import summarise
from vigil.records.models import Location, PersonMention, Record

MAX_FOUND = 20
# The log is read by auditors and supervisors: people are named as police staff see them.
_POLICE = Viewer(intelligence=True, agreement=None)


def name_persons(ids: set[str]) -> dict[str, str]:
    pks = dict(Person.objects.filter(person_id__in=sorted(ids)).values_list("pk", "person_id"))
    summaries, _ = summarise(pks, _POLICE)
    return {pks[pk]: queue.person_label(s) for pk, s in summaries.items()}


def _record_words(record_type: str, occurred_at: object) -> str:
    kind = record_type.replace("_", " ")
    when = timezone.localtime(occurred_at)  # type: ignore[arg-type]
    return f"the {kind} of {when.day} {when:%B %Y}"


def name_records(refs: set[str]) -> dict[str, str]:
    pks = {int(r) for r in refs if r.isdigit() and len(r) < 19}
    keys = [tuple(r.split("/", 1)) for r in refs if "/" in r]
    q = Q(pk__in=sorted(pks))
    for system, source_id in keys:
        q |= Q(source_system=system, source_id=source_id)
    out: dict[str, str] = {}
    for pk, system, source_id, record_type, occurred_at in Record.objects.filter(q).values_list(
        "pk", "source_system", "source_id", "record_type", "occurred_at"
    ):
        words = _record_words(record_type, occurred_at)
        out[str(pk)] = out[f"{system}/{source_id}"] = words
    return out


def name_places(pks: set[int]) -> dict[int, str]:
    return {
        pk: ", ".join(p for p in (address, postcode) if p) or "an address with no words"
        for pk, address, postcode in Location.objects.filter(pk__in=sorted(pks)).values_list(
            "pk", "address", "postcode"
        )
    }


def find_persons(text: str) -> list[str]:
    pks = queue.persons_matching(" ".join(text.split()))[:MAX_FOUND]
    return list(Person.objects.filter(pk__in=pks).values_list("person_id", flat=True))


def find_records(text: str) -> list[str]:
    text = text.strip()
    if "/" in text:
        system, source_id = text.split("/", 1)
        q = Q(source_system=system.strip(), source_id=source_id.strip())
    elif text.isdigit() and len(text) < 19:
        q = Q(pk=int(text)) | Q(source_id=text)
    else:
        q = Q(source_id=text)
    refs: list[str] = []
    for pk, system, source_id in Record.objects.filter(q).values_list(
        "pk", "source_system", "source_id"
    )[:MAX_FOUND]:
        refs += [str(pk), f"{system}/{source_id}"]
    return refs


def records_of_person(person_id: str) -> list[str]:
    refs: list[str] = []
    for pk, system, source_id in (
        PersonMention.objects.filter(link__person__person_id=person_id)
        .values_list("record_id", "record__source_system", "record__source_id")
        .distinct()
    ):
        refs += [str(pk), f"{system}/{source_id}"]
    return refs


def register() -> None:
    naming.register(
        persons=name_persons,
        records=name_records,
        places=name_places,
        find_persons=find_persons,
        find_records=find_records,
        records_of_person=records_of_person,
    )
