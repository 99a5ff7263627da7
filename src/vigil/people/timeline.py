"""A person's history as a strip of marks on a time axis: a server-drawn SVG (no script, so it
prints, and the Content Security Policy needs nothing more).

One lane per kind (domestic abuse incidents, missing episodes, custody, referrals, everything
else), each kind its own shape as well as colour, alerts as flags in a lane of their own, and
the windows the rules count in (ALERTS.md: ``REPEAT_MISSING``'s 90 days,
``CUMULATIVE_DOMESTIC_ABUSE``'s 365) shaded back from today and labelled: "three incidents in a
year" is seen, not counted. ``draw`` is a pure function of its arguments.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 960
LEFT = 190  # the lanes' labels
RIGHT = 20
TOP = 34  # the windows' labels
LANE = 30
AXIS = 34
LEGEND = 30

# kind -> (lane label, shape, colour): the shape tells kinds apart without colour.
KINDS: dict[str, tuple[str, str, str]] = {
    "alert": ("Alerts", "flag", "#6f2c91"),
    "da": ("Domestic abuse", "triangle", "#a0111e"),
    "missing": ("Missing or absent", "circle", "#1d70b8"),
    "custody": ("Custody", "square", "#0b0c0c"),
    "referral": ("Referrals", "diamond", "#005a30"),
    "other": ("Other records", "bar", "#505a5f"),
}
WINDOW_FILLS = {365: "#f3f2f1", 90: "#d2e2f1"}
TEXT = "#0b0c0c"


@dataclass(frozen=True)
class Mark:
    """One thing on the strip: when, which lane (a key of ``KINDS``) and what, in words."""

    at: dt.datetime
    kind: str
    label: str


def _shape(kind: str, x: float, y: float, colour: str) -> str:
    shape = KINDS[kind][1]
    if shape == "triangle":
        return f'<path d="M{x:.1f} {y - 7:.1f}L{x + 7:.1f} {y + 6:.1f}L{x - 7:.1f} {y + 6:.1f}Z" fill="{colour}"/>'
    if shape == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="6" fill="{colour}"/>'
    if shape == "square":
        return f'<rect x="{x - 6:.1f}" y="{y - 6:.1f}" width="12" height="12" fill="{colour}"/>'
    if shape == "diamond":
        return f'<path d="M{x:.1f} {y - 8:.1f}L{x + 7:.1f} {y:.1f}L{x:.1f} {y + 8:.1f}L{x - 7:.1f} {y:.1f}Z" fill="{colour}"/>'
    if shape == "flag":
        return (
            f'<path d="M{x:.1f} {y + 9:.1f}V{y - 9:.1f}" stroke="{colour}" stroke-width="2"/>'
            f'<path d="M{x:.1f} {y - 9:.1f}L{x + 10:.1f} {y - 5:.1f}L{x:.1f} {y - 1:.1f}Z" '
            f'fill="{colour}"/>'
        )
    return f'<rect x="{x - 1.5:.1f}" y="{y - 8:.1f}" width="3" height="16" fill="{colour}"/>'  # bar


def _day(moment: dt.datetime | dt.date) -> dt.date:
    return moment.date() if isinstance(moment, dt.datetime) else moment


def _ticks(start: dt.date, end: dt.date) -> list[tuple[dt.date, str]]:
    """Years across a long span; months (every 1, 2, 3 or 6) across a short one."""
    days = (end - start).days
    if days > 3 * 365:
        step_years = max(1, round(days / 365 / 8))
        return [
            (dt.date(y, 1, 1), str(y))
            for y in range(start.year + 1, end.year + 1)
            if (y - start.year - 1) % step_years == 0
        ]
    step = next(s for s in (1, 2, 3, 6, 12) if days / 30 / s <= 12)
    out: list[tuple[dt.date, str]] = []
    y, m = start.year, start.month
    while True:
        m += 1
        if m > 12:
            y, m = y + 1, 1
        day = dt.date(y, m, 1)
        if day > end:
            return out
        if (m - 1) % step == 0:
            out.append((day, f"{day:%b %Y}" if m == 1 or not out else f"{day:%b}"))


def draw(
    marks: Sequence[Mark],
    today: dt.date,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    title: str = "Timeline",
    description: str = "",
    ident: str = "timeline",
) -> str:
    """The strip as SVG text, ``role="img"`` with its ``<title>`` and ``<desc>``.

    The axis runs from ``start`` (default: the first mark, or a year before ``today`` if that is
    later) to ``end`` (default: ``today``, or the last mark if later); marks outside are left out.
    The 90- and 365-day windows end at ``today`` and are drawn where they fall on the axis."""
    days = [_day(m.at) for m in marks]
    lo = start or min([*days, today - dt.timedelta(days=365)])
    hi = end or max([*days, today])
    if hi <= lo:
        hi = lo + dt.timedelta(days=1)
    lo_pad = lo - dt.timedelta(days=max(1, (hi - lo).days // 60))
    hi_pad = hi + dt.timedelta(days=max(1, (hi - lo).days // 60))
    span = (hi_pad - lo_pad).days or 1
    inner = WIDTH - LEFT - RIGHT

    def x(day: dt.date) -> float:
        return LEFT + inner * (day - lo_pad).days / span

    lanes = list(KINDS)
    height = TOP + LANE * len(lanes) + AXIS + LEGEND
    axis_y = TOP + LANE * len(lanes)
    shown = [(m, d) for m, d in zip(marks, days, strict=True) if lo <= d <= hi and m.kind in KINDS]
    counts = {k: sum(1 for m, _ in shown if m.kind == k) for k in lanes}
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="vigil-timeline__svg" '
        f'width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" '
        f'aria-labelledby="{ident}-title {ident}-desc" font-family="Arial, sans-serif">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(description)}</desc>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#ffffff"/>',
    ]
    # The rules' windows, widest first so the narrower is drawn over it.
    for window, name in ((365, "Last 365 days"), (90, "Last 90 days")):
        w_lo, w_hi = max(today - dt.timedelta(days=window), lo_pad), min(today, hi_pad)
        if w_hi <= w_lo:
            continue
        x0, x1 = x(w_lo), x(w_hi)
        out.append(
            f'<rect class="vigil-timeline__window" data-window="{window}" x="{x0:.1f}" '
            f'y="{TOP - 6}" width="{x1 - x0:.1f}" height="{axis_y - TOP + 6}" '
            f'fill="{WINDOW_FILLS[window]}"/>'
        )
        # Each label starts where its window does (both windows end today).
        label_y = 12 if window == 365 else 26
        anchor, at = ("start", x0 + 4) if x1 - x0 > 90 else ("end", x1 - 4)
        out.append(
            f'<text x="{at:.1f}" y="{label_y}" text-anchor="{anchor}" font-size="12" '
            f'fill="{TEXT}">{name}</text>'
        )
    for i, kind in enumerate(lanes):
        label, _, colour = KINDS[kind]
        y = TOP + LANE * i + LANE / 2
        out.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
            f'stroke="#b1b4b6" stroke-width="1"/>'
        )
        out.append(
            f'<text x="8" y="{y + 4:.1f}" font-size="14" fill="{TEXT}">'
            f"{escape(label)} ({counts[kind]})</text>"
        )
    for mark, day in sorted(shown, key=lambda md: md[1]):
        i = lanes.index(mark.kind)
        y = TOP + LANE * i + LANE / 2
        colour = KINDS[mark.kind][2]
        out.append(
            f'<g class="vigil-timeline__mark" data-kind="{mark.kind}">'
            f"<title>{escape(f'{day.day} {day:%b %Y}: {mark.label}')}</title>"
            f"{_shape(mark.kind, x(day), y, colour)}</g>"
        )
    # The axis and its ticks.
    out.append(
        f'<line x1="{LEFT}" y1="{axis_y}" x2="{WIDTH - RIGHT}" y2="{axis_y}" stroke="{TEXT}"/>'
    )
    for day, text in _ticks(lo_pad, hi_pad):
        tx = x(day)
        out.append(
            f'<line x1="{tx:.1f}" y1="{axis_y}" x2="{tx:.1f}" y2="{axis_y + 6}" stroke="{TEXT}"/>'
        )
        out.append(
            f'<text x="{tx:.1f}" y="{axis_y + 20}" text-anchor="middle" font-size="12" '
            f'fill="{TEXT}">{escape(text)}</text>'
        )
    if lo_pad <= today <= hi_pad:
        tx = x(today)
        out.append(
            f'<line x1="{tx:.1f}" y1="{TOP - 6}" x2="{tx:.1f}" y2="{axis_y}" stroke="{TEXT}" '
            f'stroke-dasharray="3 3"/>'
        )
    # The legend: each kind's shape and name.
    ly = height - LEGEND / 2
    lx = 8.0
    for kind in lanes:
        label, _, colour = KINDS[kind]
        out.append(_shape(kind, lx + 8, ly, colour))
        out.append(
            f'<text x="{lx + 20:.1f}" y="{ly + 4:.1f}" font-size="12" fill="{TEXT}">'
            f"{escape(label)}</text>"
        )
        lx += 30 + 7 * len(label)
    out.append("</svg>")
    return "".join(out)
