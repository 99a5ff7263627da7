"""``vigil audit create|sample|grades|report`` as AUDIT.md specifies them, run in process (the
dispatcher itself is checked as a subprocess at the end)."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path
from typing import Any

import orjson
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.conftest import VIGIL
from tests.inspection.test_cases import EXPECTED, PERIOD, _store
from vigil.audit.models import AuditEntry
from vigil.ingest.pipeline import ingest_records
from vigil.inspection.models import Assessment, Audit, AuditCase

pytestmark = pytest.mark.django_db

EXAMPLE = Path(__file__).resolve().parents[3] / "shared" / "contract" / "examples_audit"
HEADER = "case_ref,area,assessor,grade,rationale\n"


def audit(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("audit", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def as_json(*args: str) -> Any:
    return orjson.loads(audit(*args, "--json")[0])


def create(name: str = "January", first: str = "2026-01-01", last: str = "2026-01-31") -> str:
    made = as_json("create", name, "--from", first, "--to", last)
    return str(made["audit_id"])


def refused(*args: str) -> CommandError:
    with pytest.raises(CommandError) as caught:
        audit(*args)
    return caught.value


# --- create -----------------------------------------------------------------------------------


def test_create_prints_the_audit_and_logs_it() -> None:
    made = as_json("create", "West Mercia 2014", "--from", "2014-01-01", "--to", "2014-06-30")
    assert made == {
        "audit_id": made["audit_id"],
        "name": "West Mercia 2014",
        "from": "2014-01-01",
        "to": "2014-06-30",
    }
    assert made["audit_id"].startswith("AUD-")
    second = create("Another")
    assert second != made["audit_id"]
    held = Audit.objects.get(audit_id=made["audit_id"])
    assert str(held.period_to) == "2014-06-30" and held.created_by.startswith("cli:")
    entry = AuditEntry.objects.get(action="case_audit.create", target=f"case-audit:{held.audit_id}")
    assert entry.detail["name"] == "West Mercia 2014"


def test_create_refuses_a_bad_date_or_a_period_backwards() -> None:
    assert "not a date" in str(refused("create", "X", "--from", "2014-13-01", "--to", "2014-12-31"))
    backwards = refused("create", "X", "--from", "2014-06-01", "--to", "2014-01-01")
    assert "before it starts" in str(backwards)
    assert not Audit.objects.exists()


# --- grades and report ------------------------------------------------------------------------


def _without_zeros(report: dict[str, Any]) -> dict[str, Any]:
    """The example lets by_area and cross_tab list zero counts or not."""
    out = {k: v for k, v in report.items() if k != "audit_id"}
    out["cross_tab"] = {
        a: {b: n for b, n in row.items() if n} for a, row in report["cross_tab"].items()
    }
    return out


def test_the_public_example_through_the_commands() -> None:
    audit_id = create("Example", "2014-01-01", "2014-12-31")
    loaded = as_json("grades", audit_id, str(EXAMPLE / "grades.csv"))
    assert loaded == {"recorded": 10, "replaced": 1, "cases_added": 5}
    report = as_json("report", audit_id)
    expected = json.loads((EXAMPLE / "expected_report.json").read_text())
    assert report["audit_id"] == audit_id
    assert _without_zeros(report) == _without_zeros(expected)
    assert list(report) == ["audit_id", *expected]
    case = AuditCase.objects.get(case_ref="missing:compact:M-4")
    assert case.origin == "csv" and case.subjects == [] and case.findings == []
    own = Assessment.objects.get(case=case, assessor="self")
    assert own.grade == "requires_improvement"  # the later row replaced the earlier
    assert own.rationale == "Revised after the management review" and own.submitted_at
    assert own.assessed_by_name.startswith("cli:")
    assert AuditEntry.objects.filter(action="case_audit.load_grades").count() == 1
    assert AuditEntry.objects.filter(action="case_audit.report").count() == 1
    text, _ = audit("report", audit_id)
    assert "Agreement: exact 0.25" in text and "quadratic kappa 0.7692" in text


def test_loading_again_replaces_what_is_held() -> None:
    audit_id = create()
    as_json("grades", audit_id, str(EXAMPLE / "grades.csv"))
    again = as_json("grades", audit_id, str(EXAMPLE / "grades.csv"))
    # Nine assessments held are replaced, and the file's own repeat replaces its earlier row.
    assert again == {"recorded": 10, "replaced": 10, "cases_added": 0}
    assert Assessment.objects.count() == 9
    assert as_json("report", audit_id)["paired"] == 4


def test_a_draft_does_not_count_until_submitted(tmp_path: Path) -> None:
    audit_id = create()
    path = tmp_path / "g.csv"
    path.write_text(HEADER + "missing:compact:M-1,missing,self,good,Fine\n")
    as_json("grades", audit_id, str(path))
    case = AuditCase.objects.get()
    Assessment.objects.create(
        case=case, assessor="inspector", grade="inadequate", updated_at=case.added_at
    )
    report = as_json("report", audit_id)
    assert report["paired"] == 0 and sum(report["grades"]["inspector"].values()) == 0


@pytest.mark.parametrize(
    ("rows", "line", "reason"),
    [
        ("missing:compact:M-1,missing,self,okay,x\n", 3, "grade 'okay' is not one of"),
        ("missing:compact:M-1,missing,partner,good,x\n", 3, "assessor 'partner' is not one of"),
        ("missing:compact:M-1,custody,self,good,x\n", 3, "names area 'missing', not 'custody'"),
        ("missing:compact:M-1,nowhere,self,good,x\n", 3, "area 'nowhere' is not one of"),
        ("missing-M-1,missing,self,good,x\n", 3, "is not a case reference"),
        ("missing:compact:M-1,missing,self\n", 3, "3 fields where 5 are expected"),
        (",missing,self,good,x\n", 3, "case_ref is empty"),
    ],
)
def test_a_bad_row_is_refused_with_its_line_and_nothing_is_recorded(
    tmp_path: Path, rows: str, line: int, reason: str
) -> None:
    audit_id = create()
    path = tmp_path / "grades.csv"
    path.write_text(HEADER + "cse:niche:INT-3,cse,inspector,good,Fine\n" + rows)
    error = refused("grades", audit_id, str(path))
    assert error.returncode == 1
    assert f"line {line}: " in str(error) and reason in str(error), str(error)
    assert "nothing recorded" in str(error)
    assert not AuditCase.objects.exists() and not Assessment.objects.exists()
    assert not AuditEntry.objects.filter(action="case_audit.load_grades").exists()


def test_a_bad_header_or_file_is_refused(tmp_path: Path) -> None:
    audit_id = create()
    path = tmp_path / "grades.csv"
    path.write_text("case,area,assessor,grade,rationale\nmissing:c:M-1,missing,self,good,x\n")
    error = refused("grades", audit_id, str(path))
    assert error.returncode == 1 and "line 1: the header must be" in str(error)
    path.write_text("")
    assert "the file is empty" in str(refused("grades", audit_id, str(path)))
    path.write_bytes(HEADER.encode() + b"missing:c:M-1,missing,self,good,caf\xe9\n")
    assert "line 2: not UTF-8 text" in str(refused("grades", audit_id, str(path)))
    missing = refused("grades", audit_id, str(tmp_path / "nope.csv"))
    assert "cannot be read" in str(missing)
    assert not AuditCase.objects.exists()


def test_quoted_rationales_blank_lines_and_a_byte_order_mark(tmp_path: Path) -> None:
    audit_id = create()
    path = tmp_path / "grades.csv"
    path.write_text(
        "\ufeff" + HEADER + '\nmissing:c:M-1,missing,self,good,"Seen, heard; ""well"" done"\n'
    )
    assert as_json("grades", audit_id, str(path)) == {
        "recorded": 1,
        "replaced": 0,
        "cases_added": 1,
    }
    assert Assessment.objects.get().rationale == 'Seen, heard; "well" done'


def test_unknown_audit() -> None:
    error = refused("report", "AUD-9999", "--json")
    assert error.returncode == 1 and "no audit 'AUD-9999'" in str(error)


# --- sample -----------------------------------------------------------------------------------


@pytest.fixture
def store() -> None:
    ingest_records(_store(), actor="test", as_of=PERIOD.end)


@pytest.mark.usefixtures("store")
def test_sample_json_shape_reproducible_never_twice_and_short_areas_said() -> None:
    first = create()
    out, err = audit(
        "sample", first, "--area", "section_47=2", "--area", "missing=3", "--seed", "11", "--json"
    )
    drawn = orjson.loads(out)
    assert [c["area"] for c in drawn] == ["section_47", "section_47", "missing"]
    assert err.splitlines() == [
        "fewer cases than asked: missing: 3 asked for, 1 drawn: the store holds 1 case of "
        "this area for the period"
    ]
    missing = drawn[2]
    assert list(missing) == ["case_ref", "area", "subjects", "index_record", "vigil_findings"]
    assert missing["case_ref"] == "missing:test:MIS-1"
    assert missing["index_record"] == {"source_system": "test", "source_id": "MIS-1"}
    (child,) = missing["subjects"]
    assert list(child) == ["person_id", "mentions"]
    assert {"source_system": "test", "source_id": "MIS-1", "mention_id": "c1"} in child["mentions"]
    assert missing["vigil_findings"] and missing["vigil_findings"] == sorted(
        missing["vigil_findings"]
    )
    stored = AuditCase.objects.get(case_ref="missing:test:MIS-1")
    assert stored.origin == "sample" and stored.findings[0]["explanation"]
    assert {f["code"] for f in stored.findings} == set(missing["vigil_findings"])

    # The same store, period, areas, counts and seed: the same cases, in another audit.
    second = create("Again")
    again = as_json(
        "sample", second, "--area", "section_47=2", "--area", "missing=3", "--seed", "11"
    )
    assert [c["case_ref"] for c in again] == [c["case_ref"] for c in drawn]

    # Drawing again into the first audit never repeats a case: the rest, then none.
    more, err = audit("sample", first, "--area", "section_47=4", "--seed", "11", "--json")
    rest = [c["case_ref"] for c in orjson.loads(more)]
    assert sorted(rest + [c["case_ref"] for c in drawn[:2]]) == EXPECTED["section_47"]
    assert "2 drawn: the store holds 4 cases of this area for the period, 2 of them already" in err
    none, _ = audit("sample", first, "--area", "section_47=1", "--json")
    assert orjson.loads(none) == []
    assert AuditCase.objects.filter(audit__audit_id=first).count() == 5
    entry = AuditEntry.objects.filter(action="case_audit.sample").first()
    assert entry is not None and entry.detail["seed"] == 11


@pytest.mark.usefixtures("store")
def test_a_different_seed_may_draw_other_cases_and_the_seed_is_said() -> None:
    audit_id = create()
    _, err = audit("sample", audit_id, "--area", "information_sharing=1")
    assert "seed " in err and "--seed" in err


def test_sample_refuses_an_unknown_area_or_count() -> None:
    audit_id = create()
    assert "not a practice area" in str(refused("sample", audit_id, "--area", "burglary=3"))
    assert "at least 1" in str(refused("sample", audit_id, "--area", "missing=0"))
    assert "not AREA=N" in str(refused("sample", audit_id, "--area", "missing"))
    assert "no audit" in str(refused("sample", "AUD-0404", "--area", "missing=1"))


@pytest.mark.usefixtures("store")
def test_a_csv_case_the_store_holds_gets_its_subjects_and_findings(tmp_path: Path) -> None:
    audit_id = create()
    path = tmp_path / "g.csv"
    path.write_text(
        HEADER
        + "missing:test:MIS-1,missing,inspector,inadequate,No return interview\n"
        + "custody:elsewhere:C-9,custody,inspector,inadequate,Not in this store\n"
    )
    assert as_json("grades", audit_id, str(path))["cases_added"] == 2
    held = AuditCase.objects.get(case_ref="missing:test:MIS-1")
    assert held.subjects and held.findings
    report = as_json("report", audit_id)
    assert report["findings_by_grade"] == {"inadequate": {"cases": 2, "with_findings": 1}}


# --- the dispatcher ---------------------------------------------------------------------------


def test_vigil_audit_is_a_verb_with_subcommands(tmp_path: Path) -> None:
    from tests.conftest import vigil_env

    env = vigil_env(f"sqlite:///{tmp_path / 'v.sqlite3'}", tmp_path)
    shown = subprocess.run(
        [str(VIGIL), "audit", "--help"], env=env, capture_output=True, text=True, timeout=120
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("usage: vigil audit ")
    for sub in ("create", "sample", "grades", "report"):
        assert sub in shown.stdout
    usage = subprocess.run(
        [str(VIGIL), "audit", "sample", "AUD-1", "--area", "burglary=1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert usage.returncode == 2 and "not a practice area" in usage.stderr


def test_report_writes_html_and_pdf_files(tmp_path: Path) -> None:
    """The documents are REPORT's (``vigil.inspection.documents``); the command writes them."""
    pytest.importorskip("vigil.inspection.documents")
    audit_id = create("Documents")
    as_json("grades", audit_id, str(EXAMPLE / "grades.csv"))
    html, pdf = tmp_path / "report.html", tmp_path / "report.pdf"
    out, _ = audit("report", audit_id, "--html", str(html), "--pdf", str(pdf))
    assert out == ""  # the files are the output; --json would print the figures as well
    assert html.read_text().lstrip().lower().startswith("<!doctype html")
    assert pdf.read_bytes().startswith(b"%PDF")
    logged = AuditEntry.objects.get(action="case_audit.report")
    assert logged.detail["forms"] == ["html", "pdf"]
