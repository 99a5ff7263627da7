"""Identity resolution: which mentions, across every record, are one person.

The names below are the public face of the pure linker (Splink 5 on DuckDB, no Django); its
modules (``duck``, ``scoring``, ``linking``, ``person_index``, ``explain``, ``model``,
``frames``, ``cluster``) are internals other apps do not import. The database side is this
Django app's ``models``, ``store`` (feed the linker, store persons), ``actions`` (people's
decisions) and the review pages (``views``). See ``docs/identity.md``.

Names are imported lazily: this package is also a Django app, which Django imports at every
start-up, when Splink, DuckDB and pandas are not needed yet.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "ConstrainedUnionFind": "cluster",
    "assign_stable_ids": "cluster",
    "cluster_id_for": "cluster",
    "Explanation": "explain",
    "explain_pair": "explain",
    "LinkResult": "linking",
    "link": "linking",
    "IncrementalResult": "person_index",
    "PersonIndex": "person_index",
    "link_incremental": "person_index",
    "RefusedLink": "scoring",
    "ScoredPair": "scoring",
    "DEFAULT_MODEL_PATH": "model",
    "IdentityModel": "model",
    "Thresholds": "model",
    "load_model": "model",
    "train": "model",
    "untrained_model": "model",
    "INPUT_COLUMNS": "frames",
    "mention_key": "frames",
    "mention_rows": "frames",
    "prepare": "frames",
    "record_key": "frames",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'vigil.identity' has no attribute {name!r}")
    value = getattr(import_module(f"vigil.identity.{module}"), name)
    globals()[name] = value
    return value
