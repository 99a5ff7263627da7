"""Time for the synthetic force: instants are integer seconds since the Unix epoch (UTC).

Integers keep the hot loop cheap; only formatting touches calendars. Every instant is written in
Europe/London local time with its offset (what a UK source system would show). The offset is
looked up per UTC day and cached: on the two clock-change nights an instant may be shown with the
other day's offset, which still denotes exactly the same instant, so nothing is ever wrong.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC
DAY = 86_400
HOUR = 3_600
MINUTE = 60
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
# Wall-clock texts for every minute of a day: almost every generated instant is on the minute.
_CLOCK = tuple(f"{m // 60:02d}:{m % 60:02d}:00" for m in range(1440))


def london(day: dt.date, hour: int = 12, minute: int = 0) -> int:
    """The instant of a Europe/London wall-clock time (exact, DST-aware)."""
    local = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)
    return int(local.timestamp())


def date_of(ts: int) -> dt.date:
    """The Europe/London calendar date of an instant (exact)."""
    return dt.datetime.fromtimestamp(ts, LONDON).date()


def end_instant(end: dt.date | dt.datetime) -> int:
    """The as_of instant a period's end names: a date means 12:00 Europe/London that day (as a
    period given by its start ends), a datetime its own instant, to the whole second."""
    if isinstance(end, dt.datetime):
        if end.tzinfo is None:
            raise ValueError(f"the end {end.isoformat()} has no UTC offset")
        return int(end.timestamp())  # int() truncates: the output never carries fractions
    return london(end, 12, 0)


def parse_end(text: str) -> dt.date | dt.datetime:
    """An ISO 8601 date, or a datetime with its UTC offset (``Z`` or ``+01:00``)."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO 8601 date or datetime") from None
    if value.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset")
    return value


class Clock:
    """The generated period and a fast, cached ISO 8601 formatter.

    A period is its end instant ``as_of`` (when the force's systems are extracted) and its length
    in days: it runs from 00:00 Europe/London ``days`` calendar days before the as_of date, so
    background events fill whole days up to the day before as_of and only follow-ups (a decision,
    a recorded_at) reach into the as_of day itself, never past as_of.
    """

    def __init__(self, as_of: int, days: int) -> None:
        self.days = days
        self.as_of = as_of
        self.as_of_date = self.end_date = date_of(as_of)
        self.start = self.end_date - dt.timedelta(days=days)
        self.start_ts = london(self.start, 0, 0)
        self.iso = self._formatter()

    @classmethod
    def starting(cls, start: dt.date, days: int) -> Clock:
        """The period from ``start`` whose as_of is ``start + days`` at 12:00 Europe/London."""
        return cls(london(start + dt.timedelta(days=days), 12, 0), days)

    def _offset(self, utc_day: int) -> tuple[str, int]:
        noon = dt.datetime.fromtimestamp(utc_day * DAY + 12 * HOUR, LONDON)
        offset = int(noon.utcoffset().total_seconds())  # type: ignore[union-attr]
        sign = "+" if offset >= 0 else "-"
        return f"{sign}{abs(offset) // HOUR:02d}:{abs(offset) % HOUR // MINUTE:02d}", offset

    def _formatter(self) -> Callable[[int], str]:
        # A closure over local caches: this runs several times per record, so every attribute
        # lookup saved counts.
        offsets: dict[int, tuple[str, int]] = {}
        dates: dict[int, str] = {}
        clock_texts = _CLOCK
        offset_of = self._offset

        def iso(ts: int) -> str:
            """ISO 8601 with the Europe/London offset, e.g. ``2014-06-20T12:00:00+01:00``."""
            utc_day = ts // DAY
            found = offsets.get(utc_day)
            if found is None:
                found = offsets[utc_day] = offset_of(utc_day)
            local = ts + found[1]
            day = local // DAY
            secs = local - day * DAY
            text = dates.get(day)
            if text is None:
                text = dates[day] = dt.date.fromordinal(_EPOCH_ORDINAL + day).isoformat() + "T"
            if secs % MINUTE:
                return (
                    f"{text}{secs // HOUR:02d}:{secs % HOUR // MINUTE:02d}:"
                    f"{secs % MINUTE:02d}{found[0]}"
                )
            return text + clock_texts[secs // MINUTE] + found[0]

        return iso

    def in_period(self, fraction: float) -> int:
        """An instant at the given fraction (0..1) of the period, to the minute."""
        ts = self.start_ts + int(fraction * self.days * DAY)
        return ts - ts % MINUTE

    def days_before(self, days: float, hour: int, minute: int = 0) -> int:
        """``days`` calendar days before the as_of date, at a London wall-clock time."""
        whole = int(days)
        return london(self.as_of_date - dt.timedelta(days=whole), hour, minute)


def end_arg(text: str) -> dt.date | dt.datetime:
    """``--end`` of ``vigil synth`` and ``vigil demo``, as an argparse type."""
    import argparse

    try:
        return parse_end(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
