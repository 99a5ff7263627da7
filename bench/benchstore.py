"""What the benchmarks that need a store share: a synthetic force, imported once.

``ensure_imported(force, people, seed, env)`` writes the force with `vigil synth` unless its
folder holds one, and imports it with `vigil import --no-assess` unless the database (named by
``env``) holds records, printing the seconds of each step it runs. Django must be set up.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VIGIL = ROOT / ".venv" / "bin" / "vigil"


def ensure_imported(force: Path, people: int, seed: int, env: dict[str, str]) -> None:
    from vigil.records.models import Record

    if not (force / "truth" / "summary.json").exists():
        started = time.perf_counter()
        subprocess.run(
            [
                str(VIGIL),
                "synth",
                "--people",
                str(people),
                "--seed",
                str(seed),
                "--out",
                str(force),
            ],
            check=True,
            env=env,
            capture_output=True,
        )
        print(f"synth: {time.perf_counter() - started:.1f} s")
    if not Record.objects.exists():
        files = sorted(map(str, (force / "records").glob("*.ndjson")))
        started = time.perf_counter()
        subprocess.run(
            [str(VIGIL), "import", *files, "--no-assess", "--json"],
            check=True,
            env=env,
            capture_output=True,
        )
        print(f"import: {time.perf_counter() - started:.1f} s")
