"""Why the model thinks two mentions are (or are not) one person, term by term."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from vigil.identity.duck import ensure_prepared, quiet_connection, register_prepared
from vigil.identity.frames import MODEL_COLUMNS
from vigil.identity.model import IdentityModel, Thresholds, family_pair_sql
from vigil.identity.scoring import MIN_TF_POPULATION, TF_COLUMNS

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Explanation:
    terms: list[tuple[str, str, float]]
    """(comparison, level label, match weight in bits) for each comparison, then one
    (comparison, 'term frequency of ...', bits) for each frequency adjustment the pair got."""
    prior_weight: float
    total_weight: float
    probability: float
    capped: str = ""
    """Why the probability is lower than the weights give (a family pair: see
    :func:`vigil.identity.model.family_pair_sql`), or empty."""


def explain_pair(
    row_a: Mapping[str, Any],
    row_b: Mapping[str, Any],
    model: IdentityModel,
    n_mentions: int | None = None,
    frequencies: Mapping[str, Mapping[str, float]] | None = None,
    thresholds: Thresholds | None = None,
) -> Explanation:
    """Why the model thinks two mentions are (or are not) one person: the probability a link
    over ``n_mentions`` gives the pair, term by term.

    ``frequencies``: for each term-frequency column, the share of the store's mentions holding
    each of the two values, as the link counts them. Without it, a store of fewer than
    :data:`MIN_TF_POPULATION` mentions (or no count given) uses the model's own name table, as
    the link does; a larger store's frequencies must be given, or names get no adjustment."""
    from splink import DuckDBAPI, Linker

    th = thresholds or model.thresholds
    frame = pd.DataFrame([dict(row_a), dict(row_b)])
    if "mention_key" not in frame.columns or frame["mention_key"].isna().any():
        frame["mention_key"] = ["a", "b"]
    prepared = ensure_prepared(frame).copy()
    small = n_mentions is None or n_mentions < MIN_TF_POPULATION
    for column in TF_COLUMNS:
        given = (frequencies or {}).get(column)
        shares: list[float | None] = []
        for value in prepared[column].tolist():
            share = None if value is None else (given or {}).get(value)
            if share is None and given is None and small:
                share = model.frequency(column, value)
            shares.append(share)
        prepared[f"tf_{column}"] = pd.array(shares, dtype="Float64")
    tf_columns = [f"tf_{c}" for c in TF_COLUMNS]
    con = quiet_connection()
    try:
        register_prepared(con, "pair", prepared)
        for name, rows in (("pair_a", prepared.iloc[[0]]), ("pair_b", prepared.iloc[[1]])):
            register_prepared(con, f"{name}_base", rows)
            con.register(f"{name}_tf", rows[["mention_key", *tf_columns]])
            con.execute(
                f"CREATE TABLE {name} AS SELECT b.*, "  # noqa: S608
                + ", ".join(f"CAST(t.{c} AS DOUBLE) AS {c}" for c in tf_columns)
                + f" FROM {name}_base b JOIN {name}_tf t USING (mention_key)"
            )
        family = bool(
            con.execute(
                "SELECT "  # noqa: S608 (fixed SQL and column names, no input)
                + family_pair_sql()
                + " FROM (SELECT "
                + ", ".join(f"a.{c} AS {c}_l, b.{c} AS {c}_r" for c in MODEL_COLUMNS)
                + " FROM pair_a a, pair_b b)"
            ).fetchall()[0][0]
        )
        db_api = DuckDBAPI(connection=con)
        settings = model.splink_settings(n_mentions=n_mentions)
        linker = Linker(db_api.register("pair"), settings, log_level=logging.ERROR)
        left, right = db_api.register("pair_a"), db_api.register("pair_b")
        result = linker.inference.score_pair(left, right).as_pandas_dataframe()
    finally:
        con.close()
    row = result.iloc[0]
    terms: list[tuple[str, str, float]] = []
    adjustments: list[tuple[str, str, float]] = []
    labels = {c["output_column_name"]: c["comparison_levels"] for c in settings["comparisons"]}
    for name, levels in labels.items():
        gamma = int(row[f"gamma_{name}"])
        weight = float(row[f"mw_{name}"])  # the level's own weight; the adjustment apart
        tf_bits = 0.0
        if f"mw_tf_adj_{name}" in row.index and not pd.isna(row[f"mw_tf_adj_{name}"]):
            tf_bits = float(row[f"mw_tf_adj_{name}"])
        level = _label_for_gamma(levels, gamma)
        terms.append((name, level, weight))
        if tf_bits:
            column = name if name in TF_COLUMNS else "address"
            values = sorted({str(v) for v in prepared[column].tolist() if v is not None})
            adjustments.append((f"{name}: term frequency", " / ".join(values), tf_bits))
    terms.extend(adjustments)
    prior = float(settings["probability_two_random_records_match"])
    prior_weight = math.log2(prior / (1 - prior))
    total = prior_weight + sum(t[2] for t in terms)
    if abs(total - float(row["match_weight"])) > 1e-6:  # Splink's own sum: nothing left out
        logger.warning("explanation total %s differs from Splink's %s", total, row["match_weight"])
    probability = 1.0 / (1.0 + 2.0 ** (-total))
    capped = ""
    ceiling = math.nextafter(th.review_upper, 0.0)
    if family and probability > ceiling:
        probability = ceiling
        capped = (
            "one surname and date of birth, unalike forenames (twins?): held below the "
            "review ceiling, so a person reviews it"
        )
    return Explanation(
        terms=terms,
        prior_weight=prior_weight,
        total_weight=total,
        probability=probability,
        capped=capped,
    )


def _label_for_gamma(levels: list[dict[str, Any]], gamma: int) -> str:
    # Splink numbers levels from the bottom: ELSE is 0, the null level is -1.
    if gamma == -1:
        return "missing on either side"
    non_null = [lvl for lvl in levels if not lvl.get("is_null_level")]
    index = len(non_null) - 1 - gamma
    return str(non_null[index].get("label_for_charts", "")) if 0 <= index < len(non_null) else "?"
