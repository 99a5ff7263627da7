"""The demo force: synthetic records through the ingestion pipeline, and an account per role."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path

from vigil.accounts.actions import add_user, set_password
from vigil.accounts.models import Role, User
from vigil.ingest.pipeline import ingest_files
from vigil.paths import data_dir
from vigil.synth import generate

ACTOR = "cli:demo"


def build_demo(people: int, seed: int, out: Path | None = None,
               say: Callable[[str], None] = print) -> None:
    """Generate (once) and ingest a demo force, then ``say`` a sign-in for every role."""
    out = out or data_dir() / f"demo-force-{people}-{seed}"
    if not (out / "truth" / "summary.json").exists():
        say(f"Generating a synthetic force of {people:,} people in {out} …")
        generate(out, people=people, seed=seed)
    files = sorted((out / "records").glob("*.ndjson"))
    result = ingest_files(files, actor=ACTOR)
    summary = result.imported
    say(f"Imported {summary.imported:,} new records ({summary.unchanged:,} already held, "
        f"{summary.quarantined:,} quarantined).")
    if result.linked is not None:
        say(f"Linked {result.linked.mentions:,} mentions into {result.linked.persons:,} people.")
    if result.assessed is not None:
        say(f"Assessed the rules ({result.assessed}): {result.findings:,} findings.")
    credentials = data_dir() / "demo-accounts.txt"
    lines = []
    if credentials.exists():
        lines = credentials.read_text().splitlines()
    known = {line.split()[0] for line in lines if line.strip()}
    for role in Role:
        username = f"demo-{role.value.replace('_', '-')}"
        if username in known and User.objects.filter(username=username).exists():
            continue
        password = secrets.token_urlsafe(12)
        existing = User.objects.filter(username=username).first()
        if existing is None:
            add_user(username, role.value, password, actor=ACTOR)
        else:  # its password was lost with the sign-ins file: give it a new one
            set_password(existing, password, actor=ACTOR)
        lines = [line for line in lines if not line.startswith(username + " ")]
        lines.append(f"{username} {password} {role.label}")
    credentials.write_text("\n".join(lines) + "\n")
    credentials.chmod(0o600)
    say(f"\nDemo sign-ins (username, password, role) — also in {credentials}")
    for line in lines:
        say("  " + line)
