"""Calendar notions in Europe/London: dates in words, months, working days, overnight.

ALERTS.md: "Calendar notions (dates, "overnight", working days) use Europe/London" and "a
working day is Monday to Friday and not an England and Wales bank holiday".
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")


def london_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(LONDON).date()


def start_of_day(day: dt.date) -> dt.datetime:
    """Midnight at the start of a London calendar day, as an aware moment."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=LONDON)


def in_words(moment: dt.datetime | dt.date) -> str:
    """'2 November 2013': how a supervisor reads a date aloud."""
    day = london_date(moment) if isinstance(moment, dt.datetime) else moment
    return f"{day.day} {day.strftime('%B')} {day.year}"


def time_in_words(moment: dt.datetime) -> str:
    """'2 November 2013 at 22:10' (London time)."""
    local = moment.astimezone(LONDON)
    return f"{in_words(local.date())} at {local:%H:%M}"


def add_years(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` later; 29 February falls back to 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def birthday(birth: dt.date, years: int) -> dt.date:
    """The day a person born on ``birth`` turns ``years`` old (ALERTS.md 'Units', v1.1): someone
    born on 29 February has the birthday on 1 March in a year that is not a leap year."""
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:
        return dt.date(birth.year + years, 3, 1)


# ALERTS.md 'Units' (v1.1): N weeks are 7N days, 12 months 365 days, 2 years 730 days, each that
# many 24-hour periods. A month is then 365/12 days and a year 365 days.
DAYS_IN_YEAR = 365


def months_span(months: int) -> dt.timedelta:
    """N months as 24-hour periods: 12 months are exactly 365 days."""
    return dt.timedelta(days=DAYS_IN_YEAR) * months / 12


def years_span(years: int) -> dt.timedelta:
    """N years as 24-hour periods: 2 years are 730 days."""
    return dt.timedelta(days=DAYS_IN_YEAR * years)


def lateness(done: dt.datetime, deadline: dt.datetime) -> str:
    """How late a duty was done, in words: '2 days 3 hours late', '45 minutes late'
    (ALERTS.md 'Deadlines', v1.1: the explanation says how late it was done)."""
    minutes = max(int((done - deadline) / dt.timedelta(minutes=1)), 1)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)

    def unit(count: int, word: str) -> str:
        return f"{count} {word}{'' if count == 1 else 's'}"

    if days:
        parts = [unit(days, "day")] + ([unit(hours, "hour")] if hours else [])
    elif hours:
        parts = [unit(hours, "hour")] + ([unit(minutes, "minute")] if minutes else [])
    else:
        parts = [unit(minutes, "minute")]
    return f"{' '.join(parts)} late"


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[dt.date]:
    # England and Wales share one list of bank holidays; the package calls it GB/ENG.
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def end_of_working_day_after(moment: dt.datetime, working_days: int = 1) -> dt.datetime:
    """The end of the n-th working day after the London date of ``moment``."""
    day = london_date(moment)
    counted = 0
    while counted < working_days:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return start_of_day(day + dt.timedelta(days=1))


def first_overnight_moment(start: dt.datetime, end: dt.datetime) -> dt.datetime | None:
    """The first moment in [start, end) that falls between 00:00 and 06:00 London time."""
    if end <= start:
        return None
    local = start.astimezone(LONDON)
    if local.hour < 6:
        return start
    day = local.date() + dt.timedelta(days=1)
    midnight = start_of_day(day)
    return midnight if midnight < end else None


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building a large casebook.

    Indexing a force allocates millions of small objects that live as long as the casebook; the
    collector would rescan them again and again as the heap grows, for nothing (they form no
    cycles). It is restored afterwards, as it was.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
