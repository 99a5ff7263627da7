"""People as the search, person and address pages list them: the identity app's summaries
(``vigil.identity.summaries``), with each person's open alerts counted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from vigil.access.disclosure import Viewer
from vigil.alerts.models import Alert
from vigil.identity import summaries as core
from vigil.identity.summaries import PersonSummary, chunks


def summarise(
    person_pks: Iterable[int],
    viewer: Viewer,
    *,
    with_alerts: bool = True,
    today: dt.date | None = None,
) -> dict[int, PersonSummary]:
    """``vigil.identity.summaries.summarise``, and the open alerts of each (never for partners).
    One or two queries per 500 persons for the alerts."""
    out, rows_by = core.summarise(person_pks, viewer, today=today)
    if with_alerts and not viewer.partner and out:
        count_alerts(out, rows_by)
    return out


def count_alerts(out: dict[int, PersonSummary], rows_by: dict[int, list[dict[str, Any]]]) -> None:
    """Open alerts per person: alerts about the person, and alerts about a record that name one
    of the person's mentions (as ``alerts.profile`` collects them). Two queries per 500."""
    by_person_id = {s.person_id: s for s in out.values()}
    for s in out.values():
        s.open_alerts = 0
    for chunk in chunks(by_person_id):
        for person_id in (
            Alert.objects.live().about_persons(chunk).values_list("person_id", flat=True)
        ):
            summary = by_person_id[person_id]
            summary.open_alerts = (summary.open_alerts or 0) + 1
    owner: dict[tuple[str, str, str], int] = {}
    for pk, rows in rows_by.items():
        for r in rows:
            owner[(r["record__source_system"], r["record__source_id"], r["mention_id"])] = pk
    source_ids = sorted({k[1] for k in owner})
    for chunk in chunks(source_ids):
        for mentions in Alert.objects.live().on_records(chunk).values_list("mentions", flat=True):
            for pk in {owner[key] for m in mentions if (key := tuple(m)) in owner}:
                summary = out[pk]
                summary.open_alerts = (summary.open_alerts or 0) + 1
