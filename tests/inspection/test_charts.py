"""The report's charts: well-formed, accessible SVG whose marks are proportional to the counts
they draw, labelled with them, told apart by pattern as well as colour, each with its table."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from vigil.inspection import charts
from vigil.inspection.report import GradedCase, tally

NS = {"s": "http://www.w3.org/2000/svg"}
EXAMPLE = Path(__file__).resolve().parents[3] / "shared" / "contract" / "examples_audit"


def _report() -> dict[str, Any]:
    cases = []
    grades = [
        # (self, inspector)
        ("good", "good"),
        ("good", "good"),
        ("good", "adequate"),
        ("adequate", "inadequate"),
        ("adequate", "inadequate"),
        ("inadequate", "inadequate"),
        ("excellent", "requires_improvement"),
        ("good", None),
    ]
    for i, (own, theirs) in enumerate(grades):
        marks = {"self": own} | ({"inspector": theirs} if theirs else {})
        area = "missing" if i % 2 else "custody"
        cases.append(GradedCase(f"{area}:sys:C-{i}", area, marks, has_findings=i % 3 == 0))
    return tally("AUD-1", cases)


def _svg(chart: charts.Chart) -> ET.Element:
    root = ET.fromstring(chart.svg)  # well-formed XML, or this raises
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return root


def _accessible(root: ET.Element) -> None:
    assert root.get("role") == "img"
    title, desc = root.find("s:title", NS), root.find("s:desc", NS)
    assert title is not None and title.text and desc is not None and desc.text
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"


def _texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]


def test_grades_by_assessor_bars_are_proportional_and_labelled() -> None:
    report = _report()
    chart = charts.grades_by_assessor(report)
    root = _svg(chart)
    _accessible(root)
    bars = {
        (b.get("data-series"), b.get("data-category")): b
        for b in root.iter("{http://www.w3.org/2000/svg}rect")
        if b.get("class") == "vigil-chart__bar"
    }
    assert len(bars) == 10  # five grades, two assessors
    # self: good 4, adequate 2, inadequate 1, excellent 1; inspector: good 2, inadequate 3, ...
    heights = {k: float(b.get("height", "0")) for k, b in bars.items()}
    values = {k: int(b.get("data-value", "-1")) for k, b in bars.items()}
    assert values[("Self-assessment", "Good")] == 4
    assert values[("Inspection", "Inadequate")] == 3
    assert values[("Self-assessment", "Requires improvement")] == 0
    assert heights[("Self-assessment", "Requires improvement")] == 0
    unit = heights[("Self-assessment", "Good")] / 4
    for key, value in values.items():
        assert heights[key] == pytest.approx(unit * value, abs=0.02)
    texts = _texts(root)
    for label in ("Excellent", "Good", "Adequate", "Inadequate", "Self-assessment", "Inspection"):
        assert label in texts
    assert "Requires" in texts and "improvement" in texts  # wrapped over two lines
    assert texts.count("4") >= 1 and texts.count("3") >= 1  # each bar's count is written
    # Told apart by pattern, not colour alone: two different pattern fills, the second marked.
    fills = {b.get("fill") for b in bars.values()}
    assert len(fills) == 2
    patterns = root.findall("s:defs/s:pattern", NS)
    assert len(patterns) == 2 and len(list(patterns[1])) > len(list(patterns[0]))
    # The table it draws.
    assert chart.table.head == ["Grade", "Self-assessment", "Inspection"]
    assert chart.table.rows[1] == ["Good", 4, 2]


def test_grades_by_area_segments_are_proportional() -> None:
    report = _report()
    chart = charts.grades_by_area(report)
    root = _svg(chart)
    _accessible(root)
    segments = [
        s
        for s in root.iter("{http://www.w3.org/2000/svg}rect")
        if s.get("class") == "vigil-chart__segment"
    ]
    assert segments
    unit = {float(s.get("width", "0")) / int(s.get("data-value", "1")) for s in segments}
    assert max(unit) == pytest.approx(min(unit))  # one scale for every area and assessor
    drawn: dict[tuple[str, str, str], int] = {
        (s.get("data-area", ""), s.get("data-series", ""), s.get("data-category", "")): int(
            s.get("data-value", "0")
        )
        for s in segments
    }
    for area, by in report["by_area"].items():
        for assessor, counts in by.items():
            for grade, n in counts.items():
                assert drawn.get((area, assessor, grade), 0) == n
    texts = _texts(root)
    assert "Missing children" in texts and "Detention of children in police custody" in texts
    assert {"Excellent", "Good", "Adequate", "Requires improvement", "Inadequate"} <= set(texts)
    # five grades, five patterns
    assert len(root.findall("s:defs/s:pattern", NS)) == 5
    assert chart.table.rows[0][0] == "Missing children: self-assessment"
    assert chart.table.rows[0][-1] == sum(report["by_area"]["missing"]["self"].values())


def test_cross_tab_heat_map_labels_every_cell_with_its_count() -> None:
    report = _report()
    chart = charts.cross_tab_heatmap(report)
    root = _svg(chart)
    _accessible(root)
    cells = {
        (c.get("data-self"), c.get("data-inspector")): c
        for c in root.iter("{http://www.w3.org/2000/svg}rect")
        if c.get("class") == "vigil-chart__cell"
    }
    assert len(cells) == 25
    assert int(cells[("good", "good")].get("data-value", "")) == 2
    assert int(cells[("adequate", "inadequate")].get("data-value", "")) == 2
    assert int(cells[("excellent", "excellent")].get("data-value", "")) == 0
    total = sum(int(c.get("data-value", "0")) for c in cells.values())
    assert total == report["paired"] == 7
    texts = _texts(root)
    assert texts.count("2") >= 2 and "Self-assessment's grade" in texts
    # darker for more: the fullest cell is darkest
    darkest = min(
        cells.values(),
        key=lambda c: sum(int(c.get("fill", "#ffffff")[i : i + 2], 16) for i in (1, 3, 5)),
    )
    assert int(darkest.get("data-value", "0")) == 2
    assert chart.table.rows[1] == ["Good", 0, 2, 1, 0, 0]


def test_the_public_example_draws_and_empty_reports_do_not_break() -> None:
    example = json.loads((EXAMPLE / "expected_report.json").read_text())
    for chart in charts.report_charts(example):
        _accessible(_svg(chart))
    empty = tally("AUD-0", [])
    for chart in charts.report_charts(empty):
        root = _svg(chart)
        _accessible(root)


def test_names_are_escaped() -> None:
    chart = charts.grouped_bars("k", "A <b> & c", "d", ["<x>"], [("s&t", [1])])
    root = _svg(chart)
    assert "<x>" in _texts(root) and "s&t" in _texts(root)


def test_progress_chart() -> None:
    chart = charts.progress(
        ["31 Jan 2027", "28 Feb 2027"], [("Missing 3 or more times", [10, 5])], key="p"
    )
    root = _svg(chart)
    _accessible(root)
    bars = [b for b in root.iter("{http://www.w3.org/2000/svg}rect") if b.get("data-value")]
    assert [int(b.get("data-value", "")) for b in bars] == [10, 5]
    assert float(bars[0].get("height", "")) == pytest.approx(2 * float(bars[1].get("height", "")))
    assert chart.table.rows == [["31 Jan 2027", 10], ["28 Feb 2027", 5]]
