"""Investigations: drift, age, supervision, allocation, devices, charging, intelligence."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from vigil.records.contract import Intelligence, Investigation
from vigil.rules.clock import in_words, lateness, time_in_words
from vigil.rules.model import Finding
from vigil.rules.registry import rule
from vigil.rules.view import View, listing, plural

FOLLOW_UP_TOPICS = frozenset({"cse", "cce", "county_lines"})


def _open_investigations(view: View, naming_child: bool = True) -> Iterator[Investigation]:
    """Investigations open at the moment of evaluation (no closed_at at or before it)."""
    for record in view.records("investigation"):
        assert isinstance(record, Investigation)
        if view.seen(record.closed_at) is not None:
            continue
        if not view.record_in_scope(view.book.key_of(record)):
            continue
        if naming_child and not view.children_on(record):
            continue
        yield record


def _opened(view: View, record: Investigation) -> dt.datetime:
    return view.seen(record.opened_at) or record.occurred_at


@rule("INVESTIGATION_DRIFT")
def investigation_drift(view: View) -> Iterator[Finding]:
    code = "INVESTIGATION_DRIFT"
    days = view.policy.int(code, "days")
    for record in _open_investigations(view):
        done = [a.at for a in record.activity if a.at <= view.as_of]
        latest = max(done) if done else _opened(view, record)
        since = latest + dt.timedelta(days=days)
        if view.as_of <= since:
            continue
        last = (
            f"last activity {in_words(latest)}"
            if done
            else f"no activity since it opened {in_words(latest)}"
        )
        yield view.record_finding(
            code,
            record,
            f"Open investigation naming a child has had no activity for "
            f"{(view.as_of - latest).days} days (threshold {days} days): {last}.",
            since,
        )


@rule("INVESTIGATION_AGED")
def investigation_aged(view: View) -> Iterator[Finding]:
    code = "INVESTIGATION_AGED"
    weeks = view.policy.int(code, "weeks")
    for record in _open_investigations(view):
        opened = _opened(view, record)
        aged = opened + dt.timedelta(weeks=weeks)
        if view.as_of <= aged:
            continue
        yield view.record_finding(
            code,
            record,
            f"Open investigation naming a child was opened {in_words(opened)}, "
            f"{(view.as_of - opened).days // 7} weeks ago (threshold {weeks} weeks): for an "
            f"inspector's review.",
            aged,
        )


@rule("SUPERVISION_OVERDUE")
def supervision_overdue(view: View) -> Iterator[Finding]:
    code = "SUPERVISION_OVERDUE"
    days = view.policy.int(code, "days")
    for record in _open_investigations(view):
        reviews = [r.at for r in record.supervisory_reviews if r.at <= view.as_of]
        latest = max(reviews) if reviews else _opened(view, record)
        since = latest + dt.timedelta(days=days)
        if view.as_of <= since:
            continue
        last = (
            f"last review {in_words(latest)}"
            if reviews
            else f"no review since it opened {in_words(latest)}"
        )
        yield view.record_finding(
            code,
            record,
            f"Open investigation naming a child has had no supervisory review for "
            f"{(view.as_of - latest).days} days (threshold {days} days): {last}.",
            since,
        )


def _sexual_abuse(view: View, record: Investigation) -> bool:
    key = view.book.key_of(record)
    return any(k in view.book.sexual_offences for k in view.incident_records(key))


@rule("ALLOCATION_PROBLEM")
def allocation_problem(view: View) -> Iterator[Finding]:
    code = "ALLOCATION_PROBLEM"
    hours = view.policy.int(code, "allocate_within_hours")
    most = view.policy.int(code, "max_allocations")
    for record in _open_investigations(view, naming_child=False):
        opened = _opened(view, record)
        allocations = sorted(
            (a for a in record.allocations if a.at <= view.as_of), key=lambda a: a.at
        )
        problems: list[tuple[dt.datetime, str]] = []
        deadline = opened + dt.timedelta(hours=hours)
        if view.as_of > deadline and (not allocations or allocations[0].at > deadline):
            state = (
                f"first allocated {time_in_words(allocations[0].at)}, "
                f"{lateness(allocations[0].at, deadline)}"
                if allocations
                else "never allocated"
            )
            problems.append((deadline, f"not allocated within {hours} hours of opening ({state})"))
        if len(allocations) >= most:
            problems.append(
                (
                    allocations[most - 1].at,
                    f"allocated {len(allocations)} times (threshold {most}): "
                    f"{listing(in_words(a.at) + (f' to {a.team}' if a.team else '') for a in allocations)}",
                )
            )
        if allocations and allocations[-1].specialist is not True and _sexual_abuse(view, record):
            problems.append(
                (
                    allocations[-1].at,
                    "a sexual-abuse investigation whose current allocation "
                    f"({in_words(allocations[-1].at)}) is not to a specialist investigator",
                )
            )
        if problems:
            problems.sort()
            yield view.record_finding(
                code,
                record,
                f"Open investigation opened {in_words(opened)} has an allocation problem: "
                f"{'; '.join(t for _, t in problems)}.",
                problems[0][0],
            )


@rule("DIGITAL_BACKLOG")
def digital_backlog(view: View) -> Iterator[Finding]:
    code = "DIGITAL_BACKLOG"
    days = view.policy.int(code, "days")
    for record in view.records("investigation"):
        assert isinstance(record, Investigation)
        if not view.record_in_scope(view.book.key_of(record)):
            continue
        waiting = []
        for device in record.devices:
            submitted = view.seen(device.submitted_at)
            if submitted is None or view.seen(device.examined_at) is not None:
                continue
            if view.as_of - submitted >= dt.timedelta(days=days):
                waiting.append((submitted, device.device_id or "a device"))
        if waiting:
            waiting.sort()
            yield view.record_finding(
                code,
                record,
                f"{plural(len(waiting), 'device')} waiting {days} days or more for examination "
                f"(threshold {days} days): "
                f"{listing(f'{name} submitted {in_words(at)}' for at, name in waiting)}.",
                waiting[0][0] + dt.timedelta(days=days),
            )


@rule("CHARGING_DELAY")
def charging_delay(view: View) -> Iterator[Finding]:
    code = "CHARGING_DELAY"
    days = view.policy.int(code, "days")
    for record in view.records("investigation"):
        assert isinstance(record, Investigation)
        if not view.record_in_scope(view.book.key_of(record)):
            continue
        late = []
        for submission in record.charging:
            if submission.submitted_at > view.as_of:
                continue
            deadline = submission.submitted_at + dt.timedelta(days=days)
            decided = view.seen(submission.decision_at)
            if view.as_of > deadline and (decided is None or decided > deadline):
                state = (
                    f"decided {in_words(decided)}, {lateness(decided, deadline)}"
                    if decided
                    else "no decision yet"
                )
                late.append((deadline, f"submitted {in_words(submission.submitted_at)}, {state}"))
        if late:
            late.sort()
            yield view.record_finding(
                code,
                record,
                f"Charging decision not made within {days} days of submission (threshold "
                f"{days} days): {listing(t for _, t in late)}.",
                late[0][0],
            )


@rule("INTELLIGENCE_NOT_ACTIONED")
def intelligence_not_actioned(view: View) -> Iterator[Finding]:
    code = "INTELLIGENCE_NOT_ACTIONED"
    days = view.policy.int(code, "days")
    for record in view.records("intelligence"):
        assert isinstance(record, Intelligence)
        topics = FOLLOW_UP_TOPICS.intersection(record.topics)
        if not topics or not view.record_in_scope(view.book.key_of(record)):
            continue
        deadline = record.occurred_at + dt.timedelta(days=days)
        followed = view.seen(record.follow_up_at)
        if view.as_of <= deadline or (followed is not None and followed <= deadline):
            continue
        if not view.children_on(record):
            continue
        state = (
            f"followed up {in_words(followed)}, {lateness(followed, deadline)}"
            if followed
            else "no follow-up recorded"
        )
        yield view.record_finding(
            code,
            record,
            f"Intelligence of {in_words(record.occurred_at)} about {', '.join(sorted(topics))} naming a "
            f"child was not followed up within {days} days (threshold {days} days): {state}.",
            deadline,
        )
