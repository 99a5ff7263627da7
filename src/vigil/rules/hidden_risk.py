"""Cumulative and hidden risk: patterns no single record shows (ALERTS.md, first table)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from vigil.records.contract import RECORD_TYPES, CpPlan, RecordBase
from vigil.rules.casebook import AssociationEvent
from vigil.rules.clock import birthday, in_words, start_of_day, years_span
from vigil.rules.definitions import (
    EXPLOITATION_RISK_FLAGS,
    FLAG_WORDS,
    MATTER_CHILD_ROLES,
    describe,
    with_article,
)
from vigil.rules.model import Finding, RecordKey
from vigil.rules.registry import rule
from vigil.rules.view import DaIncident, Signal, View, listing

SUSPECT_ROLES = frozenset({"suspect", "offender", "detainee"})
NETWORK_ADULT_ROLES = frozenset({"suspect", "offender"})
INTELLIGENCE_ADULT_ROLES = frozenset({"subject", "associate"})


def cumulative_incidents(view: View, person: str) -> list[DaIncident] | None:
    """The DA incidents in the window if the child meets CUMULATIVE_DOMESTIC_ABUSE, else None."""
    code = "CUMULATIVE_DOMESTIC_ABUSE"
    incidents = view.child_exposures(person, view.days_ago(view.policy.int(code, "window_days")))
    return incidents if len(incidents) >= view.policy.int(code, "incidents") else None


@rule("CUMULATIVE_DOMESTIC_ABUSE")
def cumulative_domestic_abuse(view: View) -> Iterator[Finding]:
    code = "CUMULATIVE_DOMESTIC_ABUSE"
    threshold = view.policy.int(code, "incidents")
    days = view.policy.int(code, "window_days")
    for person in sorted(view.exposures):
        if not view.in_scope(person):
            continue
        incidents = cumulative_incidents(view, person)
        if incidents is None:
            continue
        yield view.person_finding(
            code,
            person,
            f"Exposed to {len(incidents)} domestic abuse incidents in {days} days "
            f"(threshold {threshold}): {listing(i.in_words() for i in incidents)}.",
            [key for incident in incidents for key in incident.keys],
            incidents[threshold - 1].at,
        )


def _cp_plans(view: View, person: str) -> list[CpPlan]:
    """Child protection plans the child was on within the look-back (ALERTS.md: 2 years)."""
    since = view.days_ago(view.policy.int("DA_RISK_UNDERESTIMATED", "cp_plan_lookback_days"))
    plans = []
    for row in view.book.appearances(person, view.as_of):
        record = row.record
        if not isinstance(record, CpPlan) or row.mention.role in ("parent_carer", "professional"):
            continue
        ended = view.seen(record.ended_at)
        if (ended is None or ended > since) and view.is_child(person, row.at):
            plans.append(record)
    return plans


@rule("DA_RISK_UNDERESTIMATED")
def da_risk_underestimated(view: View) -> Iterator[Finding]:
    code = "DA_RISK_UNDERESTIMATED"
    levels = {level.strip() for level in view.policy.text(code, "underestimated_levels").split(",")}
    for person in sorted(view.exposures):
        if not view.in_scope(person):
            continue
        exposures = view.child_exposures(person)
        latest = view.latest_da_assessment(exposures)
        if latest is None or latest[1] not in levels:
            continue
        record, level, assessed_at = latest
        cumulative = cumulative_incidents(view, person)
        plans = _cp_plans(view, person)
        if cumulative is None and not plans:
            continue
        reasons, evidence, since = [], [view.book.key_of(record)], []
        if cumulative is not None:
            threshold = view.policy.int("CUMULATIVE_DOMESTIC_ABUSE", "incidents")
            days = view.policy.int("CUMULATIVE_DOMESTIC_ABUSE", "window_days")
            reasons.append(
                f"the child was exposed to {len(cumulative)} domestic abuse incidents in {days} "
                f"days (threshold {threshold}): {listing(i.in_words() for i in cumulative)}"
            )
            evidence += [key for incident in cumulative for key in incident.keys]
            since.append(cumulative[threshold - 1].at)
        for plan in plans:
            start = plan.started_at or plan.occurred_at
            ended = view.seen(plan.ended_at)
            until = f" to {in_words(ended)}" if ended else " (still open)"
            reasons.append(
                f"the child was on a child protection plan from {in_words(start)}{until}"
            )
            evidence.append(view.book.key_of(plan))
            since.append(plan.occurred_at)
        assessment = getattr(record, "risk_assessment", None)
        tool = f"{assessment.tool} " if assessment is not None and assessment.tool else ""
        yes = (
            f", {assessment.yes_count} yes answers"
            if assessment is not None and assessment.yes_count is not None
            else ""
        )
        yield view.person_finding(
            code,
            person,
            f"The latest domestic abuse risk assessment of the child's household is {level} "
            f"({tool}assessment on {in_words(assessed_at)}{yes}; levels treated as too low: "
            f"{', '.join(sorted(levels))}), yet {'; and '.join(reasons)}.",
            evidence,
            max(assessed_at, min(since)),
        )


@rule("REPEAT_MISSING")
def repeat_missing(view: View) -> Iterator[Finding]:
    code = "REPEAT_MISSING"
    threshold = view.policy.int(code, "episodes")
    days = view.policy.int(code, "window_days")
    episodes: dict[str, list[RecordBase]] = defaultdict(list)
    for record in view.records("missing", since=view.days_ago(days)):
        for named in view.book.named[view.book.key_of(record)]:
            if (
                named.mention.role == "missing_person"
                and view.in_scope(named.person)
                and view.is_child(named.person, record.occurred_at)
            ):
                episodes[named.person].append(record)
    for person, rows in sorted(episodes.items()):
        if len(rows) < threshold:
            continue
        items = listing(f"{in_words(r.occurred_at)} {describe(r)}" for r in rows)
        yield view.person_finding(
            code,
            person,
            f"Missing or absent {len(rows)} times in {days} days (threshold {threshold}): {items}.",
            [view.book.key_of(r) for r in rows],
            rows[threshold - 1].occurred_at,
        )


def _signal_text(signal: Signal) -> str:
    return "; ".join(signal.reasons)


@rule("MISSING_EXPLOITATION_RISK")
def missing_exploitation_risk(view: View) -> Iterator[Finding]:
    code = "MISSING_EXPLOITATION_RISK"
    days = view.policy.int(code, "missing_window_days")
    episodes: dict[str, list[RecordBase]] = defaultdict(list)
    for record in view.records("missing", since=view.days_ago(days)):
        for named in view.book.named[view.book.key_of(record)]:
            if (
                named.mention.role == "missing_person"
                and view.in_scope(named.person)
                and view.is_child(named.person, record.occurred_at)
            ):
                episodes[named.person].append(record)
    for person, rows in sorted(episodes.items()):
        signal = view.exploitation_signal(person)
        if signal is None:
            continue
        items = listing(f"{in_words(r.occurred_at)} {describe(r)}" for r in rows)
        yield view.person_finding(
            code,
            person,
            f"Missing or absent in the last {days} days ({items}) with signs of exploitation: "
            f"{_signal_text(signal)}.",
            [*(view.book.key_of(r) for r in rows), *signal.evidence],
            max(rows[0].occurred_at, signal.at),
        )


def matter_children(view: View) -> dict[str, list[tuple[dt.datetime, RecordKey, str]]]:
    """Children named in sexual or exploitation matters (as victim, missing person, subject or
    associate), with each such naming."""
    found: dict[str, list[tuple[dt.datetime, RecordKey, str]]] = defaultdict(list)
    for key in view.book.matters:
        at = view.book.time_of[key]
        if at > view.as_of:
            continue
        record = view.book.records[key]
        for named in view.book.named[key]:
            if named.mention.role in MATTER_CHILD_ROLES and view.is_child(named.person, at):
                role = named.mention.role.replace("_", " ")
                found[named.person].append(
                    (at, key, f"{role} in {with_article(describe(record))} on {in_words(at)}")
                )
    for rows in found.values():
        rows.sort()
    return found


def network_adults(view: View) -> set[str]:
    """Adults named as suspect or offender, or as subject or associate of intelligence."""
    adults = set()
    for record_type in RECORD_TYPES:
        roles = NETWORK_ADULT_ROLES | (
            INTELLIGENCE_ADULT_ROLES if record_type == "intelligence" else frozenset()
        )
        for record in view.records(record_type):
            for named in view.book.named[view.book.key_of(record)]:
                if named.mention.role in roles and not view.is_child(
                    named.person, record.occurred_at
                ):
                    adults.add(named.person)
    return adults


def network_links(
    view: View,
    adult: str,
    since: dt.datetime,
    children: dict[str, list[tuple[dt.datetime, RecordKey, str]]],
) -> list[tuple[str, list[AssociationEvent]]]:
    """The children named in sexual or exploitation matters whom the adult is associated with
    since ``since`` (one hop), each with the association's events: EXPLOITATION_NETWORK's test,
    and the network pages' (``vigil.people.network``)."""
    return sorted(
        (other, events)
        for other, events in view.book.associations(adult, view.as_of, since)
        if other in children and other != adult
    )


@rule("EXPLOITATION_NETWORK")
def exploitation_network(view: View) -> Iterator[Finding]:
    code = "EXPLOITATION_NETWORK"
    threshold = view.policy.int(code, "children")
    days = view.policy.int(code, "window_days")
    since = view.days_ago(days)
    children = matter_children(view)
    # child -> (adult, how many children, the adult's evidence, when the network was first seen)
    networks: dict[str, list[tuple[str, int, list[RecordKey], dt.datetime]]] = defaultdict(list)
    # One finding per person: someone can be a network's adult and, from when they were a
    # child, one of another network's children (a 17-year-old groomed, at 18 grooming others).
    parts: dict[str, list[tuple[str, list[RecordKey], dt.datetime]]] = defaultdict(list)
    for adult in sorted(network_adults(view)):
        linked = network_links(view, adult, since, children)
        if len(linked) < threshold:
            continue
        evidence: list[RecordKey] = []
        items = []
        moments = []
        for other, events in linked:
            evidence += [k for event in events for k in event.evidence]
            evidence += [k for _, k, _ in children[other]]
            moments.append(max(events[0].at, children[other][0][0]))
            items.append(f"{view.name_of(other)} ({children[other][0][2]})")
        raised = sorted(moments)[threshold - 1]
        if view.in_scope(adult):
            parts[adult].append(
                (
                    f"Associated in the last {days} days with {len(linked)} children named in sexual "
                    f"or exploitation matters (threshold {threshold}): {listing(items)}.",
                    evidence,
                    raised,
                )
            )
        for other, _ in linked:
            networks[other].append((adult, len(linked), evidence, raised))
    for child, adults in sorted(networks.items()):
        if not view.in_scope(child):
            continue
        # The child's finding rests on the whole network: every adult's links to every child.
        names = listing(f"{view.name_of(a)} ({count} children)" for a, count, _, _ in adults)
        parts[child].append(
            (
                f"Part of a possible exploitation network: associated in the last {days} days with "
                f"{names}, each an adult associated with {threshold} or more children named in sexual "
                f"or exploitation matters (threshold {threshold}).",
                [k for _, _, keys, _ in adults for k in keys],
                min(at for _, _, _, at in adults),
            )
        )
    yield from _one_per_person(view, code, parts)


def _one_per_person(
    view: View, code: str, parts: dict[str, list[tuple[str, list[RecordKey], dt.datetime]]]
) -> Iterator[Finding]:
    """A finding per person from the sentences (each with its evidence and moment) about them."""
    for person, rows in sorted(parts.items()):
        yield view.person_finding(
            code,
            person,
            " ".join(text for text, _, _ in rows),
            [k for _, keys, _ in rows for k in keys],
            min(at for _, _, at in rows),
        )


def _offenders(view: View) -> dict[str, RecordKey]:
    """Registered sex offenders: people on an rso record, with their latest such record."""
    offenders: dict[str, RecordKey] = {}
    for record in view.records("rso"):
        for named in view.book.named[view.book.key_of(record)]:
            if named.mention.role in ("offender", "subject"):
                offenders[named.person] = view.book.key_of(record)
    return offenders


@rule("RSO_CHILD_CONTACT")
def rso_child_contact(view: View) -> Iterator[Finding]:
    code = "RSO_CHILD_CONTACT"
    days = view.policy.int(code, "window_days")
    since = view.days_ago(days)
    by_child: dict[str, list[tuple[str, list[RecordKey], dt.datetime]]] = defaultdict(list)
    # One finding per person: a registered offender may also be a child in contact with another.
    parts: dict[str, list[tuple[str, list[RecordKey], dt.datetime]]] = defaultdict(list)
    for offender, rso_key in sorted(_offenders(view).items()):
        contacts = _child_contacts(view, offender, since)
        if not contacts:
            continue
        registered = view.book.time_of[rso_key]
        evidence = [rso_key] + [k for keys, _ in contacts.values() for k in keys]
        items = listing(
            f"{view.name_of(c)} ({in_words(at)})" for c, (_, at) in sorted(contacts.items())
        )
        if view.in_scope(offender):
            parts[offender].append(
                (
                    f"Registered sex offender in contact with {len(contacts)} "
                    f"{'child' if len(contacts) == 1 else 'children'} in the last {days} days: {items}.",
                    evidence,
                    max(registered, min(at for _, at in contacts.values())),
                )
            )
        for child, (keys, at) in contacts.items():
            by_child[child].append((offender, [rso_key, *keys], max(at, registered)))
    for child, offenders in sorted(by_child.items()):
        if not view.in_scope(child):
            continue
        names = listing(f"{view.name_of(o)} ({in_words(at)})" for o, _, at in offenders)
        parts[child].append(
            (
                f"Named with or associated with a registered sex offender in the last {days} days: "
                f"{names}.",
                [k for _, keys, _ in offenders for k in keys],
                min(at for _, _, at in offenders),
            )
        )
    yield from _one_per_person(view, code, parts)


def _child_contacts(
    view: View, offender: str, since: dt.datetime
) -> dict[str, tuple[list[RecordKey], dt.datetime]]:
    """Children named on a record with the offender, or associated with them, since ``since``:
    each with the records that show it and the first moment."""
    contacts: dict[str, tuple[list[RecordKey], dt.datetime]] = {}

    def note(child: str, keys: list[RecordKey], at: dt.datetime) -> None:
        held = contacts.get(child)
        contacts[child] = (held[0] + keys, min(held[1], at)) if held else (keys, at)

    for row in view.book.appearances(offender, view.as_of, since):
        for named in view.book.named[row.key.record]:
            if named.person != offender and view.is_child(named.person, row.at):
                note(named.person, [row.key.record], row.at)
    for other, events in view.book.associations(offender, view.as_of, since):
        for event in events:
            if view.is_child(other, event.at):
                note(other, list(event.evidence), event.at)
    return contacts


@rule("TRANSITION_TO_ADULTHOOD")
def transition_to_adulthood(view: View) -> Iterator[Finding]:
    code = "TRANSITION_TO_ADULTHOOD"
    within = view.policy.int(code, "turned_18_within_days")
    years = view.policy.int(code, "lookback_years")
    since = view.days_ago(within)
    for person in sorted(view.book.persons):
        if not view.in_scope(person):
            continue
        birth = view.book.usual_birth_date(person, view.as_of)
        if birth is None:
            continue
        turned = start_of_day(birthday(birth, 18))  # 29 February: 1 March in other years
        if not since < turned <= view.as_of:
            continue
        start = turned - years_span(years)  # 2 years are 730 days (v1.1)
        reasons, evidence = [], []
        for row in view.book.appearances(person, turned, start - dt.timedelta(microseconds=1)):
            if row.at >= turned:
                continue
            key = row.key.record
            flags = EXPLOITATION_RISK_FLAGS.intersection(row.mention.flags)
            if flags:
                reasons.append(
                    f"flagged {' and '.join(FLAG_WORDS[f] for f in sorted(flags))} on {in_words(row.at)}"
                )
                evidence.append(key)
            if key in view.book.matters and row.mention.role in MATTER_CHILD_ROLES:
                role = row.mention.role.replace("_", " ")
                reasons.append(
                    f"{role} in {with_article(describe(row.record))} on {in_words(row.at)}"
                )
                evidence.append(key)
        if not reasons:
            continue
        yield view.person_finding(
            code,
            person,
            f"Turned 18 on {in_words(turned)} (within the last {within} days) and in the "
            f"{years} years before was {listing(reasons)}: support must not stop at 18.",
            evidence,
            turned,
        )


@rule("CHILD_SUSPECT_EXPLOITED")
def child_suspect_exploited(view: View) -> Iterator[Finding]:
    code = "CHILD_SUSPECT_EXPLOITED"
    days = view.policy.int(code, "window_days")
    since = view.days_ago(days)
    namings: dict[str, list[tuple[dt.datetime, RecordKey, str]]] = defaultdict(list)
    for key, named_list in _recent(view, since):
        record = view.book.records[key]
        for named in named_list:
            if named.mention.role not in SUSPECT_ROLES or not view.in_scope(named.person):
                continue
            when = view.seen(getattr(record, "arrived_at", None)) or record.occurred_at
            if view.is_child(named.person, when):
                text = f"{named.mention.role} in {with_article(describe(record))} on {in_words(record.occurred_at)}"
                namings[named.person].append((record.occurred_at, key, text))
    for person, rows in sorted(namings.items()):
        signal = view.exploitation_signal(person)
        if signal is None:
            continue
        yield view.person_finding(
            code,
            person,
            f"Treated as a suspect in the last {days} days ({listing(t for _, _, t in rows)}) "
            f"while showing signs of exploitation: {_signal_text(signal)}.",
            [k for _, k, _ in rows] + list(signal.evidence),
            max(rows[0][0], signal.at),
        )


def _recent(view: View, since: dt.datetime) -> Iterator[tuple[RecordKey, tuple[Any, ...]]]:
    for record_type in RECORD_TYPES:
        for record in view.records(record_type, since=since):
            key = view.book.key_of(record)
            yield key, view.book.named[key]
