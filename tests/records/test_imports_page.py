"""Import status: batches, an interrupted run, the quarantine with reasons, and its CSV (admin only)."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import person, record
from vigil.audit.models import AuditEntry
from vigil.records.models import ImportBatch, QuarantinedRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(import_records: Callable[..., Any]) -> Any:
    bad = record("call", "C-BAD", [person("c", "child_present", "Amy", "Stone", "2014-13-01")])
    summary = import_records(
        [record("call", "C-1", [person("c", "child_present", "Amy", "Stone", "2012-01-01")]), bad]
    )
    assert summary.quarantined == 1
    return summary


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_imports_page_shows_batches_status_and_quarantine_reasons(
    as_role: Any, imported: Any
) -> None:
    ImportBatch.objects.create(
        started_at=timezone.now(), started_by="cli:gone", pid=dead_pid(), status="running"
    )
    client, user = as_role("supervisor")
    response = client.get(reverse("records:imports"))
    text = response.content.decode()
    assert response.status_code == 200
    assert "completed" in text and "interrupted" in text and ">running<" not in text
    assert "1 line waiting in quarantine" in text
    assert "people[0].date_of_birth" in text and "test/C-BAD" in text
    assert "Download the quarantine" not in text  # supervisors see it, only admins download it
    assert AuditEntry.objects.filter(
        actor=user.username, action="import.list", target="imports"
    ).exists()


def test_a_running_batch_whose_process_lives_is_running(as_role: Any) -> None:
    import os

    ImportBatch.objects.create(
        started_at=timezone.now(), started_by="cli:me", pid=os.getpid(), status="running"
    )
    client, _ = as_role("auditor")
    assert ">running<" in client.get(reverse("records:imports")).content.decode()


def test_quarantine_csv_for_admin_only_and_logged(as_role: Any, imported: Any) -> None:
    batch = ImportBatch.objects.get(pk=imported.batch_id)
    QuarantinedRecord.objects.create(
        raw_hash="x",
        file="/in/evil.ndjson",
        line=7,
        source_system="s",
        source_id='=HYPERLINK("http://x")',
        raw="{}",
        reasons=["bad"],
        first_batch=batch,
        last_batch=batch,
    )
    supervisor, _ = as_role("supervisor")
    assert supervisor.get(reverse("records:quarantine-download")).status_code == 403
    admin, user = as_role("admin")
    assert "Download the quarantine" in admin.get(reverse("records:imports")).content.decode()
    response = admin.get(reverse("records:quarantine-download"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:5] == ["file", "line", "source_system", "source_id", "reasons"]
    assert len(rows) == 3
    bad = next(r for r in rows[1:] if r[3] == "C-BAD")
    assert "people[0].date_of_birth" in bad[4] and '"C-BAD"' in bad[7]
    evil = next(r for r in rows[1:] if r[2] == "s")
    assert evil[3].startswith("'=")  # never a live formula in a spreadsheet
    entry = AuditEntry.objects.get(actor=user.username, action="quarantine.export")
    assert (entry.target, entry.detail["rows"]) == ("quarantine", 2)


def test_imports_pages_batches_and_quarantine_separately(as_role: Any, imported: Any) -> None:
    for _ in range(30):
        ImportBatch.objects.create(
            started_at=timezone.now(), started_by="cli:x", status="completed"
        )
    client, _ = as_role("admin")
    text = client.get(reverse("records:imports") + "?page=2").content.decode()
    assert "2 of 2" in text
    assert "people[0].date_of_birth" in text


@pytest.mark.parametrize(
    "value", ["=1+1", " =1+1", "  @SUM(A1)", "\u00a0+1", "\t-1", " \r=2", "\n=3"]
)
def test_quarantine_csv_cell_neutralises_formulas_after_leading_whitespace(value: str) -> None:
    from vigil.records.views import _cell

    assert _cell(value) == "'" + value


@pytest.mark.parametrize("value", ["C-1", "a = b", "", "1-2", " plain"])
def test_quarantine_csv_cell_leaves_other_text(value: str) -> None:
    from vigil.records.views import _cell

    assert _cell(value) == value
