"""Full linking: every mention of a frame scored against every other its blocking rules pair
it with, then clustered into persons under the hard rules and the decisions people made."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from vigil.identity.cluster import ConstrainedUnionFind, cluster_id_for
from vigil.identity.duck import count_rows, ensure_prepared, quiet_connection, register_prepared
from vigil.identity.frames import as_frame
from vigil.identity.model import IdentityModel, Thresholds
from vigil.identity.scoring import RefusedLink, ScoredPair, edges_frame, new_linker, ordered_pairs


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
    population: int | None = None,
) -> LinkResult:
    """Deduplicate every mention in ``df`` into clusters (one a person).

    ``population``: how many mentions the store holds when ``df`` is only some of them (a
    decision relinking two persons), so the prior is the store's, not that of a handful.

    ``must_link`` / ``cannot_link`` are pairs of mention keys a person decided; they win over
    the model. A must-link that breaks a hard constraint (same record, different PNC / NHS, a
    cannot-link) is refused and reported in ``refused``.
    """
    th = thresholds or model.thresholds
    prepared = ensure_prepared(as_frame(df))
    if prepared["mention_key"].duplicated().any():
        raise ValueError("mention_key must be unique")
    must = ordered_pairs(must_link)
    cannot = ordered_pairs(cannot_link)
    decided = set(must) | set(cannot)

    edges = pd.DataFrame()
    scored = 0
    if len(prepared) > 1:
        con = quiet_connection()
        try:
            register_prepared(con, "mentions", prepared)
            unseen = max(0, (population or 0) - len(prepared))
            linker, _db_api, _sdf = new_linker(
                model, con, "mentions", extra_mentions=unseen, others_only=True
            )
            predictions = linker.inference.predict(
                threshold_match_probability=th.review_lower, warning_mode="never"
            )
            scored = count_rows(con, predictions.physical_name)
            edges = edges_frame(con, predictions.physical_name, th)
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
            row.mention_key_l,
            row.mention_key_r,
            float(row.match_probability),
            float(row.match_weight),
            clusters[row.mention_key_l] == clusters[row.mention_key_r],
        )
        for row in edges.itertuples(index=False)
        if th.review_lower <= row.match_probability < th.review_upper
        and (row.mention_key_l, row.mention_key_r) not in decided
    ]
    return LinkResult(clusters=clusters, review=review, refused=refused, pairs_scored=scored)
