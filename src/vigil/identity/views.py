"""The identity review queue: pairs the linker was unsure of, decided by a person with a reason.

A decision relinks at once (``vigil.identity.actions``); once it commits the pages send
``persons_relinked``, on which the ingest app re-assesses alerts (``vigil.ingest.tasks``). Decisions can be undone, also
with a reason.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from vigil.access.permissions import Capability, requires
from vigil.audit.access import log_access
from vigil.audit.actions import AuditAction
from vigil.identity.actions import DecisionError, decide, undo
from vigil.identity.forms import DecideForm, UndoForm
from vigil.identity.models import LinkDecision, MentionLink, ReviewPair
from vigil.identity.signals import persons_relinked
from vigil.records.models import PersonMention
from vigil.ui.forms import first_error, shown
from vigil.ui.pages import optional_url, page_of, query_without

PAIRS_PER_PAGE = 20
DECISIONS_SHOWN = 50
RELATED = ("mention_a__record", "mention_b__record")


def _mention(m: PersonMention, person_of: dict[int, str]) -> dict[str, Any]:
    record = m.record
    person_id = person_of.get(m.pk)
    return {
        "name": " ".join(p for p in (m.forename, m.middle_names, m.surname) if p)
        or "Name not recorded",
        "aliases": [a for a in m.aliases.splitlines() if a.strip()],
        "date_of_birth": m.date_of_birth,
        "age_estimate": m.age_estimate,
        "gender": m.gender,
        "address": m.address,
        "postcode": m.postcode,
        "role": m.role.replace("_", " "),
        "record_type": record.record_type.replace("_", " "),
        "occurred_at": record.occurred_at,
        "record_ref": f"{record.source_system}/{record.source_id}",
        "record_url": optional_url("people:record", record.pk),
        "person_id": person_id,
        "person_url": optional_url("people:person", person_id) if person_id else None,
    }


def _persons(mentions: list[PersonMention]) -> dict[int, str]:
    return dict(
        MentionLink.objects.filter(mention__in=mentions).values_list(
            "mention_id", "person__person_id"
        )
    )


def _context(request: HttpRequest, errors: dict[str, Any] | None = None) -> dict[str, Any]:
    # Page over the pairs alone, then join the page's mentions and records: with tens of
    # thousands pending, sorting the joined rows took most of a second on SQLite.
    pending = (
        ReviewPair.objects.filter(status=ReviewPair.Status.PENDING)
        .order_by("-match_probability", "id")
        .values_list("id", flat=True)
    )
    page = page_of(request, pending, PAIRS_PER_PAGE)
    ids = list(page.object_list)
    by_id = ReviewPair.objects.select_related(*RELATED).in_bulk(ids)
    pairs = [by_id[i] for i in ids if i in by_id]
    decisions = list(
        LinkDecision.objects.filter(undone_at__isnull=True)
        .select_related(*RELATED)
        .order_by("-decided_at", "-id")[:DECISIONS_SHOWN]
    )
    # Live decisions name both mentions (one that lapsed with a mention is undone).
    person_of = _persons(
        [m for p in pairs + decisions for m in (p.mention_a, p.mention_b) if m is not None]
    )
    errors = errors or {}

    def item(key: str, obj: Any, **more: Any) -> dict[str, Any]:
        a, b = _mention(obj.mention_a, person_of), _mention(obj.mention_b, person_of)
        mine = errors if errors.get("key") == key and errors.get("pk") == obj.pk else {}
        return {"a": a, "b": b, "mentions": [a, b], "error": mine, **more}

    return {
        "page": page,
        "page_query": query_without(request, "page"),
        "pairs": [
            item("pair", p, pair=p, percent=round(p.match_probability * 100, 1)) for p in pairs
        ],
        "decisions": [item("decision", d, decision=d) for d in decisions],
        "errors": errors,
    }


@requires(Capability.DECIDE_IDENTITY)
@require_GET
def reviews(request: HttpRequest) -> HttpResponse:
    context = _context(request)
    log_access(
        request,
        AuditAction.IDENTITY_LIST_REVIEWS,
        "identity-reviews",
        detail={"pairs": [p["pair"].pk for p in context["pairs"]]},
    )
    return render(request, "identity/reviews.html", context)


def _refuse(
    request: HttpRequest, key: str, pk: int, field: str, message: str, values: dict[str, str]
) -> HttpResponse:
    error = {
        "key": key,
        "pk": pk,
        "field": field,
        "message": message,
        "on_decision": field.startswith("decision"),
        "on_reason": field.startswith("reason"),
        **values,
    }
    context = _context(request, error)
    # The page shown again with the error discloses its pairs as the queue does: log them all.
    log_access(
        request,
        AuditAction.IDENTITY_LIST_REVIEWS,
        "identity-reviews",
        detail={"pairs": [p["pair"].pk for p in context["pairs"]], "refused": f"{key}:{pk}"},
    )
    return render(request, "identity/reviews.html", context, status=400)


def _announce_after_commit() -> None:
    transaction.on_commit(lambda: persons_relinked.send(sender=LinkDecision))


@requires(Capability.DECIDE_IDENTITY)
@require_POST
def decide_pair(request: HttpRequest, pk: int) -> HttpResponse:
    pair = get_object_or_404(ReviewPair.objects.select_related(*RELATED), pk=pk)
    form = DecideForm(request.POST)
    valid = form.is_valid()
    decision = form.cleaned_data["decision"] if valid else ""
    values = {"decision": shown(form, "decision"), "reason": shown(form, "reason")}
    log_access(
        request,
        AuditAction.IDENTITY_SUBMIT_DECISION,
        f"review:{pair.pk}",
        detail={
            "action": "identity.decide",
            "decision": decision,
            "mentions": [pair.mention_a_id, pair.mention_b_id],
            **({} if valid else {"refused": sorted(form.errors)}),
        },
    )
    if pair.status != ReviewPair.Status.PENDING:
        messages.info(request, "That pair was already decided.")
        return redirect("identity:reviews")
    if not valid:
        field = f"decision-{pk}-same" if "decision" in form.errors else f"reason-{pk}"
        return _refuse(
            request,
            "pair",
            pk,
            field,
            first_error(form, "decision" if "decision" in form.errors else "reason"),
            values,
        )
    reason = form.cleaned_data["reason"]
    try:
        decide(
            pair.mention_a,
            pair.mention_b,
            decision,
            actor=request.user.get_username(),
            reason=reason,
        )
    except DecisionError as exc:
        return _refuse(
            request, "pair", pk, f"decision-{pk}-same", str(exc).capitalize() + ".", values
        )
    _announce_after_commit()
    messages.success(request, "Decision recorded; people relinked and alerts re-assessed.")
    return redirect("identity:reviews")


@requires(Capability.DECIDE_IDENTITY)
@require_POST
def undo_decision(request: HttpRequest, pk: int) -> HttpResponse:
    made = get_object_or_404(LinkDecision, pk=pk)
    form = UndoForm(request.POST)
    log_access(
        request,
        AuditAction.IDENTITY_SUBMIT_UNDO,
        f"decision:{made.pk}",
        detail={"action": "identity.undo"},
    )
    if not form.is_valid():
        return _refuse(
            request,
            "decision",
            pk,
            f"undo-reason-{pk}",
            first_error(form, "reason"),
            {"reason": shown(form, "reason")},
        )
    try:
        undo(made, actor=request.user.get_username(), reason=form.cleaned_data["reason"])
    except DecisionError as exc:
        messages.info(request, str(exc).capitalize() + ".")
        return redirect("identity:reviews")
    _announce_after_commit()
    messages.success(request, "Decision undone; people relinked and alerts re-assessed.")
    return redirect("identity:reviews")
