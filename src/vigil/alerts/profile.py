"""One person as CLI.md's ``vigil person`` shows them: identity, mentions, chronology, alerts.

Here in alerts, not identity: it gathers a person's alerts, and identity sits below alerts."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from vigil.alerts.engine import stored_alert_json
from vigil.alerts.models import Alert
from vigil.identity.models import MentionLink
from vigil.records.models import PersonMention
from vigil.rules.model import MentionKey, unresolved_person_id


class MentionNotFound(LookupError):
    pass


def _name(m: PersonMention) -> str:
    return " ".join(part for part in (m.forename, m.middle_names, m.surname) if part)


def live_alerts(person_id: str, keys: set[tuple[str, str, str]]) -> list[Alert]:
    """Open and acknowledged alerts about a person: those whose subject is the person, and those
    about a record that name one of the person's mentions (``keys``: system, source id, mention
    id). Oldest first."""
    return Alert.objects.live().about_person(person_id, keys)


def person_profile(source_system: str, source_id: str, mention_id: str) -> dict[str, Any]:
    try:
        mention = PersonMention.objects.select_related("record").get(
            record__source_system=source_system, record__source_id=source_id, mention_id=mention_id
        )
    except PersonMention.DoesNotExist:
        raise MentionNotFound(
            f"no mention {mention_id!r} on record {source_system}/{source_id}"
        ) from None
    link = MentionLink.objects.filter(mention=mention).select_related("person").first()
    if link is None:
        person_id = unresolved_person_id(MentionKey(source_system, source_id, mention_id))
        mentions = [mention]
    else:
        person_id = link.person.person_id
        mentions = list(
            PersonMention.objects.filter(link__person=link.person)
            .select_related("record")
            .order_by("occurred_at", "pk")
        )
    names = Counter(name for m in mentions if (name := _name(m)))
    aliases = sorted({a for m in mentions for a in m.aliases.split("\n") if a})
    records = {m.record_id: m.record for m in mentions}
    chronology = sorted(
        records.values(), key=lambda r: (r.occurred_at, r.source_system, r.source_id)
    )
    keys = {(m.record.source_system, m.record.source_id, m.mention_id) for m in mentions}
    alerts = live_alerts(person_id, keys)
    return {
        "person_id": person_id,
        "best_name": names.most_common(1)[0][0] if names else "",
        "names": [name for name, _ in names.most_common()],
        "dates_of_birth": sorted(
            {m.date_of_birth.isoformat() for m in mentions if m.date_of_birth}
        ),
        "aliases": aliases,
        "mentions": [
            {
                "source_system": m.record.source_system,
                "source_id": m.record.source_id,
                "mention_id": m.mention_id,
                "role": m.role,
            }
            for m in mentions
        ],
        "chronology": [
            {
                "at": r.occurred_at.astimezone(dt.UTC).isoformat(),
                "record_type": r.record_type,
                "source_system": r.source_system,
                "source_id": r.source_id,
                "summary": r.summary,
            }
            for r in chronology
        ],
        "alerts": [stored_alert_json(a) for a in alerts],
    }
