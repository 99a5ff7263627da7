"""Cluster construction from scored pairs under hard constraints, and stable person ids.

Splink's own connected-components clustering is transitive: if A~B and B~C then A, B and C are
one person even when A and C are two mentions in the same record or a person has ruled that they
differ. Vigil builds clusters itself instead: a union-find over the edges, strongest first,
that refuses any union which would put two mentions of one record, a cannot-link pair, or two
different PNC / NHS numbers into one person.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field


@dataclass
class _Group:
    members: list[str]
    records: set[str] = field(default_factory=set)
    pnc: set[str] = field(default_factory=set)
    nhs: set[str] = field(default_factory=set)
    # Mention keys this group must never contain (from cannot-link decisions).
    forbidden: set[str] = field(default_factory=set)


class ConstrainedUnionFind:
    """Union-find whose groups carry what they must not be merged with."""

    def __init__(self) -> None:
        self._parent: dict[str, str] = {}
        self._groups: dict[str, _Group] = {}

    def add(
        self,
        key: str,
        *,
        record: str | None = None,
        pnc: str | None = None,
        nhs: str | None = None,
        records: Iterable[str] = (),
        pncs: Iterable[str] = (),
        nhss: Iterable[str] = (),
        members: Sequence[str] | None = None,
    ) -> None:
        """Add a node. ``members`` lets one node stand for an existing person's mentions."""
        if key in self._parent:
            return
        group = _Group(members=list(members) if members is not None else [key])
        if record:
            group.records.add(record)
        group.records.update(r for r in records if r)
        if pnc:
            group.pnc.add(pnc)
        group.pnc.update(p for p in pncs if p)
        if nhs:
            group.nhs.add(nhs)
        group.nhs.update(n for n in nhss if n)
        self._parent[key] = key
        self._groups[key] = group

    def __contains__(self, key: object) -> bool:
        return key in self._parent

    def find(self, key: str) -> str:
        root = key
        while self._parent[root] != root:
            root = self._parent[root]
        while self._parent[key] != root:  # path compression
            self._parent[key], key = root, self._parent[key]
        return root

    def forbid(self, a: str, b: str) -> None:
        """Record a cannot-link decision between two nodes."""
        ra, rb = self.find(a), self.find(b)
        self._groups[ra].forbidden.add(b)
        self._groups[rb].forbidden.add(a)

    def conflict(self, a: str, b: str) -> str | None:
        """Why the groups of a and b may not be merged, or None when they may."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return None
        ga, gb = self._groups[ra], self._groups[rb]
        small, large = (ga, gb) if len(ga.records) <= len(gb.records) else (gb, ga)
        if any(r in large.records for r in small.records):
            return "same_record"
        if ga.pnc and gb.pnc and ga.pnc != gb.pnc:
            return "pnc_differs"
        if ga.nhs and gb.nhs and ga.nhs != gb.nhs:
            return "nhs_differs"
        if any(k in self._parent and self.find(k) == rb for k in ga.forbidden):
            return "cannot_link"
        if any(k in self._parent and self.find(k) == ra for k in gb.forbidden):
            return "cannot_link"
        return None

    def union(self, a: str, b: str) -> bool:
        """Merge the groups of a and b unless a constraint forbids it. Returns whether they
        are now together."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if self.conflict(a, b) is not None:
            return False
        ga, gb = self._groups[ra], self._groups[rb]
        if len(ga.members) < len(gb.members):
            ra, rb, ga, gb = rb, ra, gb, ga
        self._parent[rb] = ra
        ga.members.extend(gb.members)
        ga.records |= gb.records
        ga.pnc |= gb.pnc
        ga.nhs |= gb.nhs
        ga.forbidden |= gb.forbidden
        del self._groups[rb]
        return True

    def groups(self) -> dict[str, list[str]]:
        """Root key -> member keys (members of nodes standing for existing persons included)."""
        return {root: list(group.members) for root, group in self._groups.items()}


def cluster_id_for(members: Iterable[str]) -> str:
    """A deterministic id for a new cluster: a digest of its smallest mention key."""
    first = min(members)
    return "P" + hashlib.sha256(first.encode()).hexdigest()[:15]


def assign_stable_ids(
    previous: Mapping[str, str],
    clusters: Mapping[str, Hashable],
    reserved: Iterable[str] = (),
) -> dict[str, str]:
    """Person ids for a fresh clustering that keep old ids where a person survives.

    ``previous`` maps mention key -> person id from the last run; ``clusters`` maps mention key
    -> cluster label from this run. Each new cluster takes the old id with which it shares the
    most mentions, provided that overlap is at least half of the old person's mentions still
    present (the person 'mostly survives'); each old id goes to one cluster at most, largest
    overlaps first. Other clusters get new ids (:func:`cluster_id_for`, never an old id).
    Deterministic: ties break on the ids' text. ``reserved`` ids (other persons', when only
    some mentions are relinked) are never given out either.
    """
    members: dict[Hashable, list[str]] = defaultdict(list)
    for key, label in clusters.items():
        members[label].append(key)
    old_size: dict[str, int] = defaultdict(int)
    for key, pid in previous.items():
        if key in clusters:
            old_size[pid] += 1
    overlaps: dict[tuple[Hashable, str], int] = defaultdict(int)
    for key, label in clusters.items():
        old = previous.get(key)
        if old is not None:
            overlaps[(label, old)] += 1
    candidates = sorted(
        (
            (count, label, pid)
            for (label, pid), count in overlaps.items()
            if 2 * count >= old_size[pid]
        ),
        key=lambda c: (-c[0], str(c[2]), str(min(members[c[1]]))),
    )
    chosen: dict[Hashable, str] = {}
    used: set[str] = set()
    for _count, label, pid in candidates:
        if label in chosen or pid in used:
            continue
        chosen[label] = pid
        used.add(pid)
    taken = set(previous.values()) | set(reserved)
    result: dict[str, str] = {}
    for label, keys in sorted(members.items(), key=lambda item: min(item[1])):
        kept = chosen.get(label)
        if kept is not None:
            pid = kept
        else:
            pid = cluster_id_for(keys)
            suffix = 1
            while pid in taken:
                suffix += 1
                pid = f"{cluster_id_for(keys)}-{suffix}"
            taken.add(pid)
        for key in keys:
            result[key] = pid
    return result
