"""A trained model belongs to its store; other stores' person-index files do not pile up."""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

import pytest

from vigil.identity.model import load_model
from vigil.identity.models import IdentityState
from vigil.identity.store import (
    INDEX_IDLE_SECONDS,
    KEEP_OTHER_INDEXES,
    index_path,
    keep_trained_model,
    model_in_use,
    prune_indexes,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("VIGIL_DATA_DIR", str(folder))
    folder.mkdir()
    return folder


def test_a_store_links_with_the_default_until_it_trains_its_own(data: Path) -> None:
    # What `vigil link --train` used to leave in the data folder for every database to read.
    foreign = load_model()
    foreign.settings["probability_two_random_records_match"] = 0.25
    foreign.save(data / "identity_model.json")
    shipped = load_model()
    assert model_in_use().settings == shipped.settings

    own = load_model()
    own.settings["probability_two_random_records_match"] = 3e-4
    own.trained_on = "this store"
    keep_trained_model(own, actor="test", mentions=10)
    kept = model_in_use()
    assert kept.settings["probability_two_random_records_match"] == 3e-4
    assert kept.trained_on == "this store"
    assert IdentityState.objects.get(pk=1).trained_at is not None


def test_other_stores_idle_index_files_are_pruned(data: Path) -> None:
    now = time.time()
    old = now - INDEX_IDLE_SECONDS - 60
    others = []
    for i in range(KEEP_OTHER_INDEXES + 5):
        path = data / f"person-index-other{i:02d}.duckdb"
        path.write_bytes(b"x")
        path.with_suffix(".lock").write_bytes(b"")
        os.utime(path, (old - i, old - i))  # other00 the most recently used
        others.append(path)
    recent = data / "person-index-busy.duckdb"
    recent.write_bytes(b"x")  # used a moment ago: a store linking now
    mine = index_path("mine")
    mine.write_bytes(b"x")
    os.utime(mine, (old - 999, old - 999))
    orphan = data / "person-index-gone.lock"
    orphan.write_bytes(b"")
    os.utime(orphan, (old, old))
    held = others[-1]  # in use: its lock is held
    with held.with_suffix(".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        deleted = prune_indexes("mine", now=now)
    # The newest other file is the busy one, so KEEP - 1 idle others survive by rank.
    expected = set(others[KEEP_OTHER_INDEXES - 1 : -1])
    assert set(deleted) == expected
    for path in expected:
        assert not path.exists() and not path.with_suffix(".lock").exists()
    for path in [*others[: KEEP_OTHER_INDEXES - 1], held, recent, mine]:
        assert path.exists()
    assert not orphan.exists()
