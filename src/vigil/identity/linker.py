"""Full and incremental linking, and pair explanations, on top of Splink 5 with DuckDB.

SQL here is assembled from this module's own table and column names, never from input data
(values always go in as parameters), hence the ``noqa: S608`` markers.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

from vigil.identity.cluster import ConstrainedUnionFind, cluster_id_for
from vigil.identity.frames import MODEL_COLUMNS, as_frame, prepare
from vigil.identity.model import IdentityModel, Thresholds

logger = logging.getLogger(__name__)

Pair = tuple[str, str]

_VARCHAR_LISTS = ("name_keys", "alias_tokens", "surname_keys")
_BIGINTS = ("dob_days", "birth_lo", "birth_hi")

# Hard rules, applied to every scored pair before clustering: two mentions of one record are
# different people; different PNC or NHS numbers mean different people; a mention without a
# name links only through an equal PNC / NHS number, and never to another nameless mention.
_EDGE_FILTER = """
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


@dataclass
class LinkResult:
    clusters: dict[str, str]
    """mention key -> cluster id, for every input mention (ids are :func:`cluster_id_for`)."""
    review: list[ScoredPair] = field(default_factory=list)
    """Pairs with ``review_lower <= p < review_upper``, strongest first."""
    refused: list[RefusedLink] = field(default_factory=list)
    pairs_scored: int = 0
    """How many blocked pairs scored at or above ``review_lower`` (the rest are discarded)."""

    def members(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for key, cid in self.clusters.items():
            out.setdefault(cid, []).append(key)
        return out


def is_prepared(df: pd.DataFrame) -> bool:
    return all(c in df.columns for c in MODEL_COLUMNS)


def ensure_prepared(df: pd.DataFrame) -> pd.DataFrame:
    """Prepared frames (e.g. cached by the database layer) pass through untouched."""
    return df[list(MODEL_COLUMNS)] if is_prepared(df) else prepare(df)


def quiet_connection() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection without the progress bar (it would spam logs)."""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    return con


def register_prepared(con: duckdb.DuckDBPyConnection, name: str, prepared: pd.DataFrame) -> None:
    """Create a DuckDB table with explicit column types (pandas' object columns that happen to
    be all-null or all-empty-list would otherwise get the wrong type)."""
    view = f"{name}__pandas"
    con.register(view, prepared)
    exprs = []
    for column in MODEL_COLUMNS:
        if column in _VARCHAR_LISTS:
            sql_type = "VARCHAR[]"
        elif column in _BIGINTS:
            sql_type = "BIGINT"
        elif column == "has_name":
            sql_type = "BOOLEAN"
        else:
            sql_type = "VARCHAR"
        exprs.append(f'CAST("{column}" AS {sql_type}) AS "{column}"')
    con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT {', '.join(exprs)} FROM {view}")  # noqa: S608
    con.unregister(view)


# Term frequencies are only meaningful over a population: in a handful of records every
# surname and address is 'common' and exact matches would be discounted to nothing. Below this
# many mentions no frequency adjustment is made (the model's average u applies).
MIN_TF_POPULATION = 5_000
TF_COLUMNS = ("forename", "surname", "address")


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    # fetchall, not fetchone: DuckDB 2 refuses new work while a result is left unfinished.
    rows = con.execute(f"SELECT count(*) FROM {table}").fetchall()  # noqa: S608
    return int(rows[0][0])


def _new_linker(
    model: IdentityModel, con: duckdb.DuckDBPyConnection, table: str, extra_mentions: int = 0
) -> Any:
    from splink import DuckDBAPI, Linker

    db_api = DuckDBAPI(connection=con)
    sdf = db_api.register(table)
    population = _count(con, table)
    settings = model.splink_settings(n_mentions=population + extra_mentions)
    linker = Linker(sdf, settings, log_level=logging.ERROR)
    use_tf = population >= MIN_TF_POPULATION
    for column in TF_COLUMNS:
        tf_table = f"{table}__tf_{column}"
        con.execute(
            f"""
            CREATE OR REPLACE TABLE {tf_table} AS
            SELECT {column}, CAST(count(*) AS DOUBLE) / sum(count(*)) OVER () AS tf_{column}
            FROM {table}
            WHERE {column} IS NOT NULL AND {"true" if use_tf else "false"}
            GROUP BY {column}
            """  # noqa: S608
        )
        linker.table_management.register_term_frequency_lookup(
            db_api.register(tf_table), column
        )
    return linker, db_api, sdf


def _edges_frame(con: duckdb.DuckDBPyConnection, physical: str, floor: float) -> pd.DataFrame:
    return con.execute(
        f"""
        SELECT mention_key_l, mention_key_r, match_probability, match_weight,
               record_key_l, record_key_r, pnc_l, pnc_r, nhs_l, nhs_r
        FROM {physical}
        WHERE match_probability >= ? AND {_EDGE_FILTER}
        ORDER BY match_probability DESC, mention_key_l, mention_key_r
        """,  # noqa: S608
        [floor],
    ).df()


def _pairs(pairs: Iterable[Sequence[str]]) -> list[Pair]:
    out: list[Pair] = []
    for pair in pairs:
        a, b = pair[0], pair[1]
        out.append((a, b) if a <= b else (b, a))
    return out


def _add_nodes_from(uf: ConstrainedUnionFind, prepared: pd.DataFrame, keys: set[str]) -> None:
    if not keys:
        return
    rows = prepared[prepared["mention_key"].isin(keys)]
    for key, record, pnc, nhs in zip(
        rows["mention_key"], rows["record_key"], rows["pnc"], rows["nhs"], strict=True
    ):
        uf.add(key, record=record, pnc=pnc, nhs=nhs)


def link(
    df: pd.DataFrame,
    model: IdentityModel,
    must_link: Iterable[Sequence[str]] = (),
    cannot_link: Iterable[Sequence[str]] = (),
    thresholds: Thresholds | None = None,
) -> LinkResult:
    """Deduplicate every mention in ``df`` into clusters (one a person).

    ``must_link`` / ``cannot_link`` are pairs of mention keys a person decided; they win over
    the model. A must-link that breaks a hard constraint (same record, different PNC / NHS, a
    cannot-link) is refused and reported in ``refused``.
    """
    th = thresholds or model.thresholds
    prepared = ensure_prepared(as_frame(df))
    if prepared["mention_key"].duplicated().any():
        raise ValueError("mention_key must be unique")
    must = _pairs(must_link)
    cannot = _pairs(cannot_link)
    decided = set(must) | set(cannot)

    edges = pd.DataFrame()
    scored = 0
    if len(prepared) > 1:
        con = quiet_connection()
        try:
            register_prepared(con, "mentions", prepared)
            linker, _db_api, _sdf = _new_linker(model, con, "mentions")
            predictions = linker.inference.predict(
                threshold_match_probability=th.review_lower, warning_mode="never"
            )
            scored = _count(con, predictions.physical_name)
            edges = _edges_frame(con, predictions.physical_name, th.review_lower)
        finally:
            con.close()

    uf = ConstrainedUnionFind()
    for row in edges.itertuples(index=False):
        uf.add(row.mention_key_l, record=row.record_key_l, pnc=row.pnc_l, nhs=row.nhs_l)
        uf.add(row.mention_key_r, record=row.record_key_r, pnc=row.pnc_r, nhs=row.nhs_r)
    extra = {k for pair in must + cannot for k in pair if k not in uf}
    _add_nodes_from(uf, prepared, extra)
    # Decisions about mentions not in this frame (e.g. since deleted) cannot apply here.
    must = [(a, b) for a, b in must if a in uf and b in uf]
    cannot = [(a, b) for a, b in cannot if a in uf and b in uf]

    for a, b in cannot:
        uf.forbid(a, b)
    refused: list[RefusedLink] = []
    for a, b in must:
        reason = uf.conflict(a, b)
        if reason is not None or not uf.union(a, b):
            refused.append(RefusedLink(a, b, 1.0, f"must_link refused: {reason}"))
    for row in edges.itertuples(index=False):
        if row.match_probability < th.link:
            break
        pair = (row.mention_key_l, row.mention_key_r)
        if pair in decided:
            continue
        reason = uf.conflict(*pair)
        if reason is None:
            uf.union(*pair)
        elif uf.find(pair[0]) != uf.find(pair[1]):
            refused.append(RefusedLink(pair[0], pair[1], float(row.match_probability), reason))

    clusters: dict[str, str] = {}
    for members in uf.groups().values():
        cid = cluster_id_for(members)
        for key in members:
            clusters[key] = cid
    for key in prepared["mention_key"].tolist():
        if key not in clusters:
            clusters[key] = cluster_id_for([key])

    review = [
        ScoredPair(
            row.mention_key_l, row.mention_key_r, float(row.match_probability),
            float(row.match_weight),
            clusters[row.mention_key_l] == clusters[row.mention_key_r],
        )
        for row in edges.itertuples(index=False)
        if th.review_lower <= row.match_probability < th.review_upper
        and (row.mention_key_l, row.mention_key_r) not in decided
    ]
    return LinkResult(clusters=clusters, review=review, refused=refused, pairs_scored=scored)


@dataclass
class IncrementalResult:
    assignments: dict[str, str]
    """new mention key -> person id (an existing one, or a new :func:`cluster_id_for` id)."""
    new_person_ids: set[str] = field(default_factory=set)
    review: list[ScoredPair] = field(default_factory=list)
    """Uncertain pairs, keys are mention keys (new or existing)."""
    bridged_persons: list[tuple[str, str, float]] = field(default_factory=list)
    """Existing persons a new mention would join (person a, person b, probability): incremental
    linking never merges existing persons itself; a full relink or a reviewer decides."""
    refused: list[RefusedLink] = field(default_factory=list)


class PersonIndex:
    """Existing, already-linked mentions held in DuckDB for fast incremental matching.

    Build once (the expensive part: preparing and loading the existing mentions, computing
    term frequencies), then call :meth:`match` for each batch of new mentions.
    """

    def __init__(self, existing: pd.DataFrame, model: IdentityModel) -> None:
        if "person_id" not in existing.columns:
            raise ValueError("existing mentions need a person_id column")
        self.model = model
        # Mentions without a person yet are not 'existing persons'; link them as new ones.
        existing = existing[existing["person_id"].notna()].reset_index(drop=True)
        prepared = ensure_prepared(existing)
        self._person = pd.Series(
            existing["person_id"].astype(str).to_numpy(), index=prepared["mention_key"].to_numpy()
        )
        self._constraints = pd.DataFrame({
            "person_id": self._person.to_numpy(),
            "record_key": prepared["record_key"].to_numpy(),
            "pnc": prepared["pnc"].to_numpy(),
            "nhs": prepared["nhs"].to_numpy(),
        })
        self._con = quiet_connection()
        register_prepared(self._con, "existing", prepared)
        self._linker, self._db_api, self._existing_sdf = _new_linker(model, self._con, "existing")
        self._batches = 0

    def close(self) -> None:
        self._con.close()

    def _person_node(self, key: str) -> str | None:
        pid = self._person.get(key)
        return None if pid is None else "person:" + str(pid)

    def _person_constraints(self, person_ids: set[str]) -> dict[str, pd.DataFrame]:
        rows = self._constraints[self._constraints["person_id"].isin(person_ids)]
        return {str(pid): group for pid, group in rows.groupby("person_id")}

    def match(
        self,
        new: pd.DataFrame,
        cannot_link: Iterable[Sequence[str]] = (),
        thresholds: Thresholds | None = None,
    ) -> IncrementalResult:
        th = thresholds or self.model.thresholds
        prepared = ensure_prepared(as_frame(new))
        self._batches += 1
        table = f"new_batch_{self._batches}"
        register_prepared(self._con, table, prepared)
        new_sdf = self._db_api.register(table)
        between = self._linker.inference.predict_between(
            new_sdf, self._existing_sdf,
            threshold_match_probability=th.review_lower, warning_mode="never",
        )
        within = self._linker.inference.predict_within(
            new_sdf, threshold_match_probability=th.review_lower, warning_mode="never"
        )
        cross = _edges_frame(self._con, between.physical_name, th.review_lower)
        inner = _edges_frame(self._con, within.physical_name, th.review_lower)
        for sdf in (between, within):
            sdf.drop_table_from_database_and_remove_from_cache()
        self._con.execute(f"DROP TABLE {table}")

        new_keys = set(prepared["mention_key"])
        # Put the new mention on the left: for a dedupe model Splink orders each pair by id, so
        # the new side may come out on either.
        swap = ~cross["mention_key_l"].isin(new_keys)
        if swap.any():
            for name in ("mention_key", "record_key", "pnc", "nhs"):
                l_col, r_col = f"{name}_l", f"{name}_r"
                cross.loc[swap, [l_col, r_col]] = cross.loc[swap, [r_col, l_col]].to_numpy()
        cross["person_id"] = self._person.reindex(cross["mention_key_r"]).to_numpy()

        uf = ConstrainedUnionFind()
        for key, record, pnc, nhs in zip(
            prepared["mention_key"], prepared["record_key"], prepared["pnc"], prepared["nhs"],
            strict=True,
        ):
            uf.add(key, record=record, pnc=pnc, nhs=nhs)
        touched = set(cross.loc[cross["match_probability"] >= th.link, "person_id"].dropna())
        persons = self._person_constraints({str(p) for p in touched})
        for pid, rows in persons.items():
            uf.add(
                "person:" + pid, records=rows["record_key"].dropna(), pncs=rows["pnc"].dropna(),
                nhss=rows["nhs"].dropna(), members=[],
            )
        for a, b in _pairs(cannot_link):
            # A decision may name existing mentions: it then binds their person's node.
            node_a = a if a in uf else self._person_node(a)
            node_b = b if b in uf else self._person_node(b)
            if node_a is not None and node_b is not None and node_a in uf and node_b in uf:
                uf.forbid(node_a, node_b)

        # One edge list, strongest first; an existing mention stands for its person.
        edges: list[tuple[float, str, str, str, str]] = []
        for row in cross.itertuples(index=False):
            if row.match_probability >= th.link and isinstance(row.person_id, str):
                edges.append((float(row.match_probability), row.mention_key_l,
                              "person:" + row.person_id, row.mention_key_l, row.mention_key_r))
        for row in inner.itertuples(index=False):
            if row.match_probability >= th.link:
                edges.append((float(row.match_probability), row.mention_key_l,
                              row.mention_key_r, row.mention_key_l, row.mention_key_r))
        edges.sort(key=lambda e: (-e[0], e[3], e[4]))

        person_of_root: dict[str, str] = {}
        bridged: list[tuple[str, str, float]] = []
        refused: list[RefusedLink] = []
        for prob, a, b, key_a, key_b in edges:
            ra, rb = uf.find(a), uf.find(b)
            if ra == rb:
                continue
            pa, pb = person_of_root.get(ra), person_of_root.get(rb)
            if b.startswith("person:"):
                pb = b[len("person:"):]
            if pa and pb and pa != pb:
                # Would merge two existing persons: leave that to a reviewer / full relink.
                bridged.append((min(pa, pb), max(pa, pb), prob))
                continue
            reason = uf.conflict(a, b)
            if reason is not None:
                refused.append(RefusedLink(key_a, key_b, prob, reason))
                continue
            uf.union(a, b)
            person = pa or pb
            if person:
                person_of_root[uf.find(a)] = person

        assignments: dict[str, str] = {}
        new_ids: set[str] = set()
        groups: dict[str, list[str]] = {}
        for key in prepared["mention_key"]:
            groups.setdefault(uf.find(key), []).append(key)
        for root, members in groups.items():
            existing_pid = person_of_root.get(root)
            if existing_pid is not None:
                pid = existing_pid
            else:
                pid = cluster_id_for(members)
                new_ids.add(pid)
            for key in members:
                assignments[key] = pid

        review: list[ScoredPair] = []
        for frame in (cross, inner):
            for row in frame.itertuples(index=False):
                if th.review_lower <= row.match_probability < th.review_upper:
                    other = getattr(row, "person_id", None)
                    same = (
                        assignments.get(row.mention_key_l) == other
                        if isinstance(other, str)
                        else assignments.get(row.mention_key_l)
                        == assignments.get(row.mention_key_r)
                    )
                    review.append(ScoredPair(row.mention_key_l, row.mention_key_r,
                                             float(row.match_probability),
                                             float(row.match_weight), bool(same)))
        review.sort(key=lambda p: -p.match_probability)
        return IncrementalResult(
            assignments=assignments, new_person_ids=new_ids, review=review,
            bridged_persons=sorted(set(bridged)), refused=refused,
        )


def link_incremental(
    new_df: pd.DataFrame,
    existing_df: pd.DataFrame,
    model: IdentityModel,
    cannot_link: Iterable[Sequence[str]] = (),
    thresholds: Thresholds | None = None,
) -> IncrementalResult:
    """Assign new mentions to existing persons (``existing_df`` has a ``person_id`` column)
    without relinking everything. For repeated batches keep a :class:`PersonIndex` instead."""
    index = PersonIndex(existing_df, model)
    try:
        return index.match(new_df, cannot_link=cannot_link, thresholds=thresholds)
    finally:
        index.close()


@dataclass(frozen=True)
class Explanation:
    terms: list[tuple[str, str, float]]
    """(comparison, level label, match weight in bits) for each comparison."""
    prior_weight: float
    total_weight: float
    probability: float


def _strip_tf(settings: dict[str, Any]) -> dict[str, Any]:
    for comparison in settings["comparisons"]:
        for level in comparison["comparison_levels"]:
            level.pop("tf_adjustment_column", None)
            level.pop("tf_adjustment_weight", None)
    return settings


def explain_pair(
    row_a: Mapping[str, Any],
    row_b: Mapping[str, Any],
    model: IdentityModel,
    n_mentions: int | None = None,
) -> Explanation:
    """Why the model thinks two mentions are (or are not) one person.

    Weights are the model's log2 Bayes factors per comparison. Term-frequency adjustments are
    left out here (two rows carry no population to count name frequencies in), so an exact
    match on a rare surname weighs a little less than in :func:`link`.
    """
    from splink import DuckDBAPI, Linker

    frame = pd.DataFrame([dict(row_a), dict(row_b)])
    if "mention_key" not in frame.columns or frame["mention_key"].isna().any():
        frame["mention_key"] = ["a", "b"]
    prepared = ensure_prepared(frame)
    con = quiet_connection()
    try:
        register_prepared(con, "pair", prepared)
        register_prepared(con, "pair_a", prepared.iloc[[0]])
        register_prepared(con, "pair_b", prepared.iloc[[1]])
        db_api = DuckDBAPI(connection=con)
        settings = _strip_tf(model.splink_settings(n_mentions=n_mentions))
        linker = Linker(db_api.register("pair"), settings, log_level=logging.ERROR)
        left, right = db_api.register("pair_a"), db_api.register("pair_b")
        result = linker.inference.score_pair(left, right).as_pandas_dataframe()
    finally:
        con.close()
    row = result.iloc[0]
    terms: list[tuple[str, str, float]] = []
    labels = {
        c["output_column_name"]: c["comparison_levels"] for c in settings["comparisons"]
    }
    for name, levels in labels.items():
        gamma = int(row[f"gamma_{name}"])
        weight = float(row[f"mw_{name}"])
        terms.append((name, _label_for_gamma(levels, gamma), weight))
    prior = float(settings["probability_two_random_records_match"])
    prior_weight = math.log2(prior / (1 - prior))
    total = prior_weight + sum(t[2] for t in terms)
    probability = 1.0 / (1.0 + 2.0 ** (-total))
    return Explanation(terms=terms, prior_weight=prior_weight, total_weight=total,
                       probability=probability)


def _label_for_gamma(levels: list[dict[str, Any]], gamma: int) -> str:
    # Splink numbers levels from the bottom: ELSE is 0, the null level is -1.
    if gamma == -1:
        return "missing on either side"
    non_null = [lvl for lvl in levels if not lvl.get("is_null_level")]
    index = len(non_null) - 1 - gamma
    return str(non_null[index].get("label_for_charts", "")) if 0 <= index < len(non_null) else "?"
