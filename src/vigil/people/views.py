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
from vigil.audit.views import who_looked
from vigil.casework import held as casework_held
from vigil.casework import links as casework_links
from vigil.identity import actions as identity_actions
from vigil.identity.models import Person
from vigil.people import chronology as chronology_table
from vigil.people import exports, timeline
from vigil.people.briefing import briefing, find_locations
from vigil.people.forms import (
    AddressSearchForm,
    ChronologyFilter,
    PurposeForm,
    ReviewRequestForm,
    SearchForm,
)
from vigil.people.person import PersonPage, person_page
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
    narrowed = ChronologyFilter(request.GET)
    if not narrowed.is_valid():
        _nothing_disclosed(request)
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
    page, chron, filters = _chronology(subject, viewer, narrowed)
    table = narrowed.cleaned_data["view"] == "table"
    log_access(
        request,
        AuditAction.PERSON_VIEW,
        person_id,
        reason=reason,
        detail={
            "type_filter": record_type,
            "view": "table" if table else "cards",
            **_filters_logged(narrowed),
            "records_shown": len(page.chronology),
            **({"agreement": viewer.agreement.name} if viewer.agreement else {}),
        },
    )
    query = request.GET.urlencode()
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
            "can_decide_identity": can(request.user, C.DECIDE_IDENTITY),
            # Who has looked at this person: for those who oversee access (supervisors, auditors).
            "looked": (
                who_looked(person_id, 10)
                if can(request.user, C.VIEW_AUDIT_LOG) or can(request.user, C.SUPERVISE)
                else None
            ),
            "review_url": reverse("people:person-review", args=[person_id]),
            "review_form": ReviewRequestForm(),
            "chron": chron,
            "filters": filters,
            "filter_form": narrowed,
            "table_view": table,
            "newest_first": filters.newest_first,
            "timeline": _timeline(page, chron, filters),
            "printed_by": _printed_by(request),
            "printed_at": _now_words(),
            "csv_url": reverse("people:chronology-csv", args=[person_id])
            + (f"?{query}" if query else ""),
            "pdf_url": reverse("people:chronology-pdf", args=[person_id])
            + (f"?{query}" if query else ""),
        },
    )


def _chronology(
    subject: Person, viewer: Any, form: ChronologyFilter
) -> tuple[PersonPage, chronology_table.Chronology, chronology_table.Filters]:
    """The person page with its chronology table narrowed by the (valid) filter form; the
    cards show the same records as the table, in the same order."""
    data = form.cleaned_data
    page = person_page(subject, viewer)
    chron = chronology_table.build(page.chronology, viewer)
    filters = chronology_table.Filters(
        kinds=frozenset([data["type"]]) if data["type"] else frozenset(),
        role=data["role"],
        agency=data["agency"],
        start=data["from_date"],
        end=data["to_date"],
        newest_first=data["order"] == "newest",
    )
    chronology_table.narrow(chron, filters)
    kept = {p.pk: (i, j) for i, r in enumerate(chron.rows) for j, p in enumerate(r.parts)}
    page.chronology = sorted((e for e in page.chronology if e.pk in kept), key=lambda e: kept[e.pk])
    return page, chron, filters


def _filters_logged(form: ChronologyFilter) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        k: str(v)
        for k, v in (
            ("role_filter", data["role"]),
            ("agency_filter", data["agency"]),
            ("from", data["from_date"]),
            ("to", data["to_date"]),
            ("order", data["order"]),
        )
        if v
    }


TIMELINE_KINDS = {"missing": "missing", "custody": "custody", "referral": "referral"}


def _timeline(
    page: PersonPage, chron: chronology_table.Chronology, filters: chronology_table.Filters
) -> str:
    """The timeline strip of the person's whole history (or the date range asked for): one mark
    per domestic abuse incident (its linked records together), per missing episode, custody and
    referral, a bar for each other record, and a flag for each alert raised."""
    marks: list[timeline.Mark] = []
    for row in chron.every_row:
        if row.da or any(p.kind == "da_incident" for p in row.parts):
            marks.append(timeline.Mark(row.occurred_at, "da", row.what))
            rest = [p for p in row.parts if not p.da and p.kind != "da_incident"]
        else:
            rest = row.parts
        for p in rest:
            marks.append(
                timeline.Mark(p.occurred_at, TIMELINE_KINDS.get(p.record_type, "other"), p.what)
            )
    for a in page.alerts:
        marks.append(timeline.Mark(a.alert.raised_at, "alert", f"Alert: {a.title}"))
    today = timezone.localdate()
    raised = sum(1 for m in marks if m.kind == "alert")
    description = (
        chron.summary
        + (f" {raised} alert{'s' if raised != 1 else ''} raised." if raised else "")
        + " The shaded bands are the last 365 days and the last 90 days, the windows the"
        " rules count domestic abuse incidents and missing episodes in. The same records are"
        " listed in the chronology below."
    )
    return timeline.draw(
        marks,
        today,
        start=filters.start,
        end=filters.end,
        title="Timeline of records and alerts",
        description=description,
    )


def _printed_by(request: HttpRequest) -> str:
    user = request.user
    name = getattr(user, "display_name", "") or user.get_username()
    return str(name)


def _now_words() -> str:
    now = timezone.localtime()
    return f"{now.day} {now:%B %Y} at {now:%H:%M}"


@requires(C.VIEW_PERSON, C.VIEW_PERSON_MINIMISED, any_of=True)
@require_http_methods(["GET"])
def chronology_export(request: HttpRequest, person_id: str, fmt: str) -> HttpResponse:
    """The chronology (as filtered) as a CSV or a PDF, marked, with who made it and when."""
    subject = get_object_or_404(Person, person_id=person_id)
    viewer = viewer_for(request.user)
    narrowed = ChronologyFilter(request.GET)
    if not narrowed.is_valid():
        _nothing_disclosed(request)
        return bad_request(
            request,
            narrowed,
            "This chronology cannot be downloaded",
            back=reverse("people:person", args=[person_id]),
        )
    reason = ""
    if viewer.agreement is not None:
        reason = _purpose(request, person_id) or ""
        if not reason:
            _nothing_disclosed(request)
            return redirect("people:person", person_id=person_id)
    page, chron, filters = _chronology(subject, viewer, narrowed)
    name = page.summary.best_name if page.summary else "this person"
    printed_by, printed_at = _printed_by(request), _now_words()
    log_access(
        request,
        AuditAction.PERSON_EXPORT_CHRONOLOGY,
        person_id,
        reason=reason,
        detail={
            "format": fmt,
            "type_filter": narrowed.cleaned_data["type"],
            **_filters_logged(narrowed),
            "records_shown": chron.parts,
            **({"agreement": viewer.agreement.name} if viewer.agreement else {}),
        },
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    filename = f"chronology-{person_id}-{stamp}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(
            exports.chronology_csv(name, chron, printed_by, printed_at),
            content_type="text/csv; charset=utf-8",
        )
    else:
        response = HttpResponse(
            exports.chronology_pdf(
                {
                    "name": name,
                    "page": page,
                    "chron": chron,
                    "viewer": viewer,
                    "printed_by": printed_by,
                    "printed_at": printed_at,
                    "timeline": _timeline(page, chron, filters),
                }
            ),
            content_type="application/pdf",
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


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
