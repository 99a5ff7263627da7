"""Synthetic force generator: realistic records with identity noise and planted alerts.

``generate(out, people, ...)`` writes ``out/records/<system>.ndjson`` and the ground truth in
``out/truth/`` (see docs/synth.md). Pure Python, no Django.
"""

from .config import ALERT_CODES
from .generate import generate

__all__ = ["ALERT_CODES", "generate"]
