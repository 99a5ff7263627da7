"""Retrain the default identity model: ``python -m vigil.identity train``.

Repeatable: the synthetic training mentions are seeded, u-sampling is seeded, and the result is
written to ``src/vigil/identity/default_model.json`` (or ``--out``).
"""

from __future__ import annotations

import argparse
import sys
import time

from vigil.identity.model import DEFAULT_MODEL_PATH, train
from vigil.identity.training_data import make_mentions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vigil.identity")
    sub = parser.add_subparsers(dest="command", required=True)
    tr = sub.add_parser("train", help="train the default model on synthetic mentions")
    tr.add_argument("--rows", type=int, default=50_000)
    tr.add_argument("--seed", type=int, default=7)
    tr.add_argument("--out", default=str(DEFAULT_MODEL_PATH))
    args = parser.parse_args(argv)
    started = time.monotonic()
    frame = make_mentions(args.rows, seed=args.seed)
    model = train(
        frame,
        trained_on=f"vigil.identity.training_data.make_mentions({args.rows}, seed={args.seed}); "
        f"python -m vigil.identity train --rows {args.rows} --seed {args.seed}",
    )
    model.save(args.out)
    print(f"trained on {len(frame)} mentions in {time.monotonic() - started:.1f}s -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
