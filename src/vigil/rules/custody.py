"""Children in custody (PACE Code C, the Concordat on Children in Custody)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from vigil.records.contract import Custody
from vigil.rules.clock import first_overnight_moment, lateness, time_in_words
from vigil.rules.model import Finding
from vigil.rules.registry import rule
from vigil.rules.view import View

VULNERABILITY_EXCLUDED = frozenset({"rso"})


def arrived(view: View, record: Custody) -> dt.datetime:
    return view.seen(record.arrived_at) or record.occurred_at


def custody_end(view: View, record: Custody) -> dt.datetime:
    """Time in custody runs to release, transfer or the moment of evaluation, whichever is first."""
    ends = [view.seen(record.released_at), view.seen(record.transferred_at), view.as_of]
    return min(e for e in ends if e is not None)


def detained_children(view: View) -> Iterator[tuple[Custody, list[str]]]:
    """Custody records whose detainee is a child on arrived_at, with those children."""
    for record in view.records("custody"):
        assert isinstance(record, Custody)
        key = view.book.key_of(record)
        if not view.record_in_scope(key):
            continue
        when = arrived(view, record)
        children = [
            n.person
            for n in view.book.named[key]
            if n.mention.role == "detainee" and view.is_child(n.person, when)
        ]
        if children:
            yield record, children


def _finding(view: View, code: str, record: Custody, text: str, at: dt.datetime) -> Finding:
    return view.record_finding(code, record, text, at, children_when=arrived(view, record))


def _charged_and_refused(view: View, record: Custody) -> dt.datetime | None:
    charged = view.seen(record.charged_at)
    if charged is None or record.bail_refused is not True or view.seen(record.transferred_at):
        return None
    return charged


@rule("CUSTODY_AA_DELAY")
def custody_aa_delay(view: View) -> Iterator[Finding]:
    code = "CUSTODY_AA_DELAY"
    hours = view.policy.int(code, "hours")
    for record, _ in detained_children(view):
        authorised = view.seen(record.detention_authorised_at) or arrived(view, record)
        deadline = authorised + dt.timedelta(hours=hours)
        came = view.seen(record.appropriate_adult_arrived_at)
        if came is not None:
            if came <= deadline:
                continue
            state = (
                f"arrived {time_in_words(came)}, {(came - authorised) / dt.timedelta(hours=1):.1f} "
                f"hours after, {lateness(came, deadline)}"
            )
        elif view.as_of > deadline and custody_end(view, record) > deadline:
            state = "had not arrived"
        else:
            continue
        yield _finding(
            view,
            code,
            record,
            f"Appropriate adult for a child whose detention was authorised "
            f"{time_in_words(authorised)} {state} (threshold {hours} hours).",
            deadline,
        )


@rule("CUSTODY_NO_TRANSFER")
def custody_no_transfer(view: View) -> Iterator[Finding]:
    code = "CUSTODY_NO_TRANSFER"
    for record, _ in detained_children(view):
        charged = _charged_and_refused(view, record)
        if charged is None:
            continue
        requested = view.seen(record.accommodation_requested_at)
        outcome = record.accommodation_outcome if requested else None
        if requested is None:
            gap = "no local authority accommodation was requested"
        elif outcome != "provided" and view.seen(record.accommodation_escalated_at) is None:
            said = (outcome or "no outcome").replace("_", " ")
            gap = (
                f"accommodation requested {time_in_words(requested)} was {said} and the "
                f"refusal was not escalated"
            )
        else:
            continue
        yield _finding(
            view,
            code,
            record,
            f"Child charged {time_in_words(charged)} and refused bail was not transferred to "
            f"local authority accommodation: {gap}.",
            charged,
        )


@rule("CUSTODY_NO_CERTIFICATE")
def custody_no_certificate(view: View) -> Iterator[Finding]:
    code = "CUSTODY_NO_CERTIFICATE"
    for record, _ in detained_children(view):
        charged = _charged_and_refused(view, record)
        if charged is None or view.seen(record.detention_certificate_at) is not None:
            continue
        yield _finding(
            view,
            code,
            record,
            f"Child charged {time_in_words(charged)}, refused bail and not transferred, with no "
            f"PACE s38(7) certificate explaining why.",
            charged,
        )


@rule("CUSTODY_LONG_DETENTION")
def custody_long_detention(view: View) -> Iterator[Finding]:
    code = "CUSTODY_LONG_DETENTION"
    hours = view.policy.int(code, "hours")
    for record, _ in detained_children(view):
        start = arrived(view, record)
        held = custody_end(view, record) - start
        if held < dt.timedelta(hours=hours):
            continue
        yield _finding(
            view,
            code,
            record,
            f"Child held in custody for {held / dt.timedelta(hours=1):.0f} hours from "
            f"{time_in_words(start)} (threshold {hours} hours).",
            start + dt.timedelta(hours=hours),
        )


@rule("CUSTODY_NO_REFERRAL")
def custody_no_referral(view: View) -> Iterator[Finding]:
    code = "CUSTODY_NO_REFERRAL"
    for record, children in detained_children(view):
        if view.seen(record.referral_to_csc_at) is not None:
            continue
        start = arrived(view, record)
        reasons: list[tuple[dt.datetime, str]] = []
        flags = sorted(
            {
                flag
                for child in children
                for row in view.book.appearances(child, view.as_of)
                for flag in row.mention.flags
                if flag not in VULNERABILITY_EXCLUDED
            }
        )
        if flags:
            reasons.append((start, f"vulnerable ({', '.join(f.replace('_', ' ') for f in flags)})"))
        night = first_overnight_moment(start, custody_end(view, record))
        if night is not None:
            reasons.append((night, f"held overnight (in custody at {time_in_words(night)})"))
        if not reasons:
            continue
        reasons.sort()
        yield _finding(
            view,
            code,
            record,
            f"Detained child {' and '.join(t for _, t in reasons)} with no referral to children's "
            f"social care recorded.",
            reasons[0][0],
        )
