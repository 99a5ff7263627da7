"""A person's chronology as a table: one row per incident (its linked records grouped), each
record's outcome read from its effective record (amendments written in Vigil applied, as the
rules read it), filters, and the one-line summary a MASH officer writes at the top.

Built from the person page's entries (``person.Entry``: already narrowed to what the viewer may
see); three queries more: the shown records' payloads and places, their links, and the
amendments of those that have any.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from vigil.access.disclosure import (
    DA_CANDIDATE_TYPES,
    Viewer,
    da_fields_of,
    is_domestic_abuse,
    kind_label,
)
from vigil.records.contract import AMENDS, VIGIL_SYSTEM, parse_record
from vigil.records.models import Record, RecordLink
from vigil.rules.amendments import effective_record
from vigil.rules.clock import end_of_working_day_after, lateness
from vigil.rules.definitions import INCIDENT_RELATIONS

# ALERTS.md: "in the last D days" windows the rules use, drawn and counted here.
MISSING_WINDOW_DAYS = 90  # REPEAT_MISSING
DA_WINDOW_DAYS = 365  # CUMULATIVE_DOMESTIC_ABUSE (12 months are 365 days)

SOURCE_SYSTEMS = {
    "storm": "STORM (command and control)",
    "niche": "Niche (crime, intelligence and investigations)",
    "compact": "COMPACT (missing people)",
    "custody": "Custody system",
    "csc": "Children's social care",
    "marac": "MARAC coordinator",
    "vigil": "Written in Vigil",
    "visor": "ViSOR (offender management)",
    "pp": "Police protection register",
}

PREMISES = {
    "private_dwelling": "a home",
    "care_home": "a care home",
    "school": "a school",
    "licensed_premises": "licensed premises",
    "takeaway": "a takeaway",
    "hotel": "a hotel",
    "public_place": "a public place",
    "police_station": "a police station",
    "hospital": "a hospital",
    "online": "online",
    "other": "another place",
}

DECISIONS = {
    "no_further_action": "no further action",
    "early_help": "early help",
    "section_17": "section 17 (child in need)",
    "section_47": "section 47 enquiry",
    "already_open": "already open to children's social care",
}
AGENCIES = {
    "childrens_social_care": "children's social care",
    "mash": "the MASH",
    "school": "school",
    "health": "health",
    "other": "another agency",
}
END_REASONS = {
    "returned_home": "returned home",
    "la_accommodation": "local authority accommodation",
    "epo_obtained": "emergency protection order obtained",
    "other": "other",
}


def source_label(system: str) -> str:
    return SOURCE_SYSTEMS.get(system, system.replace("_", " ").capitalize() if system else "")


def words(code: Any, table: dict[str, str] | None = None) -> str:
    text = str(code or "")
    if table and text in table:
        return table[text]
    return text.replace("_", " ")


# ---- times ---------------------------------------------------------------------------------


def _instant(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and len(value) >= 16:
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
        return moment if moment.tzinfo else timezone.make_aware(moment)
    return None


def on(value: Any, with_time: bool = True) -> str:
    moment = _instant(value)
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    return f"{local.day} {local:%b %Y}" + (f" {local:%H:%M}" if with_time else "")


def span(start: dt.datetime, end: dt.datetime) -> str:
    """A length of time in words: '18 hours', '3 days 2 hours', '40 minutes'."""
    minutes = max(int((end - start) / dt.timedelta(minutes=1)), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)

    def unit(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    if days:
        return " ".join([unit(days, "day")] + ([unit(hours, "hour")] if hours else []))
    if hours:
        return unit(hours, "hour")
    return unit(minutes, "minute")


def _actions(items: Any, now: dt.datetime) -> str:
    if not isinstance(items, list) or not items:
        return "no actions recorded"
    done = sum(1 for a in items if isinstance(a, dict) and a.get("done_at"))
    outstanding = len(items) - done
    overdue = sum(
        1
        for a in items
        if isinstance(a, dict)
        and not a.get("done_at")
        and (due := _instant(a.get("due_at"))) is not None
        and due < now
    )
    text = f"{done} of {len(items)} action{'s' if len(items) != 1 else ''} done"
    if outstanding:
        text += f", {outstanding} outstanding" + (f" ({overdue} overdue)" if overdue else "")
    return text


# ---- outcomes ------------------------------------------------------------------------------


def referral_late(p: dict[str, Any], now: dt.datetime) -> bool:
    """REFERRAL_NO_DECISION's deadline: the end of the first working day after it arrived."""
    if p.get("to_agency") not in ("childrens_social_care", "mash"):
        return False
    arrived = _instant(p.get("received_at")) or _instant(p.get("sent_at"))
    if arrived is None:
        return False
    deadline = end_of_working_day_after(arrived)
    decided = _instant(p.get("decision_at"))
    return (decided or now) > deadline and now > deadline


def outcome(record_type: str, p: dict[str, Any], now: dt.datetime) -> list[str]:
    """What came of a record, in words, from its (effective) payload: the fields a viewer may
    not see are simply absent from ``p``."""
    out: list[str] = []
    if record_type == "referral":
        if p.get("decision"):
            text = f"Decision: {words(p['decision'], DECISIONS)}"
            if p.get("decision_at"):
                text += f" on {on(p['decision_at'])}"
            out.append(text)
        else:
            out.append("No decision recorded")
        arrived = _instant(p.get("received_at")) or _instant(p.get("sent_at"))
        if arrived and referral_late(p, now):
            decided = _instant(p.get("decision_at"))
            deadline = end_of_working_day_after(arrived)
            out.append(f"Decided {lateness(decided, deadline)}" if decided else "Decision overdue")
        if p.get("feedback_at"):
            out.append(f"Feedback given {on(p['feedback_at'], False)}")
        elif p.get("decision"):
            out.append("No feedback recorded")
    elif record_type in ("marac", "strategy_discussion"):
        held = p.get("meeting_at") or p.get("held_at")
        if held:
            out.append(f"{'Meeting' if record_type == 'marac' else 'Held'} {on(held, False)}")
        if "actions" in p or record_type == "marac":
            out.append(_actions(p.get("actions"), now).capitalize())
        if p.get("decisions"):
            out.append(str(p["decisions"]))
    elif record_type == "custody":
        arrived = _instant(p.get("arrived_at"))
        for key, verb in (("released_at", "Released"), ("transferred_at", "Transferred")):
            left = _instant(p.get(key))
            if left:
                text = f"{verb} {on(left)}"
                if arrived:
                    text += f" after {span(arrived, left)}"
                out.append(text)
                break
        else:
            out.append(
                f"Still in custody ({span(arrived, now)} so far)" if arrived else "No release"
            )
        if p.get("charged_at"):
            out.append("Charged" + (", bail refused" if p.get("bail_refused") else ""))
        if p.get("accommodation_outcome"):
            out.append(f"Accommodation: {words(p['accommodation_outcome'])}")
        if p.get("referral_to_csc_at"):
            out.append(f"Referred to children's social care {on(p['referral_to_csc_at'])}")
    elif record_type == "investigation":
        if p.get("closed_at"):
            text = f"Closed {on(p['closed_at'], False)}"
            if p.get("outcome"):
                text += f": {words(p['outcome'])}"
            out.append(text)
        else:
            out.append("Open")
        if p.get("charging"):
            charged = [c for c in p["charging"] if isinstance(c, dict) and c.get("decision")]
            if charged:
                out.append(f"Charging decision: {words(charged[-1]['decision'])}")
    elif record_type == "crime":
        if p.get("status"):
            out.append(f"Crime {words(p['status'])}")
        if p.get("outcome"):
            out.append(f"Outcome: {words(p['outcome'])}")
    elif record_type == "missing":
        reported = _instant(p.get("reported_at"))
        found = _instant(p.get("found_at"))
        if found:
            text = f"Found {on(found)}"
            if reported:
                text += f" after {span(reported, found)}"
            out.append(text)
        elif "found_at" in p or reported:
            out.append("Not found yet")
        if found:
            if p.get("return_interview_completed_at"):
                out.append(f"Return interview done {on(p['return_interview_completed_at'], False)}")
            elif "return_interview_completed_at" in p or "found_at" in p:
                out.append("No return interview recorded")
    elif record_type == "police_protection":
        if p.get("ended_at"):
            text = f"Ended {on(p['ended_at'])}"
            if p.get("end_reason"):
                text += f": {words(p['end_reason'], END_REASONS)}"
            out.append(text)
        elif "ended_at" in p or p.get("started_at"):
            out.append("Not ended")
    elif record_type == "concern":
        ra = p.get("risk_assessment")
        if isinstance(ra, dict) and ra.get("level"):
            out.append(f"Risk assessed {words(ra['level'])}")
        referred = p.get("referred_to")
        if isinstance(referred, list) and referred:
            out.append(
                "Referred to "
                + ", ".join(
                    words(r.get("agency"), AGENCIES) for r in referred if isinstance(r, dict)
                )
            )
    elif record_type == "call":
        grades = p.get("grade_history")
        if isinstance(grades, list) and grades:
            first, last = grades[0].get("grade"), grades[-1].get("grade")
            out.append(
                f"Graded {words(first)}"
                + (f", then {words(last)}" if last and last != first else "")
            )
        if p.get("attended_at"):
            out.append(f"Attended {on(p['attended_at'])}")
    elif record_type == "cp_plan":
        if p.get("category"):
            out.append(f"Category: {words(p['category'])}")
        out.append(f"Ended {on(p['ended_at'], False)}" if p.get("ended_at") else "In place")
    elif record_type == "rso" and p.get("risk_level"):
        out.append(f"Risk {words(p['risk_level'])}, {words(p.get('management'))}")
    return out


# ---- rows ----------------------------------------------------------------------------------


@dataclass
class Part:
    """One record in a row of the table."""

    pk: int
    occurred_at: dt.datetime
    record_type: str
    kind: str
    what: str
    roles: list[str]
    where: str
    outcome: list[str]
    source: str
    source_system: str
    url: str
    when: str
    da: bool = False
    restricted: bool = False
    completed_in_vigil: bool = False
    late: bool = False  # a referral decided late (or not yet, past its deadline)


@dataclass
class Row:
    """One line of the chronology: a record, or one incident's linked records."""

    parts: list[Part]

    @property
    def lead(self) -> Part:
        return self.parts[0]

    @property
    def occurred_at(self) -> dt.datetime:
        return self.parts[0].occurred_at

    @property
    def incident(self) -> bool:
        return len(self.parts) > 1

    @property
    def da(self) -> bool:
        return any(p.da for p in self.parts)

    @property
    def what(self) -> str:
        if not self.incident:
            return self.lead.what
        head = "Domestic abuse incident" if self.da else "Incident"
        return f"{head}: {len(self.parts)} linked records"

    @property
    def roles(self) -> list[str]:
        return list(dict.fromkeys(r for p in self.parts for r in p.roles))


@dataclass
class Filters:
    kinds: frozenset[str] = frozenset()
    role: str = ""
    agency: str = ""
    start: dt.date | None = None
    end: dt.date | None = None
    newest_first: bool = False

    @property
    def active(self) -> bool:
        return bool(self.kinds or self.role or self.agency or self.start or self.end)

    def keeps(self, part: Part) -> bool:
        if (
            self.kinds
            and part.kind not in self.kinds
            and not ("restricted" in self.kinds and part.restricted)
        ):
            return False
        if self.role and self.role.replace("_", " ") not in part.roles:
            return False
        if self.agency and part.source_system != self.agency:
            return False
        day = timezone.localtime(part.occurred_at).date()
        if self.start and day < self.start:
            return False
        return not (self.end and day > self.end)


@dataclass
class Chronology:
    rows: list[Row]  # filtered and ordered
    every_row: list[Row]  # the whole history, oldest first (the summary's and timeline's)
    summary: str
    roles: list[tuple[str, str]]  # (code, words) of roles in the history
    agencies: list[tuple[str, str]]  # (source system, words)
    filters: Filters = field(default_factory=Filters)

    @property
    def parts(self) -> int:
        return sum(len(r.parts) for r in self.rows)


def _places(records: Iterable[dict[str, Any]]) -> dict[int, str]:
    out = {}
    for r in records:
        address = r["location__address"] or r["location__postcode"]
        premises = PREMISES.get(r["premises_type"], "")
        if address and premises and r["premises_type"] != "private_dwelling":
            out[r["pk"]] = f"{address} ({premises})"
        else:
            out[r["pk"]] = address or premises.capitalize()
    return out


def _effective(
    records: dict[int, dict[str, Any]],
) -> tuple[dict[int, dict[str, Any]], set[int]]:
    """Each record's payload as the rules read it: amendments written in Vigil applied."""
    payloads = {pk: r["payload"] for pk, r in records.items()}
    by_key = {
        (r["source_system"], r["source_id"]): pk
        for pk, r in records.items()
        if r["source_system"] != VIGIL_SYSTEM
    }
    amended: set[int] = set()
    if not by_key:
        return payloads, amended
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    links = RecordLink.objects.filter(
        relation=AMENDS,
        target_system__in=sorted({k[0] for k in by_key}),
        target_id__in=sorted({k[1] for k in by_key}),
    ).values_list("target_system", "target_id", "record__payload")
    for system, source_id, payload in links:
        pk = by_key.get((system, source_id))
        if pk is not None:
            found[pk].append(payload)
    for pk, amendments in found.items():
        try:
            source = parse_record(payloads[pk])
            result = effective_record(source, [parse_record(a) for a in amendments])
        except ValueError:
            continue  # a stored record the contract no longer reads: shown as held
        if result.supplied:
            payloads[pk] = result.record.model_dump(mode="json", exclude_none=True)
            amended.add(pk)
    return payloads, amended


def build(entries: Sequence[Any], viewer: Viewer, now: dt.datetime | None = None) -> Chronology:
    """Every entry of the person page (oldest first) as parts, grouped into rows."""
    now = now or timezone.now()
    shown = [e for e in entries if e.visibility != "restricted"]
    records: dict[int, dict[str, Any]] = {}
    pks = sorted(e.pk for e in shown)
    for i in range(0, len(pks), 500):
        for r in Record.objects.filter(pk__in=pks[i : i + 500]).values(
            "pk",
            "source_system",
            "source_id",
            "payload",
            "premises_type",
            "location__address",
            "location__postcode",
        ):
            records[r["pk"]] = dict(r)
    # Partners too read the effective record: a decision written in Vigil is the decision,
    # and only the fields their agreement lists are read from it below.
    payloads, amended = _effective(records)
    places = {} if viewer.partner else _places(records.values())
    parts: dict[int, Part] = {}
    ordered: list[Part] = []
    for e in entries:
        if e.visibility == "restricted":
            part = Part(
                pk=e.pk,
                occurred_at=e.occurred_at,
                record_type=e.record_type,
                kind=e.kind,
                what="Restricted record",
                roles=[],
                where="",
                outcome=["Ask an investigator or the MASH"],
                source="",
                source_system="",
                url="",
                when=e.when,
                restricted=True,
            )
        else:
            payload = payloads.get(e.pk, {})
            da_fields = da_fields_of(payload) if e.record_type in DA_CANDIDATE_TYPES else None
            da = bool(da_fields and is_domestic_abuse(e.record_type, **da_fields))
            share = viewer.fields(e.record_type, da_fields)
            seen = payload if share is None else {k: payload[k] for k in share if k in payload}
            what = kind_label(e.kind)
            if e.kind == e.record_type and da:
                what += " (domestic abuse)"
            part = Part(
                pk=e.pk,
                occurred_at=e.occurred_at,
                record_type=e.record_type,
                kind=e.kind,
                what=what,
                roles=list(dict.fromkeys(e.roles)),
                where=places.get(e.pk, ""),
                outcome=outcome(e.record_type, seen, now) if share is None or share else [],
                source=source_label(e.source_system),
                source_system=e.source_system,
                url=e.url,
                when=e.when,
                da=da,
                completed_in_vigil=e.pk in amended,
                late=e.record_type == "referral" and share is None and referral_late(seen, now),
            )
        parts[e.pk] = part
        ordered.append(part)
    rows = _group(ordered, records, viewer)
    roles = sorted({r for p in ordered for r in p.roles})
    agencies = sorted({p.source_system for p in ordered if p.source_system})
    return Chronology(
        rows=rows,
        every_row=rows,
        summary=summary_line(rows, now),
        roles=[(r.replace(" ", "_"), r.capitalize()) for r in roles],
        agencies=[(a, source_label(a)) for a in agencies],
    )


def _group(parts: list[Part], records: dict[int, dict[str, Any]], viewer: Viewer) -> list[Row]:
    """One incident's records as one row (ALERTS.md 'DA incident'): records joined by
    ``follows_from`` or ``part_of`` links, either way and transitively; DA records join only
    DA records (a MARAC or referral about several incidents never joins them), and a record
    that is not a DA record joins an incident only when it links to that one alone."""
    if viewer.partner or len(parts) < 2:
        return [Row([p]) for p in parts]
    by_key = {(r["source_system"], r["source_id"]): pk for pk, r in records.items()}
    edges: list[tuple[int, int]] = []
    pks = sorted(records)
    for i in range(0, len(pks), 500):
        for pk, system, source_id in RecordLink.objects.filter(
            record_id__in=pks[i : i + 500], relation__in=sorted(INCIDENT_RELATIONS)
        ).values_list("record_id", "target_system", "target_id"):
            other = by_key.get((system, source_id))
            if other is not None and other != pk:
                edges.append((pk, other))
    if not edges:
        return [Row([p]) for p in parts]
    by_pk = {p.pk: p for p in parts}
    parent = {p.pk: p.pk for p in parts}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    mixed: list[tuple[int, int]] = []
    for a, b in edges:
        if a not in by_pk or b not in by_pk:
            continue
        if by_pk[a].da == by_pk[b].da:
            union(a, b)
        else:
            mixed.append((a, b) if not by_pk[a].da else (b, a))  # (other, da)
    touches: dict[int, set[int]] = defaultdict(set)
    for other, da in mixed:
        touches[find(other)].add(find(da))
    for other_root, incidents in touches.items():
        if len(incidents) == 1:
            union(other_root, next(iter(incidents)))
    groups: dict[int, list[Part]] = defaultdict(list)
    for p in parts:
        groups[find(p.pk)].append(p)
    rows = [Row(sorted(g, key=lambda p: (p.occurred_at, p.pk))) for g in groups.values()]
    rows.sort(key=lambda r: (r.occurred_at, r.lead.pk))
    return rows


def narrow(chron: Chronology, filters: Filters) -> Chronology:
    """The rows with only the parts the filters keep, in the order asked for."""
    rows = []
    for row in chron.every_row:
        kept = [p for p in row.parts if filters.keeps(p)]
        if kept:
            rows.append(Row(kept))
    if filters.newest_first:
        rows.reverse()
    chron.rows = rows
    chron.filters = filters
    return chron


# ---- the summary line ----------------------------------------------------------------------


def _n(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def summary_line(rows: Sequence[Row], now: dt.datetime) -> str:
    """The line a MASH officer writes at the top of a chronology: '12 records since March 2025:
    4 domestic abuse incidents (3 in the last 12 months), missing 5 times (3 in 90 days), ...'"""
    parts = [p for r in rows for p in r.parts]
    if not parts:
        return "No records."
    first = timezone.localtime(min(p.occurred_at for p in parts))
    year_ago = now - dt.timedelta(days=DA_WINDOW_DAYS)
    ninety = now - dt.timedelta(days=MISSING_WINDOW_DAYS)
    bits: list[str] = []
    da_rows = [r for r in rows if r.da or any(p.kind == "da_incident" for p in r.parts)]
    if da_rows:
        recent = sum(1 for r in da_rows if year_ago < r.occurred_at <= now)
        bits.append(
            _n(len(da_rows), "domestic abuse incident") + f" ({recent} in the last 12 months)"
        )
    missing = [p for p in parts if p.record_type == "missing"]
    if missing:
        recent = sum(1 for p in missing if ninety < p.occurred_at <= now)
        bits.append(
            f"missing {_n(len(missing), 'time')} ({recent} in the last {MISSING_WINDOW_DAYS} days)"
        )
    for rtype, one, many in (
        ("custody", "custody", "custody records"),
        ("police_protection", "police protection", "police protections"),
    ):
        n = sum(1 for p in parts if p.record_type == rtype)
        if n:
            bits.append(_n(n, one, many))
    referrals = [p for p in parts if p.record_type == "referral"]
    if referrals:
        late = sum(1 for p in referrals if p.late)
        bits.append(_n(len(referrals), "referral") + (f" ({late} decided late)" if late else ""))
    for rtype, one in (
        ("strategy_discussion", "strategy discussion"),
        ("marac", "MARAC"),
        ("investigation", "investigation"),
        ("cp_plan", "child protection plan"),
    ):
        n = sum(1 for p in parts if p.record_type == rtype)
        if n:
            bits.append(_n(n, one))
    restricted = sum(1 for p in parts if p.restricted)
    if restricted:
        bits.append(_n(restricted, "restricted record"))
    head = f"{_n(len(parts), 'record')} since {first:%B %Y}"
    return head + (": " + ", ".join(bits) if bits else "") + "."
