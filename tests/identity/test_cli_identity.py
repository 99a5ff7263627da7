"""The identity commands (`vigil link`, `explain`, `persons`, `review`) as CLI.md specifies them."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.conftest import VIGIL, vigil_env, write_ndjson
from tests.factories import call
from vigil.cli import _command


def vigil(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(VIGIL), *args], env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("command", [["explain"], ["review", "decide"]])
def test_help_of_commands_naming_two_mentions(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """argparse could not print a tuple metavar for a positional: `vigil explain --help`
    crashed with a ValueError."""
    with pytest.raises(SystemExit) as exit_:
        _command(command[0]).create_parser("vigil", command[0]).parse_args([*command[1:], "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "SYSTEM SOURCE_ID MENTION_ID SYSTEM SOURCE_ID" in " ".join(out.split())


def test_two_mentions_parse_into_their_parts() -> None:
    from vigil.identity.management.commands._mentions import pair_args

    args = (
        _command("explain")
        .create_parser("vigil", "explain")
        .parse_args(["storm", "C-1", "p1", "niche", "N-2", "v1"])
    )
    assert pair_args(vars(args)) == (("storm", "C-1", "p1"), ("niche", "N-2", "v1"))


# --- through the command line: vigil import, vigil link, vigil persons ----------------------

HOME = {"address": "12 Park Road, Walsall", "postcode": "WS1 2AB"}


def _person(
    mid: str, forename: str, surname: str, dob: str, gender: str, **extra: Any
) -> dict[str, Any]:
    return {
        "mention_id": mid,
        "role": "household_member",
        "forename": forename,
        "surname": surname,
        "date_of_birth": dob,
        "gender": gender,
        **HOME,
        **extra,
    }


# Pairs of one-person records: (label, first mention, second mention, one person?).
PAIRS: list[tuple[str, dict[str, Any], dict[str, Any], bool]] = [
    (
        "father and son",
        _person("p", "David", "Walsh", "1978-06-14", "male"),
        _person("p", "David", "Walsh", "2004-06-14", "male"),
        False,
    ),
    (
        "mother and daughter",
        _person(
            "p",
            "Sarah",
            "Begum",
            "1981-02-03",
            "female",
            address="4 Elm Grove, Dudley",
            postcode="DY1 4QT",
        ),
        _person(
            "p",
            "Sarah",
            "Begum",
            "2007-02-03",
            "female",
            address="4 Elm Grove, Dudley",
            postcode="DY1 4QT",
        ),
        False,
    ),
    (
        "nickname",
        _person(
            "p",
            "William",
            "Turner",
            "2006-09-21",
            "male",
            address="7 Mill Lane, Coventry",
            postcode="CV2 3JD",
        ),
        _person(
            "p",
            "Bill",
            "Turner",
            "2006-09-21",
            "male",
            address="7 Mill Lane, Coventry",
            postcode="CV2 3JD",
        ),
        True,
    ),
    (
        "day and month swapped",
        _person(
            "p",
            "Kayleigh",
            "Collins",
            "2008-05-06",
            "female",
            address="3 Oak Avenue, Solihull",
            postcode="B91 2AX",
        ),
        _person(
            "p",
            "Kayleigh",
            "Collins",
            "2008-06-05",
            "female",
            address="3 Oak Avenue, Solihull",
            postcode="B91 2AX",
        ),
        True,
    ),
    (
        "year digits swapped",
        _person(
            "p",
            "Liam",
            "Price",
            "1975-04-09",
            "male",
            address="9 York Road, Walsall",
            postcode="WS3 1PL",
        ),
        _person(
            "p",
            "Liam",
            "Price",
            "1957-04-09",
            "male",
            address="9 York Road, Walsall",
            postcode="WS3 1PL",
        ),
        True,
    ),
    (
        "married surname",
        _person(
            "p",
            "Emma",
            "Clarke",
            "1990-11-02",
            "female",
            address="21 Station Road, Dudley",
            postcode="DY2 7HG",
        ),
        _person(
            "p",
            "Emma",
            "Stevens",
            "1990-11-02",
            "female",
            address="21 Station Road, Dudley",
            postcode="DY2 7HG",
            aliases=["Emma Clarke"],
        ),
        True,
    ),
    (
        "diacritics",
        _person(
            "p",
            "Zoë",
            "Nowak",
            "2009-01-17",
            "female",
            address="5 Church Street, Walsall",
            postcode="WS2 8LB",
        ),
        _person(
            "p",
            "Zoe",
            "Nowak",
            "2009-01-17",
            "female",
            address="5 Church Street, Walsall",
            postcode="WS2 8LB",
        ),
        True,
    ),
]
TWINS = (
    _person(
        "p",
        "Jack",
        "Harding",
        "2008-03-12",
        "male",
        address="30 Meadow Way, Walsall",
        postcode="WS5 3RT",
    ),
    _person(
        "p",
        "Oliver",
        "Harding",
        "2008-03-12",
        "male",
        address="30 Meadow Way, Walsall",
        postcode="WS5 3RT",
    ),
)


def _records() -> list[dict[str, Any]]:
    records = []
    for i, (_, first, second, _) in enumerate(PAIRS):
        records.append(call(f"PAIR-{i}-A", people=[first]))
        records.append(
            call(f"PAIR-{i}-B", people=[second], occurred_at="2015-06-01T10:00:00+00:00")
        )
    records.append(call("TWIN-A", people=[TWINS[0]]))
    records.append(call("TWIN-B", people=[TWINS[1]], occurred_at="2015-06-01T10:00:00+00:00"))
    return records


def _persons_of(env: dict[str, str], out: Path) -> dict[tuple[str, str, str], str]:
    result = vigil(env, "persons", "--out", str(out))
    assert result.returncode == 0, result.stderr
    person_of: dict[tuple[str, str, str], str] = {}
    for line in out.read_bytes().splitlines():
        person = orjson.loads(line)
        assert list(person) == ["person_id", "mentions"]
        for m in person["mentions"]:
            key = (m["source_system"], m["source_id"], m["mention_id"])
            assert key not in person_of, f"{key} in two lines"
            person_of[key] = person["person_id"]
    return person_of


@pytest.mark.django_db(transaction=True)
def test_the_hard_pairs_through_import_link_and_persons(
    new_database: Callable[[], str], tmp_path: Path
) -> None:
    env = vigil_env(new_database(), tmp_path)
    records = _records()
    path = write_ndjson(tmp_path / "pairs.ndjson", records)
    imported = vigil(env, "import", str(path), "--json")
    assert imported.returncode == 0, imported.stderr
    assert orjson.loads(imported.stdout)["imported"] == len(records)
    for step in ("import", "link"):
        if step == "link":
            linked = vigil(env, "link", "--json")
            assert linked.returncode == 0, linked.stderr
        person_of = _persons_of(env, tmp_path / f"persons-{step}.ndjson")
        assert len(person_of) == len(records)  # every mention, each in exactly one line
        for i, (label, _, _, same) in enumerate(PAIRS):
            a, b = (person_of[("storm", f"PAIR-{i}-{side}", "p")] for side in "AB")
            assert (a == b) is same, f"{label} after {step}"
        review = orjson.loads(vigil(env, "review", "list", "--json").stdout)
        queued = {(tuple(p["a"]), tuple(p["b"])) for p in review}
        twins = (("storm", "TWIN-A", "p"), ("storm", "TWIN-B", "p"))
        assert twins in queued or twins[::-1] in queued, f"twins not for review after {step}"
    explained = vigil(env, "explain", "storm", "TWIN-A", "p", "storm", "TWIN-B", "p", "--json")
    assert explained.returncode == 0, explained.stderr
    why = orjson.loads(explained.stdout)
    assert why["capped"] and why["probability"] < 0.995
    levels = {t["comparison"]: t["level"] for t in why["terms"]}
    assert levels["forename"] == "all other" and levels["date_of_birth"] == "exact"
    review = {
        (tuple(p["a"]), tuple(p["b"])): p["match_probability"]
        for p in orjson.loads(vigil(env, "review", "list", "--json").stdout)
    }
    twins = (("storm", "TWIN-A", "p"), ("storm", "TWIN-B", "p"))
    assert why["probability"] == pytest.approx(review.get(twins, review.get(twins[::-1])))
    father = orjson.loads(
        vigil(env, "explain", "storm", "PAIR-0-A", "p", "storm", "PAIR-0-B", "p", "--json").stdout
    )
    assert {t["comparison"]: t["level"] for t in father["terms"]}["date_of_birth"] == (
        "a generation apart"
    )
    assert father["probability"] < 0.5
    stdout = vigil(env, "persons")
    assert stdout.returncode == 0
    assert len(stdout.stdout.splitlines()) == len(set(person_of.values()))
