"""The demo force: synthetic records imported, and one signed-in account for every role."""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

from vigil.accounts.actions import add_user, set_password
from vigil.accounts.models import Role, User
from vigil.alerts.engine import assess
from vigil.identity.models import MentionLink
from vigil.identity.store import relink_all
from vigil.paths import data_dir
from vigil.records.actions import import_and_log
from vigil.synth import generate

ACTOR = "cli:demo"
# The demo's police accounts sit in teams, so work can be given to a team and a supervisor sees
# their team's work by person (the MASH officer's own desk apart from the investigators').
DEMO_TEAMS = {Role.MASH: "MASH", Role.INVESTIGATOR: "Child Abuse Investigation Team",
              Role.SUPERVISOR: "Child Abuse Investigation Team",
              Role.RESPONSE_OFFICER: "Response North", Role.CALL_HANDLER: "Force Control Room"}


def build_demo(people: int, seed: int, out: Path | None = None) -> None:
    """Generate (once) and import a demo force, then print a sign-in for every role."""
    out = out or data_dir() / f"demo-force-{people}-{seed}"
    if not (out / "truth" / "summary.json").exists():
        print(f"Generating a synthetic force of {people:,} people in {out} …", flush=True)
        generate(out, people=people, seed=seed)
    files = sorted((out / "records").glob("*.ndjson"))
    summary = import_and_log(files, actor=ACTOR)
    print(f"Imported {summary.imported:,} new records ({summary.unchanged:,} already held, "
          f"{summary.quarantined:,} quarantined).", flush=True)
    if summary.imported or summary.replaced or not MentionLink.objects.exists():
        linked = relink_all(actor=ACTOR)
        print(f"Linked {linked.mentions:,} mentions into {linked.persons:,} people.", flush=True)
        findings, _ = assess(dt.datetime.now(dt.UTC))
        print(f"Assessed every rule: {len(findings):,} alerts open.", flush=True)
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
            add_user(username, role.value, password, actor=ACTOR, team=DEMO_TEAMS.get(role, ""))
        else:  # its password was lost with the sign-ins file: give it a new one
            set_password(existing, password, actor=ACTOR)
        lines = [line for line in lines if not line.startswith(username + " ")]
        lines.append(f"{username} {password} {role.label}")
    credentials.write_text("\n".join(lines) + "\n")
    credentials.chmod(0o600)
    print("\nDemo sign-ins (username, password, role) — also in", credentials)
    for line in lines:
        print("  " + line)
