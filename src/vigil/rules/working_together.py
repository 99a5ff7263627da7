"""Working together: referrals, strategy discussions, return home, MARAC (ALERTS.md, third table).

Deadline rules ("within", "by") fire once the deadline has passed without the step being
recorded by it: a step recorded late still shows that the deadline was missed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator

from vigil.records.contract import (
    Action,
    Crime,
    Marac,
    MissingEpisode,
    RecordBase,
    Referral,
    StrategyDiscussion,
)
from vigil.rules.clock import (
    end_of_working_day_after,
    in_words,
    lateness,
    london_date,
    time_in_words,
)
from vigil.rules.definitions import describe
from vigil.rules.model import Finding, RecordKey
from vigil.rules.registry import rule
from vigil.rules.view import DaIncident, View, exposed_to, listing, plural

REFERRAL_AGENCIES = frozenset({"childrens_social_care", "mash"})
STRATEGY_CRIME_GROUPS = frozenset({"sexual", "violence", "neglect"})


@rule("REFERRAL_NO_DECISION")
def referral_no_decision(view: View) -> Iterator[Finding]:
    code = "REFERRAL_NO_DECISION"
    days = view.policy.int(code, "working_days")
    for record in view.records("referral"):
        assert isinstance(record, Referral)
        if record.to_agency not in REFERRAL_AGENCIES:
            continue
        if not view.record_in_scope(view.book.key_of(record)):
            continue
        start = view.seen(record.received_at) or view.seen(record.sent_at) or record.occurred_at
        deadline = end_of_working_day_after(start, days)
        decided = view.seen(record.decision_at)
        if view.as_of < deadline or (decided is not None and decided < deadline):
            continue
        state = (
            f"decided {time_in_words(decided)}, {lateness(decided, deadline)}"
            if decided
            else "no decision recorded"
        )
        agency = (
            "children's social care" if record.to_agency == "childrens_social_care" else "the MASH"
        )
        yield view.record_finding(
            code,
            record,
            f"Referral to {agency} received {time_in_words(start)} had no decision by the end of "
            f"{in_words(deadline - dt.timedelta(days=1))} ({plural(days, 'working day')} after, "
            f"threshold {days}): {state}.",
            deadline,
        )


class _StrategyIndex:
    """When strategy discussions were held, by child named and by incident."""

    def __init__(self, view: View) -> None:
        self.view = view
        self.by_person: dict[str, list[tuple[dt.datetime, RecordKey]]] = defaultdict(list)
        self.by_incident: dict[RecordKey, list[tuple[dt.datetime, RecordKey]]] = defaultdict(list)
        for record in view.records("strategy_discussion"):
            assert isinstance(record, StrategyDiscussion)
            key = view.book.key_of(record)
            held = view.seen(record.held_at) or record.occurred_at
            for person in view.book.persons_on(key):
                self.by_person[person].append((held, key))
            self.by_incident[view.incident_of(key)].append((held, key))

    def held(
        self, child: str, about: RecordKey, start: dt.datetime, deadline: dt.datetime
    ) -> tuple[bool, tuple[dt.datetime, RecordKey] | None]:
        """Whether a discussion naming the child or linked to ``about`` was held from ``start``
        to ``deadline``; if not, when the first one after the deadline was held (if any)."""
        rows = self.by_person.get(child, []) + self.by_incident.get(
            self.view.incident_of(about), []
        )
        if any(start <= at <= deadline for at, _ in rows):
            return True, None
        return False, min((row for row in rows if row[0] > deadline), default=None)


def _strategy_triggers(view: View) -> Iterator[tuple[str, RecordBase, dt.datetime, str]]:
    """(child, record, moment, why) for each event that calls for a strategy discussion."""
    for record in view.records("referral"):
        assert isinstance(record, Referral)
        decided = view.seen(record.decision_at)
        if record.decision != "section_47" or (record.decision_at is not None and decided is None):
            continue
        at = (
            decided
            or view.seen(record.received_at)
            or view.seen(record.sent_at)
            or record.occurred_at
        )
        for named in view.children_on(record):
            yield named.person, record, at, f"referral decided section 47 on {time_in_words(at)}"
    for record in view.records("crime"):
        assert isinstance(record, Crime)
        if record.offence_group not in STRATEGY_CRIME_GROUPS:
            continue
        key = view.book.key_of(record)
        day = london_date(record.occurred_at)
        suspects = [
            n.person for n in view.book.named[key] if n.mention.role in ("suspect", "offender")
        ]
        for named in view.children_on(record):
            if named.mention.role != "victim":
                continue
            home = view.book.address_on(named.person, day, view.as_of)
            if home is None or not view.book.is_dwelling(home, view.as_of):
                continue
            if any(
                view.book.address_on(s, day, view.as_of) == home
                for s in suspects
                if s != named.person
            ):
                yield (
                    named.person,
                    record,
                    record.occurred_at,
                    f"{describe(record)} on {time_in_words(record.occurred_at)} with a suspect "
                    f"living at the child's address",
                )


@rule("NO_STRATEGY_DISCUSSION")
def no_strategy_discussion(view: View) -> Iterator[Finding]:
    code = "NO_STRATEGY_DISCUSSION"
    days = view.policy.int(code, "days")
    index = _StrategyIndex(view)
    missed: dict[str, list[tuple[dt.datetime, list[RecordKey], str]]] = defaultdict(list)
    for child, record, at, why in _strategy_triggers(view):
        if not view.in_scope(child):
            continue
        deadline = at + dt.timedelta(days=days)
        if view.as_of <= deadline:
            continue
        key = view.book.key_of(record)
        # ALERTS.md 'Anchors' (v1.1): the days run from the referral's decision (or the crime),
        # and a discussion counts when held from that moment to the deadline.
        in_time, late = index.held(child, key, at, deadline)
        if in_time:
            continue
        evidence = [key]
        if late is not None:
            why += f" (strategy discussion held {time_in_words(late[0])}, {lateness(late[0], deadline)})"
            evidence.append(late[1])
        missed[child].append((deadline, evidence, why))
    for child, rows in sorted(missed.items()):
        rows.sort()
        yield view.person_finding(
            code,
            child,
            f"No strategy discussion about the child within {days} days (threshold {days}) of: "
            f"{listing(why for _, _, why in rows)}.",
            [k for _, keys, _ in rows for k in keys],
            rows[0][0],
        )


def _action_key(action: Action) -> tuple[str, str, dt.datetime | None]:
    due = action.due_at.astimezone(dt.UTC) if action.due_at is not None else None
    return ((action.description or "").strip(), (action.owner or "").strip(), due)


def _overdue(view: View, actions: list[Action]) -> list[Action]:
    """Actions past due and not done at T. An action is done when any entry with the same
    description, owner and due_at has a done_at by T (v1.1: an amendment recording an action
    done appends it again with its done_at, and the original entry stays), and is listed once."""
    done = {_action_key(a) for a in actions if a.done_at is not None and a.done_at <= view.as_of}
    late: dict[tuple[str, str, dt.datetime | None], Action] = {}
    for a in actions:
        if a.due_at is None or a.due_at >= view.as_of or _action_key(a) in done:
            continue
        late.setdefault(_action_key(a), a)
    return list(late.values())


@rule("ACTIONS_OVERDUE")
def actions_overdue(view: View) -> Iterator[Finding]:
    code = "ACTIONS_OVERDUE"
    for record_type, label in (("strategy_discussion", "Strategy discussion"), ("marac", "MARAC")):
        for record in view.records(record_type):
            assert isinstance(record, StrategyDiscussion | Marac)
            if not view.record_in_scope(view.book.key_of(record)):
                continue
            late = _overdue(view, record.actions)
            if not late:
                continue
            late.sort(key=lambda a: a.due_at or view.as_of)
            items = listing(
                f"'{a.description or 'an action'}'"
                + (f" (owner {a.owner})" if a.owner else "")
                + f" due {time_in_words(a.due_at)}"
                for a in late
                if a.due_at is not None
            )
            count = "1 action" if len(late) == 1 else f"{len(late)} actions"
            assert late[0].due_at is not None
            yield view.record_finding(
                code,
                record,
                f"{label} of {in_words(record.occurred_at)} has {count} past due and not done: {items}.",
                late[0].due_at,
            )


def _return_rule(view: View, code: str, field: str, what: str) -> Iterator[Finding]:
    hours = view.policy.int(code, "hours")
    late: dict[str, list[tuple[dt.datetime, RecordKey, str]]] = defaultdict(list)
    for record in view.records("missing"):
        assert isinstance(record, MissingEpisode)
        found = view.seen(record.found_at)
        if found is None:
            continue
        deadline = found + dt.timedelta(hours=hours)
        done = view.seen(getattr(record, field))
        if view.as_of <= deadline or (done is not None and done <= deadline):
            continue
        state = (
            f"recorded {time_in_words(done)}, {lateness(done, deadline)}"
            if done
            else "none recorded"
        )
        for named in view.children_on(record):
            if named.mention.role == "missing_person" and view.in_scope(named.person):
                late[named.person].append(
                    (deadline, view.book.key_of(record), f"found {time_in_words(found)}, {state}")
                )
    for person, rows in sorted(late.items()):
        rows.sort()
        yield view.person_finding(
            code,
            person,
            f"No {what} within {hours} hours of being found (threshold {hours} hours): "
            f"{listing(t for _, _, t in rows)}.",
            [k for _, k, _ in rows],
            rows[0][0],
        )


@rule("RETURN_INTERVIEW_OVERDUE")
def return_interview_overdue(view: View) -> Iterator[Finding]:
    yield from _return_rule(
        view, "RETURN_INTERVIEW_OVERDUE", "return_interview_completed_at", "return home interview"
    )


@rule("SAFE_AND_WELL_NOT_RECORDED")
def safe_and_well_not_recorded(view: View) -> Iterator[Finding]:
    yield from _return_rule(
        view, "SAFE_AND_WELL_NOT_RECORDED", "safe_and_well_at", "safe and well check"
    )


@rule("MARAC_INCOMPLETE")
def marac_incomplete(view: View) -> Iterator[Finding]:
    code = "MARAC_INCOMPLETE"
    for record in view.records("marac"):
        assert isinstance(record, Marac)
        meeting = view.seen(record.meeting_at)
        if meeting is None or meeting >= view.as_of:
            continue
        if not view.record_in_scope(view.book.key_of(record)):
            continue
        gaps = []
        if not record.actions:
            gaps.append("no actions recorded")
        if record.information_shared_before is False:
            gaps.append("information was not shared before the meeting")
        if gaps:
            yield view.record_finding(
                code,
                record,
                f"MARAC meeting of {time_in_words(meeting)} is incomplete: {' and '.join(gaps)}.",
                meeting,
            )


class _MaracTrigger:
    def __init__(self, at: dt.datetime, why: str, incidents: list[DaIncident]) -> None:
        self.at = at
        self.why = why
        self.incidents = incidents


def _marac_triggers(view: View) -> dict[str, list[_MaracTrigger]]:
    """Victim -> the moments MARAC referral criteria were met for them."""
    code = "MARAC_CRITERIA_MET_NOT_REFERRED"
    yes_needed = view.policy.int(code, "yes_count")
    threshold = view.policy.int(code, "incidents")
    days = view.policy.int(code, "window_days")
    since = view.days_ago(days)
    triggers: dict[str, list[_MaracTrigger]] = defaultdict(list)
    victim_of: dict[str, list[DaIncident]] = defaultdict(list)
    for incident in sorted(view.da_incidents.values(), key=lambda i: (i.at, i.root)):
        victims = {
            n.person
            for record in incident.records
            for n in view.book.named[view.book.key_of(record)]
            if n.mention.role == "victim"
        }
        for person in victims:
            if incident.last_at > since:
                victim_of[person].append(incident)
        for record in incident.records:
            assessment = getattr(record, "risk_assessment", None)
            if assessment is None:
                continue
            if assessment.assessed_at is not None and assessment.assessed_at > view.as_of:
                continue
            high = assessment.level == "high"
            many = assessment.yes_count is not None and assessment.yes_count >= yes_needed
            if not (high or many):
                continue
            at = assessment.assessed_at or record.occurred_at
            level = f"{assessment.level} risk" if assessment.level else "risk"
            yes = (
                f", {assessment.yes_count} yes answers" if assessment.yes_count is not None else ""
            )
            named_victims = {
                n.person
                for n in view.book.named[view.book.key_of(record)]
                if n.mention.role == "victim"
            } or victims
            for person in named_victims:
                triggers[person].append(
                    _MaracTrigger(
                        at,
                        f"assessed {level} on {in_words(at)} (threshold {yes_needed} yes answers "
                        f"or high{yes})",
                        [incident],
                    )
                )
    for person, incidents in victim_of.items():
        if len(incidents) >= threshold:
            third = incidents[threshold - 1]
            triggers[person].append(
                _MaracTrigger(
                    third.at,
                    f"victim in {len(incidents)} domestic abuse incidents in {days} days "
                    f"(threshold {threshold}): {listing(i.in_words() for i in incidents)}",
                    incidents,
                )
            )
    return triggers


def _marac_moments(view: View) -> dict[str, list[tuple[dt.datetime, RecordKey]]]:
    """Person -> when each MARAC naming them was referred (ALERTS.md 'Anchors', v1.1: its
    referred_at or, without it, its occurred_at)."""
    moments: dict[str, list[tuple[dt.datetime, RecordKey]]] = defaultdict(list)
    for record in view.records("marac"):
        assert isinstance(record, Marac)
        at = view.seen(record.referred_at) or record.occurred_at
        key = view.book.key_of(record)
        for person in view.book.persons_on(key):
            moments[person].append((at, key))
    return moments


@rule("MARAC_CRITERIA_MET_NOT_REFERRED")
def marac_criteria_met_not_referred(view: View) -> Iterator[Finding]:
    code = "MARAC_CRITERIA_MET_NOT_REFERRED"
    days = view.policy.int(code, "referral_days")
    span = dt.timedelta(days=days)
    maracs = _marac_moments(view)
    subjects: dict[str, list[tuple[dt.datetime, list[RecordKey], str]]] = defaultdict(list)
    for victim, triggers in sorted(_marac_triggers(view).items()):
        for trigger in triggers:
            deadline = trigger.at + span
            if view.as_of <= deadline:
                continue
            # A MARAC counts when referred from the assessment (or third incident) to 14 days
            # after it; one referred later leaves the finding, saying how late.
            referred = maracs.get(victim, [])
            if any(trigger.at <= at <= deadline for at, _ in referred):
                continue
            keys = [k for incident in trigger.incidents for k in incident.keys]
            why = f"{view.name_of(victim)} {trigger.why}"
            late = min((row for row in referred if row[0] > deadline), default=None)
            if late is not None:
                why += f" (MARAC referral {time_in_words(late[0])}, {lateness(late[0], deadline)})"
                keys.append(late[1])
            subjects[victim].append((deadline, keys, why))
            for incident in trigger.incidents:
                for child in exposed_to(view, incident.root):
                    if child != victim:
                        subjects[child].append((deadline, keys, why))
    for person, rows in sorted(subjects.items()):
        if not view.in_scope(person):
            continue
        rows.sort(key=lambda r: r[0])
        reasons = listing(dict.fromkeys(why for _, _, why in rows))
        yield view.person_finding(
            code,
            person,
            f"MARAC criteria met with no MARAC naming the victim within {days} days "
            f"(threshold {days}): {reasons}.",
            [k for _, keys, _ in rows for k in keys],
            rows[0][0],
        )
