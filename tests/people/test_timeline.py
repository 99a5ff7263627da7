"""The timeline strip: a pure function from marks to SVG (no database)."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import xml.etree.ElementTree as ET

from vigil.people.timeline import KINDS, Mark, draw

TODAY = dt.date(2026, 6, 30)
NS = {"s": "http://www.w3.org/2000/svg"}


def moment(days_ago: int) -> dt.datetime:
    day = TODAY - dt.timedelta(days=days_ago)
    return dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC)


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def marks_of(root: ET.Element, kind: str) -> list[ET.Element]:
    return [g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("data-kind") == kind]


def x_of(g: ET.Element) -> float:
    shape = list(g)[1]
    if shape.get("cx"):
        return float(shape.get("cx", 0))
    if shape.get("x"):
        return float(shape.get("x", 0)) + float(shape.get("width", 0)) / 2
    return float(re.findall(r"M([\d.]+)", shape.get("d", ""))[0])


def test_every_mark_drawn_by_kind_with_its_own_shape() -> None:
    marks = [
        Mark(moment(300), "da", "Domestic abuse incident"),
        Mark(moment(200), "da", "Domestic abuse incident"),
        Mark(moment(20), "da", "Domestic abuse incident"),
        *(Mark(moment(d), "missing", "Missing episode") for d in (80, 50, 10)),
        Mark(moment(30), "custody", "Custody"),
        Mark(moment(100), "referral", "Referral"),
        Mark(moment(5), "other", "Call for service"),
        Mark(moment(2), "alert", "Alert: Repeatedly missing"),
    ]
    root = parse(draw(marks, TODAY, title="Timeline", description="desc"))
    counts = {k: len(marks_of(root, k)) for k in KINDS}
    assert counts == {"alert": 1, "da": 3, "missing": 3, "custody": 1, "referral": 1, "other": 1}
    shapes = {k: list(marks_of(root, k)[0])[1].tag.split("}")[1] for k in KINDS}
    assert shapes["missing"] == "circle" and shapes["custody"] == "rect"
    assert shapes["da"] == "path" and shapes["referral"] == "path"
    # Different paths for triangle and diamond: not colour alone.
    da_d = list(marks_of(root, "da")[0])[1].get("d", "")
    ref_d = list(marks_of(root, "referral")[0])[1].get("d", "")
    assert da_d.count("L") == 2 and ref_d.count("L") == 3
    # Each mark says what and when, for a pointer's tooltip.
    assert marks_of(root, "custody")[0].find("s:title", NS).text == "31 May 2026: Custody"  # type: ignore[union-attr]
    # The lane labels count them; the legend names every kind.
    text = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "Domestic abuse (3)" in text and "Missing or absent (3)" in text
    for label, _, _ in KINDS.values():
        assert label in text


def test_marks_are_placed_by_date() -> None:
    marks = [Mark(moment(d), "missing", "m") for d in (300, 200, 100, 0)]
    xs = [x_of(g) for g in marks_of(parse(draw(marks, TODAY)), "missing")]
    assert xs == sorted(xs)
    gaps = [b - a for a, b in itertools.pairwise(xs)]
    assert max(gaps) - min(gaps) < 1  # equal spans of time, equal distances


def test_the_rules_windows_are_shaded_back_from_today_and_labelled() -> None:
    root = parse(draw([Mark(moment(700), "da", "x")], TODAY))
    windows = {
        int(r.get("data-window", 0)): r
        for r in root.iter("{http://www.w3.org/2000/svg}rect")
        if r.get("data-window")
    }
    assert set(windows) == {90, 365}
    w90, w365 = (float(windows[d].get("width", 0)) for d in (90, 365))
    assert abs(w365 / w90 - 365 / 90) < 0.05
    end90 = float(windows[90].get("x", 0)) + w90
    end365 = float(windows[365].get("x", 0)) + w365
    assert abs(end90 - end365) < 0.01  # both end today
    text = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "Last 90 days" in text and "Last 365 days" in text


def test_a_range_leaves_out_marks_outside_it_and_windows_beyond_it() -> None:
    marks = [Mark(moment(d), "missing", "m") for d in (900, 600, 400)]
    svg = draw(
        marks,
        TODAY,
        start=TODAY - dt.timedelta(days=700),
        end=TODAY - dt.timedelta(days=500),
    )
    root = parse(svg)
    assert len(marks_of(root, "missing")) == 1
    assert 'data-window="90"' not in svg and 'data-window="365"' not in svg


def test_text_alternative_and_escaping() -> None:
    svg = draw(
        [Mark(moment(3), "other", "<script>alert(1)</script> & co")],
        TODAY,
        title="Timeline of A & B",
        description='12 records since March 2025: "missing 5 times"',
        ident="tl",
    )
    root = parse(svg)  # well-formed despite the text
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "tl-title tl-desc"
    assert root.find("s:title", NS).text == "Timeline of A & B"  # type: ignore[union-attr]
    assert root.find("s:desc", NS).text.startswith("12 records since")  # type: ignore[union-attr]
    assert "<script>" not in svg


def test_an_empty_history_draws_an_axis_and_the_windows() -> None:
    root = parse(draw([], TODAY))
    assert not list(root.iter("{http://www.w3.org/2000/svg}g"))
    assert (
        sum(1 for r in root.iter("{http://www.w3.org/2000/svg}rect") if r.get("data-window")) == 2
    )
