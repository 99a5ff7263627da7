"""The report's charts as server-rendered SVG: no JavaScript, readable without colour.

Each chart is an ``<svg role="img">`` named by its ``<title>`` and described by its ``<desc>``,
and comes with the table it draws (``Chart.table``), which every page and document shows under
it. Series and grades differ in pattern and are labelled with their counts, never told apart
by colour alone. Pure functions of the report (``vigil.inspection.report.build``'s dict) or of
plain numbers: no Django, no database.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

from vigil.inspection.grading import AREAS, GRADE_LABELS, GRADES, INSPECTOR, SELF

# GOV.UK colours dark enough for white text; each paired with its own pattern.
_FILLS = ("#1d70b8", "#003078", "#00703c", "#4c2c92", "#d4351c", "#505a5f", "#912b88")
_PATTERNS = ("solid", "diagonal", "dots", "cross", "horizontal", "vertical", "grid")
GRADE_STYLE: dict[str, tuple[str, str]] = {
    "excellent": ("#00703c", "solid"),
    "good": ("#1d70b8", "diagonal"),
    "adequate": ("#505a5f", "dots"),
    "requires_improvement": ("#4c2c92", "cross"),
    "inadequate": ("#d4351c", "horizontal"),
}
ASSESSOR_SHORT = {SELF: "Self-assessment", INSPECTOR: "Inspection"}
_INK, _PAPER, _GRID = "#0b0c0c", "#ffffff", "#b1b4b6"
_FONT = 'font-family="Arial, sans-serif"'


@dataclass(frozen=True)
class Table:
    caption: str
    head: list[str]
    rows: list[list[Any]]  # the first cell of each row is its header


@dataclass(frozen=True)
class Chart:
    key: str  # unique on a page: the prefix of the SVG's ids
    title: str
    svg: str
    table: Table
    notes: list[str] = field(default_factory=list)


def _attr(value: object) -> str:
    return escape(str(value), quote=True)


def _num(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))


def _pattern_defs(key: str, styles: Sequence[tuple[str, str]]) -> str:
    """One <pattern> per (colour, pattern): the colour behind white marks."""
    out = []
    for i, (colour, kind) in enumerate(styles):
        marks = {
            "solid": "",
            "diagonal": '<path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" stroke="#fff" stroke-width="1.5"/>',
            "dots": '<circle cx="4" cy="4" r="1.6" fill="#fff"/>',
            "cross": '<path d="M0,0 L8,8 M8,0 L0,8" stroke="#fff" stroke-width="1.2"/>',
            "horizontal": '<path d="M0,2 H8 M0,6 H8" stroke="#fff" stroke-width="1.2"/>',
            "vertical": '<path d="M2,0 V8 M6,0 V8" stroke="#fff" stroke-width="1.2"/>',
            "grid": '<path d="M0,4 H8 M4,0 V8" stroke="#fff" stroke-width="1.2"/>',
        }[kind]
        out.append(
            f'<pattern id="{key}-p{i}" width="8" height="8" patternUnits="userSpaceOnUse">'
            f'<rect width="8" height="8" fill="{colour}"/>{marks}</pattern>'
        )
    return "<defs>" + "".join(out) + "</defs>"


def _open(key: str, width: float, height: float, title: str, desc: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="vigil-chart" role="img" '
        f'viewBox="0 0 {_num(width)} {_num(height)}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" aria-labelledby="{key}-title {key}-desc" {_FONT}>'
        f'<title id="{key}-title">{escape(title)}</title>'
        f'<desc id="{key}-desc">{escape(desc)}</desc>'
    )


def _wrap(text: str, width: int) -> list[str]:
    """Words into lines of at most ``width`` characters (a long word stays whole)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _text(
    x: float,
    y: float,
    text: str,
    *,
    anchor: str = "middle",
    size: int = 12,
    fill: str = _INK,
    **more: Any,
) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{_attr(v)}"' for k, v in more.items())
    return (
        f'<text x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}" font-size="{size}" '
        f'fill="{fill}"{extra}>{escape(text)}</text>'
    )


def _nice_max(value: int) -> int:
    """The top of an axis: a round number at or above the largest value (at least 1)."""
    if value <= 5:
        return max(value, 1)
    step = 10 ** math.floor(math.log10(value))
    for m in (1, 2, 2.5, 5, 10):
        if value <= m * step:
            return int(m * step) if (m * step) == int(m * step) else math.ceil(m * step)
    return value


def _ticks(top: int) -> list[int]:
    if top <= 5:
        return list(range(top + 1))
    step = top / 5
    return [round(step * i) for i in range(6)]


def _legend(key: str, labels: Sequence[str], x: float, y: float, width: float) -> tuple[str, float]:
    """Swatches with their labels, wrapped onto lines within ``width``; returns its height."""
    out, cx, cy = [], x, y
    for i, label in enumerate(labels):
        w = 22 + 7 * len(label) + 16
        if cx + w > x + width and cx > x:
            cx, cy = x, cy + 22
        out.append(
            f'<rect x="{_num(cx)}" y="{_num(cy)}" width="16" height="16" fill="url(#{key}-p{i})" '
            f'stroke="{_INK}" stroke-width="1"/>' + _text(cx + 22, cy + 13, label, anchor="start")
        )
        cx += w
    return "".join(out), cy - y + 22


def grouped_bars(
    key: str,
    title: str,
    desc: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    *,
    category_heading: str = "",
    caption: str = "",
    styles: Sequence[tuple[str, str]] | None = None,
) -> Chart:
    """Vertical bars, one group per category and one bar per series, each labelled with its
    count; a bar's height is proportional to its count (the axis starts at 0)."""
    n = max(len(series), 1)
    styles = list(styles or [])[:n] or [
        (_FILLS[i % len(_FILLS)], _PATTERNS[(i + i // len(_PATTERNS)) % len(_PATTERNS)])
        for i in range(n)
    ]
    n_series = max(len(series), 1)
    bar, gap = 26, 22
    group = n_series * bar + gap
    left, right, top_pad = 44, 12, 10
    width = max(360, left + right + group * max(len(categories), 1))
    legend, legend_h = _legend(
        key, [name for name, _ in series], left, top_pad, width - left - right
    )
    top = top_pad + legend_h + 18
    plot_h = 220
    label_lines = [_wrap(c, max(8, group // 7)) for c in categories]
    bottom = 12 + 15 * max((len(lines) for lines in label_lines), default=1)
    height = top + plot_h + bottom
    most = max((v for _, values in series for v in values), default=0)
    axis_top = _nice_max(most)
    parts = [_open(key, width, height, title, desc), _pattern_defs(key, styles), legend]
    for tick in _ticks(axis_top):
        y = top + plot_h - plot_h * tick / axis_top
        parts.append(
            f'<line x1="{left}" x2="{_num(width - right)}" y1="{_num(y)}" y2="{_num(y)}" '
            f'stroke="{_GRID}" stroke-width="1"/>'
            + _text(left - 6, y + 4, str(tick), anchor="end", size=11)
        )
    pad = (width - left - right - group * len(categories)) / 2  # the groups centred
    for c, (category, lines) in enumerate(zip(categories, label_lines, strict=True)):
        x0 = left + pad + gap / 2 + c * group
        for s, (name, values) in enumerate(series):
            value = values[c]
            h = plot_h * value / axis_top
            x = x0 + s * bar
            y = top + plot_h - h
            parts.append(
                f'<rect class="vigil-chart__bar" x="{_num(x)}" y="{_num(y)}" width="{bar - 2}" '
                f'height="{_num(h)}" fill="url(#{key}-p{s})" stroke="{_INK}" stroke-width="1" '
                f'data-series="{_attr(name)}" data-category="{_attr(category)}" data-value="{value}"/>'
                + _text(x + (bar - 2) / 2, y - 4, str(value), size=11)
            )
        for i, line in enumerate(lines):
            parts.append(_text(x0 + n_series * bar / 2, top + plot_h + 16 + 15 * i, line, size=11))
    parts.append(
        f'<line x1="{left}" x2="{_num(width - right)}" y1="{top + plot_h}" y2="{top + plot_h}" '
        f'stroke="{_INK}" stroke-width="1.5"/></svg>'
    )
    table = Table(
        caption=caption or title,
        head=[category_heading, *(name for name, _ in series)],
        rows=[[c, *(values[i] for _, values in series)] for i, c in enumerate(categories)],
    )
    return Chart(key=key, title=title, svg="".join(parts), table=table)


def grades_by_assessor(report: Mapping[str, Any], key: str = "by-assessor") -> Chart:
    """Grouped bars over the five grades, a bar per assessor."""
    grades = report["grades"]
    series = [(ASSESSOR_SHORT[a], [grades[a][g] for g in GRADES]) for a in (SELF, INSPECTOR)]
    totals = {a: sum(grades[a].values()) for a in (SELF, INSPECTOR)}
    return grouped_bars(
        key,
        "Grades given by each assessor",
        f"Bars of the number of cases given each grade, from excellent to inadequate, by the "
        f"force's self-assessment ({totals[SELF]} cases graded) and by the independent "
        f"inspection ({totals[INSPECTOR]} cases graded). The table after the chart gives the "
        f"same counts.",
        [GRADE_LABELS[g] for g in GRADES],
        series,
        category_heading="Grade",
        caption="Cases given each grade, by assessor",
    )


def grades_by_area(report: Mapping[str, Any], key: str = "by-area") -> Chart:
    """For each practice area with a case, a horizontal bar per assessor divided into the five
    grades; a segment's length is proportional to its count, and it is labelled with it."""
    by_area: Mapping[str, Any] = report["by_area"]
    areas = [a for a in AREAS if a in by_area] + sorted(a for a in by_area if a not in AREAS)
    styles = [GRADE_STYLE[g] for g in GRADES]
    label_w, right = 120, 40
    width = 640
    plot_w = width - label_w - right
    legend, legend_h = _legend(key, [GRADE_LABELS[g] for g in GRADES], 8, 8, width - 16)
    y = 8 + legend_h + 10
    most = max((sum(by_area[a][s].values()) for a in areas for s in (SELF, INSPECTOR)), default=0)
    scale = plot_w / max(most, 1)
    body: list[str] = []
    for area in areas:
        for line in _wrap(AREAS.get(area, area), 80):
            body.append(_text(8, y + 13, line, anchor="start", font_weight="bold"))
            y += 17
        y += 3
        for assessor in (SELF, INSPECTOR):
            counts = by_area[area][assessor]
            body.append(_text(label_w - 8, y + 15, ASSESSOR_SHORT[assessor], anchor="end", size=11))
            x = float(label_w)
            for i, grade in enumerate(GRADES):
                n = counts.get(grade, 0)
                if not n:
                    continue
                w = n * scale
                body.append(
                    f'<rect class="vigil-chart__segment" x="{_num(x)}" y="{_num(y)}" '
                    f'width="{_num(w)}" height="20" fill="url(#{key}-p{i})" stroke="{_INK}" '
                    f'stroke-width="1" data-area="{_attr(area)}" data-series="{_attr(assessor)}" '
                    f'data-category="{_attr(grade)}" data-value="{n}"/>'
                )
                if w >= 18:
                    body.append(
                        f'<rect x="{_num(x + w / 2 - 8)}" y="{_num(y + 3)}" width="16" height="14" '
                        f'fill="{_PAPER}" rx="2"/>' + _text(x + w / 2, y + 14, str(n), size=11)
                    )
                x += w
            total = sum(counts.values())
            body.append(_text(x + 6, y + 15, f"{total}", anchor="start", size=11))
            y += 24
        y += 12
    height = max(y, 60)
    table_rows: list[list[Any]] = []
    for area in areas:
        for assessor in (SELF, INSPECTOR):
            counts = by_area[area][assessor]
            table_rows.append(
                [
                    f"{AREAS.get(area, area)}: {ASSESSOR_SHORT[assessor].lower()}",
                    *(counts.get(g, 0) for g in GRADES),
                    sum(counts.values()),
                ]
            )
    svg = (
        _open(
            key,
            width,
            height,
            "Grades by practice area",
            f"For each of the {len(areas)} practice areas audited, a bar for the self-assessment "
            "and a bar for the inspection, divided into the cases given each grade, labelled with "
            "their counts and the total. The table after the chart gives the same counts.",
        )
        + _pattern_defs(key, styles)
        + legend
        + "".join(body)
        + "</svg>"
    )
    return Chart(
        key=key,
        title="Grades by practice area",
        svg=svg,
        table=Table(
            caption="Cases given each grade, by practice area and assessor",
            head=["Area and assessor", *(GRADE_LABELS[g] for g in GRADES), "Total"],
            rows=table_rows,
        ),
    )


def _shade(t: float) -> str:
    """From GOV.UK's light grey (0) to dark blue (1)."""
    a, b = (0xF3, 0xF2, 0xF1), (0x00, 0x30, 0x78)
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b, strict=True))


def cross_tab_heatmap(report: Mapping[str, Any], key: str = "cross-tab") -> Chart:
    """The self-by-inspector table of paired cases as a grid, each cell labelled with its count
    and shaded by it; the cells where the two grades agree are outlined."""
    cross: Mapping[str, Mapping[str, int]] = report["cross_tab"]
    grades = list(GRADES)
    cell, left, top = 72, 168, 66
    width, height = left + cell * len(grades) + 8, top + cell * len(grades) + 30
    counts = [[cross.get(s, {}).get(i, 0) for i in grades] for s in grades]
    most = max((n for row in counts for n in row), default=0)
    parts = [
        _open(
            key,
            width,
            height,
            "Self-assessment against inspection, case by case",
            f"A grid of the {report.get('paired', 0)} cases graded by both: each row is the "
            "self-assessment's grade, each column the inspection's, and each cell gives how many "
            "cases were graded so, darker for more. Cells on the diagonal, outlined, are cases "
            "where the two agreed; cells below it are cases the inspection graded lower. The "
            "table after the chart gives the same counts.",
        ),
        _text(left + cell * len(grades) / 2, 14, "Inspection's grade", font_weight="bold"),
        _text(8, top - 8, "Self-assessment's grade", anchor="start", font_weight="bold", size=11),
    ]
    for j, g in enumerate(grades):
        for k, line in enumerate(_wrap(GRADE_LABELS[g], 11)):
            parts.append(_text(left + j * cell + cell / 2, 32 + 13 * k, line, size=11))
    for i, s in enumerate(grades):
        parts.append(_text(left - 8, top + i * cell + cell / 2 + 4, GRADE_LABELS[s], anchor="end"))
        for j, g in enumerate(grades):
            n = counts[i][j]
            t = n / most if most else 0.0
            x, y = left + j * cell, top + i * cell
            parts.append(
                f'<rect class="vigil-chart__cell" x="{x}" y="{y}" width="{cell}" height="{cell}" '
                f'fill="{_shade(t)}" stroke="{_PAPER}" stroke-width="1" '
                f'data-self="{s}" data-inspector="{g}" '
                f'data-value="{n}"/>'
            )
            ink = _PAPER if t > 0.45 else _INK
            parts.append(
                _text(x + cell / 2, y + cell / 2 + 6, str(n), size=18, fill=ink, font_weight="bold")
            )
    for i in range(len(grades)):  # outlined last, so no neighbour covers an outline
        x, y = left + i * cell, top + i * cell
        parts.append(
            f'<rect x="{x + 1.5}" y="{y + 1.5}" width="{cell - 3}" height="{cell - 3}" '
            f'fill="none" stroke="{_INK}" stroke-width="3"/>'
        )
    parts.append(
        _text(8, height - 8, "Outlined: the two assessments agreed.", anchor="start", size=11)
    )
    parts.append("</svg>")
    return Chart(
        key=key,
        title="Self-assessment against inspection",
        svg="".join(parts),
        table=Table(
            caption="Cases graded by both: self-assessment (rows) against inspection (columns)",
            head=["Self-assessment \u2193 / inspection \u2192", *(GRADE_LABELS[g] for g in grades)],
            rows=[[GRADE_LABELS[s], *counts[i]] for i, s in enumerate(grades)],
        ),
    )


def report_charts(report: Mapping[str, Any]) -> list[Chart]:
    """The report's three charts, in the order the page and documents show them."""
    return [grades_by_assessor(report), grades_by_area(report), cross_tab_heatmap(report)]


def progress(
    months: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    key: str = "progress",
) -> Chart:
    """A recommendation's measure of progress: for each alert code it names, the alerts of that
    code open at the end of each month since publication."""
    names = ", ".join(name for name, _ in series) or "none"
    return grouped_bars(
        key,
        "Open alerts at the end of each month",
        f"Bars of the number of alerts open at the end of each month since the recommendation "
        f"was published, one bar for each kind of alert it names ({names}). Fewer is progress. "
        "The table after the chart gives the same counts.",
        months,
        series,
        category_heading="Month end",
        caption="Alerts open at the end of each month",
    )
