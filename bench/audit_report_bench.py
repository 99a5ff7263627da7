"""Server time of a case audit's report for an audit of many cases: the report page (p50, p95)
and the PDF and HTML documents (once each).

    .venv/bin/python bench/audit_report_bench.py [--cases 200] [--requests 30]
        [--data-dir DIR] [--database-url URL]

An audit of ``--cases`` cases across the ten practice areas, each graded by both assessors with
answers to every question, a rationale and (for two in three) Vigil's findings, is written into
a scratch store (SQLite in a temporary folder unless a URL is given). Requests go through
Django's test Client in this process (every middleware, the view, the access log), so the
figures are server time only. Targets (issue 14): the page at most 300 ms at the 95th
percentile, the PDF of 200 cases at most 60 s; the exit status is 1 if either is missed.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

PAGE_TARGET_MS = 300.0
PDF_TARGET_S = 60.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--data-dir")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    data = Path(args.data_dir or tempfile.mkdtemp(prefix="vigil-audit-bench-"))
    os.environ["VIGIL_DATA_DIR"] = str(data)
    os.environ.setdefault(
        "VIGIL_DATABASE_URL", args.database_url or f"sqlite:///{data / 'b.sqlite3'}"
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vigil.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from vigil.accounts.models import User
    from vigil.inspection import documents
    from vigil.inspection.grading import AREAS, GRADES, QUESTIONS
    from vigil.inspection.models import Assessment, Audit, AuditCase

    call_command("migrate", verbosity=0)
    rng = random.Random(14)
    now = timezone.now()
    audit = Audit.objects.create(
        audit_id=f"AUD-BENCH-{int(time.time())}",
        name="Benchmark audit",
        period_from=now.date().replace(month=1, day=1),
        period_to=now.date(),
        created_by="bench",
        created_at=now,
    )
    grades, areas = list(GRADES), list(AREAS)
    for i in range(args.cases):
        area = areas[i % len(areas)]
        case = AuditCase.objects.create(
            audit=audit,
            case_ref=f"{area}:bench:C-{i}",
            area=area,
            index_system="bench",
            index_source_id=f"C-{i}",
            subjects=[{"person_id": f"P-{i}", "mentions": []}],
            findings=[
                {
                    "code": "REPEAT_MISSING",
                    "severity": "high",
                    "explanation": "Missing three times in 90 days",
                    "evidence": [],
                    "subject": f"P-{i}",
                }
            ]
            if i % 3
            else [],
            origin=AuditCase.Origin.CSV,
            added_at=now,
        )
        own = rng.randrange(5)
        for assessor, grade in (
            ("self", own),
            ("inspector", min(4, max(0, own + rng.choice((-1, 0, 1, 2))))),
        ):
            Assessment.objects.create(
                case=case,
                assessor=assessor,
                grade=grades[grade],
                rationale="The child was seen; the referral was a day late. " * 3,
                answers={q: {"answer": "partly_met", "note": "Recorded late"} for q in QUESTIONS},
                updated_at=now,
                submitted_at=now,
            )
    user = User.objects.filter(username="bench-auditor").first() or User.objects.create(
        username="bench-auditor", role="auditor", full_name="Bench Auditor"
    )
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    url = f"/case-audits/{audit.audit_id}/report/"
    client.get(url)  # the first request compiles the templates: not counted
    times = []
    for _ in range(args.requests):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            print(f"report page answered {response.status_code}")
            return 1
    times.sort()
    p95 = times[max(0, round(0.95 * len(times)) - 1)]
    print(
        f"report page, {args.cases} cases: p50 {statistics.median(times):.0f} ms, p95 {p95:.0f} ms (target {PAGE_TARGET_MS:.0f})"
    )
    start = time.perf_counter()
    html = documents.report_html(audit)
    print(f"HTML document: {time.perf_counter() - start:.1f} s, {len(html) // 1024} KiB")
    start = time.perf_counter()
    pdf = documents.report_pdf(audit)
    pdf_s = time.perf_counter() - start
    print(f"PDF document: {pdf_s:.1f} s, {len(pdf) // 1024} KiB (target {PDF_TARGET_S:.0f} s)")
    return 0 if p95 <= PAGE_TARGET_MS and pdf_s <= PDF_TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
