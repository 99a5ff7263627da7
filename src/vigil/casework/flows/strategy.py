"""Strategy discussions and their actions (issue 13, workflow 2; ALERTS.md NO_STRATEGY_DISCUSSION
and ACTIONS_OVERDUE).

- **Strategy discussion** about a child (from the child's alert or page), or following a
  referral or crime (naming the record's children and linking to it, ``follows_from``): a
  record of its own with ``held_at``, ``agencies``, ``decisions`` and up to six ``actions``,
  each a work item for its owner (``work_items``).
- **Action done** on a strategy discussion or MARAC: on one written in Vigil, its next version
  with that action's ``done_at``; on another system's, an amendment appending the action with
  its ``done_at`` (which ACTIONS_OVERDUE reads as the same action, done).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from vigil.access.permissions import Capability
from vigil.casework.action_rows import action_fields, check_rows, owner_choices, rows_of
from vigil.casework.drafts import jsonable, mention_of
from vigil.casework.forms import CaseworkForm
from vigil.casework.models import action_key
from vigil.casework.registry import Subject, Workflow, register
from vigil.casework.work_items import actions_of, may_record_done
from vigil.identity.models import MentionLink
from vigil.records.models import Record
from vigil.ui.fields import WhenField, when_text

ACTION_ROWS = 6
AGENCIES = [
    ("police", "Police"),
    ("childrens_social_care", "Children's social care"),
    ("health", "Health"),
    ("education", "Education"),
    ("probation", "Probation"),
    ("other", "Other"),
]
STRATEGY_CRIME_GROUPS = ("sexual", "violence", "neglect")


class StrategyDiscussionForm(CaseworkForm):
    held_at = WhenField(
        label="When the strategy discussion was held", help_text="For example, 27 3 2026 and 14:30"
    )
    agencies = forms.MultipleChoiceField(
        label="Agencies present",
        choices=AGENCIES,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that took part",
        error_messages={"required": "Select the agencies present"},
    )
    decisions = forms.CharField(
        label="Decisions",
        max_length=5000,
        widget=forms.Textarea,
        help_text="For example, section 47 enquiry to start; joint visit today; child to stay with grandmother",
        error_messages={"required": "Enter the decisions made"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rows = action_fields(ACTION_ROWS)
        owners = owner_choices()
        for field in rows.values():
            field.set_owners(owners)
        self.fields.update(rows)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        check_rows(self, cleaned)
        held = cleaned.get("held_at")
        for name in list(cleaned):
            row = cleaned.get(name)
            if (
                name.startswith("action_")
                and row is not None
                and held is not None
                and row.due_at < held
            ):
                self.add_error(
                    name,
                    f"The due date of action {name.split('_')[1]} must be after the "
                    "strategy discussion was held",
                )
        return cleaned


def _children_of(record: Record) -> list[str]:
    """The people a record names who were children on its date, by person id."""
    day = record.occurred_at.date()
    found: list[str] = []
    for link in MentionLink.objects.filter(mention__record=record).select_related(
        "mention", "person"
    ):
        m = link.mention
        if m.role in ("professional", "reporting_person", "witness"):
            continue
        born = m.date_of_birth
        child = (
            (day.year - born.year - ((day.month, day.day) < (born.month, born.day))) < 18
            if born
            else m.age_estimate is not None and m.age_estimate < 18
        )
        if child and link.person.person_id not in found:
            found.append(link.person.person_id)
    return found


def build_discussion(cleaned: dict[str, Any], subject: Subject) -> dict[str, Any]:
    held: dt.datetime = cleaned["held_at"]
    actions = rows_of(cleaned)
    names = dict(AGENCIES)
    agencies = [names[a].lower() for a in cleaned["agencies"] if a in names]
    people: list[str] = [subject.person_id] if subject.person_id else []
    links = []
    if subject.record is not None:
        people += [p for p in _children_of(subject.record) if p not in people]
        links.append(
            {
                "source_system": subject.record.source_system,
                "source_id": subject.record.source_id,
                "relation": "follows_from",
            }
        )
    count = f"{len(actions)} action{'s' if len(actions) != 1 else ''} agreed" if actions else ""
    return {
        "occurred_at": held,
        "held_at": held,
        "agencies": list(cleaned["agencies"]),
        "decisions": cleaned["decisions"],
        "actions": [a.contract() for a in actions],
        "people": [mention_of(p, mention_id=p, role="subject") for p in people],
        "links": links,
        "summary": "Strategy discussion held with "
        + ", ".join(agencies)
        + (f"; {count}" if count else "")
        + ".",
    }


def _follows(record: Record) -> bool:
    """A referral decided section 47, or a crime of a group that calls for a discussion."""
    payload = record.payload
    if record.record_type == "referral":
        return bool(payload.get("decision") == "section_47")
    return bool(payload.get("offence_group") in STRATEGY_CRIME_GROUPS)


HINT = (
    "A strategy discussion must be held within 3 days of a section 47 decision, or of a crime "
    "against a child by someone living with them. Record each action with its owner: it goes "
    "to their My work."
)

STRATEGY_DISCUSSION = register(
    Workflow(
        key="strategy-discussion",
        title="Record a strategy discussion",
        noun="strategy discussion",
        record_type="strategy_discussion",
        capability=Capability.RECORD_STRATEGY_DISCUSSION,
        form=StrategyDiscussionForm,
        build=build_discussion,
        amends=False,
        subject="person",
        resolves=("NO_STRATEGY_DISCUSSION",),
        hint=HINT,
    )
)

STRATEGY_DISCUSSION_FROM = register(
    Workflow(
        key="strategy-discussion-from",
        title="Record the strategy discussion it led to",
        noun="strategy discussion",
        record_type="strategy_discussion",
        capability=Capability.RECORD_STRATEGY_DISCUSSION,
        form=StrategyDiscussionForm,
        build=build_discussion,
        amends=False,
        subject="record",
        record_types=("referral", "crime"),
        applies=_follows,
        resolves=("NO_STRATEGY_DISCUSSION",),
        hint=HINT,
    )
)


# ---- an action recorded done ---------------------------------------------------------------


class ActionDoneForm(CaseworkForm):
    """Which action, when it was done, and a note. Only the actions this person may record done
    are offered (their own, or any with the capability to record the discussion)."""

    action = forms.ChoiceField(
        label="Which action was done",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the action that was done",
            "invalid_choice": "Select the action that was done from the list",
        },
    )
    done_at = WhenField(label="When it was done", help_text="For example, 27 3 2026 and 14:30")
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea,
        help_text="For example, what was found, or what happens next",
    )

    def __init__(self, *args: Any, record: Record | None = None, **kw: Any) -> None:
        super().__init__(*args, **kw)  # ``user``: who is writing (CaseworkForm)
        user = self.user
        self.record = record
        self.held = {a.key: a for a in actions_of(record)} if record is not None else {}
        mine = [
            a
            for a in self.held.values()
            if user is not None and record is not None and may_record_done(user, record, a.key)
        ]
        choices = [(a.key, a.label) for a in mine if a.done_at is None]
        # Read back after it was saved (what the entry did): the action it recorded is done now.
        chosen = self.data.get("action") if self.is_bound else None
        if chosen and chosen not in dict(choices) and chosen in {a.key for a in mine}:
            choices.append((chosen, self.held[chosen].label))
        field = self.fields["action"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices
        if len(choices) == 1 and not self.is_bound:
            self.initial.setdefault("action", choices[0][0])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        held = self.held.get(cleaned.get("action") or "")
        done_at = cleaned.get("done_at")
        if held is not None and held.done_at is not None and held.done_at != done_at:
            self.add_error("action", "This action is already recorded done")
        return cleaned


def _has_open_action(record: Record) -> bool:
    return any(a.done_at is None for a in actions_of(record))


def _done_kwargs(subject: Subject) -> dict[str, Any]:
    return {"record": subject.record}


def build_done(cleaned: dict[str, Any], subject: Subject) -> dict[str, Any]:
    """An amendment of another system's record: the action appended with its done_at."""
    assert subject.record is not None
    held = {a.key: a for a in actions_of(subject.record)}[cleaned["action"]]
    entry = {
        "description": held.description,
        "owner": held.owner,
        "due_at": held.due_at,
        "done_at": cleaned["done_at"],
    }
    note = str(cleaned.get("note") or "").strip()
    return {
        "occurred_at": cleaned["done_at"],
        "actions": [entry],
        "summary": f"Action done {when_text(cleaned['done_at'])}: {held.description}"
        + (f". {note}" if note else ""),
    }


def revise_done(
    payload: dict[str, Any], cleaned: dict[str, Any], subject: Subject
) -> dict[str, Any]:
    """A record written in Vigil: its next version, with that action's done_at set."""
    revised = dict(payload)
    actions = []
    for a in payload.get("actions") or []:
        a = dict(a)
        if action_key(a.get("description"), a.get("owner"), a.get("due_at")) == cleaned[
            "action"
        ] and not a.get("done_at"):
            a["done_at"] = jsonable(cleaned["done_at"])
        actions.append(a)
    revised["actions"] = actions
    done = build_done(cleaned, subject)["summary"]
    revised["summary"] = "\n".join(p for p in (payload.get("summary"), done) if p)
    return revised


def _done_workflow(key: str, record_type: str, noun: str) -> Workflow:
    return register(
        Workflow(
            key=key,
            title="Record an action as done",
            noun=noun,
            record_type=record_type,
            capability=Capability.RECORD_OWN_ACTIONS,
            form=ActionDoneForm,
            build=build_done,
            applies=_has_open_action,
            form_kwargs=_done_kwargs,
            resolves=("ACTIONS_OVERDUE",),
            revise=revise_done,
            hint="Record when the action was done. It leaves its owner's My work.",
        )
    )


STRATEGY_ACTION_DONE = _done_workflow(
    "strategy-action-done", "strategy_discussion", "strategy discussion action done"
)
MARAC_ACTION_DONE = _done_workflow("marac-action-done", "marac", "MARAC action done")
