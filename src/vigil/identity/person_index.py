"""Incremental linking: mentions already linked held in DuckDB (a :class:`PersonIndex`, kept in
a file between processes), and new mentions matched against them without relinking everything.

SQL here is assembled from this package's own table and column names, never from input data
(values always go in as parameters), hence the ``noqa: S608`` markers.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from vigil.identity import frames
from vigil.identity.cluster import ConstrainedUnionFind, cluster_id_for
from vigil.identity.duck import count_rows, ensure_prepared, quiet_connection, register_prepared
from vigil.identity.frames import MODEL_COLUMNS, as_frame
from vigil.identity.model import IdentityModel, Thresholds, blocking_rules
from vigil.identity.scoring import (
    TF_COLUMNS,
    RefusedLink,
    ScoredPair,
    edges_frame,
    new_linker,
    ordered_pairs,
)


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
        self,
        existing: pd.DataFrame,
        model: IdentityModel,
        path: str | Path | None = None,
        token: str = "",
    ) -> None:
        if "person_id" not in existing.columns:
            raise ValueError("existing mentions need a person_id column")
        # Mentions without a person yet are not 'existing persons'; link them as new ones.
        existing = existing[existing["person_id"].notna()].reset_index(drop=True)
        prepared = ensure_prepared(existing).copy()
        prepared["person_id"] = existing["person_id"].astype(str).to_numpy()
        # The caller's own id for each mention (the database layer's primary key), opaque here.
        prepared["ref"] = (
            existing["ref"].astype(str).to_numpy() if "ref" in existing.columns else None
        )
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
        self._con.execute(
            "INSERT INTO store.meta VALUES ('format', ?), ('token', ?)", [INDEX_FORMAT, token]
        )

    def _start(self, model: IdentityModel) -> None:
        self.model = model
        # Splink's working tables go to the in-memory catalogue; the file holds only mentions.
        self._con.execute("CREATE OR REPLACE VIEW existing AS SELECT * FROM store.existing")
        self._linker, self._db_api, self._existing_sdf = new_linker(
            model, self._con, "existing", validate=False
        )
        self._batches = 0

    def _meta(self, name: str) -> str | None:
        rows = self._con.execute("SELECT value FROM store.meta WHERE name = ?", [name]).fetchall()
        return str(rows[0][0]) if rows else None

    @property
    def token(self) -> str:
        return self._meta("token") or ""

    def __len__(self) -> int:
        return count_rows(self._con, "store.existing")

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
        self,
        new: pd.DataFrame,
        assignments: Mapping[str, str],
        token: str = "",
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
                f"SELECT count(*) FROM store.existing WHERE {column} = ?",  # noqa: S608
                [value],
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
        return {
            str(pid): _Held(records or [], pncs or [], nhss or [])
            for pid, records, pncs, nhss in rows
        }

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
        where = (
            candidate_filter(blocking_rules(), prepared) if len(prepared) <= SMALL_BATCH else None
        )
        if where is not None:
            narrowed = f"candidates_{self._batches}"
            self._con.execute(
                f"CREATE TABLE {narrowed} AS SELECT * FROM store.existing e WHERE {where[0]}",  # noqa: S608
                where[1],
            )
            held_sdf = self._db_api.register(narrowed)
        between = self._linker.inference.predict_between(
            new_sdf,
            held_sdf,
            threshold_match_probability=th.review_lower,
            warning_mode="never",
        )
        cross = edges_frame(self._con, between.physical_name, th)
        scored = [between]
        one_record = prepared["record_key"].notna().all() and prepared["record_key"].nunique() == 1
        if not one_record:
            within = self._linker.inference.predict_within(
                new_sdf, threshold_match_probability=th.review_lower, warning_mode="never"
            )
            inner = edges_frame(self._con, within.physical_name, th)
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
            prepared["mention_key"],
            prepared["record_key"],
            prepared["pnc"],
            prepared["nhs"],
            strict=True,
        ):
            uf.add(key, record=record, pnc=pnc, nhs=nhs)
        touched = set(cross.loc[cross["match_probability"] >= th.link, "person_id"].dropna())
        persons = self._person_constraints({str(p) for p in touched})
        for pid, held in persons.items():
            uf.add(
                "person:" + pid, records=held.records, pncs=held.pncs, nhss=held.nhss, members=[]
            )
        for a, b in ordered_pairs(cannot_link):
            # A decision may name existing mentions: it then binds their person's node.
            node_a = a if a in uf else ("person:" + person_of[a] if a in person_of else None)
            node_b = b if b in uf else ("person:" + person_of[b] if b in person_of else None)
            if node_a is not None and node_b is not None and node_a in uf and node_b in uf:
                uf.forbid(node_a, node_b)

        # One edge list, strongest first; an existing mention stands for its person.
        edges: list[tuple[float, str, str, str, str]] = []
        for row in cross.itertuples(index=False):
            if row.match_probability >= th.link and isinstance(row.person_id, str):
                edges.append(
                    (
                        float(row.match_probability),
                        row.mention_key_l,
                        "person:" + row.person_id,
                        row.mention_key_l,
                        row.mention_key_r,
                    )
                )
        for row in inner.itertuples(index=False):
            if row.match_probability >= th.link:
                edges.append(
                    (
                        float(row.match_probability),
                        row.mention_key_l,
                        row.mention_key_r,
                        row.mention_key_l,
                        row.mention_key_r,
                    )
                )
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
                pb = b[len("person:") :]
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
                    review.append(
                        ScoredPair(
                            row.mention_key_l,
                            row.mention_key_r,
                            float(row.match_probability),
                            float(row.match_weight),
                            bool(same),
                        )
                    )
        review.sort(key=lambda p: -p.match_probability)
        return IncrementalResult(
            assignments=assignments,
            new_person_ids=new_ids,
            review=review,
            bridged_persons=sorted(set(bridged)),
            refused=refused,
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
