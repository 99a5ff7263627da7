"""People as a casework form names them: by name and date of birth, as their latest record does."""

from __future__ import annotations

from django.db.models import Q

from vigil.records.models import PersonMention


def name_of(person_id: str) -> str:
    mention = (
        PersonMention.objects.filter(link__person__person_id=person_id)
        .exclude(Q(forename="") & Q(surname=""))
        .order_by("-occurred_at", "-pk")
        .values("forename", "surname", "date_of_birth")
        .first()
    )
    if mention is None:
        return "A person whose name is not recorded"
    name = " ".join(p for p in (mention["forename"], mention["surname"]) if p)
    born = mention["date_of_birth"]
    return name + (f", born {born.day} {born:%B %Y}" if born else "")
