"""A person's chronology as downloads: a CSV (formula-safe) and a PDF (WeasyPrint), each with
the protective marking, who made it and when. The PDF carries them at the top and bottom of
every page (CSS page margin boxes); the CSV in its first lines."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from vigil.people.chronology import Chronology

MARKING = "OFFICIAL-SENSITIVE"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

CSV_COLUMNS = [
    "Date",
    "What",
    "Role of this person",
    "Where",
    "Outcome",
    "Source",
    "Incident",
    "Completed in Vigil",
]


def safe_cell(value: Any) -> str:
    """A cell a spreadsheet will not run as a formula (OWASP's CSV injection advice): text
    starting with = + - @, a tab or a carriage return gets a leading apostrophe."""
    text = "" if value is None else str(value)
    if text[:1] in FORMULA_STARTS:
        return "'" + text
    return text


def chronology_csv(name: str, chron: Chronology, printed_by: str, printed_at: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")

    def row(cells: list[Any]) -> None:
        writer.writerow([safe_cell(c) for c in cells])

    row([MARKING])
    row([f"Chronology of {name}"])
    row([f"Printed by {printed_by} on {printed_at}"])
    row([chron.summary])
    row(CSV_COLUMNS)
    for number, r in enumerate(chron.rows, start=1):
        for part in r.parts:
            row(
                [
                    part.when,
                    part.what,
                    ", ".join(part.roles),
                    part.where,
                    "; ".join(part.outcome),
                    part.source,
                    f"{r.what} (row {number})" if r.incident else "",
                    "Yes" if part.completed_in_vigil else "",
                ]
            )
    row([MARKING])
    return out.getvalue()


_PAGE = """
@page {
  size: A4 landscape;
  margin: 22mm 14mm 20mm;
  @top-center { content: "%(m)s"; font: bold 11pt Arial, sans-serif; }
  @bottom-left { content: "%(by)s"; font: 9pt Arial, sans-serif; }
  @bottom-center { content: "%(m)s"; font: bold 11pt Arial, sans-serif; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font: 9pt Arial, sans-serif; }
}
body { font-family: Arial, sans-serif; font-size: 10pt; color: #0b0c0c; }
h1 { font-size: 16pt; margin: 0 0 4pt; }
p { margin: 0 0 6pt; }
table { border-collapse: collapse; width: 100%%; }
th, td { border-bottom: 1px solid #b1b4b6; padding: 3pt 4pt; text-align: left; vertical-align: top; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
ul { margin: 0; padding-left: 12pt; }
svg { width: 100%%; height: auto; }
.marking { font-weight: bold; }
"""


def _css(text: str) -> str:
    text = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return text.replace("<", "\\3c ").replace(">", "\\3e ")


def chronology_pdf(context: dict[str, Any]) -> bytes:
    from weasyprint import HTML

    by = f"Printed by {context['printed_by']} on {context['printed_at']}"
    style = _PAGE % {"m": MARKING, "by": _css(by)}
    html = render_to_string(
        "people/chronology_document.html",
        {**context, "marking": MARKING, "style": mark_safe(f"<style>{style}</style>")},  # noqa: S308
    )
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf
