"""`vigil link`, `persons`, `explain` and `review`, run in process as the identity app's commands."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import orjson
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.conftest import EXAMPLES
from vigil.identity.models import LinkDecision
from vigil.ingest import pipeline
from vigil.ingest.pipeline import ingest_files

pytestmark = pytest.mark.django_db

SCENARIO = EXAMPLES / "repeat_missing"
AS_OF = dt.datetime.fromisoformat(orjson.loads((SCENARIO / "expect.json").read_bytes())["as_of"])


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def person_of() -> dict[tuple[str, str, str], str]:
    found = {}
    for line in run("persons").splitlines():
        person = orjson.loads(line)
        for m in person["mentions"]:
            key = (m["source_system"], m["source_id"], m["mention_id"])
            assert key not in found, f"{key} in two lines"
            found[key] = person["person_id"]
    return found


@pytest.fixture
def reassessed(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Each time identity's commands re-assess alerts through the pipeline."""
    calls: list[Any] = []
    real = pipeline.reassess

    def spy(as_of: dt.datetime | None = None) -> Any:
        calls.append(as_of)
        return real(AS_OF)

    monkeypatch.setattr(pipeline, "reassess", spy)
    return calls


def test_link_relinks_everyone_then_reassesses(reassessed: list[Any]) -> None:
    ingest_files([SCENARIO / "records.ndjson"], actor="test", as_of=AS_OF, assess=False)
    summary = orjson.loads(run("link", "--json"))
    assert summary["mode"] == "full" and summary["mentions"] == 8
    assert len(reassessed) == 1
    persons = person_of()
    assert len(persons) == 8
    assert len({persons[("compact", f"MIS-{i}", "p1")] for i in range(1, 5)}) == 1
    assert run("link").startswith("Linked 8 mentions into ")


def test_review_decide_and_undo_relink_and_reassess(reassessed: list[Any]) -> None:
    ingest_files([SCENARIO / "records.ndjson"], actor="test", as_of=AS_OF)
    first, last = ("compact", "MIS-1", "p1"), ("compact", "MIS-4", "p1")
    assert person_of()[first] == person_of()[last]
    shown = run(
        "review", "decide", *first, *last, "--decision", "different", "--reason", "different school"
    )
    decision = LinkDecision.objects.get()
    assert shown.startswith(f"Decision {decision.pk} recorded (different); relinked ")
    assert person_of()[first] != person_of()[last]
    assert len(reassessed) == 1
    assert run("review", "undo", str(decision.pk), "--reason", "entered in error") == (
        f"Decision {decision.pk} undone\n"
    )
    assert person_of()[first] == person_of()[last]
    assert len(reassessed) == 2
    for args, message in [
        (["undo", str(decision.pk), "--reason", "again"], "already undone"),
        (["undo", "999", "--reason", "x"], "no decision 999"),
        (
            ["decide", *first, "compact", "MIS-9", "p1", "--decision", "same", "--reason", "x"],
            "no mention 'p1' on record compact/MIS-9",
        ),
    ]:
        with pytest.raises(CommandError) as refused:
            run("review", *args)
        assert refused.value.returncode == 2 and message in str(refused.value)
    assert len(reassessed) == 2, "a refused decision changes nothing"
    assert orjson.loads(run("review", "list", "--json")) == []
    assert run("review", "list") == "No pairs wait for review.\n"


def test_explain_gives_the_match_weights() -> None:
    ingest_files([SCENARIO / "records.ndjson"], actor="test", as_of=AS_OF)
    why = orjson.loads(run("explain", "compact", "MIS-1", "p1", "compact", "MIS-2", "p1", "--json"))
    assert list(why) == ["probability", "total_weight", "prior_weight", "terms", "capped"]
    assert why["probability"] > 0.5
    assert {t["comparison"] for t in why["terms"]} >= {"forename", "surname", "date_of_birth"}
    text = run("explain", "compact", "MIS-1", "p1", "compact", "MIS-2", "p1")
    assert text.startswith(f"Match probability {why['probability']:.4f}")
    with pytest.raises(CommandError) as refused:
        run("explain", "compact", "MIS-1", "p1", "compact", "MIS-1", "x9")
    assert refused.value.returncode == 2 and "no mention 'x9'" in str(refused.value)
