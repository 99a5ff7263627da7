"""Views for search, a person's page, a record and the address briefing. Thin: the queries are
in ``search``, ``person``, ``briefing``; what a role may see is in ``vigil.access.disclosure``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from vigil.access.disclosure import (
    DA_CANDIDATE_TYPES,
    da_fields_of,
    disclosed_payload,
    kind_label,
    viewer_for,
)
from vigil.access.permissions import Capability, can, requires
from vigil.audit.access import log_access
from vigil.audit.actions import AuditAction
from vigil.casework import held as casework_held
from vigil.casework import links as casework_links
from vigil.identity import actions as identity_actions
from vigil.identity.models import Person
from vigil.people.briefing import briefing, find_locations
from vigil.people.forms import (
    AddressSearchForm,
    PurposeForm,
    RecordTypeFilter,
    ReviewRequestForm,
    SearchForm,
)
from vigil.people.person import person_page
from vigil.people.search import search as run_search
from vigil.people.words import describe, phrase
from vigil.records.models import Location, PersonMention, Record
from vigil.ui.pages import bad_request

PURPOSES_KEY = "vigil_disclosure_purposes"
C = Capability


def _nothing_disclosed(request: HttpRequest) -> None:
    request.vigil_nothing_disclosed = True  # type: ignore[attr-defined]


def _alert_url(request: HttpRequest, alert: Any) -> str | None:
    """The alert's page, for roles that may open it (others see the alert where it is shown,
    with no link that would only answer 403)."""
    if not can(request.user, C.VIEW_ALERTS):
        return None
    for arg in (alert.alert_id, alert.pk):
        try:
            return reverse("alerts:alert", args=[arg])
        except NoReverseMatch:
            continue
    return None


def day_of(instant: Any) -> str:
    """The date alone, where an agreement shares no time of day (e.g. 3 May 2012)."""
    local = timezone.localtime(instant)
    return f"{local.day} {local:%B %Y}"


def _purpose(request: HttpRequest, person_id: str) -> str | None:
    return (request.session.get(PURPOSES_KEY) or {}).get(person_id)


# ---- search --------------------------------------------------------------------------------


@requires(C.SEARCH_PEOPLE)
@require_http_methods(["GET", "POST"])
def search(request: HttpRequest) -> HttpResponse:
    viewer = viewer_for(request.user)
    context: dict[str, Any] = {"viewer": viewer}
    status = 200
    if request.method == "POST":
        form = SearchForm(request.user, request.POST)
        if refused := form.refused():
            # A criterion this role may not search by (a partner's address, phone or vehicle):
            # refused on the server whatever the page offered, and the attempt logged.
            status = 400
            log_access(
                request, AuditAction.PERSON_REFUSE_SEARCH, "people", detail={"refused": refused}
            )
        elif form.is_valid():
            criteria = form.criteria()
            result = run_search(criteria, viewer)
            log_access(
                request,
                AuditAction.PERSON_SEARCH,
                "people",
                detail={
                    "criteria": criteria.as_log(),
                    "results": result.total,
                    "shown": [p.person_id for p in result.people],
                },
            )
            context["result"] = result
        else:
            _nothing_disclosed(request)
    else:
        form = SearchForm(request.user)
        _nothing_disclosed(request)
    context["form"] = form
    # htmx swaps the form and its results together, so a field's error is marked on the field.
    template = (
        "people/_search_area.html" if getattr(request, "htmx", False) else "people/search.html"
    )
    return render(request, template, context, status=status)


# ---- a person ------------------------------------------------------------------------------


@requires(C.VIEW_PERSON, C.VIEW_PERSON_MINIMISED, any_of=True)
@require_http_methods(["GET", "POST"])
def person(request: HttpRequest, person_id: str) -> HttpResponse:
    subject = get_object_or_404(Person, person_id=person_id)
    viewer = viewer_for(request.user)
    narrowed = RecordTypeFilter(request.GET)
    if not narrowed.is_valid():
        return bad_request(
            request,
            narrowed,
            "This list of records cannot be shown",
            back=reverse("people:person", args=[person_id]),
        )
    reason = ""
    if viewer.agreement is not None:
        if request.method == "POST":
            form = PurposeForm(viewer.agreement, request.POST)
            if form.is_valid():
                purposes = dict(request.session.get(PURPOSES_KEY) or {})
                purposes[person_id] = form.reason()
                request.session[PURPOSES_KEY] = purposes
                log_access(
                    request,
                    AuditAction.PERSON_GIVE_PURPOSE,
                    person_id,
                    reason=form.reason(),
                    detail={
                        "agreement": viewer.agreement.name,
                        "purpose": form.cleaned_data["purpose"],
                    },
                )
                return redirect("people:person", person_id=person_id)
            _nothing_disclosed(request)
            return render(
                request,
                "people/purpose.html",
                {"form": form, "person_id": person_id},
                status=400,
            )
        reason = _purpose(request, person_id) or ""
        if not reason:
            _nothing_disclosed(request)
            return render(
                request,
                "people/purpose.html",
                {"form": PurposeForm(viewer.agreement), "person_id": person_id},
            )
    elif request.method == "POST":
        raise PermissionDenied
    record_type = narrowed.cleaned_data["type"]
    page = person_page(subject, viewer, record_type=record_type)
    log_access(
        request,
        AuditAction.PERSON_VIEW,
        person_id,
        reason=reason,
        detail={
            "type_filter": record_type,
            "records_shown": len(page.chronology),
            **({"agreement": viewer.agreement.name} if viewer.agreement else {}),
        },
    )
    return render(
        request,
        "people/person.html",
        {
            "page": page,
            "viewer": viewer,
            "record_type": record_type,
            "purpose": reason,
            "alerts": [
                (a, _alert_url(request, a.alert), casework_links.for_alert(request.user, a.alert))
                for a in page.open_alerts
            ],
            "ended_alerts": [(a, _alert_url(request, a.alert)) for a in page.ended_alerts],
            "can_request_review": can(request.user, C.REQUEST_IDENTITY_REVIEW),
            "review_url": reverse("people:person-review", args=[person_id]),
            "review_form": ReviewRequestForm(),
        },
    )


@requires(C.REQUEST_IDENTITY_REVIEW)
@require_POST
def request_review(request: HttpRequest, person_id: str) -> HttpResponse:
    """'Not the same person': put the mention and the person's anchor mention to review."""
    subject = get_object_or_404(Person, person_id=person_id)
    form = ReviewRequestForm(request.POST)
    if not form.is_valid():
        _nothing_disclosed(request)
        messages.error(request, "Say why this is not the same person, then send the request again.")
        return redirect("people:person", person_id=person_id)
    mention = get_object_or_404(
        PersonMention, pk=form.cleaned_data["mention"], link__person=subject
    )
    try:
        identity_actions.request_review(
            subject, mention, actor=request.user.get_username(), reason=form.cleaned_data["reason"]
        )
    except identity_actions.NothingToSeparate:
        messages.info(
            request, "This person has only one linked record: there is nothing to separate."
        )
        _nothing_disclosed(request)
        return redirect("people:person", person_id=person_id)
    messages.success(
        request,
        "A review has been requested: someone who decides identity "
        "questions will check whether these records are the same person.",
    )
    return redirect("people:person", person_id=person_id)


# ---- a record ------------------------------------------------------------------------------


@requires(C.VIEW_PERSON, C.VIEW_PERSON_MINIMISED, any_of=True)
@require_http_methods(["GET"])
def record(request: HttpRequest, pk: int) -> HttpResponse:
    rec = get_object_or_404(Record.objects.select_related("location"), pk=pk)
    viewer = viewer_for(request.user)
    rows: list[dict[str, Any]] = [
        dict(r)
        for r in PersonMention.objects.filter(record=rec)
        .order_by("pk")
        .values(
            "pk",
            "mention_id",
            "role",
            "forename",
            "middle_names",
            "surname",
            "date_of_birth",
            "age_estimate",
            "address",
            "postcode",
            "link__person__person_id",
        )
    ]
    da = da_fields_of(rec.payload) if rec.record_type in DA_CANDIDATE_TYPES else None
    for r in rows:
        r["role_label"] = (
            r["role"].replace("_", " ") if viewer.shows_role(rec.record_type, da) else "Not shared"
        )
    reason = ""
    people = rows
    if viewer.partner:
        # A partner sees a record only about a person it gave a purpose for, and only if the
        # agreement covers the record with that person's role on it.
        entitled = [
            r
            for r in rows
            if (pid := r["link__person__person_id"])
            and _purpose(request, pid)
            and viewer.visibility(rec.record_type, r["role"], da) == "minimised"
        ]
        if not entitled:
            raise PermissionDenied
        reason = _purpose(request, entitled[0]["link__person__person_id"]) or ""
        people = entitled
    elif viewer.visibility(rec.record_type) != "full":
        raise PermissionDenied
    payload = disclosed_payload(viewer, rec.record_type, rec.payload)
    objects = (
        []
        if viewer.partner
        else list(rec.source_objects.values("object_type", "identifier", "description"))
    )
    log_access(
        request,
        AuditAction.RECORD_VIEW,
        f"record:{rec.pk}",
        reason=reason,
        detail={
            "source_system": rec.source_system,
            "source_id": rec.source_id,
            "record_type": rec.record_type,
            **(
                {"person_id": people[0]["link__person__person_id"], "fields": sorted(payload)}
                if viewer.partner
                else {}
            ),
        },
    )
    return render(
        request,
        "people/record.html",
        {
            "record": rec,
            "viewer": viewer,
            "people": people,
            "kind": kind_label(viewer.kind(rec.record_type, da)),
            "fields": describe(payload),
            "objects": objects,
            "summary": "" if viewer.partner else rec.summary,
            "occurred": phrase(rec.payload.get("occurred_at"))
            if viewer.shows_time(rec.record_type, da)
            else day_of(rec.occurred_at),
            "location": None if viewer.partner else rec.location,
            "premises": rec.premises_type.replace("_", " "),
            "duty_links": casework_links.for_record(request.user, rec),
            "in_vigil": [] if viewer.partner else casework_held.recorded_in_vigil(rec),
        },
    )


# ---- addresses -----------------------------------------------------------------------------


@requires(C.ADDRESS_BRIEFING)
@require_http_methods(["GET", "POST"])
def address_search(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {}
    if request.method == "POST":
        form = AddressSearchForm(request.POST)
        if form.is_valid():
            locations = find_locations(form.cleaned_data["place"])
            log_access(
                request,
                AuditAction.ADDRESS_SEARCH,
                "addresses",
                detail={"place": form.cleaned_data["place"], "results": len(locations)},
            )
            context["locations"] = locations
        else:
            _nothing_disclosed(request)
    else:
        form = AddressSearchForm()
        _nothing_disclosed(request)
    context["form"] = form
    return render(request, "people/address_search.html", context)


@requires(C.ADDRESS_BRIEFING)
@require_http_methods(["GET"])
def address(request: HttpRequest, location_id: int) -> HttpResponse:
    location = get_object_or_404(Location, pk=location_id)
    viewer = viewer_for(request.user)
    if viewer.partner:
        raise Http404
    brief = briefing(location, viewer)
    log_access(
        request,
        AuditAction.ADDRESS_VIEW,
        f"location:{location.pk}",
        detail={
            "residents": [r.summary.person_id for r in brief.residents],
            # The same address recorded with and without its postcode, shown as one.
            **(
                {"joined": [brief.location.pk, *(loc.pk for loc in brief.without_postcode)]}
                if brief.without_postcode
                else {}
            ),
        },
    )
    for resident in brief.residents:
        for alert in resident.alerts:
            alert.url = _alert_url(request, alert)  # type: ignore[attr-defined]
    return render(request, "people/address.html", {"brief": brief})
