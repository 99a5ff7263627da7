"""The workflows staff record casework through: each says what it writes (a record of its own or
an amendment of another system's record, RECORDS.md 'Records written in Vigil'), with which form,
who may use it, and which alerts it can end. The pages (``views``) are the same for all of them:
the form, check your answers (with what the entry will do to open alerts), and what it did."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms

from vigil.access.permissions import Capability
from vigil.records.contract import VIGIL_SYSTEM
from vigil.records.models import Record


@dataclass(frozen=True)
class Subject:
    """What an entry is written about: a record it completes (``record``), or a person a record
    of its own will name (``person_id``, with ``record`` the record it follows from, if any)."""

    record: Record | None = None
    person_id: str = ""


@dataclass(frozen=True)
class Workflow:
    key: str  # in URLs: "referral-decision"
    title: str  # "Record a referral decision" (the form's heading)
    noun: str  # "referral decision" (in sentences: "Referral decision recorded")
    record_type: str  # the contract record type written
    capability: Capability
    form: type[forms.Form]
    # Contract fields of the record written, from the form's cleaned data and the subject:
    # the record type's own fields, and "occurred_at" (when it was done), optionally "summary",
    # "people" and "links" (an amendment's "amends" link is added for it).
    build: Callable[[dict[str, Any], Subject], dict[str, Any]]
    amends: bool = True  # completes ``subject.record`` (else a record of its own)
    subject: str = "record"  # "record" (URL names a record) or "person" (names a person)
    record_types: tuple[str, ...] = ()  # the records it may complete (amends), default its own
    resolves: tuple[str, ...] = ()  # alert codes it can end: its link on their alert pages
    applies: Callable[[Record], bool] = field(default=lambda record: True)
    # The form's initial values for a subject (e.g. what the record already holds).
    initial: Callable[[Subject], dict[str, Any]] = field(default=lambda subject: {})
    # Extra keyword arguments for the form (e.g. the record, to check against what it holds).
    form_kwargs: Callable[[Subject], dict[str, Any]] = field(default=lambda subject: {})
    hint: str = ""  # a sentence under the heading
    # Used on a record written in Vigil (which no amendment may name): its payload with this
    # entry applied, written as its next version. None: ``drafts.merged`` (fill, append).
    revise: Callable[[dict[str, Any], dict[str, Any], Subject], dict[str, Any]] | None = None
    # Whether an alert of ``code`` (in ``resolves``) that still rests on the entry is a duty done
    # late (``effects.LATE``: it goes to a supervisor) rather than one it does not end
    # (``effects.STAYS``), given the record written. None: late (the usual deadline rule).
    late: Callable[[str, Subject, dict[str, Any]], bool] | None = None
    # Whether this user may use it on this subject, beyond the capability (request, subject):
    # e.g. a partner only about a person it gave a purpose for. Refused with 403.
    allowed: Callable[[Any, Subject], bool] = field(default=lambda request, subject: True)
    # More for the form's page (request, subject): a dict with "template" (drawn above the
    # form, given the dict as ``panel``), or None. E.g. what Vigil holds on the people named.
    panel: Callable[[Any, Subject], dict[str, Any] | None] = field(
        default=lambda request, subject: None
    )

    def targets(self) -> tuple[str, ...]:
        return self.record_types or (self.record_type,)

    def revises(self, subject: Subject) -> bool:
        """Whether an entry on this subject writes the next version of a record Vigil wrote."""
        return (
            self.amends
            and subject.record is not None
            and subject.record.source_system == VIGIL_SYSTEM
        )

    def can_complete(self, record: Record) -> bool:
        return record.record_type in self.targets() and self.applies(record)


_WORKFLOWS: dict[str, Workflow] = {}


def register(workflow: Workflow) -> Workflow:
    if workflow.key in _WORKFLOWS and _WORKFLOWS[workflow.key] is not workflow:
        raise ValueError(f"two workflows are called {workflow.key}")
    _WORKFLOWS[workflow.key] = workflow
    return workflow


def get(key: str) -> Workflow | None:
    return _WORKFLOWS.get(key)


def all_workflows() -> Sequence[Workflow]:
    return list(_WORKFLOWS.values())


def for_record(record: Record) -> list[Workflow]:
    """The workflows that can complete this record (links on its page)."""
    return [w for w in _WORKFLOWS.values() if w.subject == "record" and w.can_complete(record)]
