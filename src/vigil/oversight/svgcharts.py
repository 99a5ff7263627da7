"""Bar charts drawn as SVG on the server: pure functions from numbers to markup, no Django.

Every chart is an image with a name and a text summary (``role="img"``, ``<title>``, ``<desc>``)
and is followed on its page by the table it draws. Series differ by pattern as well as colour
(solid, stripes, dots, cross-hatch…), and the legend names each, so nothing rests on colour
alone; the shapes print in black and white. The drawing scales to the width it is given
(``viewBox``, width 100 %).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

NO_DATA = "No data for this period"

# GOV.UK colours (each at least 3:1 against white), and a pattern per series.
COLOURS = ("#1d70b8", "#d4351c", "#00703c", "#4c2c92", "#b58840", "#505a5f")
PATTERNS = ("solid", "stripes", "dots", "crosshatch", "horizontal", "vertical")
INK = "#0b0c0c"
GRID = "#b1b4b6"


@dataclass(frozen=True)
class Series:
    label: str
    values: tuple[float, ...]


@dataclass(frozen=True)
class Geometry:
    width: int = 720
    plot_height: int = 240  # vertical charts
    row_height: int = 28  # horizontal charts: per category
    left: int = 48
    label_width: int = 260  # horizontal charts: room for category labels
    top: int = 16
    legend_row: int = 22


def nice_ceiling(value: float) -> float:
    """The axis maximum: ``value`` rounded up to 1, 2, 2.5 or 5 times a power of ten."""
    if value <= 0:
        return 1
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        if value <= step * power:
            return float(step * power)
    return 10 * power  # pragma: no cover (the loop always returns)


def axis_top(values: Sequence[float]) -> float:
    """The axis maximum for some values: a round number at or above the largest, and for whole
    numbers one whose quarters (the gridlines) are whole numbers too."""
    peak = max(values, default=0)
    top = nice_ceiling(peak)
    if all(float(v).is_integer() for v in values) and not (top / 4).is_integer():
        top = float(max(4, math.ceil(peak / 4) * 4))
    return top


def _number(value: float) -> str:
    return f"{value:g}" if value != int(value) else str(int(value))


def _pattern_defs(chart_id: str, count: int) -> str:
    out = []
    for i in range(count):
        colour, kind = COLOURS[i % len(COLOURS)], PATTERNS[i % len(PATTERNS)]
        pid = f"{chart_id}-p{i}"
        marks = {
            "solid": "",
            "stripes": '<path d="M0,8 L8,0 M-2,2 L2,-2 M6,10 L10,6" stroke="#fff" stroke-width="2"/>',
            "dots": '<circle cx="4" cy="4" r="1.6" fill="#fff"/>',
            "crosshatch": '<path d="M0,0 L8,8 M8,0 L0,8" stroke="#fff" stroke-width="1.5"/>',
            "horizontal": '<path d="M0,4 L8,4" stroke="#fff" stroke-width="2"/>',
            "vertical": '<path d="M4,0 L4,8" stroke="#fff" stroke-width="2"/>',
        }[kind]
        out.append(
            f'<pattern id="{pid}" width="8" height="8" patternUnits="userSpaceOnUse">'
            f'<rect width="8" height="8" fill="{colour}"/>{marks}</pattern>'
        )
    return f"<defs>{''.join(out)}</defs>"


def _fill(chart_id: str, i: int) -> str:
    return f"url(#{chart_id}-p{i})"


def _open(chart_id: str, title: str, summary: str, width: int, height: int) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="vigil-chart" id="{chart_id}" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'font-family="Arial, sans-serif" font-size="13">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(summary)}</desc>'
    )


def empty_chart(chart_id: str, title: str, geometry: Geometry = Geometry()) -> str:
    """What a chart with nothing to draw shows: the words, in the image and its summary."""
    height = 60
    return (
        _open(chart_id, title, NO_DATA, geometry.width, height)
        + f'<rect x="0.5" y="0.5" width="{geometry.width - 1}" height="{height - 1}" '
        f'fill="none" stroke="{GRID}"/>'
        f'<text x="{geometry.width // 2}" y="{height // 2 + 5}" text-anchor="middle" '
        f'fill="{INK}" font-size="16">{NO_DATA}</text></svg>'
    )


def _has_data(series: Sequence[Series]) -> bool:
    return any(v for s in series for v in s.values)


def _legend(chart_id: str, series: Sequence[Series], y: int, width: int, left: int) -> str:
    """Swatches with the series' names, wrapped onto rows."""
    out, x, row = [], left, y
    for i, s in enumerate(series):
        span = 26 + 7 * len(s.label) + 18
        if x + span > width and x > left:
            x, row = left, row + 22
        out.append(
            f'<rect x="{x}" y="{row}" width="16" height="16" fill="{_fill(chart_id, i)}" '
            f'stroke="{INK}" stroke-width="1"/>'
            f'<text x="{x + 22}" y="{row + 13}" fill="{INK}">{escape(s.label)}</text>'
        )
        x += span
    return "".join(out)


def _legend_height(series: Sequence[Series], width: int, left: int) -> int:
    rows, x = 1, left
    for s in series:
        span = 26 + 7 * len(s.label) + 18
        if x + span > width and x > left:
            x, rows = left, rows + 1
        x += span
    return rows * 22


def column_chart(
    chart_id: str,
    title: str,
    summary: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    stacked: bool = True,
    geometry: Geometry = Geometry(),
) -> str:
    """Vertical bars, one group per category (weeks, left to right): stacked, or side by side.
    A bar's height is proportional to its value; the axis runs from 0 to a round maximum."""
    if not categories or not _has_data(series):
        return empty_chart(chart_id, title, geometry)
    g = geometry
    for s in series:
        if len(s.values) != len(categories):
            raise ValueError(
                f"series {s.label!r} has {len(s.values)} values, not {len(categories)}"
            )
    if stacked:
        top = axis_top([sum(s.values[i] for s in series) for i in range(len(categories))])
    else:
        top = axis_top([v for s in series for v in s.values])
    plot_w = g.width - g.left - 8
    band = plot_w / len(categories)
    bar_w = band * 0.7 if stacked else band * 0.8 / len(series)
    base = g.top + g.plot_height
    legend_h = _legend_height(series, g.width, g.left)
    height = base + 44 + legend_h
    parts = [_open(chart_id, title, summary, g.width, height), _pattern_defs(chart_id, len(series))]
    for k in range(5):  # gridlines and axis labels at 0, ¼, ½, ¾ and the top
        value = top * k / 4
        y = base - g.plot_height * k / 4
        parts.append(
            f'<line x1="{g.left}" x2="{g.width - 8}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}" '
            f'stroke-width="1"/><text x="{g.left - 6}" y="{y + 4:.1f}" text-anchor="end" '
            f'fill="{INK}">{_number(value)}</text>'
        )
    every = max(1, math.ceil(len(categories) / 13))  # no more than 13 labels under the axis
    for i, category in enumerate(categories):
        x0 = g.left + band * i
        below = 0.0
        for j, s in enumerate(series):
            value = s.values[i]
            h = g.plot_height * value / top
            if stacked:
                x, y = x0 + (band - bar_w) / 2, base - below - h
                below += h
            else:
                x, y = x0 + band * 0.1 + bar_w * j, base - h
            if value:
                parts.append(
                    f'<rect class="bar" x="{x:.2f}" y="{y:.2f}" width="{bar_w:.2f}" '
                    f'height="{h:.2f}" fill="{_fill(chart_id, j)}" stroke="{INK}" '
                    f'stroke-width="0.5" data-value="{_number(value)}"><title>'
                    f"{escape(category)}: {escape(s.label)}, {_number(value)}</title></rect>"
                )
        if i % every == 0:
            parts.append(
                f'<text class="category" x="{x0 + band / 2:.1f}" y="{base + 18}" '
                f'text-anchor="middle" fill="{INK}">{escape(category)}</text>'
            )
    parts.append(f'<line x1="{g.left}" x2="{g.width - 8}" y1="{base}" y2="{base}" stroke="{INK}"/>')
    parts.append(_legend(chart_id, series, base + 34, g.width, g.left))
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(
    chart_id: str,
    title: str,
    summary: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    geometry: Geometry = Geometry(),
) -> str:
    """Horizontal bars, one row per category (teams, rules: long names read across), the series
    side by side within a row; each bar's length proportional to its value, which is written at
    its end."""
    if not categories or not _has_data(series):
        return empty_chart(chart_id, title, geometry)
    g = geometry
    for s in series:
        if len(s.values) != len(categories):
            raise ValueError(
                f"series {s.label!r} has {len(s.values)} values, not {len(categories)}"
            )
    top = axis_top([v for s in series for v in s.values])
    x0 = g.label_width
    plot_w = g.width - x0 - 48
    row = g.row_height * len(series) + 10
    legend_h = _legend_height(series, g.width, 8)
    plot_h = row * len(categories)
    height = g.top + plot_h + 30 + legend_h + 8
    parts = [_open(chart_id, title, summary, g.width, height), _pattern_defs(chart_id, len(series))]
    for k in range(5):
        value = top * k / 4
        x = x0 + plot_w * k / 4
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{g.top}" y2="{g.top + plot_h}" stroke="{GRID}"/>'
            f'<text x="{x:.1f}" y="{g.top + plot_h + 16}" text-anchor="middle" '
            f'fill="{INK}">{_number(value)}</text>'
        )
    for i, category in enumerate(categories):
        y0 = g.top + row * i
        label = category if len(category) <= 38 else category[:36] + "…"
        parts.append(
            f'<text class="category" x="{x0 - 8}" y="{y0 + row / 2 + 4:.1f}" text-anchor="end" '
            f'fill="{INK}">{escape(label)}</text>'
        )
        for j, s in enumerate(series):
            value = s.values[i]
            w = plot_w * value / top
            y = y0 + 5 + g.row_height * j
            if value:
                parts.append(
                    f'<rect class="bar" x="{x0}" y="{y:.2f}" width="{w:.2f}" '
                    f'height="{g.row_height - 6}" fill="{_fill(chart_id, j)}" stroke="{INK}" '
                    f'stroke-width="0.5" data-value="{_number(value)}"><title>'
                    f"{escape(category)}: {escape(s.label)}, {_number(value)}</title></rect>"
                )
            parts.append(
                f'<text x="{x0 + w + 4:.1f}" y="{y + g.row_height / 2 + 1:.1f}" '
                f'fill="{INK}">{_number(value)}</text>'
            )
    parts.append(f'<line x1="{x0}" x2="{x0}" y1="{g.top}" y2="{g.top + plot_h}" stroke="{INK}"/>')
    parts.append(_legend(chart_id, series, g.top + plot_h + 26, g.width, 8))
    parts.append("</svg>")
    return "".join(parts)
