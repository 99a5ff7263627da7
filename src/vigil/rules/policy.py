"""A force's alert policy: every threshold and severity, defaults from ``default_policy.toml``.

A force's own TOML file is merged over the defaults and names only what differs. Anything the
defaults do not know (a misspelt code or setting) or a value of the wrong type is refused with
an error naming the key, because a silently ignored threshold is worse than a refused file.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from vigil.rules.model import SEVERITIES, ThresholdValue

DEFAULT_POLICY_PATH = Path(__file__).with_name("default_policy.toml")


class PolicyError(ValueError):
    """A policy file that cannot be used; the message names the offending key."""


@dataclass(frozen=True)
class RulePolicy:
    severity: str
    settings: Mapping[str, ThresholdValue]


@dataclass(frozen=True)
class Policy:
    rules: Mapping[str, RulePolicy]
    response_hours: Mapping[str, int]

    def severity(self, code: str) -> str:
        return self.rules[code].severity

    def thresholds(self, code: str) -> dict[str, ThresholdValue]:
        """The settings a rule uses, as reported on its findings."""
        return dict(self.rules[code].settings)

    def int(self, code: str, name: str) -> int:
        value = self.rules[code].settings[name]
        assert isinstance(value, int) and not isinstance(value, bool)
        return value

    def text(self, code: str, name: str) -> str:
        value = self.rules[code].settings[name]
        assert isinstance(value, str)
        return value


def _type_name(value: object) -> str:
    return {bool: "boolean", int: "integer", float: "number", str: "string"}.get(
        type(value), type(value).__name__
    )


def _check_value(key: str, default: object, value: object, least: int = 1) -> ThresholdValue:
    # bool is a subclass of int in Python: compare exact types so `true` is never a count.
    if type(default) is float and type(value) is int:
        return float(value)
    if type(value) is not type(default):
        raise PolicyError(
            f"{key}: expected {_type_name(default)}, got {_type_name(value)} {value!r}"
        )
    # A count or period of zero would make every rule fire (or index an empty list): refuse it.
    if type(value) in (int, float) and value < least:  # type: ignore[operator]
        raise PolicyError(f"{key}: must be at least {least}, got {value!r}")
    assert isinstance(value, int | float | str | bool)
    return value


def _table(key: str, value: object) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise PolicyError(f"{key}: expected a table, got {_type_name(value)} {value!r}")
    return value


def _merge(defaults: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {"response_hours": dict(defaults["response_hours"]), "rules": {}}
    for code, table in defaults["rules"].items():
        merged["rules"][code] = dict(table)
    for section in override:
        if section not in ("response_hours", "rules"):
            raise PolicyError(f"{section}: unknown section (expected 'response_hours' or 'rules')")
    for severity, hours in _table("response_hours", override.get("response_hours", {})).items():
        key = f"response_hours.{severity}"
        if severity not in merged["response_hours"]:
            raise PolicyError(f"{key}: unknown severity (expected one of {', '.join(SEVERITIES)})")
        merged["response_hours"][severity] = _check_value(key, 0, hours, least=0)
    for code, table in _table("rules", override.get("rules", {})).items():
        if code not in merged["rules"]:
            raise PolicyError(f"rules.{code}: unknown alert code")
        for name, value in _table(f"rules.{code}", table).items():
            key = f"rules.{code}.{name}"
            if name not in merged["rules"][code]:
                raise PolicyError(f"{key}: unknown setting for {code}")
            checked = _check_value(key, merged["rules"][code][name], value)
            if name == "severity" and checked not in SEVERITIES:
                raise PolicyError(f"{key}: {checked!r} is not one of {', '.join(SEVERITIES)}")
            merged["rules"][code][name] = checked
    return merged


def _build(data: Mapping[str, Any]) -> Policy:
    rules = {}
    for code, table in data["rules"].items():
        settings = {k: v for k, v in table.items() if k != "severity"}
        rules[code] = RulePolicy(severity=table["severity"], settings=MappingProxyType(settings))
    return Policy(
        rules=MappingProxyType(rules), response_hours=MappingProxyType(dict(data["response_hours"]))
    )


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{path}: not valid TOML ({exc})") from None


def load_policy(path: str | Path | None = None) -> Policy:
    """The default policy, with a force's policy file (if given) merged over it."""
    defaults = _read(DEFAULT_POLICY_PATH)
    override = _read(Path(path)) if path is not None else {}
    return _build(_merge(defaults, override))


def policy_from_mapping(override: Mapping[str, Any]) -> Policy:
    """As :func:`load_policy`, from an already-parsed mapping (e.g. settings or a test)."""
    return _build(_merge(_read(DEFAULT_POLICY_PATH), override))


DEFAULT_POLICY = load_policy()
