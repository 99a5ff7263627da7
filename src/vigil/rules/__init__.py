"""Vigil's alert rules: pure functions over a casebook of contract records (no Django).

    book = Casebook(records, identity)            # identity: MentionKey -> person id
    findings = evaluate(book, load_policy(path), as_of)

Every alert code in ``shared/contract/ALERTS.md`` is a rule here; thresholds and severities come
from the policy (``default_policy.toml`` merged with a force's own file).
"""

from vigil.rules.casebook import Casebook
from vigil.rules.engine import evaluate
from vigil.rules.model import Finding, MentionKey, RecordKey, unresolved_person_id
from vigil.rules.policy import DEFAULT_POLICY, Policy, PolicyError, load_policy
from vigil.rules.registry import RULES

ALERT_CODES: tuple[str, ...] = tuple(sorted(RULES))

__all__ = [
    "ALERT_CODES",
    "DEFAULT_POLICY",
    "RULES",
    "Casebook",
    "Finding",
    "MentionKey",
    "Policy",
    "PolicyError",
    "RecordKey",
    "evaluate",
    "load_policy",
    "unresolved_person_id",
]
