"""The figures behind the performance page: how alerts, referrals and missing children moved week
by week over a period, each counted in the database (TruncWeek, Count, conditional aggregates),
never by walking every alert in Python.

A week is a London calendar week, Monday to Sunday, named by its Monday. A period runs from the
start of its first London day to the end of its last.

Two figures cannot be summed in SQL alone, and say how they are counted:

- *Referrals decided within the first working day* use the rules' own clock
  (``vigil.rules.clock.end_of_working_day_after``, with England and Wales bank holidays) and the
  force's ``REFERRAL_NO_DECISION`` setting, so the page and the alert agree. The database gives
  four short text fields per referral in the period (not the payload); a referral that has
  amendments written in Vigil is read as its effective record through the rules' merge
  (``vigil.rules.amendments.effective_record``): a decision recorded by amendment counts, and a
  decision the source holds always wins. Counting stored alerts instead would miss referrals
  whose deadline passed after the last assessment, and count none that were decided in time.
- *Children missing 3 or more times in 90 days* count, for each week, the people (as identity
  resolution links them) named as the missing person on 3 or more missing or absent episodes in
  the 90 days ending at the close of that week, in one grouped query with one conditional count
  per week. A person counts as a child in a week when the mention on the episode gives a date of
  birth under 18 years before the close of the week (or, without one, an age estimate under 18);
  the rule itself asks the age on each episode, so someone who turned 18 within the 90 days
  leaves this figure a little sooner than the alert resolves.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from vigil.accounts.models import Team
from vigil.alerts.engine import current_policy
from vigil.alerts.models import Alert
from vigil.alerts.querysets import CHUNK, LIVE
from vigil.alerts.titles import title
from vigil.identity.models import MentionLink
from vigil.oversight.queries import REFERRAL_AGENCIES
from vigil.records.contract import AMENDS, VIGIL_SYSTEM, parse_record
from vigil.records.models import Record, RecordLink
from vigil.rules.amendments import effective_record
from vigil.rules.clock import LONDON, end_of_working_day_after, london_date, start_of_day
from vigil.rules.policy import Policy

# The rule groups a weekly chart draws in its own colour and pattern; the rest are "Other rules".
TOP_CODES = 5
OTHER = "Other rules"
# Referrals to the same agency may arrive up to this long after they were first written (their
# ``occurred_at``); the database narrows by ``occurred_at`` with this margin, Python by receipt.
REFERRAL_MARGIN = dt.timedelta(days=14)
REFERRAL_FIELDS = ("to_agency", "received_at", "sent_at", "decision_at", "occurred_at")


class PayloadFields(Func):
    """Some top-level payload fields as one JSON array (text), the payload read once per row."""

    output_field = CharField()

    def __init__(self, *keys: str) -> None:
        if not all(key.isidentifier() for key in keys):
            raise ValueError(keys)
        self.keys = keys
        super().__init__(F("payload"))

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        paths = ", ".join(f"'$.{key}'" for key in self.keys)
        return self.as_sql(compiler, connection, template=f"JSON_EXTRACT(%(expressions)s, {paths})")

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        parts = ", ".join(f"(%(expressions)s -> '{key}')" for key in self.keys)
        return self.as_sql(compiler, connection, template=f"jsonb_build_array({parts})::text")


def _policy() -> Policy:
    """The force's policy, read again only when its file changes (reading it takes a while)."""
    path = settings.VIGIL_POLICY_FILE
    try:
        stamp = os.stat(path).st_mtime_ns if path else 0
    except OSError:
        stamp = -1
    return _policy_at(str(path or ""), stamp)


@lru_cache(maxsize=4)
def _policy_at(path: str, stamp: int) -> Policy:
    return current_policy()


@dataclass(frozen=True)
class Period:
    """From the start of ``start`` to the end of ``end`` (London days), and the team asked for."""

    start: dt.date
    end: dt.date
    team: Team | None = None

    @property
    def since(self) -> dt.datetime:
        return start_of_day(self.start)

    @property
    def until(self) -> dt.datetime:
        """The first moment after the period."""
        return start_of_day(self.end + dt.timedelta(days=1))

    def weeks(self) -> list[dt.date]:
        """The Mondays of every week the period touches, in order."""
        monday = self.start - dt.timedelta(days=self.start.weekday())
        out = []
        while monday <= self.end:
            out.append(monday)
            monday += dt.timedelta(days=7)
        return out

    def week_end(self, monday: dt.date) -> dt.datetime:
        """The close of a week, or of the period if that comes first."""
        return min(start_of_day(monday + dt.timedelta(days=7)), self.until)


def default_period(today: dt.date, weeks: int = 12) -> tuple[dt.date, dt.date]:
    """The last ``weeks`` weeks ending today."""
    return today - dt.timedelta(days=7 * weeks - 1), today


def week_number(field: str, period: Period) -> Case:
    """Which of the period's weeks (0, 1, …) a moment inside the period falls in: comparisons
    with each week's London midnight, which both databases do natively and fast (TruncWeek on
    SQLite calls back into Python for every row)."""
    weeks = period.weeks()
    return Case(
        *(
            When(**{f"{field}__lt": period.week_end(monday)}, then=Value(i))
            for i, monday in enumerate(weeks)
        ),
        default=Value(len(weeks) - 1),
        output_field=IntegerField(),
    )


def team_q(team: Team | None, prefix: str = "") -> Q:
    """Alerts a team holds: in its tray, or held by one of its members."""
    if team is None:
        return Q()
    return Q(**{f"{prefix}assigned_team": team}) | Q(
        **{f"{prefix}assigned_team": None, f"{prefix}assigned_to__team": team}
    )


# ---- alerts raised and closed per week, by rule ---------------------------------------------


@dataclass
class WeeklyByRule:
    weeks: list[dt.date]
    groups: list[str]  # rule titles, most frequent first, then OTHER if any
    raised: dict[str, list[int]]  # group -> count per week
    closed: dict[str, list[int]]
    by_code: list[dict[str, Any]] = field(default_factory=list)  # week, rule, raised, closed


def alerts_per_week(period: Period) -> WeeklyByRule:
    """Alerts raised (the moment the rule found its condition held) and closed by a person,
    per week and rule. Two grouped queries."""
    alerts = Alert.objects.filter(team_q(period.team))
    raised = (
        alerts.filter(raised_at__gte=period.since, raised_at__lt=period.until)
        .annotate(week=week_number("raised_at", period))
        .values("week", "code")
        .annotate(n=Count("id"))
        .order_by()
    )
    closed = (
        alerts.filter(closed_at__gte=period.since, closed_at__lt=period.until)
        .annotate(week=week_number("closed_at", period))
        .values("week", "code")
        .annotate(n=Count("id"))
        .order_by()
    )
    weeks = period.weeks()
    index = {w: i for i, w in enumerate(weeks)}
    cells: dict[tuple[str, dt.date], list[int]] = defaultdict(lambda: [0, 0])
    totals: Counter[str] = Counter()
    for column, rows in ((0, raised), (1, closed)):
        for row in rows:
            week = weeks[row["week"]]
            cells[(row["code"], week)][column] += row["n"]
            totals[row["code"]] += row["n"]
    ranked = sorted(totals, key=lambda c: (-totals[c], title(c)))
    top, rest = ranked[:TOP_CODES], ranked[TOP_CODES:]
    if len(rest) == 1:  # one more rule needs no "Other" of its own
        top, rest = ranked, []
    group_of = {c: title(c) for c in top} | dict.fromkeys(rest, OTHER)
    groups = [title(c) for c in top] + ([OTHER] if rest else [])
    out = WeeklyByRule(
        weeks=weeks,
        groups=groups,
        raised={g: [0] * len(weeks) for g in groups},
        closed={g: [0] * len(weeks) for g in groups},
    )
    for (code, week), (n_raised, n_closed) in cells.items():
        group = group_of[code]
        out.raised[group][index[week]] += n_raised
        out.closed[group][index[week]] += n_closed
    out.by_code = [
        {"week": week, "rule": title(code), "raised": n_raised, "closed": n_closed}
        for (code, week), (n_raised, n_closed) in sorted(
            cells.items(), key=lambda kv: (kv[0][1], title(kv[0][0]))
        )
    ]
    return out


# ---- open and overdue by team ----------------------------------------------------------------


def open_by_team(period: Period, now: dt.datetime) -> list[dict[str, Any]]:
    """Alerts open or acknowledged now, and how many of them are overdue, per team holding them
    (its tray or a member), with one row for those no team holds. One grouped query."""
    rows = (
        Alert.objects.filter(status__in=LIVE)
        .filter(team_q(period.team))
        .annotate(holder=Coalesce(F("assigned_team__name"), F("assigned_to__team__name")))
        .values("holder")
        .annotate(open=Count("id"), overdue=Count("id", filter=Q(due_at__lt=now)))
        .order_by("holder")
    )
    out = [
        {"team": r["holder"] or "No team", "open": r["open"], "overdue": r["overdue"]} for r in rows
    ]
    out.sort(key=lambda r: (r["team"] == "No team", r["team"]))
    return out


# ---- time to close ---------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """The q-th quantile (0..1) by linear interpolation between closest ranks, as PostgreSQL's
    percentile_cont computes it."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def time_to_close(period: Period) -> list[dict[str, Any]]:
    """For each rule, of the alerts a person closed in the period (and still closed): how many,
    and the median and 90th percentile of days from raised to closed.

    On PostgreSQL the quantiles are computed there (percentile_cont); SQLite has no quantile
    aggregate, so the database gives the closed alerts' durations, one number each."""
    closed = _closed_in(period)
    if connection.vendor == "postgresql":
        rows = _quantiles_postgresql(closed)
    else:
        spans: dict[str, list[float]] = defaultdict(list)
        for code, raised, done in closed.values_list("code", "raised_at", "closed_at"):
            if done is not None:
                spans[code].append((done - raised).total_seconds() / 86400)
        rows = [(code, len(v), percentile(v, 0.5), percentile(v, 0.9)) for code, v in spans.items()]
    out: list[dict[str, Any]] = [
        {"rule": title(code), "closed": n, "median": round(median, 1), "p90": round(p90, 1)}
        for code, n, median, p90 in rows
    ]
    out.sort(key=lambda r: (-float(r["p90"]), str(r["rule"])))
    return out


def _closed_in(period: Period) -> QuerySet[Alert]:
    return Alert.objects.filter(
        team_q(period.team),
        status=Alert.Status.CLOSED,
        closed_at__gte=period.since,
        closed_at__lt=period.until,
        raised_at__lte=F("closed_at"),
    )


def _quantiles_postgresql(closed: QuerySet[Alert]) -> list[tuple[str, int, float, float]]:
    inner, params = closed.values("code", "raised_at", "closed_at").query.sql_with_params()
    days = "EXTRACT(EPOCH FROM (t.closed_at - t.raised_at)) / 86400.0"
    select = (
        f"SELECT t.code, COUNT(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY {days}), "
        f"percentile_cont(0.9) WITHIN GROUP (ORDER BY {days})"
    )
    # The inner query is Django's own SQL, its values passed as parameters.
    sql = select + " FROM (" + inner + ") AS t GROUP BY t.code"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(c, int(n), float(m), float(p)) for c, n, m, p in cursor.fetchall()]


# ---- referrals decided within the first working day -----------------------------------------


def _instant(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=LONDON)


def _amended_decisions(keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """The effective ``decision_at`` of each referral (by system and id) that amendments written
    in Vigil complete, read through the rules' merge; only referrals with amendments appear."""
    wanted = set(keys)
    # The links naming these referrals (by the index on a link's target), from referrals
    # written in Vigil, a chunk of ids at a time.
    by_target: dict[tuple[str, str], list[Any]] = defaultdict(list)
    ids = sorted({source_id for _, source_id in wanted})
    systems = sorted({system for system, _ in wanted})
    for start in range(0, len(ids), CHUNK):
        links = RecordLink.objects.filter(
            target_system__in=systems,
            target_id__in=ids[start : start + CHUNK],
            relation=AMENDS,
            record__source_system=VIGIL_SYSTEM,
            record__record_type="referral",
        ).values_list("target_system", "target_id", "record__payload")
        for system, source_id, payload in links:
            if (system, source_id) in wanted:
                by_target[(system, source_id)].append(payload)
    if not by_target:
        return {}
    sources = Record.objects.filter(
        record_type="referral", source_system__in={k[0] for k in by_target}
    )
    sources = sources.filter(source_id__in={k[1] for k in by_target})
    out: dict[tuple[str, str], str] = {}
    for source in sources.only("source_system", "source_id", "payload"):
        key = (source.source_system, source.source_id)
        if key not in by_target:
            continue
        merged = effective_record(
            parse_record(_as_dict(source.payload)),
            [parse_record(_as_dict(p)) for p in by_target[key]],
        ).record
        decided = getattr(merged, "decision_at", None)
        if decided is not None:
            out[key] = decided.isoformat()
    return out


def _as_dict(payload: Any) -> dict[str, Any]:
    return json.loads(payload) if isinstance(payload, str) else dict(payload)


def referral_decisions(period: Period, now: dt.datetime) -> list[dict[str, Any]]:
    """Per week (of the London day each referral to children's social care or the MASH was
    received, or else sent): decided in time, decided late, not decided (deadline passed), and
    waiting (deadline not yet passed), by ``REFERRAL_NO_DECISION``'s working-day rule."""
    days = _policy().int("REFERRAL_NO_DECISION", "working_days")
    # One read of each payload for its five fields (SQLite parses the JSON once per read).
    rows = (
        Record.objects.filter(
            record_type="referral",
            occurred_at__gte=period.since - REFERRAL_MARGIN,
            occurred_at__lt=period.until + REFERRAL_MARGIN,
        )
        .annotate(fields=PayloadFields(*REFERRAL_FIELDS))
        .values_list("source_system", "source_id", "fields")
        .order_by()
    )
    weeks = period.weeks()
    index = {w: i for i, w in enumerate(weeks)}
    counts = [Counter[str]() for _ in weeks]
    undecided: list[tuple[tuple[str, str], int, dt.datetime]] = []
    deadlines: dict[dt.date, dt.datetime] = {}
    for system, source_id, fields in rows:
        to_agency, received, sent, decided, occurred = json.loads(fields)
        if to_agency not in REFERRAL_AGENCIES:
            continue
        start = _instant(received) or _instant(sent) or _instant(occurred)
        if start is None:
            continue
        day = london_date(start)
        if not period.start <= day <= period.end:
            continue
        week = index[day - dt.timedelta(days=day.weekday())]
        if day not in deadlines:
            deadlines[day] = end_of_working_day_after(start, days)
        deadline = deadlines[day]
        decision = _instant(decided)
        if decision is not None and decision > now:
            decision = None  # a time later than now is not yet seen, as the rules read it
        if decision is None:
            undecided.append(((system, source_id), week, deadline))
            continue
        counts[week]["in_time" if decision < deadline else "late"] += 1
    amended = _amended_decisions(k for k, _, _ in undecided) if undecided else {}
    for key, week, deadline in undecided:
        decision = _instant(amended.get(key))
        if decision is not None and decision <= now:
            counts[week]["in_time" if decision < deadline else "late"] += 1
        elif now < deadline:
            counts[week]["waiting"] += 1
        else:
            counts[week]["not_decided"] += 1
    return [
        {
            "week": w,
            "in_time": c["in_time"],
            "late": c["late"],
            "not_decided": c["not_decided"],
            "waiting": c["waiting"],
            "total": c.total(),
        }
        for w, c in zip(weeks, counts, strict=True)
    ]


# ---- children missing 3 or more times in 90 days ---------------------------------------------


def repeat_missing(period: Period) -> tuple[list[dict[str, Any]], int, int]:
    """Per week: how many children were named as the missing person on ``episodes`` or more
    missing or absent episodes in the ``window_days`` ending at the close of the week
    (``REPEAT_MISSING``'s settings). One grouped query: a conditional count per week for each
    person, and only people meeting it in some week come back."""
    policy = _policy()
    threshold = policy.int("REPEAT_MISSING", "episodes")
    window = dt.timedelta(days=policy.int("REPEAT_MISSING", "window_days"))
    weeks = period.weeks()
    ends = [period.week_end(w) for w in weeks]
    if not weeks:
        return [], threshold, window.days
    counts: dict[str, Count] = {}
    for i, end in enumerate(ends):
        cutoff = _birthday_cutoff(london_date(end - dt.timedelta(microseconds=1)))
        child = Q(mention__date_of_birth__gt=cutoff) | Q(
            mention__date_of_birth__isnull=True, mention__age_estimate__lt=18
        )
        # Each naming counts, as in the rule (two mentions of one person on an episode, which
        # identity resolution would not normally leave, count twice there too).
        counts[f"w{i}"] = Count(
            "mention__record_id",
            filter=Q(
                mention__record__occurred_at__gt=end - window,
                mention__record__occurred_at__lt=end,
            )
            & child,
        )
    meeting = Q()
    for name in counts:
        meeting |= Q(**{f"{name}__gte": threshold})
    rows = (
        MentionLink.objects.filter(
            mention__role="missing_person",
            mention__record__record_type="missing",
            # the record's time, which is indexed (the mention's copy of it is not)
            mention__record__occurred_at__gt=ends[0] - window,
            mention__record__occurred_at__lt=ends[-1],
        )
        .values("person_id")
        .annotate(**counts)
        .filter(meeting)
        .order_by()
    )
    children = [0] * len(weeks)
    for row in rows:
        for i in range(len(weeks)):
            if row[f"w{i}"] >= threshold:
                children[i] += 1
    return (
        [{"week": w, "children": n} for w, n in zip(weeks, children, strict=True)],
        threshold,
        window.days,
    )


def _birthday_cutoff(day: dt.date) -> dt.date:
    """Anyone born after this date is under 18 on ``day``."""
    try:
        return day.replace(year=day.year - 18)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 18, day=28)
