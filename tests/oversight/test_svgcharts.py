"""The performance page's charts, drawn as SVG by pure functions."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from vigil.oversight.svgcharts import (
    NO_DATA,
    Series,
    axis_top,
    bar_chart,
    column_chart,
    empty_chart,
    nice_ceiling,
)

SVG = "{http://www.w3.org/2000/svg}"


def bars(svg: str) -> list[ET.Element]:
    return [e for e in ET.fromstring(svg).iter(f"{SVG}rect") if e.get("class") == "bar"]


def test_column_heights_are_proportional_to_values_and_labelled() -> None:
    svg = column_chart(
        "c",
        "Alerts raised",
        "Summary words",
        ["1 Dec", "8 Dec", "15 Dec"],
        [Series("Raised", (2.0, 4.0, 1.0))],
        stacked=False,
    )
    root = ET.fromstring(svg)
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Alerts raised"  # type: ignore[union-attr]
    assert root.find(f"{SVG}desc").text == "Summary words"  # type: ignore[union-attr]
    heights = [float(b.get("height", 0)) for b in bars(svg)]
    assert heights[1] == pytest.approx(2 * heights[0], rel=1e-3)
    assert heights[0] == pytest.approx(2 * heights[2], rel=1e-3)
    # the axis runs to a round number at or above the largest bar: here 4 fills the plot
    assert heights[1] == pytest.approx(240, rel=1e-3)
    labels = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "category"]
    assert labels == ["1 Dec", "8 Dec", "15 Dec"]
    assert "Raised" in [t.text for t in root.iter(f"{SVG}text")]


def test_stacked_columns_add_up_and_each_series_has_its_own_pattern() -> None:
    svg = column_chart(
        "s",
        "T",
        "S",
        ["a", "b"],
        [Series("One", (1.0, 3.0)), Series("Two", (3.0, 2.0))],
    )
    found = bars(svg)
    by_series: dict[str, list[float]] = {}
    for b in found:
        by_series.setdefault(b.get("fill", ""), []).append(float(b.get("height", 0)))
    assert len(by_series) == 2  # two fills, each a pattern (url(#s-p0), url(#s-p1))
    assert all(f.startswith("url(#s-p") for f in by_series)
    # the first column (1 + 3) is as tall as the second (3 + 2) is times 4/5
    first = sum(float(b.get("height", 0)) for b in found[:2])
    second = sum(float(b.get("height", 0)) for b in found[2:])
    assert first / second == pytest.approx(4 / 5, rel=1e-3)
    assert len(re.findall(r"<pattern ", svg)) == 2
    assert "<path" in svg  # the second pattern marks its bars, not colour alone


def test_horizontal_bars_are_proportional_and_write_their_values() -> None:
    svg = bar_chart(
        "h",
        "By team",
        "S",
        ["CAIT North", "MASH"],
        [Series("Open", (10.0, 5.0)), Series("Overdue", (2.0, 0.0))],
    )
    widths = {b.get("data-value"): float(b.get("width", 0)) for b in bars(svg)}
    assert widths["10"] == pytest.approx(2 * widths["5"], rel=1e-3)
    assert widths["10"] == pytest.approx(5 * widths["2"], rel=1e-3)
    texts = [t.text for t in ET.fromstring(svg).iter(f"{SVG}text")]
    assert {"CAIT North", "MASH", "Open", "Overdue", "10", "5", "2", "0"} <= set(texts)


@pytest.mark.parametrize(
    "categories, series",
    [([], []), (["a", "b"], [Series("X", (0.0, 0.0))]), (["a"], [])],
)
def test_empty_data_says_so(categories: list[str], series: list[Series]) -> None:
    for draw in (column_chart, bar_chart):
        svg = draw("e", "Nothing", "S", categories, series)
        root = ET.fromstring(svg)
        assert root.get("role") == "img"
        assert NO_DATA in [t.text for t in root.iter(f"{SVG}text")]
        assert root.find(f"{SVG}desc").text == NO_DATA  # type: ignore[union-attr]
        assert not bars(svg)
    assert NO_DATA in empty_chart("e", "T")


def test_text_is_escaped() -> None:
    svg = bar_chart("x", "<b>&", "<s>", ['<script>"'], [Series("A&B", (1.0,))])
    ET.fromstring(svg)  # well formed
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_a_series_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError):
        column_chart("x", "T", "S", ["a", "b"], [Series("A", (1.0,))])


@pytest.mark.parametrize(
    "value, top", [(0, 1), (0.4, 0.5), (1, 1), (3, 5), (7, 10), (12, 20), (24, 25), (240, 250)]
)
def test_axis_maximum_is_round(value: float, top: float) -> None:
    assert nice_ceiling(value) == pytest.approx(top, rel=1e-3)


@pytest.mark.parametrize(
    "values, top", [([0, 1], 4), ([3], 4), ([7], 8), ([13], 20), ([24], 24), ([0.4, 1.5], 2)]
)
def test_whole_numbers_get_whole_gridlines(values: list[float], top: float) -> None:
    assert axis_top(values) == top
