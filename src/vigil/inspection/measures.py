"""Agreement between two assessors over the five grades (AUDIT.md): exact agreement, agreement
within one step, and Cohen's kappa unweighted, linear- and quadratic-weighted. Pure."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from vigil.inspection.grading import GRADES

_STEPS = sorted(GRADES.values())  # 1..5
_K = len(_STEPS)


def _weight(i: int, j: int, kind: str) -> float:
    d = abs(i - j)
    if kind == "unweighted":
        return 1.0 if d == 0 else 0.0
    if kind == "linear":
        return 1 - d / (_K - 1)
    return 1 - d * d / (_K - 1) ** 2


def kappa(pairs: Sequence[tuple[str, str]], kind: str = "unweighted") -> float | None:
    """Cohen's kappa of (first, second) grade pairs; None when undefined (no pair, or chance
    agreement is total, e.g. every pair given one grade by both)."""
    if not pairs:
        return None
    n = len(pairs)
    a = Counter(GRADES[x] for x, _ in pairs)
    b = Counter(GRADES[y] for _, y in pairs)
    observed = sum(_weight(GRADES[x], GRADES[y], kind) for x, y in pairs) / n
    expected = sum(_weight(i, j, kind) * (a[i] / n) * (b[j] / n) for i in _STEPS for j in _STEPS)
    if abs(1 - expected) < 1e-12:
        return None
    return (observed - expected) / (1 - expected)


def exact(pairs: Sequence[tuple[str, str]]) -> float | None:
    return sum(x == y for x, y in pairs) / len(pairs) if pairs else None


def within_one(pairs: Sequence[tuple[str, str]]) -> float | None:
    return sum(abs(GRADES[x] - GRADES[y]) <= 1 for x, y in pairs) / len(pairs) if pairs else None


def rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def agreement(pairs: Sequence[tuple[str, str]]) -> dict[str, float | None]:
    """AUDIT.md's ``agreement`` object, ratios to four places."""
    return {
        "exact": rounded(exact(pairs)),
        "within_one": rounded(within_one(pairs)),
        "kappa": rounded(kappa(pairs, "unweighted")),
        "kappa_linear": rounded(kappa(pairs, "linear")),
        "kappa_quadratic": rounded(kappa(pairs, "quadratic")),
    }
