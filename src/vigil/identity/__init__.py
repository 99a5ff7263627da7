"""Identity resolution: which mentions, across every record, are one person.

Pure Python (Splink 5 on DuckDB, no Django): the database layer feeds it mention frames and
stores what it returns. See ``docs/identity.md``.
"""

from vigil.identity.cluster import ConstrainedUnionFind, assign_stable_ids, cluster_id_for
from vigil.identity.link import (
    Explanation,
    IncrementalResult,
    LinkResult,
    PersonIndex,
    RefusedLink,
    ScoredPair,
    explain_pair,
    link,
    link_incremental,
)
from vigil.identity.model import (
    DEFAULT_MODEL_PATH,
    IdentityModel,
    Thresholds,
    load_model,
    train,
    untrained_model,
)
from vigil.identity.prepare import INPUT_COLUMNS, mention_key, mention_rows, prepare, record_key

__all__ = [
    "DEFAULT_MODEL_PATH",
    "INPUT_COLUMNS",
    "ConstrainedUnionFind",
    "Explanation",
    "IdentityModel",
    "IncrementalResult",
    "LinkResult",
    "PersonIndex",
    "RefusedLink",
    "ScoredPair",
    "Thresholds",
    "assign_stable_ids",
    "cluster_id_for",
    "explain_pair",
    "link",
    "link_incremental",
    "load_model",
    "mention_key",
    "mention_rows",
    "prepare",
    "record_key",
    "train",
    "untrained_model",
]
