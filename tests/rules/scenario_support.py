"""Run the contract's example scenarios through the rule package, without the database.

Identity is resolved by a deliberately simple rule (enough for the scenarios): same normalised
surname prefix, forename initial and postcode means the same person, except where a scenario
says two mentions are different people.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from vigil.records.contract import RecordBase, parse_record
from vigil.rules import Casebook, Finding, MentionKey, evaluate

CONTRACT = Path("/work/shared/contract")
EXAMPLES = CONTRACT / "examples"


def _norm(text: str | None) -> str:
    return re.sub(r"[^a-z0-9]", "", (text or "").lower())


def load_records(path: Path) -> list[RecordBase]:
    return [
        parse_record(json.loads(line)) for line in path.read_text().splitlines() if line.strip()
    ]


def simple_identity(
    records: list[RecordBase],
    different: list[tuple[MentionKey, MentionKey]] = (),  # type: ignore[assignment]
) -> dict[MentionKey, str]:
    identity: dict[MentionKey, str] = {}
    for record in records:
        for mention in record.people:
            key = MentionKey(record.source_system, record.source_id, mention.mention_id)
            surname, forename, postcode = (
                _norm(mention.surname),
                _norm(mention.forename),
                _norm(mention.postcode),
            )
            if surname and forename and postcode:
                identity[key] = f"p:{surname[:3]}/{forename[:1]}/{postcode}"
    for a, b in different:
        if identity.get(a) is not None and identity.get(a) == identity.get(b):
            identity[b] = f"{identity[b]}#{b.source_id}/{b.mention_id}"
    return identity


def _alert_json(finding: Finding) -> dict[str, Any]:
    subject: dict[str, Any] = {
        "kind": finding.subject_kind,
        "mentions": [m._asdict() for m in finding.mentions],
    }
    if finding.record is not None:
        subject.update(finding.record._asdict())
    return {
        "code": finding.code,
        "subject": subject,
        "evidence": [e._asdict() for e in finding.evidence],
    }


def matches(alert: dict[str, Any], expectation: dict[str, Any]) -> bool:
    """As shared/contract/check_scenarios.py's alert_matches."""
    if expectation["code"] != "*" and alert["code"] != expectation["code"]:
        return False
    subject = alert["subject"]
    if "mention" in expectation:
        wanted = tuple(expectation["mention"])
        return wanted in {tuple(m.values()) for m in subject["mentions"]}
    want = tuple(expectation["record"])
    if (subject.get("source_system"), subject.get("source_id")) == want:
        return True
    return want in {(e["source_system"], e["source_id"]) for e in alert["evidence"]}


def run_scenario(folder: Path) -> tuple[list[str], list[Finding], dict[MentionKey, str]]:
    expect = json.loads((folder / "expect.json").read_text())
    records = load_records(folder / "records.ndjson")
    different = [(MentionKey(*a), MentionKey(*b)) for a, b in expect.get("different_person", [])]
    identity = simple_identity(records, different)
    failures = []
    for a, b in expect.get("same_person", []):
        if identity.get(MentionKey(*a)) != identity.get(MentionKey(*b)):
            failures.append(f"identity rule does not link {a} and {b}")
    findings = evaluate(
        Casebook(records, identity), None, dt.datetime.fromisoformat(expect["as_of"])
    )
    alerts = [_alert_json(f) for f in findings]
    for exp in expect.get("must", []):
        if not any(matches(a, exp) for a in alerts):
            failures.append(f"missing alert {exp}")
    for exp in expect.get("must_not", []):
        hits = sorted({a["code"] for a in alerts if matches(a, exp)})
        if hits:
            failures.append(f"unexpected alert(s) {hits} for {exp}")
    return failures, findings, identity
