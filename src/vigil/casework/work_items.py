"""Actions as work items: made when a strategy discussion or MARAC meeting recorded in Vigil is
saved, given to their owner (My work) or a team's tray, and closed when the action is recorded
done (``sync``, called by ``actions.write`` in the entry's transaction).

An action is known by its description, owner and due date: the contract has no id for one, and
an amendment that records an action done appends a copy of it with ``done_at`` (RECORDS.md:
list entries are appended unless equal), so the copy and the original are the same action.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from vigil.access.permissions import Capability, can
from vigil.accounts.models import Team, User
from vigil.casework.action_rows import ActionRow, rows_of
from vigil.casework.models import CaseAction, Entry, action_key, instant
from vigil.casework.work import KIND
from vigil.records.contract import AMENDS
from vigil.records.models import Record
from vigil.ui.fields import when_text
from vigil.work import actions as work_actions
from vigil.work.registry import get as kind_named

ACTION_TYPES = ("strategy_discussion", "marac")
# Who may record any action on a record of each type done, whoever owns it.
RECORDERS = {
    "strategy_discussion": Capability.RECORD_STRATEGY_DISCUSSION,
    "marac": Capability.RECORD_MARAC,
}


@dataclass
class HeldAction:
    key: str
    description: str
    owner: str
    due_at: dt.datetime | None
    done_at: dt.datetime | None  # the earliest done_at any entry of it gives

    @property
    def label(self) -> str:
        due = f", due {when_text(self.due_at)}" if self.due_at else ""
        return f"{self.description or 'An action'} (owner: {self.owner or 'not recorded'}{due})"


def amendments_of(record: Record) -> list[Record]:
    return list(
        Record.objects.filter(
            links__target_system=record.source_system,
            links__target_id=record.source_id,
            links__relation=AMENDS,
            record_type=record.record_type,
        )
        .distinct()
        .order_by("recorded_at", "source_id")
    )


def actions_of(record: Record, amendments: list[Record] | None = None) -> list[HeldAction]:
    """A record's actions with its amendments' appended, one per action (first seen first)."""
    entries = list(record.payload.get("actions") or [])
    for amendment in amendments_of(record) if amendments is None else amendments:
        entries += amendment.payload.get("actions") or []
    held: dict[str, HeldAction] = {}
    for a in entries:
        if not isinstance(a, dict):
            continue
        key = action_key(a.get("description"), a.get("owner"), a.get("due_at"))
        done = instant(a.get("done_at"))
        if key not in held:
            held[key] = HeldAction(
                key,
                str(a.get("description") or ""),
                str(a.get("owner") or ""),
                instant(a.get("due_at")),
                done,
            )
        elif done is not None:
            was = held[key].done_at
            held[key].done_at = done if was is None or done < was else was
    return list(held.values())


def may_record_done(user: Any, record: Record, key: str) -> bool:
    """The owner (the person holding the action, or a member of the team whose tray holds it),
    or anyone who may record that kind of record, may record an action done."""
    if not can(user, Capability.RECORD_OWN_ACTIONS):
        return False
    needed = RECORDERS.get(record.record_type)
    if needed is not None and can(user, needed):
        return True
    for item in CaseAction.objects.filter(record=record):
        if item.match == key and holds(user, item):
            return True
    return False


def holds(user: Any, item: CaseAction) -> bool:
    if item.assigned_to_id is not None:
        return bool(item.assigned_to_id == user.pk)
    return item.assigned_team_id is not None and item.assigned_team_id == user.team_id


def sync(entry: Entry, cleaned: dict[str, Any]) -> None:
    """Make, or close, the work items of the actions the entry's record holds."""
    written = entry.record
    if written.record_type not in ACTION_TYPES:
        return
    amends = any(link.get("relation") == AMENDS for link in written.payload.get("links") or [])
    about = entry.target if amends and entry.target is not None else written
    rows = {action_key(r.description, r.owner, r.due_at): r for r in rows_of(cleaned)}
    items = {i.match: i for i in CaseAction.objects.filter(record=about).order_by("pk")}
    done = {a.key: a.done_at for a in actions_of(about)}
    writer = entry.written_by
    now = timezone.now()
    on_record = set()
    for index, a in enumerate(written.payload.get("actions") or []):
        key = action_key(a.get("description"), a.get("owner"), a.get("due_at"))
        on_record.add(key)
        item = items.get(key)
        if done.get(key) is not None:
            if item is not None and item.status == CaseAction.Status.OPEN:
                _close(item, writer, "done", done[key], str(cleaned.get("note") or ""))
            continue
        if item is None and key in rows:
            item = CaseAction.objects.create(
                key=uuid.uuid4().hex,
                record=about,
                record_type=about.record_type,
                source=written,
                index=index,
                description=rows[key].description,
                owner=rows[key].owner,
                due_at=rows[key].due_at,
                created_at=now,
            )
            _give(item, rows[key], writer)
    if about.pk == written.pk:  # a changed record: actions taken off it are no one's work now
        for key, item in items.items():
            if key not in on_record and item.status == CaseAction.Status.OPEN:
                _close(item, writer, "withdrawn", None, "")


def _actor(user: User) -> User | str:
    return user if work_actions.may_act(user, kind_named(KIND)) else "vigil"


def _give(item: CaseAction, row: ActionRow, writer: User) -> None:
    kind = kind_named(KIND)
    actor = _actor(writer)
    if row.user_pk is not None:
        owner = User.objects.filter(pk=row.user_pk, is_active=True).first()
        if owner is not None and work_actions.may_act(owner, kind):
            work_actions.assign(item, actor=actor, to=owner)
            return
    if row.team_pk is not None:
        team = Team.objects.filter(pk=row.team_pk, active=True).first()
        if team is not None:
            work_actions.assign(item, actor=actor, team=team)
            return
    if writer.team is not None and writer.team.active:
        work_actions.assign(
            item,
            actor=actor,
            team=writer.team,
            note=(
                f"Owned by {row.owner}, who has no Vigil account: record it done when they "
                "tell you it is."
            ),
        )


def _close(
    item: CaseAction, by: User, outcome: str, done_at: dt.datetime | None, note: str
) -> None:
    if outcome == "done":
        assert done_at is not None
        rationale = f"Recorded done in Vigil by {by.display_name}: done {when_text(done_at)}."
    else:
        rationale = f"{by.display_name} changed the record and this action is no longer on it."
    if note.strip():
        rationale += f" {note.strip()}"

    def apply(it: Any, _by: Any, _at: Any) -> None:
        it.done_at = done_at

    work_actions.close(item, actor=_actor(by), outcome=outcome, rationale=rationale, apply=apply)
