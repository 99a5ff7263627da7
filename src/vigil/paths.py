"""Where Vigil keeps its files when no environment variable says otherwise."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    """The data folder: ``VIGIL_DATA_DIR``, or ``data/`` in the project (created on first use)."""
    path = Path(os.environ.get("VIGIL_DATA_DIR") or PROJECT_ROOT / "data")
    path.mkdir(parents=True, exist_ok=True)
    return path
