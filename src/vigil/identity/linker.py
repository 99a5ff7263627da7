"""Full and incremental linking, and pair explanations, on top of Splink 5 with DuckDB.

SQL here is assembled from this module's own table and column names, never from input data
(values always go in as parameters), hence the ``noqa: S608`` markers.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from vigil.identity import frames
from vigil.identity.cluster import ConstrainedUnionFind, cluster_id_for
from vigil.identity.frames import MODEL_COLUMNS, as_frame, prepare
from vigil.identity.model import IdentityModel, Thresholds, blocking_rules, family_pair_sql

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


def register_prepared(
    con: duckdb.DuckDBPyConnection, name: str, prepared: pd.DataFrame, extra: Sequence[str] = ()
) -> None:
    """Create a DuckDB table with explicit column types (pandas' object columns that happen to
    be all-null or all-empty-list would otherwise get the wrong type). ``extra`` columns are
    kept as text."""
    view = name.replace(".", "_") + "__pandas"
    con.register(view, prepared)
    exprs = []
    for column in (*MODEL_COLUMNS, *extra):
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


def _index_format() -> str:
    """What a kept :class:`PersonIndex` file must have been written by: its table layout, the
    code that prepares mentions and the packages it derives names and sounds with (a change to
    any makes old files unusable)."""
    from importlib.metadata import version

    source = Path(frames.__file__).read_bytes()
    parts = [*MODEL_COLUMNS, *_KEPT, version("jellyfish"), version("nicknames")]
    digest = hashlib.sha256(source + "|".join(parts).encode()).hexdigest()[:16]
    return f"person-index-1-{digest}"


# Columns a person index keeps beside the prepared mention: its person, the caller's own id.
_KEPT = ("person_id", "ref")
INDEX_FORMAT = _index_format()


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
    model: IdentityModel, con: duckdb.DuckDBPyConnection, table: str, extra_mentions: int = 0,
    others_only: bool = False, validate: bool = True,
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
    population = _count(con, table)
    settings = model.splink_settings(n_mentions=population + extra_mentions)
    # The settings are the model's own, validated when it was trained and at every full link;
    # checking them again costs half a second of each import.
    linker = Linker(sdf, settings, log_level=logging.ERROR, validate_settings=validate)
    use_tf = population >= MIN_TF_POPULATION
    tf = (
        "CAST(greatest(count(*) - 1, 1) AS DOUBLE) / greatest(sum(count(*)) OVER () - 1, 1)"
        if others_only else "CAST(count(*) AS DOUBLE) / sum(count(*)) OVER ()"
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
        linker.table_management.register_term_frequency_lookup(
            db_api.register(tf_table), column
        )
    return linker, db_api, sdf


def _model_tf_table(
    con: duckdb.DuckDBPyConnection, model: IdentityModel, column: str, table: str, tf_table: str
) -> None:
    """Frequencies from the model's own name table for a store too small to count its own:
    the names it shows as common, with their shares; no other name is adjusted
    (:meth:`~vigil.identity.model.IdentityModel.common_names`)."""
    common = model.common_names(column)
    frame = pd.DataFrame({column: list(common), f"tf_{column}": list(common.values())},
                         columns=[column, f"tf_{column}"])
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


def _edges_frame(
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
        WHERE match_probability >= $floor AND {_EDGE_FILTER}
        ORDER BY 3 DESC, mention_key_l, mention_key_r
        """,  # noqa: S608
        {"floor": thresholds.review_lower, "ceiling": ceiling, "ceiling_weight": ceiling_weight},
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
    must = _pairs(must_link)
    cannot = _pairs(cannot_link)
    decided = set(must) | set(cannot)

    edges = pd.DataFrame()
    scored = 0
    if len(prepared) > 1:
        con = quiet_connection()
        try:
            register_prepared(con, "mentions", prepared)
            unseen = max(0, (population or 0) - len(prepared))
            linker, _db_api, _sdf = _new_linker(
                model, con, "mentions", extra_mentions=unseen, others_only=True
            )
            predictions = linker.inference.predict(
                threshold_match_probability=th.review_lower, warning_mode="never"
            )
            scored = _count(con, predictions.physical_name)
            edges = _edges_frame(con, predictions.physical_name, th)
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


_EQUALITY = re.compile(r"^l\.(\w+) = r\.(\w+)$")
_NAME_TERM = re.compile(r"^[lr]\.has_name$")


def candidate_filter(rules: Sequence[str], new: pd.DataFrame) -> tuple[str, list[Any]] | None:
    """A WHERE clause (with its parameters) over held mentions ``e`` keeping every one that any
    blocking rule could pair with a row of ``new``: per rule, each of its equalities holds for
    some new row (a superset of the rule's own join, which needs them all on one row), in
    either orientation, as Splink may put a held mention on either side. The new rows' values go
    in as parameters: constant lists DuckDB checks while scanning. None when a rule is not a
    conjunction of ``l.x = r.y`` equalities (and ``has_name`` tests), which this cannot bound."""
    alternatives: dict[str, list[Any]] = {}
    for rule in rules:
        if re.search(r"\bor\b", rule, flags=re.IGNORECASE):
            return None
        equalities, named = [], False
        for term in (t.strip() for t in re.split(r"\bAND\b", rule)):
            match = _EQUALITY.match(term)
            if match:
                equalities.append(match.groups())
            elif _NAME_TERM.match(term):
                named = True
            else:
                return None
        if not equalities:
            return None
        for held, other in ((1, 0), (0, 1)):
            terms, params = ["e.has_name"] if named else [], []
            for pair in equalities:
                if pair[other] not in new.columns:
                    return None
                values = sorted({str(v) for v in new[pair[other]] if not frames.is_missing(v)})
                if not values:
                    break  # no new row has this value: the rule pairs nobody this way
                # Column names matched \w+ in this package's own rules; values are parameters.
                terms.append(f"e.{pair[held]} IN ({', '.join('?' * len(values))})")
                params.extend(values)
            else:
                alternatives.setdefault("(" + " AND ".join(terms) + ")", params)
    if not alternatives:
        return "false", []
    ordered = sorted(alternatives)
    return " OR ".join(ordered), [p for clause in ordered for p in alternatives[clause]]


# Up to this many new mentions, :meth:`PersonIndex.match` first narrows the held mentions to
# the candidates their blocking keys allow (one scan) and scores against those: Splink's own
# pipeline reads and joins every held mention once per rule, which at a million mentions cost a
# second for one record. Larger batches reach most held mentions anyway.
SMALL_BATCH = 64


@dataclass(frozen=True)
class _Held:
    records: list[str]
    pncs: list[str]
    nhss: list[str]


class PersonIndex:
    """Existing, already-linked mentions held in DuckDB for fast incremental matching.

    Build once (the expensive part: preparing and loading the existing mentions), then call
    :meth:`match` for each batch of new mentions. With ``path`` the index is kept in a DuckDB
    file so a later process can :meth:`open` it instead of building it again (the database
    layer uses this so that an import of a few records does not re-read every mention held);
    :meth:`add` appends the mentions a batch linked. The file also holds a ``token`` naming the
    state of the store it reflects, for the caller to tell a current index from a stale one.
    """

    def __init__(
        self, existing: pd.DataFrame, model: IdentityModel, path: str | Path | None = None,
        token: str = "",
    ) -> None:
        if "person_id" not in existing.columns:
            raise ValueError("existing mentions need a person_id column")
        # Mentions without a person yet are not 'existing persons'; link them as new ones.
        existing = existing[existing["person_id"].notna()].reset_index(drop=True)
        prepared = ensure_prepared(existing).copy()
        prepared["person_id"] = existing["person_id"].astype(str).to_numpy()
        # The caller's own id for each mention (the database layer's primary key), opaque here.
        prepared["ref"] = (existing["ref"].astype(str).to_numpy() if "ref" in existing.columns
                           else None)
        self._con = quiet_connection()
        try:
            if path is not None:
                target = Path(path)
                partial = target.with_name(f"{target.name}.{uuid.uuid4().hex[:8]}.partial")
                try:
                    self._con.execute("ATTACH ? AS store", [str(partial)])
                    self._write_store(prepared, token)
                    self._con.execute("DETACH store")  # checkpointed: no write-ahead log left
                    # Readers only ever see a whole index: renamed into place when written, and
                    # the old file's write-ahead log must not be replayed onto the new one.
                    Path(f"{target}.wal").unlink(missing_ok=True)
                    partial.replace(target)
                finally:
                    partial.unlink(missing_ok=True)
                    Path(f"{partial}.wal").unlink(missing_ok=True)
                self._con.execute("ATTACH ? AS store", [str(target)])
            else:
                self._con.execute("ATTACH ':memory:' AS store")
                self._write_store(prepared, token)
            self._start(model)
        except BaseException:
            self._con.close()
            raise

    @classmethod
    def open(cls, path: str | Path, model: IdentityModel) -> PersonIndex:
        """An index kept by an earlier process (``OSError`` or ``duckdb.Error`` if unusable)."""
        if not Path(path).is_file():
            raise FileNotFoundError(path)
        index = cls.__new__(cls)
        index._con = quiet_connection()
        try:
            index._con.execute("ATTACH ? AS store", [str(path)])
            if index._meta("format") != INDEX_FORMAT:
                raise OSError(f"{path}: not a person index of this version of Vigil")
            index._start(model)
        except BaseException:
            index._con.close()
            raise
        return index

    def _write_store(self, prepared: pd.DataFrame, token: str) -> None:
        register_prepared(self._con, "store.existing", prepared, extra=_KEPT)
        self._con.execute("CREATE TABLE store.meta (name VARCHAR PRIMARY KEY, value VARCHAR)")
        self._con.execute("INSERT INTO store.meta VALUES ('format', ?), ('token', ?)",
                          [INDEX_FORMAT, token])

    def _start(self, model: IdentityModel) -> None:
        self.model = model
        # Splink's working tables go to the in-memory catalogue; the file holds only mentions.
        self._con.execute("CREATE OR REPLACE VIEW existing AS SELECT * FROM store.existing")
        self._linker, self._db_api, self._existing_sdf = _new_linker(
            model, self._con, "existing", validate=False)
        self._batches = 0

    def _meta(self, name: str) -> str | None:
        rows = self._con.execute("SELECT value FROM store.meta WHERE name = ?", [name]).fetchall()
        return str(rows[0][0]) if rows else None

    @property
    def token(self) -> str:
        return self._meta("token") or ""

    def __len__(self) -> int:
        return _count(self._con, "store.existing")

    def close(self) -> None:
        self._con.close()

    def discard(self, keys: Iterable[str]) -> None:
        """Forget mentions (e.g. ones about to be matched afresh: not against themselves)."""
        gone = pd.DataFrame({"mention_key": sorted(set(keys))})
        if gone.empty:
            return
        self._con.register("gone_keys", gone)
        try:
            # The token goes with them: until add() names the links written, this file is not
            # the store (a failure in between leaves it to be built again).
            self._con.execute("BEGIN")
            self._con.execute(
                "DELETE FROM store.existing WHERE mention_key IN (SELECT mention_key FROM gone_keys)"
            )
            self._con.execute("UPDATE store.meta SET value = '' WHERE name = 'token'")
            self._con.execute("COMMIT")
        except BaseException:
            self._con.execute("ROLLBACK")
            raise
        finally:
            self._con.unregister("gone_keys")

    def add(
        self, new: pd.DataFrame, assignments: Mapping[str, str], token: str = "",
        refs: Mapping[str, str] | None = None,
    ) -> None:
        """Hold new mentions under the persons a :meth:`match` gave them, and a new token."""
        keep = new[new["mention_key"].isin(list(assignments))]
        prepared = ensure_prepared(as_frame(keep)).copy()
        prepared["person_id"] = prepared["mention_key"].map(assignments).astype(str)
        prepared["ref"] = prepared["mention_key"].map(refs) if refs is not None else None
        self._batches += 1
        table = f"added_{self._batches}"
        register_prepared(self._con, table, prepared, extra=_KEPT)
        columns = ", ".join(f'"{c}"' for c in (*MODEL_COLUMNS, *_KEPT))
        self._con.execute("BEGIN")
        try:
            self._con.execute(
                f"DELETE FROM store.existing WHERE mention_key IN (SELECT mention_key FROM {table})"  # noqa: S608
            )
            self._con.execute(
                f"INSERT INTO store.existing ({columns}) SELECT {columns} FROM {table}"  # noqa: S608
            )
            self._con.execute("UPDATE store.meta SET value = ? WHERE name = 'token'", [token])
            self._con.execute("COMMIT")
        except BaseException:
            self._con.execute("ROLLBACK")
            raise
        finally:
            self._con.execute(f"DROP TABLE {table}")

    def frequencies(self, column: str, values: Iterable[str]) -> dict[str, float]:
        """Each value's share among the *other* held mentions, as a full link counts it
        ((count - 1) / (n - 1)): what an explanation of a linked pair must use."""
        if column not in TF_COLUMNS:
            raise ValueError(f"no term frequencies for {column}")
        wanted = sorted({v for v in values if v is not None})
        total = len(self)
        out: dict[str, float] = {}
        for value in wanted:
            rows = self._con.execute(
                f"SELECT count(*) FROM store.existing WHERE {column} = ?", [value]  # noqa: S608
            ).fetchall()
            out[value] = max(int(rows[0][0]) - 1, 1) / max(total - 1, 1)
        return out

    def _column_of(self, keys: Iterable[str], column: str) -> dict[str, str]:
        wanted = pd.DataFrame({"mention_key": sorted(set(keys))})
        if wanted.empty:
            return {}
        self._con.register("wanted_keys", wanted)
        try:
            rows = self._con.execute(
                f"SELECT e.mention_key, e.{column} FROM store.existing e "  # noqa: S608
                "JOIN wanted_keys w USING (mention_key)"
            ).fetchall()
        finally:
            self._con.unregister("wanted_keys")
        return {str(k): str(v) for k, v in rows if v is not None}

    def _person_of(self, keys: Iterable[str]) -> dict[str, str]:
        return self._column_of(keys, "person_id")

    def refs_of(self, keys: Iterable[str]) -> dict[str, str]:
        """The caller's ids (``ref`` column) of held mentions."""
        return self._column_of(keys, "ref")

    def _person_constraints(self, person_ids: set[str]) -> dict[str, _Held]:
        """Each person's records, PNC and NHS numbers (what the hard rules compare)."""
        if not person_ids:
            return {}
        wanted = pd.DataFrame({"person_id": sorted(person_ids)})
        self._con.register("wanted_persons", wanted)
        try:
            rows = self._con.execute(
                "SELECT e.person_id, list(e.record_key) FILTER (WHERE e.record_key IS NOT NULL), "
                "list(e.pnc) FILTER (WHERE e.pnc IS NOT NULL), "
                "list(e.nhs) FILTER (WHERE e.nhs IS NOT NULL) "
                "FROM store.existing e JOIN wanted_persons w USING (person_id) "
                "GROUP BY e.person_id"
            ).fetchall()
        finally:
            self._con.unregister("wanted_persons")
        return {str(pid): _Held(records or [], pncs or [], nhss or [])
                for pid, records, pncs, nhss in rows}

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
        held_sdf, narrowed = self._existing_sdf, None
        where = candidate_filter(blocking_rules(), prepared) if len(prepared) <= SMALL_BATCH else None
        if where is not None:
            narrowed = f"candidates_{self._batches}"
            self._con.execute(
                f"CREATE TABLE {narrowed} AS SELECT * FROM store.existing e WHERE {where[0]}",  # noqa: S608
                where[1],
            )
            held_sdf = self._db_api.register(narrowed)
        between = self._linker.inference.predict_between(
            new_sdf, held_sdf,
            threshold_match_probability=th.review_lower, warning_mode="never",
        )
        cross = _edges_frame(self._con, between.physical_name, th)
        scored = [between]
        one_record = prepared["record_key"].notna().all() and prepared["record_key"].nunique() == 1
        if not one_record:
            within = self._linker.inference.predict_within(
                new_sdf, threshold_match_probability=th.review_lower, warning_mode="never"
            )
            inner = _edges_frame(self._con, within.physical_name, th)
            scored.append(within)
        else:  # mentions of one record are different people: nothing to score among them
            inner = cross.iloc[0:0]
        for sdf in scored:
            sdf.drop_table_from_database_and_remove_from_cache()
        self._con.execute(f"DROP TABLE {table}")
        if narrowed is not None:
            self._con.execute(f"DROP TABLE {narrowed}")

        new_keys = set(prepared["mention_key"])
        # Put the new mention on the left: for a dedupe model Splink orders each pair by id, so
        # the new side may come out on either.
        swap = ~cross["mention_key_l"].isin(new_keys)
        if swap.any():
            for name in ("mention_key", "record_key", "pnc", "nhs"):
                l_col, r_col = f"{name}_l", f"{name}_r"
                cross.loc[swap, [l_col, r_col]] = cross.loc[swap, [r_col, l_col]].to_numpy()
        decision_keys = {k for pair in cannot_link for k in pair[:2]} - new_keys
        person_of = self._person_of([*cross["mention_key_r"].tolist(), *decision_keys])
        cross["person_id"] = cross["mention_key_r"].map(person_of)

        uf = ConstrainedUnionFind()
        for key, record, pnc, nhs in zip(
            prepared["mention_key"], prepared["record_key"], prepared["pnc"], prepared["nhs"],
            strict=True,
        ):
            uf.add(key, record=record, pnc=pnc, nhs=nhs)
        touched = set(cross.loc[cross["match_probability"] >= th.link, "person_id"].dropna())
        persons = self._person_constraints({str(p) for p in touched})
        for pid, held in persons.items():
            uf.add("person:" + pid, records=held.records, pncs=held.pncs, nhss=held.nhss,
                   members=[])
        for a, b in _pairs(cannot_link):
            # A decision may name existing mentions: it then binds their person's node.
            node_a = a if a in uf else ("person:" + person_of[a] if a in person_of else None)
            node_b = b if b in uf else ("person:" + person_of[b] if b in person_of else None)
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

    from vigil.identity.model import family_pair_sql

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
        family = bool(con.execute(
            "SELECT " + family_pair_sql() + " FROM (SELECT "  # noqa: S608
            + ", ".join(f"a.{c} AS {c}_l, b.{c} AS {c}_r" for c in MODEL_COLUMNS)
            + " FROM pair_a a, pair_b b)"
        ).fetchall()[0][0])
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
    labels = {
        c["output_column_name"]: c["comparison_levels"] for c in settings["comparisons"]
    }
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
            adjustments.append((f"{name}: term frequency", ' / '.join(values), tf_bits))
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
        capped = ("one surname and date of birth, unalike forenames (twins?): held below the "
                  "review ceiling, so a person reviews it")
    return Explanation(terms=terms, prior_weight=prior_weight, total_weight=total,
                       probability=probability, capped=capped)


def _label_for_gamma(levels: list[dict[str, Any]], gamma: int) -> str:
    # Splink numbers levels from the bottom: ELSE is 0, the null level is -1.
    if gamma == -1:
        return "missing on either side"
    non_null = [lvl for lvl in levels if not lvl.get("is_null_level")]
    index = len(non_null) - 1 - gamma
    return str(non_null[index].get("label_for_charts", "")) if 0 <= index < len(non_null) else "?"
