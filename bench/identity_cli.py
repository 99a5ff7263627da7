"""FEBRL through the command line, as a force would measure linkage against its own truth.

    .venv/bin/python bench/identity_cli.py                 # FEBRL4 and FEBRL3, fresh SQLite
    .venv/bin/python bench/identity_cli.py --dataset febrl4 --database-url postgresql://...

Each FEBRL row becomes one `concern` record naming one person (`subject`); the records go in
through `vigil import` (which links them with the model in use, the shipped default in a new
store), then `vigil link --train` re-estimates the model, prior included, on the store's own
mentions and relinks; after each, `vigil persons` is read back and scored against FEBRL's truth
(pairwise precision, recall, F1). FEBRL4's two files are not kept apart here (unlike
`bench/identity_febrl.py`, which makes each file one record): every row is a record of its own,
as the command line sees them. A date of birth that is not a calendar date (FEBRL has some) is
left out, as the contract would refuse the record.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).parent))
from identity_febrl import _entity, _read, load_average, score

VIGIL = Path(sys.executable).with_name("vigil")


def _dob(value: str) -> str | None:
    value = value.strip()
    try:
        return dt.date(int(value[:4]), int(value[4:6]), int(value[6:8])).isoformat()
    except ValueError:
        return None


def records(name: str, files: list[str]) -> list[dict[str, object]]:
    out = []
    for file in files:
        frame = _read(file)
        for row in frame.to_dict("records"):
            address = " ".join(
                str(row[c]).strip()
                for c in ("street_number", "address_1", "address_2", "suburb", "state")
                if str(row[c]).strip()
            )
            out.append(
                {
                    "record_type": "concern",
                    "source_system": name,
                    "source_id": row["rec_id"],
                    "occurred_at": "2014-03-01T10:00:00+00:00",
                    "concern_type": "other",
                    "people": [
                        {
                            "mention_id": "p",
                            "role": "subject",
                            "forename": row["given_name"] or None,
                            "surname": row["surname"] or None,
                            "date_of_birth": _dob(row["date_of_birth"]),
                            "address": address or None,
                            "postcode": row["postcode"] or None,
                            "phone": row["soc_sec_id"] or None,
                        }
                    ],
                }
            )
    return out


def vigil(env: dict[str, str], *args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    result = subprocess.run(
        [str(VIGIL), *args], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"vigil {' '.join(args)} failed:\n{result.stderr}")
    return result, time.monotonic() - started


def scored(env: dict[str, str], out: Path) -> tuple[float, float, float]:
    vigil(env, "persons", "--out", str(out))
    clusters, truth = {}, {}
    for line in out.read_bytes().splitlines():
        person = orjson.loads(line)
        for m in person["mentions"]:
            clusters[m["source_id"]] = person["person_id"]
            truth[m["source_id"]] = _entity(m["source_id"])
    return score(clusters, truth)


def run(name: str, files: list[str], database_url: str | None, work: Path) -> None:
    env = dict(
        os.environ,
        VIGIL_DATA_DIR=str(work / "data"),
        VIGIL_DATABASE_URL=database_url or f"sqlite:///{work / (name + '.sqlite3')}",
    )
    env.pop("DJANGO_SETTINGS_MODULE", None)
    path = work / f"{name}.ndjson"
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records(name, files)))
    imported, seconds = vigil(env, "import", str(path), "--json")
    summary = orjson.loads(imported.stdout)
    p, r, f = scored(env, work / f"{name}-import.ndjson")
    print(
        f"{name}: vigil import ({summary['imported']:,} records, {seconds:.0f}s), shipped "
        f"model: precision {p:.4f} recall {r:.4f} F1 {f:.4f}"
    )
    _, seconds = vigil(env, "link", "--train", "--json")
    p, r, f = scored(env, work / f"{name}-train.ndjson")
    print(
        f"{name}: vigil link --train ({seconds:.0f}s): precision {p:.4f} recall {r:.4f} "
        f"F1 {f:.4f}; {load_average()}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", choices=["febrl4", "febrl3", "both"], default="both")
    parser.add_argument("--database-url", help="an empty database (default: a new SQLite file)")
    args = parser.parse_args(argv)
    chosen = {"febrl4": ["dataset4a.csv", "dataset4b.csv"], "febrl3": ["dataset3.csv"]}
    names = list(chosen) if args.dataset == "both" else [args.dataset]
    if args.database_url and len(names) > 1:
        parser.error("--database-url takes one --dataset (each needs an empty database)")
    for name in names:
        with tempfile.TemporaryDirectory(prefix="vigil-identity-cli-") as tmp:
            run(name, chosen[name], args.database_url, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
