"""Registered sex offenders: ARMS assessments, visits, flags on command and control."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from vigil.records.contract import RsoRecord
from vigil.rules.clock import in_words, months_span
from vigil.rules.model import Finding
from vigil.rules.registry import rule
from vigil.rules.view import View


def offender_records(view: View) -> dict[str, list[RsoRecord]]:
    """Each offender (the offender mention of an rso record) with their rso records, oldest first."""
    found: dict[str, list[RsoRecord]] = {}
    for record in view.records("rso"):
        assert isinstance(record, RsoRecord)
        for named in view.book.named[view.book.key_of(record)]:
            if named.mention.role in ("offender", "subject") and view.in_scope(named.person):
                found.setdefault(named.person, []).append(record)
    return dict(sorted(found.items()))


@rule("RSO_ARMS_OVERDUE")
def rso_arms_overdue(view: View) -> Iterator[Finding]:
    code = "RSO_ARMS_OVERDUE"
    months = view.policy.int(code, "months")
    for person, records in offender_records(view).items():
        latest = records[-1]
        assessed = view.seen(latest.arms_assessed_at)
        if assessed is not None:
            due = assessed + months_span(months)  # 12 months are 365 days (v1.1)
            if view.as_of <= due:
                continue
            text = f"last ARMS assessment {in_words(assessed)} is more than {months} months old"
            raised = due
        elif latest.management == "reactive":
            text = "managed reactively with no ARMS assessment recorded"
            raised = latest.occurred_at
        else:
            continue
        yield view.person_finding(
            code,
            person,
            f"Registered sex offender: {text} (threshold {months} months).",
            [view.book.key_of(latest)],
            raised,
        )


@rule("RSO_VISIT_OVERDUE")
def rso_visit_overdue(view: View) -> Iterator[Finding]:
    code = "RSO_VISIT_OVERDUE"
    for person, records in offender_records(view).items():
        latest = records[-1]
        if latest.management != "active" or latest.risk_level is None:
            continue
        days = view.policy.int(code, f"{latest.risk_level}_days")
        visits = [v for r in records for v in r.visits if v <= view.as_of]
        last = max(visits) if visits else view.seen(latest.registered_at) or latest.occurred_at
        due = last + dt.timedelta(days=days)
        if view.as_of <= due:
            continue
        since = (
            f"last visit {in_words(last)}"
            if visits
            else f"no visit since registration {in_words(last)}"
        )
        yield view.person_finding(
            code,
            person,
            f"Registered sex offender ({latest.risk_level.replace('_', ' ')} risk, active "
            f"management) not visited for {(view.as_of - last).days} days (threshold {days} "
            f"days): {since}.",
            [view.book.key_of(r) for r in records],
            due,
        )


@rule("RSO_NOT_FLAGGED")
def rso_not_flagged(view: View) -> Iterator[Finding]:
    code = "RSO_NOT_FLAGGED"
    system = view.policy.text(code, "required_system")
    for person, records in offender_records(view).items():
        if system in records[-1].flagged_on:
            continue
        # Unflagged since the first of the latest run of records that lacked the flag.
        since = records[-1].occurred_at
        for record in reversed(records):
            if system in record.flagged_on:
                break
            since = record.occurred_at
        flagged = ", ".join(records[-1].flagged_on) or "no system"
        yield view.person_finding(
            code,
            person,
            f"Registered sex offender's address is not flagged on {system.replace('_', ' ')} "
            f"(flagged on {flagged} as of {in_words(records[-1].occurred_at)}).",
            [view.book.key_of(records[-1])],
            since,
        )
