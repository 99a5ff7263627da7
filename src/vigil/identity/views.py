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
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from vigil.access.disclosure import viewer_for
from vigil.access.permissions import Capability, requires
from vigil.audit.access import log_access, nothing_disclosed
from vigil.audit.actions import AuditAction
from vigil.identity import queue
from vigil.identity.actions import DecisionError, decide, undo
from vigil.identity.forms import DecideForm, PageForm, QueueFilter, ReturnForm, UndoForm
from vigil.identity.models import LinkDecision, Person, ReviewPair
from vigil.identity.signals import persons_relinked
from vigil.identity.summaries import summarise
from vigil.ui.forms import first_error, shown
from vigil.ui.pages import bad_request, optional_url, page_of, query_without

PAIRS_PER_PAGE = 20
DECISIONS_SHOWN = 50


def _items(
    request: HttpRequest, objs: list[Any], key: str, errors: dict[str, Any]
) -> list[dict[str, Any]]:
    """Pairs (or decisions) in words, both mentions side by side, each person by name."""
    mentions = [m for o in objs for m in (o.mention_a, o.mention_b) if m is not None]
    persons = queue.persons_of(mentions, viewer_for(request.user))
    out = []
    for obj in objs:
        a, b = (
            queue.mention_view(obj.mention_a, persons),
            queue.mention_view(obj.mention_b, persons),
        )
        mine = errors if errors.get("key") == key and errors.get("pk") == obj.pk else {}
        out.append(
            {
                "a": a,
                "b": b,
                "mentions": [a, b],
                "title": queue.pair_title(a, b),
                "error": mine,
                key: obj,
                **({"percent": round(obj.match_probability * 100, 1)} if key == "pair" else {}),
            }
        )
    return out


def _page_of_pairs(
    request: HttpRequest, query: queue.QueueQuery, errors: dict[str, Any]
) -> dict[str, Any]:
    # Page over the pairs alone, then join the page's mentions and records: with tens of
    # thousands pending, sorting the joined rows took most of a second on SQLite.
    page = page_of(request, queue.pending_pairs(query).values_list("id", flat=True), PAIRS_PER_PAGE)
    ids = list(page.object_list)
    by_id = ReviewPair.objects.select_related(*queue.RELATED).in_bulk(ids)
    pairs = [by_id[i] for i in ids if i in by_id]
    return {
        "page": page,
        "page_query": query_without(request, "page"),
        "pairs": _items(request, pairs, "pair", errors),
        "errors": errors,
    }


def _queue_filter(request: HttpRequest) -> QueueFilter:
    return QueueFilter(queue.source_systems(), request.GET)


def _context(
    request: HttpRequest, form: QueueFilter, errors: dict[str, Any] | None = None
) -> dict[str, Any]:
    errors = errors or {}
    data = form.cleaned_data
    persons = queue.persons_matching(data["person"]) if data["person"] else None
    query = queue.QueueQuery(
        person_pks=(persons or [])[: queue.MAX_PERSONS] if persons is not None else None,
        band=data["band"],
        source=data["source"],
        include_linked=data["linked"],
        threshold=queue.link_threshold(),
    )
    context = _page_of_pairs(request, query, errors)
    decisions = list(
        LinkDecision.objects.filter(undone_at__isnull=True)
        .select_related(*queue.RELATED)
        .order_by("-decided_at", "-id")[:DECISIONS_SHOWN]
    )
    context.update(
        {
            "form": form,
            "decisions": _items(request, decisions, "decision", errors),
            "filtered": any(data[k] for k in ("person", "band", "source", "linked")),
            "no_person": persons == [],
            "many_persons": persons is not None and len(persons) > queue.MAX_PERSONS,
            "threshold_percent": round(query.threshold * 100),
        }
    )
    return context


def _log_pairs(request: HttpRequest, context: dict[str, Any], target: str, **detail: Any) -> None:
    action = (
        AuditAction.IDENTITY_LIST_PERSON_LINKS
        if target != "identity-reviews"
        else AuditAction.IDENTITY_LIST_REVIEWS
    )
    log_access(
        request,
        action,
        target,
        detail={"pairs": [p["pair"].pk for p in context["pairs"]], **detail},
    )


@requires(Capability.DECIDE_IDENTITY)
@require_GET
def reviews(request: HttpRequest) -> HttpResponse:
    form = _queue_filter(request)
    if not form.is_valid():
        nothing_disclosed(request)
        return bad_request(
            request, form, "The review queue cannot be shown", back=reverse("identity:reviews")
        )
    context = _context(request, form)
    filters = {k: v for k, v in form.cleaned_data.items() if v and k != "page"}
    _log_pairs(request, context, "identity-reviews", **({"filters": filters} if filters else {}))
    return render(request, "identity/reviews.html", context)


def _person_context(
    request: HttpRequest, subject: Person, errors: dict[str, Any] | None = None
) -> dict[str, Any]:
    query = queue.QueueQuery(
        person_pks=[subject.pk], include_linked=True, threshold=queue.link_threshold()
    )
    context = _page_of_pairs(request, query, errors or {})
    summaries, _ = summarise([subject.pk], viewer_for(request.user))
    summary = summaries.get(subject.pk)
    context.update(
        {
            "subject": subject,
            "subject_label": queue.person_label(summary) if summary else "This person",
            "person_url": optional_url("people:person", subject.person_id),
        }
    )
    return context


@requires(Capability.DECIDE_IDENTITY)
@require_GET
def person_links(request: HttpRequest, person_id: str) -> HttpResponse:
    """Every pending pair about one person, each with its decision form: reviewing one
    person's links in one place (the person's page links here)."""
    subject = get_object_or_404(Person, person_id=person_id)
    form = PageForm(request.GET)
    if not form.is_valid():
        nothing_disclosed(request)
        return bad_request(request, form, "This list of pairs cannot be shown")
    context = _person_context(request, subject)
    _log_pairs(request, context, subject.person_id)
    return render(request, "identity/person_links.html", context)


def _refuse(
    request: HttpRequest,
    key: str,
    pk: int,
    field: str,
    message: str,
    values: dict[str, str],
    subject: Person | None = None,
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
    # The page shown again with the error discloses its pairs as the page does: log them all.
    if subject is not None:
        context = _person_context(request, subject, error)
        _log_pairs(request, context, subject.person_id, refused=f"{key}:{pk}")
        return render(request, "identity/person_links.html", context, status=400)
    form = QueueFilter(queue.source_systems(), {})
    form.is_valid()
    context = _context(request, form, error)
    _log_pairs(request, context, "identity-reviews", refused=f"{key}:{pk}")
    return render(request, "identity/reviews.html", context, status=400)


def _returning_to(request: HttpRequest) -> Person | None:
    """The person whose links page the decision was sent from (a hidden field), if any."""
    form = ReturnForm(request.POST)
    if not form.is_valid() or not form.cleaned_data["person"]:
        return None
    return Person.objects.filter(person_id=form.cleaned_data["person"]).first()


def _announce_after_commit() -> None:
    transaction.on_commit(lambda: persons_relinked.send(sender=LinkDecision))


@requires(Capability.DECIDE_IDENTITY)
@require_POST
def decide_pair(request: HttpRequest, pk: int) -> HttpResponse:
    pair = get_object_or_404(ReviewPair.objects.select_related(*queue.RELATED), pk=pk)
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
    subject = _returning_to(request)
    back = (
        redirect("identity:person-links", person_id=subject.person_id)
        if subject is not None
        else redirect("identity:reviews")
    )
    if pair.status != ReviewPair.Status.PENDING:
        messages.info(request, "That pair was already decided.")
        return back
    if not valid:
        field = f"decision-{pk}-same" if "decision" in form.errors else f"reason-{pk}"
        return _refuse(
            request,
            "pair",
            pk,
            field,
            first_error(form, "decision" if "decision" in form.errors else "reason"),
            values,
            subject,
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
            request,
            "pair",
            pk,
            f"decision-{pk}-same",
            str(exc).capitalize() + ".",
            values,
            subject,
        )
    _announce_after_commit()
    messages.success(request, "Decision recorded; people relinked and alerts re-assessed.")
    return back


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
