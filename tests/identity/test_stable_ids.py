"""Stable person ids across relinks (pure, no Splink)."""

from __future__ import annotations

from vigil.identity import assign_stable_ids, cluster_id_for


def test_unchanged_clusters_keep_ids() -> None:
    previous = {"a": "P1", "b": "P1", "c": "P2"}
    assert assign_stable_ids(previous, {"a": 0, "b": 0, "c": 1}) == previous


def test_growing_cluster_keeps_id_and_new_cluster_gets_new_id() -> None:
    previous = {"a": "P1", "b": "P1"}
    result = assign_stable_ids(previous, {"a": "x", "b": "x", "c": "x", "d": "y"})
    assert result["a"] == result["b"] == result["c"] == "P1"
    assert result["d"] == cluster_id_for(["d"]) and result["d"] != "P1"


def test_merge_keeps_larger_id_and_split_gives_old_id_once() -> None:
    previous = {"a": "P1", "b": "P1", "c": "P1", "d": "P2", "e": "P2"}
    merged = assign_stable_ids(previous, dict.fromkeys("abcde", 7))
    assert set(merged.values()) == {"P1"}
    split = assign_stable_ids(previous, {"a": 1, "b": 1, "c": 2, "d": 3, "e": 3})
    assert split["a"] == split["b"] == "P1"
    assert split["c"] not in {"P1", "P2"}
    assert split["d"] == split["e"] == "P2"


def test_even_split_is_deterministic() -> None:
    previous = {"a": "P1", "b": "P1", "c": "P1", "d": "P1"}
    clusters = {"a": 1, "b": 1, "c": 2, "d": 2}
    first = assign_stable_ids(previous, clusters)
    assert first == assign_stable_ids(
        dict(reversed(previous.items())), dict(reversed(clusters.items()))
    )
    assert sorted(first.values()).count("P1") == 2


def test_mostly_dissolved_person_loses_id() -> None:
    previous = dict.fromkeys("abcd", "P1")
    result = assign_stable_ids(previous, {"a": 1, "b": 2, "c": 3, "d": 4})
    assert "P1" not in result.values()


def test_new_ids_never_reuse_old_ones() -> None:
    # An old id that happens to equal the digest of a new cluster is not handed out again.
    previous = {"z": cluster_id_for(["q"])}
    result = assign_stable_ids(previous, {"q": 1, "r": 2})
    assert result["q"] != cluster_id_for(["q"])
