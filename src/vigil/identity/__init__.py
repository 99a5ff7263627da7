"""Identity resolution: which mentions, across every record, are one person.

Pure Python (Splink 5 on DuckDB, no Django): the database layer (``store.py``) feeds it mention
frames and stores what it returns. See ``docs/identity.md``.

Names are imported lazily: this package is also a Django app, which Django imports at every
start-up, when Splink, DuckDB and pandas are not needed yet.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "ConstrainedUnionFind": "cluster", "assign_stable_ids": "cluster", "cluster_id_for": "cluster",
    "Explanation": "linker", "IncrementalResult": "linker", "LinkResult": "linker",
    "PersonIndex": "linker", "RefusedLink": "linker", "ScoredPair": "linker",
    "explain_pair": "linker", "link": "linker", "link_incremental": "linker",
    "DEFAULT_MODEL_PATH": "model", "IdentityModel": "model", "Thresholds": "model",
    "load_model": "model", "train": "model", "untrained_model": "model",
    "INPUT_COLUMNS": "frames", "mention_key": "frames", "mention_rows": "frames",
    "prepare": "frames", "record_key": "frames",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'vigil.identity' has no attribute {name!r}")
    value = getattr(import_module(f"vigil.identity.{module}"), name)
    globals()[name] = value
    return value
