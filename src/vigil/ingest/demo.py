"""The demo force: synthetic records through the ingestion pipeline, and an account per role."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from pathlib import Path

from vigil.access.roles import Role
from vigil.accounts.actions import add_user, set_password
from vigil.accounts.demo import make_demo_staff
from vigil.accounts.models import User
from vigil.ingest.pipeline import ingest_files, reassess
from vigil.paths import data_dir
from vigil.synth import generate

ACTOR = "cli:demo"


def build_demo(
    people: int,
    seed: int,
    out: Path | None = None,
    end: dt.date | dt.datetime | None = None,
    say: Callable[[str], None] = print,
) -> None:
    """Generate (once) and ingest a demo force, then ``say`` a sign-in for every role.

    The force's period ends at ``end`` (default: now), so its alerts are current; a force already
    generated in ``out`` is kept as it is (remove the folder for a fresh one).
    """
    out = out or data_dir() / f"demo-force-{people}-{seed}"
    if not (out / "truth" / "summary.json").exists():
        say(f"Generating a synthetic force of {people:,} people in {out} …")
        generate(out, people=people, seed=seed, end=end or dt.datetime.now(dt.UTC))
    elif end is not None:
        say(f"Keeping the force already in {out} (remove it to generate one ending {end}).")
    files = sorted((out / "records").glob("*.ndjson"))
    now = dt.datetime.now(dt.UTC)
    result = ingest_files(files, actor=ACTOR, as_of=now)
    summary = result.imported
    say(
        f"Imported {summary.imported:,} new records ({summary.unchanged:,} already held, "
        f"{summary.quarantined:,} quarantined)."
    )
    if result.linked is not None:
        say(f"Linked {result.linked.mentions:,} mentions into {result.linked.persons:,} people.")
    if result.assessed != "everyone":
        # Every start, as of now: the pages judge at the current time, and time-window rules
        # move on even when no record is new.
        findings, _ = reassess(now)
    else:
        findings = result.findings
    say(f"Assessed every rule: {findings:,} alerts open.")
    credentials = data_dir() / "demo-accounts.txt"
    lines = []
    if credentials.exists():
        lines = credentials.read_text().splitlines()
    known = {line.split()[0] for line in lines if line.strip()}
    staff = make_demo_staff(actor=ACTOR)  # teams, and everyone's name, rank, number and team
    for role in Role:
        username = f"demo-{role.value.replace('_', '-')}"
        if username in known and User.objects.filter(username=username).exists():
            continue
        password = secrets.token_urlsafe(12)
        existing = User.objects.filter(username=username).first()
        if existing is None:
            add_user(username, role.value, password, actor=ACTOR)
        else:  # made without one above, or its password was lost with the sign-ins file
            set_password(existing, password, actor=ACTOR)
        lines = [line for line in lines if not line.startswith(username + " ")]
        lines.append(f"{username} {password} {role.label}: {staff[username]}")
    credentials.write_text("\n".join(lines) + "\n")
    credentials.chmod(0o600)
    say(f"\nDemo sign-ins (username, password, role) — also in {credentials}")
    for line in lines:
        say("  " + line)
