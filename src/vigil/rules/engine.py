"""evaluate(): every rule, as of one moment, over a casebook."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import replace

# Importing the rule modules registers their rules.
from vigil.rules import custody, hidden_risk, investigations, offenders, recording, working_together
from vigil.rules.casebook import Casebook
from vigil.rules.model import Finding, RecordKey
from vigil.rules.policy import DEFAULT_POLICY, Policy
from vigil.rules.registry import RULES
from vigil.rules.view import View

_RULE_MODULES = (hidden_risk, recording, working_together, investigations, custody, offenders)


def evaluate(
    casebook: Casebook,
    policy: Policy | None = None,
    as_of: dt.datetime | None = None,
    persons: Iterable[str] | None = None,
    *,
    codes: Iterable[str] | None = None,
) -> list[Finding]:
    """Every finding that holds at ``as_of`` (ALERTS.md 'As of'), sorted by code and subject.

    ``policy`` None means the default policy. With ``persons``, only findings about those
    people or about records naming them; each is exactly what a full evaluation gives for that
    subject. ``codes`` limits the rules run (all by default).
    """
    if as_of is None:
        raise TypeError("evaluate() needs as_of: the same records and moment give the same alerts")
    policy = policy or DEFAULT_POLICY
    scope = frozenset(persons) if persons is not None else None
    # ALERTS.md 'Effective record': only amendments that occurred by as_of apply.
    casebook = casebook.at(as_of)
    view = View(casebook, policy, as_of, scope)
    findings: list[Finding] = []
    for code in sorted(codes if codes is not None else RULES):
        for finding in RULES[code](view):
            if scope is None or _in_scope(casebook, finding, scope):
                findings.append(_with_amendments(finding, casebook.suppliers))
    findings.sort(key=Finding.sort_key)
    return findings


def _with_amendments(
    finding: Finding, suppliers: Mapping[RecordKey, tuple[RecordKey, ...]]
) -> Finding:
    """RECORDS.md v1.1: an amendment counts as evidence where a value it supplied decides an
    alert. Each evidence record is read as its effective record, so the amendments that
    supplied values or entries to it are listed after it."""
    if not suppliers:
        return finding
    evidence = dict.fromkeys(finding.evidence)
    for key in finding.evidence:
        evidence.update(dict.fromkeys(suppliers.get(key, ())))
    if len(evidence) == len(finding.evidence):
        return finding
    return replace(finding, evidence=tuple(evidence))


def _in_scope(casebook: Casebook, finding: Finding, scope: frozenset[str]) -> bool:
    if finding.subject_kind == "person":
        return finding.person_id in scope
    assert finding.record is not None
    return not scope.isdisjoint(casebook.persons_on(finding.record))
