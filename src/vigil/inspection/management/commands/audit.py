"""``vigil audit create|sample|grades|report`` (shared/contract/AUDIT.md 'Commands')."""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import time
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from vigil.commandline import EXIT_FAILED, EXIT_USAGE, VigilCommand, actor, date_arg
from vigil.inspection.grading import AREAS, ASSESSORS, GRADE_LABELS


def area_count(text: str) -> tuple[str, int]:
    """``AREA=N``."""
    area, sep, number = text.partition("=")
    area = area.strip()
    if not sep:
        raise argparse.ArgumentTypeError(f"{text!r} is not AREA=N")
    if area not in AREAS:
        raise argparse.ArgumentTypeError(
            f"{area!r} is not a practice area (one of {', '.join(AREAS)})"
        )
    try:
        count = int(number)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{number!r} is not a number of cases") from None
    if count < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: the number of cases must be at least 1")
    return area, count


class Command(VigilCommand):
    help = "case audits: create one, draw its sample, load grades, report (AUDIT.md)"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="audit_command", required=True)
        c = sub.add_parser("create", help="create an audit of a period")
        c.add_argument("name")
        c.add_argument("--from", dest="first", required=True, type=date_arg, metavar="DATE")
        c.add_argument("--to", dest="last", required=True, type=date_arg, metavar="DATE")
        c.add_argument("--json", action="store_true")
        s = sub.add_parser("sample", help="draw cases of each area at random and add them")
        s.add_argument("audit_id")
        s.add_argument(
            "--area",
            dest="areas",
            action="append",
            required=True,
            type=area_count,
            metavar="AREA=N",
            help=f"an area ({', '.join(AREAS)}) and how many cases to draw",
        )
        s.add_argument("--seed", type=int, help="the same seed draws the same cases")
        s.add_argument("--json", action="store_true")
        g = sub.add_parser("grades", help="record assessments from a CSV file")
        g.add_argument("audit_id")
        g.add_argument("file", metavar="FILE.csv")
        g.add_argument("--json", action="store_true")
        r = sub.add_parser("report", help="the audit's report")
        r.add_argument("audit_id")
        r.add_argument("--json", action="store_true")
        r.add_argument("--html", metavar="FILE", help="write the report as HTML")
        r.add_argument("--pdf", metavar="FILE", help="write the report as PDF")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['audit_command']}")(options)

    def _audit(self, audit_id: str) -> Any:
        from vigil.inspection.models import Audit

        try:
            return Audit.objects.get(audit_id=audit_id.strip())
        except Audit.DoesNotExist:
            raise CommandError(f"no audit {audit_id!r}", returncode=EXIT_FAILED) from None

    # --- create -------------------------------------------------------------------------------

    def _create(self, options: dict[str, Any]) -> None:
        from vigil.inspection.actions import AuditError, create_audit

        first, last = _date(options["first"]), _date(options["last"])
        try:
            audit = create_audit(options["name"], first, last, actor())
        except AuditError as error:
            raise CommandError(str(error), returncode=EXIT_USAGE) from None
        made = {
            "audit_id": audit.audit_id,
            "name": audit.name,
            "from": audit.period_from.isoformat(),
            "to": audit.period_to.isoformat(),
        }
        if options["json"]:
            self.print_json(made)
        else:
            self.stdout.write(
                f"{made['audit_id']}  {made['name']}  ({made['from']} to {made['to']})"
            )

    # --- sample -------------------------------------------------------------------------------

    def _sample(self, options: dict[str, Any]) -> None:
        from vigil.inspection.actions import AuditError, case_json, sample

        audit = self._audit(options["audit_id"])
        counts: dict[str, int] = {}
        for area, count in options["areas"]:
            if area in counts:
                raise CommandError(f"--area {area} is given twice", returncode=EXIT_USAGE)
            counts[area] = count
        started = time.perf_counter()
        try:
            cases, shortfalls, seed = sample(audit, counts, options["seed"], actor())
        except AuditError as error:
            raise CommandError(str(error), returncode=EXIT_USAGE) from None
        for short in shortfalls:
            self.say(f"fewer cases than asked: {short.message()}")
        if options["seed"] is None:
            self.say(f"seed {seed} (give --seed {seed} to draw the same cases)")
        drawn = [case_json(c) for c in cases]
        if options["json"]:
            self.print_json(drawn)
            return
        for case in drawn:
            codes = ", ".join(case["vigil_findings"]) or "no findings"
            self.stdout.write(
                f"{case['case_ref']}  {len(case['subjects'])} subject(s)  Vigil's findings: {codes}"
            )
        self.say(
            f"{len(drawn)} case(s) added to {audit.audit_id} in "
            f"{time.perf_counter() - started:.1f} s"
        )

    # --- grades -------------------------------------------------------------------------------

    def _grades(self, options: dict[str, Any]) -> None:
        from vigil.inspection.actions import GradesRefused, record_grades

        audit = self._audit(options["audit_id"])
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(
                f"{path}: cannot be read ({error.strerror or error})", returncode=EXIT_USAGE
            ) from None
        try:
            outcome = record_grades(audit, data, actor())
        except GradesRefused as error:
            raise CommandError(
                f"{path}: {error} (nothing recorded)", returncode=EXIT_FAILED
            ) from None
        if options["json"]:
            self.print_json(outcome)
        else:
            self.stdout.write(
                f"{outcome['recorded']} assessment(s) recorded, {outcome['replaced']} of them "
                f"replacing an earlier one; {outcome['cases_added']} case(s) added"
            )

    # --- report -------------------------------------------------------------------------------

    def _report(self, options: dict[str, Any]) -> None:
        from vigil.inspection.actions import log_report
        from vigil.inspection.report import build

        audit = self._audit(options["audit_id"])
        forms = [f for f in ("json", "html", "pdf") if options[f]] or ["text"]
        if options["html"] or options["pdf"]:
            try:
                # REPORT's module (report_html, report_pdf), imported only when asked for.
                documents = importlib.import_module("vigil.inspection.documents")
            except ImportError:
                raise CommandError(
                    "the HTML and PDF reports are not part of this installation",
                    returncode=EXIT_FAILED,
                ) from None
            if options["html"]:
                _write(options["html"], documents.report_html(audit).encode())
            if options["pdf"]:
                _write(options["pdf"], documents.report_pdf(audit))
        report = build(audit)
        log_report(audit, actor(), forms)
        if options["json"]:
            self.print_json(report)
        elif not (options["html"] or options["pdf"]):
            self._print_summary(audit, report)

    def _print_summary(self, audit: Any, report: dict[str, Any]) -> None:
        write = self.stdout.write
        write(f"{audit.audit_id}  {audit.name}  ({audit.period_from} to {audit.period_to})")
        write(f"Cases: {report['cases']}; graded by both: {report['paired']}")
        for assessor, label in ASSESSORS.items():
            counts = ", ".join(
                f"{GRADE_LABELS[g]} {n}" for g, n in report["grades"][assessor].items()
            )
            write(f"{label}: {counts}")
        agreement = report["agreement"]
        parts = [
            f"{name} {'n/a' if agreement[key] is None else agreement[key]}"
            for key, name in (
                ("exact", "exact"),
                ("within_one", "within one grade"),
                ("kappa", "kappa"),
                ("kappa_linear", "linear kappa"),
                ("kappa_quadratic", "quadratic kappa"),
            )
        ]
        write("Agreement: " + ", ".join(parts))
        write(
            f"Inspector graded lower in {report['inspector_lower']}, higher in "
            f"{report['inspector_higher']}; differed significantly: "
            f"{', '.join(report['differed_significantly']) or 'none'}"
        )
        for grade, row in report["findings_by_grade"].items():
            write(
                f"{GRADE_LABELS[grade]} (inspector): {row['cases']} case(s), "
                f"{row['with_findings']} with Vigil's findings"
            )


def _date(value: dt.date | str) -> dt.date:
    """A date option (call_command may pass the text)."""
    if isinstance(value, dt.date):
        return value
    try:
        return date_arg(value)
    except argparse.ArgumentTypeError as error:
        raise CommandError(str(error), returncode=EXIT_USAGE) from None


def _write(name: str, data: bytes) -> None:
    try:
        Path(name).write_bytes(data)
    except OSError as error:
        raise CommandError(
            f"{name}: cannot be written ({error.strerror or error})", returncode=EXIT_FAILED
        ) from None
