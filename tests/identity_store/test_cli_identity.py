"""The identity commands (`vigil link`, `explain`, `persons`, `review`) as CLI.md specifies them."""

from __future__ import annotations

import pytest

from vigil.cli import build_parser


@pytest.mark.parametrize("command", [["explain"], ["review", "decide"]])
def test_help_of_commands_naming_two_mentions(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """argparse could not print a tuple metavar for a positional: `vigil explain --help`
    crashed with a ValueError."""
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args([*command, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "SYSTEM SOURCE_ID MENTION_ID SYSTEM SOURCE_ID" in " ".join(out.split())


def test_two_mentions_parse_into_their_parts() -> None:
    from vigil.cli import _pair_args

    args = build_parser().parse_args(["explain", "storm", "C-1", "p1", "niche", "N-2", "v1"])
    assert _pair_args(args) == (("storm", "C-1", "p1"), ("niche", "N-2", "v1"))
