"""Agreement measures and the report's counts against an independent implementation (issue 14,
"Accuracy"): scikit-learn's ``cohen_kappa_score`` (unweighted, linear, quadratic over the five
grade steps), ``accuracy_score`` and ``confusion_matrix``, to four decimals, on many generated
grade sets, including the undefined cases."""

from __future__ import annotations

import math
import random
import warnings

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, cohen_kappa_score, confusion_matrix

from vigil.inspection.grading import GRADES, INSPECTOR, SELF, differ_significantly
from vigil.inspection.measures import agreement, exact, kappa, within_one
from vigil.inspection.report import GradedCase, tally

NAMES = list(GRADES)  # best first
STEPS = [1, 2, 3, 4, 5]
WEIGHTS = {"unweighted": None, "linear": "linear", "quadratic": "quadratic"}


def _grade_sets(seed: int, count: int) -> list[list[tuple[str, str]]]:
    """Grade pairs of many shapes: uniform, skewed, closely agreeing, one side constant, tiny."""
    rng = random.Random(seed)
    sets: list[list[tuple[str, str]]] = []
    for i in range(count):
        n = rng.choice([1, 2, 3, 5, 8, 13, 30, 75, 200])
        shape = i % 5
        pairs: list[tuple[str, str]] = []
        weights = [rng.random() ** 2 for _ in NAMES]
        for _ in range(n):
            if shape == 0:  # independent, uniform
                pairs.append((rng.choice(NAMES), rng.choice(NAMES)))
            elif shape == 1:  # independent, skewed
                a, b = rng.choices(NAMES, weights, k=2)
                pairs.append((a, b))
            elif shape == 2:  # the inspector mostly within a step of the force
                a = rng.choices(NAMES, weights)[0]
                step = min(5, max(1, GRADES[a] + rng.choice([-2, -1, 0, 0, 0, 1])))
                pairs.append((a, NAMES[5 - step]))
            elif shape == 3:  # the force always says one grade
                pairs.append((NAMES[i % 5], rng.choice(NAMES)))
            else:  # two grades only
                pairs.append((rng.choice(NAMES[1:3]), rng.choice(NAMES[1:3])))
        sets.append(pairs)
    return sets


def _steps(pairs: list[tuple[str, str]]) -> tuple[list[int], list[int]]:
    return [GRADES[a] for a, _ in pairs], [GRADES[b] for _, b in pairs]


def _theirs(pairs: list[tuple[str, str]], kind: str) -> float:
    a, b = _steps(pairs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 0/0 when chance agreement is total: nan
        return float(cohen_kappa_score(a, b, labels=STEPS, weights=WEIGHTS[kind]))


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_kappas_match_scikit_learn(seed: int) -> None:
    checked = undefined = 0
    for pairs in _grade_sets(seed, 250):
        for kind in WEIGHTS:
            ours, theirs = kappa(pairs, kind), _theirs(pairs, kind)
            if math.isnan(theirs):
                assert ours is None, (pairs, kind, ours)
                undefined += 1
            else:
                assert ours is not None, (pairs, kind, theirs)
                assert round(ours, 4) == pytest.approx(round(theirs, 4), abs=1e-9), (pairs, kind)
                checked += 1
        a, b = _steps(pairs)
        assert round(exact(pairs) or 0, 4) == round(float(accuracy_score(a, b)), 4)
        within = float(np.mean(np.abs(np.array(a) - np.array(b)) <= 1))
        assert round(within_one(pairs) or 0, 4) == round(within, 4)
    assert checked > 600  # most sets have a defined kappa; a few (tiny, constant) do not
    assert undefined > 0


def test_the_report_counts_match_scikit_learn() -> None:
    """The report's cross-table, grade counts, lower/higher and differed against confusion_matrix
    and plain counting, over sets with unpaired cases mixed in."""
    rng = random.Random(14)
    for pairs in _grade_sets(99, 60):
        cases = [
            GradedCase(f"case-{i:03d}", "missing", {SELF: a, INSPECTOR: b})
            for i, (a, b) in enumerate(pairs)
        ]
        cases += [  # graded by one side only: counted by grade, not paired
            GradedCase(f"one-{i:03d}", "cse", {rng.choice([SELF, INSPECTOR]): rng.choice(NAMES)})
            for i in range(rng.randint(0, 4))
        ]
        figures = tally("AUD-T", cases)
        a, b = _steps(pairs)
        matrix = confusion_matrix(a, b, labels=STEPS)
        for i, own in enumerate(STEPS):
            for j, theirs in enumerate(STEPS):
                held = figures["cross_tab"].get(NAMES[5 - own], {}).get(NAMES[5 - theirs], 0)
                assert held == matrix[i][j]
        assert figures["paired"] == len(pairs) == int(matrix.sum())
        # Rows are the force's step, columns the inspector's: below the diagonal, lower.
        assert figures["inspector_lower"] == int(np.tril(matrix, -1).sum())
        assert figures["inspector_higher"] == int(np.triu(matrix, 1).sum())
        assert figures["differed_significantly"] == sorted(
            c.case_ref
            for c in cases
            if len(c.grades) == 2 and differ_significantly(c.grades[SELF], c.grades[INSPECTOR])
        )
        for side in (SELF, INSPECTOR):
            given = [c.grades[side] for c in cases if side in c.grades]
            assert figures["grades"][side] == {g: given.count(g) for g in NAMES}
        expected = agreement(pairs)
        assert figures["agreement"] == expected
        for kind, key in (
            ("unweighted", "kappa"),
            ("linear", "kappa_linear"),
            ("quadratic", "kappa_quadratic"),
        ):
            theirs = _theirs(pairs, kind)
            if math.isnan(theirs):
                assert expected[key] is None
            else:
                assert expected[key] == pytest.approx(round(theirs, 4), abs=1e-9)


def test_the_undefined_cases() -> None:
    # No pairs: every measure is None ("not defined"); scikit-learn refuses an empty sample.
    assert set(agreement([]).values()) == {None}
    with pytest.raises(ValueError):
        cohen_kappa_score([], [], labels=STEPS)
    # One grade throughout, by both: chance agreement is total, kappa 0/0 — nan in
    # scikit-learn, None in Vigil, whichever the grade and however many the cases.
    for name in NAMES:
        for n in (1, 2, 40):
            same = [(name, name)] * n
            for kind in WEIGHTS:
                assert math.isnan(_theirs(same, kind))
                assert kappa(same, kind) is None
            assert agreement(same)["exact"] == 1.0 and agreement(same)["within_one"] == 1.0
    # One side constant, the other not: defined, and zero (no agreement beyond chance).
    mixed = [("good", "good"), ("good", "adequate"), ("good", "inadequate")]
    for kind in WEIGHTS:
        assert kappa(mixed, kind) == pytest.approx(_theirs(mixed, kind), abs=1e-12)
        assert kappa(mixed, kind) == pytest.approx(0.0, abs=1e-12)
