"""Two mentions on the command line, each as SYSTEM SOURCE_ID MENTION_ID (explain, review)."""

from __future__ import annotations

import argparse
from typing import Any


def add_mention_pair(parser: argparse.ArgumentParser) -> None:
    """Six positionals, one metavar each (argparse's help cannot print a tuple metavar for a
    positional: it crashed)."""
    for side in ("first", "second"):
        for part, metavar in (
            ("system", "SYSTEM"),
            ("source_id", "SOURCE_ID"),
            ("mention_id", "MENTION_ID"),
        ):
            parser.add_argument(
                f"{side}_{part}",
                metavar=metavar,
                help=f"the {side} mention's {part.replace('_', ' ')}",
            )


def pair_args(options: dict[str, Any]) -> tuple[tuple[str, str, str], tuple[str, str, str]]:
    first, second = (
        (options[f"{side}_system"], options[f"{side}_source_id"], options[f"{side}_mention_id"])
        for side in ("first", "second")
    )
    return first, second


def mention_pair(options: dict[str, Any]) -> tuple[Any, Any]:
    from vigil.identity.actions import find_mention

    first, second = pair_args(options)
    return find_mention(*first), find_mention(*second)
