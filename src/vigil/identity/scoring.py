"""Scoring pairs of mentions with Splink: a linker over a DuckDB table with its term
frequencies, and the scored pairs the hard rules allow. Full linking (``linking``) and the person
index (``person_index``) both score this way.

SQL here is assembled from this package's own table and column names, never from input data
(values always go in as parameters), hence the ``noqa: S608`` markers.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd

from vigil.identity.duck import count_rows
from vigil.identity.model import IdentityModel, Thresholds, family_pair_sql

Pair = tuple[str, str]

# Hard rules, applied to every scored pair before clustering: two mentions of one record are
# different people; different PNC or NHS numbers mean different people; a mention without a
# name links only through an equal PNC / NHS number, and never to another nameless mention.
EDGE_FILTER = """
    coalesce(record_key_l <> record_key_r, true)
    AND NOT coalesce(pnc_l <> pnc_r, false)
    AND NOT coalesce(nhs_l <> nhs_r, false)
    AND (
        (has_name_l AND has_name_r)
        OR ((has_name_l OR has_name_r)
            AND (coalesce(pnc_l = pnc_r, false) OR coalesce(nhs_l = nhs_r, false)))
    )
"""


@dataclass(frozen=True)
class ScoredPair:
    mention_key_a: str
    mention_key_b: str
    match_probability: float
    match_weight: float
    same_cluster: bool


@dataclass(frozen=True)
class RefusedLink:
    """A pair strong enough to link that a hard constraint kept apart (worth a human look
    when the reason is ``same_record`` or ``cannot_link`` reached through other mentions)."""

    mention_key_a: str
    mention_key_b: str
    match_probability: float
    reason: str


# Term frequencies are only meaningful over a population: in a handful of records every
# surname and address is 'common' and exact matches would be discounted to nothing. Below this
# many mentions no frequency adjustment is made (the model's average u applies).
MIN_TF_POPULATION = 5_000
TF_COLUMNS = ("forename", "surname", "address")


def new_linker(
    model: IdentityModel,
    con: duckdb.DuckDBPyConnection,
    table: str,
    extra_mentions: int = 0,
    others_only: bool = False,
    validate: bool = True,
) -> Any:
    """A Splink linker over ``table`` with term frequencies counted in it.

    ``others_only``: both sides of every pair are in ``table`` (a full link), so the frequency
    that weighs an agreement on a value is that among the *other* mentions, (count - 1) /
    (n - 1): a value held by just the two mentions compared was seen once besides the one
    holding it, not twice. Splink's plain count / n counts each mention as a holder of its own
    value, which doubles the frequency of the rarest values (a bit off every agreement on
    them); on small data where most values are rare (an address per household) that turns an
    exact agreement into less evidence than the level's average. Scoring new mentions against
    a table they are not in already counts only others."""
    from splink import DuckDBAPI, Linker

    db_api = DuckDBAPI(connection=con)
    sdf = db_api.register(table)
    population = count_rows(con, table)
    settings = model.splink_settings(n_mentions=population + extra_mentions)
    # The settings are the model's own, validated when it was trained and at every full link;
    # checking them again costs half a second of each import.
    linker = Linker(sdf, settings, log_level=logging.ERROR, validate_settings=validate)
    use_tf = population >= MIN_TF_POPULATION
    tf = (
        "CAST(greatest(count(*) - 1, 1) AS DOUBLE) / greatest(sum(count(*)) OVER () - 1, 1)"
        if others_only
        else "CAST(count(*) AS DOUBLE) / sum(count(*)) OVER ()"
    )
    for column in TF_COLUMNS:
        tf_table = f"{table}__tf_{column}"
        if not use_tf and column in model.term_frequencies:
            _model_tf_table(con, model, column, table, tf_table)
        else:
            con.execute(
                f"""
                CREATE OR REPLACE TABLE {tf_table} AS
                SELECT {column}, {tf} AS tf_{column}
                FROM {table}
                WHERE {column} IS NOT NULL AND {"true" if use_tf else "false"}
                GROUP BY {column}
                """  # noqa: S608
            )
        linker.table_management.register_term_frequency_lookup(db_api.register(tf_table), column)
    return linker, db_api, sdf


def _model_tf_table(
    con: duckdb.DuckDBPyConnection, model: IdentityModel, column: str, table: str, tf_table: str
) -> None:
    """Frequencies from the model's own name table for a store too small to count its own:
    the names it shows as common, with their shares; no other name is adjusted
    (:meth:`~vigil.identity.model.IdentityModel.common_names`)."""
    common = model.common_names(column)
    frame = pd.DataFrame(
        {column: list(common), f"tf_{column}": list(common.values())},
        columns=[column, f"tf_{column}"],
    )
    view = f"{tf_table}__listed"
    con.register(view, frame)
    try:
        con.execute(
            f"CREATE OR REPLACE TABLE {tf_table} AS "  # noqa: S608
            f"SELECT CAST({column} AS VARCHAR) AS {column}, "
            f"CAST(tf_{column} AS DOUBLE) AS tf_{column} FROM {view}"
        )
    finally:
        con.unregister(view)


def edges_frame(
    con: duckdb.DuckDBPyConnection, physical: str, thresholds: Thresholds
) -> pd.DataFrame:
    """Scored pairs at or above the review floor that the hard rules allow, strongest first.

    A family pair (:func:`vigil.identity.model.family_pair_sql`: twins) scores at most just
    below the review ceiling, so it is reviewed whether or not it links."""
    ceiling = math.nextafter(thresholds.review_upper, 0.0)
    ceiling_weight = math.log2(ceiling / (1.0 - ceiling))
    family = family_pair_sql()
    return con.execute(
        f"""
        SELECT mention_key_l, mention_key_r,
               CASE WHEN {family} THEN least(match_probability, $ceiling)
                    ELSE match_probability END AS match_probability,
               CASE WHEN {family} THEN least(match_weight, $ceiling_weight)
                    ELSE match_weight END AS match_weight,
               record_key_l, record_key_r, pnc_l, pnc_r, nhs_l, nhs_r
        FROM {physical}
        WHERE match_probability >= $floor AND {EDGE_FILTER}
        ORDER BY 3 DESC, mention_key_l, mention_key_r
        """,  # noqa: S608
        {"floor": thresholds.review_lower, "ceiling": ceiling, "ceiling_weight": ceiling_weight},
    ).df()


def ordered_pairs(pairs: Iterable[Sequence[str]]) -> list[Pair]:
    out: list[Pair] = []
    for pair in pairs:
        a, b = pair[0], pair[1]
        out.append((a, b) if a <= b else (b, a))
    return out
