"""Persons, which mentions are theirs, and the decisions people made about links.

The linker itself (``linking``, ``person_index``, ``model``) is pure; these tables hold its
results and the human decisions that constrain every later run.
"""

from __future__ import annotations

from django.db import models

from vigil.records.models import PersonMention


class Person(models.Model):
    """One real person behind one or more mentions. ``person_id`` is stable across relinks."""

    person_id = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.person_id


class MentionLink(models.Model):
    """Which person a mention is (each mention is linked to exactly one person)."""

    mention = models.OneToOneField(
        PersonMention, on_delete=models.PROTECT, primary_key=True, related_name="link"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="links")
    linked_at = models.DateTimeField()
    model_version = models.CharField(max_length=40, blank=True)

    def __str__(self) -> str:
        return f"mention {self.mention_id} -> {self.person_id}"


class ReviewPair(models.Model):
    """A pair the model was unsure of (between the review thresholds), for a person to decide."""

    class Status(models.TextChoices):
        PENDING = "pending"
        DECIDED = "decided"
        SUPERSEDED = "superseded"

    mention_a = models.ForeignKey(PersonMention, on_delete=models.PROTECT, related_name="+")
    mention_b = models.ForeignKey(PersonMention, on_delete=models.PROTECT, related_name="+")
    match_probability = models.FloatField()
    linked_by_model = models.BooleanField(help_text="the model's own call: same cluster or not")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    raised_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mention_a", "mention_b"], name="review_pair_once"),
        ]
        indexes = [
            # The review queue: pending pairs, by how close each is to the link threshold.
            models.Index(fields=["status", "match_probability"], name="review_pair_queue"),
        ]

    def __str__(self) -> str:
        return f"review {self.mention_a_id}~{self.mention_b_id} ({self.status})"


class LinkDecision(models.Model):
    """A person's decision that two mentions are (must-link) or are not (cannot-link) one person.

    Decisions persist across relinks and win over the model. Undoing one keeps the row.
    """

    class Decision(models.TextChoices):
        SAME = "same", "Same person (must link)"
        DIFFERENT = "different", "Different people (cannot link)"

    # A decision outlives a mention a new version of its record no longer names: it lapses
    # (undone, by Vigil, saying why) and keeps its row, with that side empty.
    mention_a = models.ForeignKey(
        PersonMention, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    mention_b = models.ForeignKey(
        PersonMention, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decision = models.CharField(max_length=16, choices=Decision.choices)
    decided_by = models.CharField(max_length=150)
    decided_at = models.DateTimeField()
    reason = models.TextField()
    undone_by = models.CharField(max_length=150, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.decision}: {self.mention_a_id} / {self.mention_b_id}"


class IdentityState(models.Model):
    """Which state of the links a kept person index reflects (one row).

    ``store_id`` names this database's index file; ``token`` changes in every transaction that
    writes links, so an index file written for another token is stale and is built again.
    """

    store_id = models.CharField(max_length=32)
    token = models.CharField(max_length=32)
    # The model `vigil link --train` estimated on this store's own mentions (the model file's
    # JSON); empty, the shipped default applies. Kept here, not in the data folder, so that no
    # other database sharing the folder ever links with it.
    trained_model = models.JSONField(null=True, blank=True)
    trained_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"identity state {self.store_id}/{self.token}"


class ChangedMention(models.Model):
    """A mention a record's new version changed in place (or dropped: no ``mention_pk``) since
    the kept person index last saw it. The next ``link_new`` discards it from the index and
    links the ones still held afresh, so the index never matches against old values."""

    mention_key = models.TextField()
    mention_pk = models.BigIntegerField(null=True)

    def __str__(self) -> str:
        return f"changed {self.mention_key}"
