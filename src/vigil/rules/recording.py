"""Recording what matters about the child (ALERTS.md, second table)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from itertools import pairwise

from vigil.records.contract import Call, PoliceProtection, RecordBase
from vigil.rules.clock import in_words, lateness, time_in_words
from vigil.rules.definitions import describe
from vigil.rules.model import Finding, RecordKey
from vigil.rules.registry import rule
from vigil.rules.view import View, listing

# Less urgent grades rank higher: a move to a higher rank is a downgrade.
GRADE_RANK = {"emergency": 0, "priority": 1, "scheduled": 2, "resolution_without_deployment": 3}


def _grade(grade: str) -> str:
    return grade.replace("_", " ")


@rule("CHILD_NOT_SEEN_OR_HEARD")
def child_not_seen_or_heard(view: View) -> Iterator[Finding]:
    code = "CHILD_NOT_SEEN_OR_HEARD"
    missed: dict[str, list[RecordBase]] = defaultdict(list)
    for record_type in ("call", "crime", "concern"):
        for record in view.records(record_type):
            key = view.book.key_of(record)
            if record_type != "concern" and key not in view.book.da_records:
                continue
            for named in view.book.named[key]:
                mention = named.mention
                if mention.role != "child_present" or not view.in_scope(named.person):
                    continue
                if mention.spoken_to is True or mention.demeanour is not None:
                    continue
                if view.is_child(named.person, record.occurred_at):
                    missed[named.person].append(record)
    for person, rows in sorted(missed.items()):
        rows.sort(key=lambda r: r.occurred_at)
        count = "1 incident" if len(rows) == 1 else f"{len(rows)} incidents"
        yield view.person_finding(
            code,
            person,
            f"Present as a child at {count} with neither spoken to recorded nor the child's "
            f"demeanour described: {listing(f'{in_words(r.occurred_at)} {describe(r)}' for r in rows)}.",
            [view.book.key_of(r) for r in rows],
            rows[0].occurred_at,
        )


def _with_children(view: View, record_type: str) -> Iterator[RecordBase]:
    for record in view.records(record_type):
        if view.record_in_scope(view.book.key_of(record)) and view.children_on(record):
            yield record


@rule("CALL_DOWNGRADED_UNCHECKED")
def call_downgraded_unchecked(view: View) -> Iterator[Finding]:
    code = "CALL_DOWNGRADED_UNCHECKED"
    for record in _with_children(view, "call"):
        assert isinstance(record, Call)
        history = [g for g in record.grade_history if g.at <= view.as_of]
        problems = []
        first: dt.datetime | None = None
        for before, after in pairwise(history):
            if GRADE_RANK[after.grade] <= GRADE_RANK[before.grade]:
                continue
            missing = []
            if after.reason is None:
                missing.append("no reason recorded")
            if after.welfare_check is not True:
                missing.append("no check on the child's welfare")
            if missing:
                first = first or after.at
                problems.append(
                    f"from {_grade(before.grade)} to {_grade(after.grade)} on "
                    f"{time_in_words(after.at)} with {' and '.join(missing)}"
                )
        if first is not None:
            yield view.record_finding(
                code,
                record,
                f"Call naming a child was downgraded {'; then '.join(problems)}.",
                first,
            )


@rule("ATTENDANCE_DELAYED")
def attendance_delayed(view: View) -> Iterator[Finding]:
    code = "ATTENDANCE_DELAYED"
    for record in _with_children(view, "call"):
        assert isinstance(record, Call)
        if not record.grade_history or record.grade_history[0].at > view.as_of:
            continue
        first = record.grade_history[0]
        if first.grade not in ("emergency", "priority"):
            continue
        minutes = view.policy.int(code, f"{first.grade}_minutes")
        deadline = first.at + dt.timedelta(minutes=minutes)
        attended = view.seen(record.attended_at)
        if view.as_of <= deadline or (attended is not None and attended <= deadline):
            continue
        outcome = (
            f"attended at {time_in_words(attended)}, {lateness(attended, deadline)}"
            if attended
            else "no attendance recorded"
        )
        yield view.record_finding(
            code,
            record,
            f"Call naming a child first graded {first.grade} on {time_in_words(first.at)} was not "
            f"attended within {minutes} minutes (threshold {minutes} minutes for {first.grade}): "
            f"{outcome}.",
            deadline,
        )


def _protection_problems(view: View, record: PoliceProtection) -> list[tuple[dt.datetime, str]]:
    code = "POLICE_PROTECTION_UNRESOLVED"
    started = view.seen(record.started_at) or record.occurred_at
    problems: list[tuple[dt.datetime, str]] = []
    limit = started + dt.timedelta(hours=view.policy.int(code, "max_hours"))
    ended = view.seen(record.ended_at)
    if view.as_of > limit and (ended is None or ended > limit):
        state = (
            f"ended {time_in_words(ended)}, {lateness(ended, limit)}"
            if ended
            else "no end recorded"
        )
        problems.append(
            (
                limit,
                f"police protection from {time_in_words(started)} not ended within "
                f"{view.policy.int(code, 'max_hours')} hours ({state})",
            )
        )
    inform = started + dt.timedelta(hours=view.policy.int(code, "inform_la_hours"))
    informed = view.seen(record.local_authority_informed_at)
    if view.as_of > inform and (informed is None or informed > inform):
        state = (
            f"informed {time_in_words(informed)}, {lateness(informed, inform)}"
            if informed
            else "not recorded as informed"
        )
        problems.append(
            (
                inform,
                f"local authority not informed within {view.policy.int(code, 'inform_la_hours')} "
                f"hours of police protection starting {time_in_words(started)} ({state})",
            )
        )
    if ended is not None and record.protective_plan is None:
        problems.append(
            (ended, f"police protection ended {time_in_words(ended)} with no protective plan")
        )
    return problems


@rule("POLICE_PROTECTION_UNRESOLVED")
def police_protection_unresolved(view: View) -> Iterator[Finding]:
    code = "POLICE_PROTECTION_UNRESOLVED"
    found: dict[str, list[tuple[dt.datetime, str, RecordKey]]] = defaultdict(list)
    for record in view.records("police_protection"):
        assert isinstance(record, PoliceProtection)
        key = view.book.key_of(record)
        children = [n for n in view.children_on(record) if n.mention.role == "subject"]
        if not children:
            continue
        problems = _protection_problems(view, record)
        for named in children:
            if view.in_scope(named.person):
                found[named.person] += [(at, text, key) for at, text in problems]
    for person, rows in sorted(found.items()):
        if not rows:
            continue
        rows.sort()
        yield view.person_finding(
            code,
            person,
            f"Police protection (s46) not properly resolved: {'; '.join(t for _, t, _ in rows)}.",
            [k for _, _, k in rows],
            rows[0][0],
        )
