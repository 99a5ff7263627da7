"""Streaming output: records per source system, the truth files, and the record emitter.

Records go straight to buffered files as they are made, so memory does not grow with the
population. Every mention written is also written to ``truth/persons.csv`` with its true person.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path
from typing import IO, Any, NamedTuple

import orjson

from .clock import MINUTE, Clock
from .noise import Mentioner
from .population import Address, Person

# record_type -> (source system, id prefix). One system per real-world kind of police or
# partner system: storm (command and control), niche (records management), compact (missing
# persons), custody, csc (children's social care), marac, visor (ViSOR), pp (police protection).
SOURCES: dict[str, tuple[str, str]] = {
    "call": ("storm", "CAD"),
    "crime": ("niche", "CR"),
    "concern": ("niche", "PPN"),
    "investigation": ("niche", "INV"),
    "intelligence": ("niche", "INT"),
    "missing": ("compact", "MIS"),
    "custody": ("custody", "CUS"),
    "police_protection": ("pp", "PP"),
    "referral": ("csc", "REF"),
    "strategy_discussion": ("csc", "SD"),
    "cp_plan": ("csc", "CPP"),
    "marac": ("marac", "MARAC"),
    "rso": ("visor", "RSO"),
}
# Casework written in Vigil itself (RECORDS.md v1.1 "Records written in Vigil"): records of any
# type, amendments of other systems' records or records of its own, one id prefix for all.
VIGIL = "vigil"
VIGIL_PREFIX = "VGL"
SYSTEMS = tuple(sorted({ss for ss, _ in SOURCES.values()} | {VIGIL}))
_BUFFER = 1 << 20
_MIDS = tuple(f"p{i}" for i in range(1, 100))


class Ref(NamedTuple):
    """A written record and its mention ids, in cast order."""

    source_system: str
    source_id: str
    mentions: tuple[str, ...]

    def mention(self, i: int) -> list[str]:
        return [self.source_system, self.source_id, self.mentions[i]]

    def record(self) -> list[str]:
        return [self.source_system, self.source_id]

    def link(self, relation: str = "follows_from") -> dict[str, str]:
        """A link to this record; ``amends`` for an amendment written in Vigil."""
        return {
            "source_system": self.source_system,
            "source_id": self.source_id,
            "relation": relation,
        }


# One person on one record: (person, role) or (person, role, extra mention fields).
Cast = tuple[Person, str] | tuple[Person, str, dict[str, Any]]


class Sink:
    """Open files for one output folder; counts what it writes."""

    def __init__(self, out: Path, block: int = 0) -> None:
        """``out`` is this block's part folder; ids carry the block so they stay unique."""
        (out / "records").mkdir(parents=True, exist_ok=True)
        (out / "truth").mkdir(parents=True, exist_ok=True)
        self.block = block
        self.files: dict[str, IO[bytes]] = {
            ss: open(out / "records" / f"{ss}.ndjson", "wb", buffering=_BUFFER)  # noqa: SIM115
            for ss in SYSTEMS
        }
        self.persons = open(  # noqa: SIM115
            out / "truth" / "persons.csv",
            "w",
            buffering=_BUFFER,
            encoding="utf-8",
            newline="",
        )
        self.alerts = open(out / "truth" / "alerts.ndjson", "wb", buffering=_BUFFER)  # noqa: SIM115
        # Alerts that must NOT fire (check_scenarios.py's `must_not`): a duty done on time by
        # casework written in Vigil. Its own file, so alerts.ndjson stays every `must` entry.
        self.alerts_not = open(  # noqa: SIM115
            out / "truth" / "alerts_must_not.ndjson", "wb", buffering=_BUFFER
        )
        # Per id prefix; ids are PREFIX-BBBBNNNNNN (block, serial) so parallel blocks never clash.
        self.serial: Counter[str] = Counter()
        self.by_type: Counter[str] = Counter()
        self.planted: Counter[str] = Counter()
        self.planted_not: Counter[str] = Counter()
        self.written_in_vigil = 0  # records (and versions) with source_system vigil
        self.mentions = 0

    def expect(
        self,
        code: str,
        planted: str,
        *,
        mention: list[str] | None = None,
        record: list[str] | None = None,
        must_not: bool = False,
        casework: str | None = None,
        says: str | None = None,
    ) -> None:
        """One planted expectation, shaped like a ``must`` entry of check_scenarios.py (or, with
        ``must_not``, a ``must_not`` entry, written to alerts_must_not.ndjson). ``casework``
        names the situation when records written in Vigil decide it; ``says`` is text the
        alert's explanation must hold (how late a duty was done)."""
        line: dict[str, Any] = {"code": code}
        if mention is not None:
            line["mention"] = mention
        else:
            line["record"] = record
        line["planted"] = planted
        if casework is not None:
            line["casework"] = casework
        if says is not None:
            line["says"] = says
        if must_not:
            self.alerts_not.write(orjson.dumps(line) + b"\n")
            self.planted_not[code] += 1
        else:
            self.alerts.write(orjson.dumps(line) + b"\n")
            self.planted[code] += 1

    def close(self) -> None:
        for f in self.files.values():
            f.close()
        self.persons.close()
        self.alerts.close()
        self.alerts_not.close()


class Emitter:
    """Builds one record (envelope, mentions, fields) and hands it to the sink."""

    def __init__(self, sink: Sink, mentioner: Mentioner, clock: Clock, rng: random.Random) -> None:
        self.sink = sink
        self.mentioner = mentioner
        self.clock = clock
        self.rng = rng
        self.iso = clock.iso
        self.as_of = clock.as_of
        self.last: dict[str, Any] = {}  # the record last written (for a new version of it)

    def emit(
        self,
        record_type: str,
        ts: int,
        cast: list[Cast],
        *,
        location: Address | dict[str, Any] | None = None,
        clean: bool = False,
        links: list[Ref] | None = None,
        objects: list[dict[str, str]] | None = None,
        summary: str | None = None,
        pnc: bool = False,
        nhs: bool = False,
        source_system: str | None = None,
        relation: str = "follows_from",
        **fields: Any,
    ) -> Ref:
        """Write one record. ``source_system`` ``vigil`` makes a record written in Vigil (one
        id series for every type); ``relation`` is that of its ``links`` (``amends``)."""
        sink = self.sink
        ss, prefix = (VIGIL, VIGIL_PREFIX) if source_system == VIGIL else SOURCES[record_type]
        serial = sink.serial[prefix] + 1
        sink.serial[prefix] = serial
        sid = f"{prefix}-{sink.block:04d}{serial:06d}"
        mention = self.mentioner.mention
        local = ss == "csc"  # children's social care numbers its own people
        people = []
        truth = []
        for i, entry in enumerate(cast):
            extra = entry[2] if len(entry) == 3 else None
            mid = _MIDS[i]
            people.append(mention(entry[0], entry[1], mid, ts, clean, pnc, nhs, extra, local))
            truth.append(f"{ss},{sid},{mid},{entry[0].pid}\n")
        # Records are keyed in by a person a little after the event, never after as_of.
        recorded = ts + (5 + int(self.rng.random() * 240)) * MINUTE
        rec: dict[str, Any] = {
            "record_type": record_type,
            "source_system": ss,
            "source_id": sid,
            "occurred_at": self.iso(ts),
            "recorded_at": self.iso(recorded if recorded < self.as_of else self.as_of),
        }
        if location is not None:
            rec["location"] = location if type(location) is dict else location.location()  # type: ignore[union-attr]
        rec["people"] = people
        if objects:
            rec["objects"] = objects
        if summary:
            rec["summary"] = summary
        if links:
            rec["links"] = [ref.link(relation) for ref in links]
        if fields:
            rec.update(fields)
        self.write(rec)
        sink.persons.write("".join(truth))
        sink.mentions += len(people)
        return Ref(ss, sid, _MIDS[: len(people)])

    def write(self, rec: dict[str, Any]) -> None:
        """Write a record as it is: a new version of one already written (same mentions, so
        no new truth rows) comes here directly."""
        sink = self.sink
        ss = rec["source_system"]
        sink.files[ss].write(orjson.dumps(rec) + b"\n")
        sink.by_type[rec["record_type"]] += 1
        sink.written_in_vigil += ss == VIGIL
        self.last = rec
