"""An audit's report as documents: a standalone printable HTML file, a PDF (WeasyPrint) with the
protective marking at the top and bottom of every page, and a CSV of the assessments.

Every figure comes from ``report.build`` (AUDIT.md's JSON); this module only puts it into words
(``reading``) and pages. A case's grades, answers and rationales appear only once every
assessment of the case that was started is submitted: an assessment is blind until both are
(issue 14), and a draft is never shown.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from vigil.access.disclosure import kind_label
from vigil.alerts import titles
from vigil.inspection import charts, report
from vigil.inspection.grading import (
    ANSWERS,
    AREAS,
    ASSESSORS,
    GRADE_LABELS,
    GRADES,
    INSPECTOR,
    QUESTIONS,
    SELF,
)
from vigil.inspection.models import Assessment, Audit, AuditCase
from vigil.records.models import Record

MARKING = "OFFICIAL-SENSITIVE"

# ---- the figures in words ----------------------------------------------------------------------


def kappa_reading(value: float | None) -> str:
    """Landis and Koch's words for a kappa (1977), which inspectors and researchers use."""
    if value is None:
        return "cannot be measured"
    if value < 0:
        return "less agreement than chance"
    for upper, words in (
        (0.20, "slight agreement"),
        (0.40, "fair agreement"),
        (0.60, "moderate agreement"),
        (0.80, "substantial agreement"),
    ):
        if value <= upper:
            return words
    return "almost perfect agreement"


def percent(value: float | None) -> str:
    return "not measurable" if value is None else f"{round(value * 100)}%"


def _cases(n: int) -> str:
    return f"{n} case" if n == 1 else f"{n} cases"


@dataclass(frozen=True)
class Kappa:
    label: str
    value: float | None
    reading: str

    @property
    def shown(self) -> str:
        return "not measurable" if self.value is None else f"{self.value:.2f}"


@dataclass
class Reading:
    """The report's figures as sentences and small tables, for the page and the documents."""

    cases: int
    graded: dict[str, int]
    paired: int
    agreement_sentence: str
    kappas: list[Kappa]
    kappa_note: str
    direction_sentence: str
    differed: list[str]
    differed_sentence: str
    findings: list[dict[str, Any]]  # per inspector grade: label, cases, with_findings, sentence
    findings_sentence: str
    headline: list[str] = field(default_factory=list)


def reading(figures: Mapping[str, Any]) -> Reading:
    graded = {a: sum(figures["grades"][a].values()) for a in (SELF, INSPECTOR)}
    paired = figures["paired"]
    agreement = figures["agreement"]
    if paired:
        exact = agreement["exact"] or 0.0
        agreed = round(exact * paired)
        agreement_sentence = (
            f"Of the {_cases(paired)} graded by both, the self-assessment and the inspection "
            f"gave the same grade to {agreed} ({percent(agreement['exact'])}), and grades no "
            f"more than one step apart to {percent(agreement['within_one'])}."
        )
    else:
        agreement_sentence = (
            "No case has been graded by both the self-assessment and the inspection yet, so "
            "their agreement cannot be measured."
        )
    kappas = [
        Kappa(
            "Cohen's kappa (exact grades)",
            agreement["kappa"],
            kappa_reading(agreement["kappa"]),
        ),
        Kappa(
            "Weighted kappa, linear (near misses count in part)",
            agreement["kappa_linear"],
            kappa_reading(agreement["kappa_linear"]),
        ),
        Kappa(
            "Weighted kappa, quadratic (near misses count more)",
            agreement["kappa_quadratic"],
            kappa_reading(agreement["kappa_quadratic"]),
        ),
    ]
    kappa_note = (
        "Kappa measures agreement beyond what chance alone would give: 1 is perfect agreement, "
        "0 no better than chance. The words are Landis and Koch's: up to 0.20 slight, 0.40 "
        "fair, 0.60 moderate, 0.80 substantial, above that almost perfect."
    )
    if paired and agreement["kappa"] is None:
        kappa_note += (
            " Kappa cannot be measured here because every case was given one and the same "
            "grade by both."
        )
    lower, higher = figures["inspector_lower"], figures["inspector_higher"]
    same = paired - lower - higher
    direction_sentence = (
        f"The inspection graded {_cases(lower)} lower than the self-assessment, "
        f"{_cases(higher)} higher, and {_cases(same)} the same."
        if paired
        else "No case has been graded by both yet."
    )
    differed = list(figures["differed_significantly"])
    differed_sentence = (
        f"In {_cases(len(differed))} the two grades differed significantly (two or more steps "
        "apart)."
        if differed
        else "In no case did the two grades differ significantly (two or more steps apart)."
    )
    findings = []
    for grade in GRADES:
        row = figures["findings_by_grade"].get(grade)
        if not row:
            continue
        findings.append(
            {
                "grade": grade,
                "label": GRADE_LABELS[grade],
                "cases": row["cases"],
                "with_findings": row["with_findings"],
                "sentence": (
                    f"Of {_cases(row['cases'])} inspectors graded "
                    f"{GRADE_LABELS[grade].lower()}, Vigil's rules had flagged "
                    f"{row['with_findings']}."
                ),
            }
        )
    weak = [f for f in findings if f["grade"] in ("inadequate", "requires_improvement")]
    if weak:
        n = sum(f["cases"] for f in weak)
        flagged = sum(f["with_findings"] for f in weak)
        findings_sentence = (
            f"Vigil's rules had found something in {flagged} of the {_cases(n)} inspectors "
            "graded inadequate or requiring improvement."
        )
    elif findings:
        findings_sentence = "Inspectors graded no case inadequate or requiring improvement."
    else:
        findings_sentence = "No case has been graded by the inspection yet."
    headline = [
        f"{_cases(figures['cases'])} in the audit: {graded[SELF]} self-assessed, "
        f"{graded[INSPECTOR]} inspected, {paired} graded by both."
    ]
    if paired:
        headline.append(
            f"Agreement: {percent(agreement['exact'])} exact, {percent(agreement['within_one'])} "
            f"within one grade; kappa {kappas[0].shown} ({kappas[0].reading})."
        )
        headline.append(direction_sentence)
    if findings:
        headline += [f["sentence"] for f in findings if f["grade"] == "inadequate"]
    return Reading(
        cases=figures["cases"],
        graded=graded,
        paired=paired,
        agreement_sentence=agreement_sentence,
        kappas=kappas,
        kappa_note=kappa_note,
        direction_sentence=direction_sentence,
        differed=differed,
        differed_sentence=differed_sentence,
        findings=findings,
        findings_sentence=findings_sentence,
        headline=headline,
    )


# ---- each case, as the documents show it --------------------------------------------------------


def _long_date(value: dt.datetime | dt.date | None) -> str:
    if value is None:
        return "date not recorded"
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return f"{value.day} {value:%B %Y}"


def _moment(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{local.day} {local:%B %Y}, {local:%H:%M}"


def case_in_words(case: AuditCase, index: Mapping[tuple[str, str], Any]) -> str:
    """What the case is, without naming anyone: its index record's kind and date, where it is
    recorded, and how many people it concerns."""
    found = index.get((case.index_system, case.index_source_id))
    subjects = len(case.subjects)
    who = (
        "the offender"
        if case.area == "sex_offender"
        else ("one child" if subjects == 1 else f"{subjects} children")
    )
    if found is None:
        return (
            f"A case audited outside Vigil's sample: record {case.index_source_id} of "
            f"{case.index_system}, which Vigil does not hold."
        )
    record_type, occurred = found
    return (
        f"{kind_label(record_type)} of {_long_date(occurred)}, recorded in {case.index_system} "
        f"as {case.index_source_id}; it concerns {who}."
    )


def _visible(assessments: Sequence[Assessment]) -> dict[str, Assessment]:
    """The case's assessments that may be shown: blind until both assessors have submitted
    (as on the pages, ``assessments.shown``). Grades loaded from a file were made outside
    Vigil, in the open, and are shown once loaded."""
    if any(a.submitted_at is None for a in assessments):
        return {}
    both = {a.assessor for a in assessments} >= {SELF, INSPECTOR}
    if not both and any(a.assessed_by_id is not None for a in assessments):
        return {}
    return {a.assessor: a for a in assessments if a.grade in GRADES}


def _assessor_name(a: Assessment) -> str:
    if a.assessed_by is not None:
        return str(a.assessed_by.display_name)
    return a.assessed_by_name or "Not recorded"


@dataclass
class CasePage:
    number: int
    case: AuditCase
    area: str
    in_words: str
    assessments: list[dict[str, Any]]
    findings: list[dict[str, str]]
    waiting: bool  # an assessment is still a draft: grades are not shown yet


def case_pages(audit: Audit) -> list[CasePage]:
    cases = list(
        AuditCase.objects.filter(audit=audit)
        .prefetch_related("assessments__assessed_by")
        .order_by("area", "case_ref")
    )
    keys = {(c.index_system, c.index_source_id) for c in cases}
    index: dict[tuple[str, str], Any] = {}
    if keys:
        for system, source_id, record_type, occurred in Record.objects.filter(
            source_system__in={k[0] for k in keys}, source_id__in={k[1] for k in keys}
        ).values_list("source_system", "source_id", "record_type", "occurred_at"):
            if (system, source_id) in keys:
                index[(system, source_id)] = (record_type, occurred)
    order = list(AREAS)
    cases.sort(key=lambda c: (order.index(c.area) if c.area in order else 99, c.case_ref))
    pages = []
    for n, case in enumerate(cases, start=1):
        started = list(case.assessments.all())
        shown = _visible(started)
        rows: list[dict[str, Any]] = []
        for assessor in (SELF, INSPECTOR):
            a = shown.get(assessor)
            if a is None:
                rows.append(
                    {
                        "assessor": ASSESSORS[assessor],
                        "grade": None,
                        "status": (
                            "Not submitted yet"
                            if any(s.assessor == assessor for s in started)
                            else "Not assessed"
                        ),
                    }
                )
                continue
            rows.append(
                {
                    "assessor": ASSESSORS[assessor],
                    "grade": GRADE_LABELS[a.grade],
                    "by": _assessor_name(a),
                    "submitted": _moment(a.submitted_at),
                    "rationale": a.rationale,
                    "management_review": a.management_review,
                    "answers": [
                        {
                            "question": text,
                            "answer": ANSWERS.get(
                                (a.answers.get(key) or {}).get("answer", ""), "Not answered"
                            ),
                            "note": (a.answers.get(key) or {}).get("note", ""),
                        }
                        for key, text in QUESTIONS.items()
                        if a.answers.get(key)
                    ],
                }
            )
        findings = [
            {
                "title": titles.title(f.get("code", "")),
                "explanation": str(f.get("explanation", "")),
            }
            for f in case.findings
        ]
        pages.append(
            CasePage(
                number=n,
                case=case,
                area=AREAS.get(case.area, case.area),
                in_words=case_in_words(case, index),
                assessments=rows,
                findings=findings,
                waiting=bool(started) and not shown,
            )
        )
    return pages


# ---- the documents ---------------------------------------------------------------------------------


def context(audit: Audit, figures: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """What the report page and the documents share: the figures, in words, and as charts."""
    figures = figures if figures is not None else report.build(audit)
    drawn = charts.report_charts(figures)
    return {
        "audit": audit,
        "figures": figures,
        "reading": reading(figures),
        "charts": [{"chart": c, "svg": mark_safe(c.svg)} for c in drawn],  # noqa: S308 (escaped in charts)
        "grade_rows": [
            {
                "label": GRADE_LABELS[g],
                "self": figures["grades"][SELF][g],
                "inspector": figures["grades"][INSPECTOR][g],
            }
            for g in GRADES
        ],
        "marking": MARKING,
        "period": f"{_long_date(audit.period_from)} to {_long_date(audit.period_to)}",
    }


# The document's own style sheet, inline so the file stands alone. Kept here, not in the
# template, because no page Vigil serves may carry a <style> element (the CSP forbids it): the
# document is a download, opened outside Vigil.
_PAGE_PDF = (
    "@page { size: A4; margin: 22mm 16mm 22mm 16mm;"
    ' @top-center { content: "%(m)s"; font: bold 11pt Arial, sans-serif; color: #0b0c0c; }'
    ' @bottom-center { content: "%(m)s"; font: bold 11pt Arial, sans-serif; color: #0b0c0c; }'
    ' @bottom-right { content: "Page " counter(page) " of " counter(pages);'
    " font: 9pt Arial, sans-serif; } }\n"
    ".marking { display: none; }\n"
)
_PAGE_HTML = (
    "@page { margin: 18mm 14mm; }\n"
    ".marking { font-weight: bold; text-align: center; border: 2px solid #0b0c0c;"
    " padding: 4px; margin: 0 0 16px; }\n"
    ".marking--bottom { margin: 24px 0 0; }\n"
    ".vigil-table-scroll { overflow-x: auto; }\n"
)
_STYLE = """
body { font-family: Arial, sans-serif; color: #0b0c0c; font-size: 11pt; line-height: 1.4;
  margin: 0 auto; max-width: 960px; padding: 0 12px; }
h1 { font-size: 20pt; margin: 0 0 8px; }
h2 { font-size: 15pt; margin: 20px 0 8px; }
h3 { font-size: 12pt; margin: 14px 0 6px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 14px; font-size: 10pt; }
caption { text-align: left; font-weight: bold; padding: 4px 0; }
th, td { border-bottom: 1px solid #b1b4b6; padding: 4px 6px; text-align: left;
  vertical-align: top; }
.num, .govuk-table__cell--numeric, .govuk-table__header--numeric { text-align: right; }
figure { margin: 10px 0 4px; break-inside: avoid; }
figcaption { font-weight: bold; margin-bottom: 4px; }
svg { max-width: 100%; height: auto; }
.case { break-before: page; }
.muted { color: #505a5f; }
.grade { font-weight: bold; }
"""


def _style(pdf: bool) -> str:
    page = _PAGE_PDF % {"m": MARKING} if pdf else _PAGE_HTML
    return mark_safe(f"<style>\n{page}{_STYLE}</style>")  # noqa: S308 (fixed text)


def _document(audit: Audit, *, pdf: bool) -> str:
    ctx = context(audit)
    ctx |= {
        "pages": case_pages(audit),
        "pdf": pdf,
        "made_at": _moment(timezone.now()),
        "style": _style(pdf),
    }
    return render_to_string("inspection/report_document.html", ctx)


def report_html(audit: Audit) -> str:
    """A standalone, printable HTML document (inline CSS, the charts inline): the summary first,
    then a page per case."""
    return _document(audit, pdf=False)


def report_pdf(audit: Audit) -> bytes:
    """The same document as a PDF, marked OFFICIAL-SENSITIVE at the top and bottom of every
    page (CSS page margin boxes)."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=_document(audit, pdf=True)).write_pdf()
    return pdf


CSV_COLUMNS = [
    "case_ref",
    "area",
    "assessor",
    "grade",
    "rationale",
    "submitted_at",
    "assessed_by",
    "management_review",
    *(f"{q}_{part}" for q in QUESTIONS for part in ("answer", "note")),
    "vigil_findings",
]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def _cell(value: Any) -> str:
    """A cell a spreadsheet will not run as a formula (OWASP's CSV injection advice)."""
    text = "" if value is None else str(value)
    if text[:1] in FORMULA_STARTS or text.lstrip()[:1] in FORMULA_STARTS:
        return "'" + text
    return text


def assessments_csv(audit: Audit) -> str:
    """Every shown assessment of the audit, one a line: its first five columns are those
    ``vigil audit grades`` reads; then when and by whom, the answers and Vigil's findings."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    cases = (
        AuditCase.objects.filter(audit=audit)
        .prefetch_related("assessments__assessed_by")
        .order_by("case_ref")
    )
    for case in cases:
        shown = _visible(list(case.assessments.all()))
        for assessor in (SELF, INSPECTOR):
            a = shown.get(assessor)
            if a is None:
                continue
            answers = []
            for q in QUESTIONS:
                given = a.answers.get(q) or {}
                answers += [given.get("answer", ""), given.get("note", "")]
            row = [
                case.case_ref,
                case.area,
                assessor,
                a.grade,
                a.rationale,
                a.submitted_at.isoformat() if a.submitted_at else "",
                _assessor_name(a),
                "yes" if a.management_review else "no",
                *answers,
                " ".join(case.finding_codes),
            ]
            writer.writerow([_cell(v) for v in row])
    return out.getvalue()
