"""The case-audit pages (``/case-audits/``): audits and their creation, drawing a sample, an
audit's cases by practice area, a case (its subjects' chronologies to the audit's end and
Vigil's findings), the two assessments of a case (blind: ``assessments``), and an immediate
management review. Every page that shows a case's people writes to the access log, with the
audit as its purpose."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from vigil.access.disclosure import viewer_for
from vigil.access.permissions import Capability, can, requires
from vigil.audit.access import discloses_nothing, log_access
from vigil.audit.actions import AuditAction
from vigil.inspection import actions, assessments, casefile, invitations
from vigil.inspection.assessments import AssessmentError
from vigil.inspection.forms import (
    AssessmentForm,
    AuditForm,
    InviteForm,
    ReviewCloseForm,
    SampleForm,
)
from vigil.inspection.grading import AREAS, ASSESSORS, INSPECTOR, SELF
from vigil.inspection.models import Assessment, Audit, AuditCase, ManagementReview
from vigil.inspection.words import case_title, case_titles, day_text
from vigil.inspection.work import OUTCOMES
from vigil.ui.pages import optional_url
from vigil.work.actions import WorkActionError

C = Capability


def _audit(request: HttpRequest, audit_id: str) -> Audit:
    """The audit, if this account may open it (an inspector: only when invited; else 403)."""
    found = get_object_or_404(Audit, audit_id=audit_id)
    invitations.check(request.user, found)
    return found


def _case(audit: Audit, pk: int) -> AuditCase:
    return get_object_or_404(AuditCase.objects.select_related("audit"), audit=audit, pk=pk)


def _purpose(audit: Audit) -> str:
    return f"Case audit: {audit.name}"


def _target(case: AuditCase) -> str:
    return f"case-audit:{case.audit.audit_id}/{case.case_ref}"


def period_text(audit: Audit) -> str:
    return f"{day_text(audit.period_from)} to {day_text(audit.period_to)}"


# ---- audits ---------------------------------------------------------------------------------


@requires(C.VIEW_CASE_AUDITS)
@require_GET
@discloses_nothing  # audits' names and periods: no one's personal data
def audits(request: HttpRequest) -> HttpResponse:
    rows = [
        {"audit": a, "period": period_text(a), "cases": a.n_cases}
        for a in invitations.visible(request.user, Audit.objects.all()).annotate(
            n_cases=Count("cases")
        )[:200]
    ]
    return render(
        request,
        "inspection/audits.html",
        {"rows": rows, "may_run": can(request.user, C.RUN_CASE_AUDIT)},
    )


@requires(C.RUN_CASE_AUDIT)
@require_http_methods(["GET", "POST"])
@discloses_nothing  # the form; creating the audit is logged by actions.create_audit
def new_audit(request: HttpRequest) -> HttpResponse:
    form = AuditForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            audit = actions.create_audit(
                form.cleaned_data["name"],
                form.cleaned_data["period_from"],
                form.cleaned_data["period_to"],
                actor=request.user.get_username(),
            )
        except actions.AuditError as refused:
            form.add_error(None, str(refused).capitalize())
        else:
            messages.success(request, f"Audit created: {audit.name}. Now draw its sample.")
            return redirect("inspection:sample", audit_id=audit.audit_id)
    return render(request, "inspection/new_audit.html", {"form": form})


@requires(C.RUN_CASE_AUDIT)
@require_http_methods(["GET", "POST"])
@discloses_nothing  # counts by area, no one named; the draw is logged by actions.sample
def sample(request: HttpRequest, audit_id: str) -> HttpResponse:
    audit = _audit(request, audit_id)
    form = SampleForm(request.POST if request.method == "POST" else None)
    drawn = None
    if request.method == "POST" and form.is_valid():
        # The draw and its access-log entry are CORE's (``actions.sample``); the page shows
        # how many of each area were drawn (no one's name) and says where fewer existed.
        cases, shortfalls, seed = actions.sample(
            audit,
            form.counts(),
            form.cleaned_data.get("seed"),
            actor=request.user.get_username(),
        )
        held = dict.fromkeys(AREAS, 0)
        for case in cases:
            held[case.area] += 1
        short = {s.area: s for s in shortfalls}
        drawn = {
            "seed": seed,
            "areas": [
                {
                    "label": AREAS[code],
                    "asked": asked,
                    "drawn": held[code],
                    "short": code in short,
                    "held": short[code].held if code in short else None,
                    "already": short[code].already if code in short else 0,
                }
                for code, asked in form.counts().items()
            ],
            "total": len(cases),
        }
        form = SampleForm()
    return render(
        request,
        "inspection/sample.html",
        {"audit": audit, "period": period_text(audit), "form": form, "drawn": drawn},
    )


@requires(C.VIEW_CASE_AUDITS)
@require_GET
def audit(request: HttpRequest, audit_id: str) -> HttpResponse:
    found = _audit(request, audit_id)
    return _audit_page(request, found, _invite_form(found))


def _invite_form(found: Audit, data: Any = None) -> InviteForm:
    return InviteForm(data, inspectors=invitations.invitable(found))


def _audit_page(
    request: HttpRequest, found: Audit, invite_form: InviteForm, status: int = 200
) -> HttpResponse:
    cases = list(found.cases.order_by("area", "case_ref").prefetch_related("assessments"))
    titles = case_titles(cases)
    by_area: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for case in cases:
        shown = assessments.shown(case, request.user, list(case.assessments.all()))
        by_area[case.area].append(
            {
                "case": case,
                "title": titles[case.pk],
                "self": shown[SELF],
                "inspector": shown[INSPECTOR],
                "findings": len(case.findings),
            }
        )
    rows = [r for area in by_area.values() for r in area]
    submitted = {
        side: sum(1 for r in rows if r[side].state == assessments.SUBMITTED)
        for side in (SELF, INSPECTOR)
    }
    submitted["both"] = sum(
        1
        for r in rows
        if r[SELF].state == assessments.SUBMITTED and r[INSPECTOR].state == assessments.SUBMITTED
    )
    areas = [
        {"code": code, "label": label, "cases": by_area[code]}
        for code, label in AREAS.items()
        if by_area.get(code)
    ]
    log_access(
        request,
        AuditAction.CASE_AUDIT_VIEW,
        f"case-audit:{found.audit_id}",
        reason=_purpose(found),
        detail={"cases": len(cases)},
    )
    return render(
        request,
        "inspection/audit.html",
        {
            "audit": found,
            "period": period_text(found),
            "areas": areas,
            "total": len(cases),
            "submitted": submitted,
            "may_run": can(request.user, C.RUN_CASE_AUDIT),
            "inspectors": invitations.invited(found),
            "invite_form": invite_form,
            # The report page (REPORT's views_report), once it is built.
            "report_url": optional_url("inspection:report", found.audit_id),
        },
        status=status,
    )


# ---- inspectors invited ---------------------------------------------------------------------


@requires(C.RUN_CASE_AUDIT)
@require_POST
def invite(request: HttpRequest, audit_id: str) -> HttpResponse:
    """Invite an inspector to the audit: the only audits an inspector's account sees."""
    found = _audit(request, audit_id)
    form = _invite_form(found, request.POST)
    if form.is_valid():
        inspector = form.cleaned_data["inspector"]
        try:
            invitations.invite(found, inspector, actor=request.user.get_username())
        except invitations.InvitationError as refused:
            form.add_error("inspector", str(refused).capitalize())
        else:
            messages.success(request, f"{inspector.display_name} invited to this audit")
            return redirect("inspection:audit", audit_id=found.audit_id)
    return _audit_page(request, found, form, status=400)


@requires(C.RUN_CASE_AUDIT)
@require_POST
@discloses_nothing  # an account taken off the audit; logged by invitations.uninvite
def uninvite(request: HttpRequest, audit_id: str, user_pk: int) -> HttpResponse:
    found = _audit(request, audit_id)
    inspector = get_object_or_404(found.inspectors.all(), pk=user_pk)
    invitations.uninvite(found, inspector, actor=request.user.get_username())
    messages.success(request, f"{inspector.display_name} is no longer invited to this audit")
    return redirect("inspection:audit", audit_id=found.audit_id)


# ---- a case ---------------------------------------------------------------------------------


@requires(C.VIEW_CASE_AUDITS)
@require_GET
def case(request: HttpRequest, audit_id: str, pk: int) -> HttpResponse:
    found = _audit(request, audit_id)
    item = _case(found, pk)
    viewer = viewer_for(request.user)
    people = casefile.subjects(item, actions.as_of(found), viewer)
    vigil_findings = casefile.findings(item, people, viewer)
    _log_case(request, item, people, page="case")
    shown = assessments.shown(item, request.user)
    return render(
        request,
        "inspection/case.html",
        {
            "audit": found,
            "case": item,
            "title": case_title(item),
            "area": AREAS.get(item.area, ""),
            "period": period_text(found),
            "people": people,
            "findings": vigil_findings,
            "assessments": [shown[SELF], shown[INSPECTOR]],
            "links": {
                SELF: reverse("inspection:self-assessment", args=[found.audit_id, item.pk]),
                INSPECTOR: reverse("inspection:inspection", args=[found.audit_id, item.pk]),
            },
            "reviews": list(item.reviews.select_related("assigned_to").order_by("raised_at")),
        },
    )


def _log_case(
    request: HttpRequest, item: AuditCase, people: list[casefile.Subject], page: str
) -> None:
    """A view of a case is a view of each of its people: one entry each, the audit the purpose."""
    detail = {"audit": item.audit.audit_id, "case": item.case_ref, "page": page}
    targets = [f"person:{p.person_id}" for p in people] or [_target(item)]
    for target in targets:
        log_access(
            request,
            AuditAction.CASE_AUDIT_VIEW_CASE,
            target,
            reason=_purpose(item.audit),
            detail=detail,
        )


# ---- assessments ----------------------------------------------------------------------------


@requires(C.SELF_ASSESS)
@require_http_methods(["GET", "POST"])
def self_assessment(request: HttpRequest, audit_id: str, pk: int) -> HttpResponse:
    return _assess(request, audit_id, pk, SELF)


@requires(C.INSPECT)
@require_http_methods(["GET", "POST"])
def inspection(request: HttpRequest, audit_id: str, pk: int) -> HttpResponse:
    return _assess(request, audit_id, pk, INSPECTOR)


def _initial(held: Assessment | None) -> dict[str, Any]:
    if held is None:
        return {}
    supervisor, reason = assessments.draft_review(held)
    initial: dict[str, Any] = {
        "grade": held.grade,
        "rationale": held.rationale,
        "review": held.management_review,
        "review_supervisor": str(supervisor or ""),
        "review_reason": reason,
    }
    for key, value in (held.answers or {}).items():
        if isinstance(value, dict) and key != assessments.REVIEW_DRAFT:
            initial[f"answer_{key}"] = value.get("answer", "")
            initial[f"note_{key}"] = value.get("note", "")
    return initial


def _assess(request: HttpRequest, audit_id: str, pk: int, assessor: str) -> HttpResponse:
    found = _audit(request, audit_id)
    item = _case(found, pk)
    back = reverse("inspection:case", args=[found.audit_id, item.pk])
    context: dict[str, Any] = {
        "audit": found,
        "case": item,
        "title": case_title(item),
        "assessor_label": ASSESSORS[assessor],
        "back": back,
    }
    try:
        held = assessments.editable(item, assessor, request.user)
    except AssessmentError as refused:
        # Submitted, or a colleague's draft: the page says so and shows what this person may see.
        _log_case(request, item, [], page=assessor)
        context["refused"] = str(refused)
        context["shown"] = assessments.shown(item, request.user)[assessor]
        return render(request, "inspection/assessment_closed.html", context)
    supervisors = assessments.supervisors()
    if request.method == "POST":
        form = AssessmentForm(request.POST, supervisors=supervisors)
        if form.is_valid():
            submit = form.cleaned_data.get("action") == "submit"
            try:
                assessments.save(
                    item,
                    assessor,
                    request.user,  # type: ignore[arg-type]
                    grade=form.cleaned_data.get("grade") or "",
                    answers=form.answers(),
                    rationale=form.cleaned_data.get("rationale") or "",
                    review=bool(form.cleaned_data.get("review")),
                    review_supervisor=form.supervisor(),
                    review_reason=form.cleaned_data.get("review_reason") or "",
                    submit=submit,
                )
            except AssessmentError as refused:
                form.add_error(refused.field or None, str(refused))
            else:
                messages.success(
                    request,
                    f"{ASSESSORS[assessor]} submitted"
                    if submit
                    else f"{ASSESSORS[assessor]} saved as a draft",
                )
                return redirect(back)
        # Sent and refused: logged as a look at the case (the save itself logs its own entry).
        _log_case(request, item, [], page=assessor)
    else:
        form = AssessmentForm(initial=_initial(held), supervisors=supervisors)
        _log_case(request, item, [], page=assessor)
    context.update({"form": form, "held": held})
    return render(request, "inspection/assessment.html", context)


# ---- management reviews ---------------------------------------------------------------------


def _review(request: HttpRequest, pk: int) -> ManagementReview:
    found = get_object_or_404(
        ManagementReview.objects.select_related(
            "case", "case__audit", "assigned_to", "raised_by", "assigned_by"
        ),
        pk=pk,
    )
    invitations.check(request.user, found.case.audit)
    return found


def _review_page(
    request: HttpRequest, review: ManagementReview, form: ReviewCloseForm, status: int = 200
) -> HttpResponse:
    log_access(
        request,
        AuditAction.MANAGEMENT_REVIEW_VIEW,
        f"management_review:{review.pk}",
        reason=_purpose(review.case.audit),
        detail={"audit": review.case.audit.audit_id, "case": review.case.case_ref},
    )
    outcome = {o.key: o.label for o in OUTCOMES}.get(review.outcome, "")
    return render(
        request,
        "inspection/review.html",
        {
            "review": review,
            "title": case_title(review.case),
            "audit": review.case.audit,
            "case_url": reverse(
                "inspection:case", args=[review.case.audit.audit_id, review.case.pk]
            ),
            "events": list(review.events.all()),
            "outcome": outcome,
            "form": form,
            "may_close": review.status == ManagementReview.Status.OPEN
            and can(request.user, C.SELF_ASSESS),
        },
        status=status,
    )


def _close_form(data: Any = None) -> ReviewCloseForm:
    return ReviewCloseForm(data, outcomes=[(o.key, o.label) for o in OUTCOMES])


@requires(C.VIEW_CASE_AUDITS)
@require_GET
def review(request: HttpRequest, pk: int) -> HttpResponse:
    return _review_page(request, _review(request, pk), _close_form())


@requires(C.SELF_ASSESS)
@require_POST
def close_review(request: HttpRequest, pk: int) -> HttpResponse:
    item = _review(request, pk)
    form = _close_form(request.POST)
    if form.is_valid():
        try:
            assessments.close_review(
                item,
                request.user,  # type: ignore[arg-type]
                form.cleaned_data["outcome"],
                form.cleaned_data["note"],
            )
        except WorkActionError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, "Management review closed")
            return redirect("inspection:review", pk=item.pk)
    return _review_page(request, item, form, status=400)
