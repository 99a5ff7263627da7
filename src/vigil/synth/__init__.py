"""Synthetic force generator: realistic records with identity noise and planted alerts.

``generate(out, people, ...)`` writes ``out/records/<system>.ndjson`` and the ground truth in
``out/truth/`` (see docs/synth.md). Pure Python, no Django.

Names are imported lazily: this package is also a Django app (for its ``synth`` command), which
Django imports at every start-up, the web server's included, when the generator (and Faker) is
not needed: it cost every command a tenth of a second.
"""

from __future__ import annotations

import sys
import types
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .config import ALERT_CODES
    from .generate import generate

_EXPORTS = {"ALERT_CODES": "config", "generate": "generate"}

__all__ = ["ALERT_CODES", "generate"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'vigil.synth' has no attribute {name!r}")
    value = getattr(import_module(f"vigil.synth.{module}"), name)
    globals()[name] = value
    return value


class _Package(types.ModuleType):
    def __setattr__(self, name: str, value: Any) -> None:
        # Importing the submodule ``generate`` sets the package's attribute of that name to it;
        # ``vigil.synth.generate`` stays the function, as it was when imported eagerly.
        if name in _EXPORTS and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
