"""An audit's report page (its figures in words, with charts), its downloads (HTML, PDF, CSV of
the assessments), and the recommendations tracker's pages. Every figure comes from
``report.build``; every view and download is in the access log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from vigil.access.permissions import Capability, can, requires
from vigil.accounts.models import Team, User
from vigil.audit.access import log_access
from vigil.audit.actions import AuditAction
from vigil.inspection import charts, documents, invitations, recommendations
from vigil.inspection.models import Audit, AuditCase, Recommendation
from vigil.inspection.recommendations import RecommendationError
from vigil.ui.fields import WhenField
from vigil.ui.pages import optional_url


def _me(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _audit(request: HttpRequest, audit_id: str) -> Audit:
    """The audit, if this account may open it (an inspector: only when invited; else 403)."""
    found = get_object_or_404(Audit, audit_id=audit_id)
    invitations.check(request.user, found)
    return found


def _log_people(request: HttpRequest, audit: Audit, action: AuditAction, fmt: str) -> None:
    """A document holds every case's findings, whose explanations name people, and the
    assessors' rationales: a view of each case's people, one entry each, the audit the purpose
    (as the case pages log them), after the entry for the document itself."""
    people: dict[str, list[str]] = {}
    for ref, subjects in AuditCase.objects.filter(audit=audit).values_list("case_ref", "subjects"):
        for subject in subjects or []:
            if subject.get("person_id"):
                people.setdefault(str(subject["person_id"]), []).append(ref)
    for person_id, refs in sorted(people.items()):
        log_access(
            request,
            action,
            f"person:{person_id}",
            reason=f"Case audit: {audit.name}",
            detail={"audit": audit.audit_id, "format": fmt, "cases": refs},
        )


def _filename(audit: Audit, ext: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in audit.audit_id)
    return f"case-audit-{safe}.{ext}"


# ---- the report ---------------------------------------------------------------------------------


@requires(Capability.VIEW_CASE_AUDITS)
@require_GET
def report(request: HttpRequest, audit_id: str) -> HttpResponse:
    audit = _audit(request, audit_id)
    ctx = documents.context(audit)
    differed = ctx["figures"]["differed_significantly"]
    pks = dict(
        AuditCase.objects.filter(audit=audit, case_ref__in=differed).values_list("case_ref", "pk")
    )
    ctx["differed_links"] = [
        {"ref": ref, "url": optional_url("inspection:case", audit.audit_id, pks[ref])}
        for ref in differed
        if ref in pks
    ]
    ctx["recommendations"] = list(
        audit.recommendations.select_related("assigned_to", "assigned_team")
    )
    ctx["now"] = timezone.now()
    ctx["can_manage"] = can(_me(request), Capability.MANAGE_RECOMMENDATIONS)
    ctx["audit_url"] = optional_url("inspection:audit", audit.audit_id)
    log_access(
        request,
        AuditAction.CASE_AUDIT_VIEW_REPORT,
        f"case_audit:{audit.audit_id}",
        detail={"cases": ctx["figures"]["cases"]},
    )
    return render(request, "inspection/report.html", ctx)


def _download(
    request: HttpRequest,
    audit: Any,
    body: str | bytes,
    fmt: str,
    content_type: str,
    action: AuditAction,
    filename: str = "",
    **detail: Any,
) -> HttpResponse:
    """A report document as an attachment, logged for the audit and each person it names."""
    log_access(request, action, f"case_audit:{audit.audit_id}", detail={"format": fmt, **detail})
    _log_people(request, audit, action, fmt)
    response = HttpResponse(body, content_type=content_type)
    name = filename or _filename(audit, fmt)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@requires(Capability.VIEW_CASE_AUDITS)
@require_GET
def report_html(request: HttpRequest, audit_id: str) -> HttpResponse:
    audit = _audit(request, audit_id)
    return _download(
        request,
        audit,
        documents.report_html(audit),
        "html",
        "text/html; charset=utf-8",
        AuditAction.CASE_AUDIT_DOWNLOAD_REPORT,
    )


@requires(Capability.VIEW_CASE_AUDITS)
@require_GET
def report_pdf(request: HttpRequest, audit_id: str) -> HttpResponse:
    audit = _audit(request, audit_id)
    return _download(
        request,
        audit,
        documents.report_pdf(audit),
        "pdf",
        "application/pdf",
        AuditAction.CASE_AUDIT_DOWNLOAD_REPORT,
    )


@requires(Capability.VIEW_CASE_AUDITS)
@require_GET
def assessments_csv(request: HttpRequest, audit_id: str) -> HttpResponse:
    audit = _audit(request, audit_id)
    body = documents.assessments_csv(audit)
    return _download(
        request,
        audit,
        body,
        "csv",
        "text/csv; charset=utf-8",
        AuditAction.CASE_AUDIT_EXPORT_ASSESSMENTS,
        filename=_filename(audit, "csv").replace(".csv", "-assessments.csv"),
        rows=max(body.count("\n") - 1, 0),
    )


# ---- recommendations ----------------------------------------------------------------------------


class RecommendationForm(forms.Form):
    text = forms.CharField(
        label="Recommendation",
        widget=forms.Textarea,
        max_length=4000,
        error_messages={"required": "Write the recommendation"},
    )
    kind = forms.ChoiceField(
        label="What is due in 6 weeks",
        choices=[
            (Recommendation.Kind.IMMEDIATE, "An update: the recommendation is immediate"),
            (Recommendation.Kind.ACTION_PLAN, "An action plan"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether it is immediate or needs an action plan"},
    )
    owner = forms.ChoiceField(
        label="Owner",
        required=False,
        help_text="A supervisor who records its progress. Or leave this and choose a team.",
    )
    team = forms.ChoiceField(
        label="Or a team",
        required=False,
        help_text="Its members who may record progress are told; the first to do so owns it.",
    )
    published_at = WhenField(
        label="Published",
        future=True,
        help_text="The update or action plan is due 6 weeks after this, the revisit 6 months after.",
        error_messages={"required": "Enter when it was published"},
    )
    codes = forms.MultipleChoiceField(
        label="Alerts it aims to reduce (optional)",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Their open count at each month's end is its measure of progress.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.owner_accounts = {str(u.pk): u for u in recommendations.owners()}
        owner_field = self.fields["owner"]
        team_field = self.fields["team"]
        codes_field = self.fields["codes"]
        assert isinstance(owner_field, forms.ChoiceField)
        assert isinstance(team_field, forms.ChoiceField)
        assert isinstance(codes_field, forms.ChoiceField)
        owner_field.choices = [("", "Choose a person")] + [
            (pk, u.display_name + (f", {u.team.name}" if u.team else ""))
            for pk, u in self.owner_accounts.items()
        ]
        self.teams = {str(t.pk): t for t in Team.objects.filter(active=True).order_by("name")}
        team_field.choices = [("", "Choose a team")] + [
            (pk, t.name) for pk, t in self.teams.items()
        ]
        codes_field.choices = recommendations.code_choices()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        owner, team = data.get("owner"), data.get("team")
        if not owner and not team and "owner" not in self.errors:
            self.add_error("owner", "Choose who owns the recommendation: a person or a team")
        elif owner and team:
            self.add_error("team", "Choose a person or a team, not both")
        data["owner_account"] = self.owner_accounts.get(owner or "")
        data["team_object"] = None if owner else self.teams.get(team or "")
        return data


class ProgressForm(forms.Form):
    status = forms.ChoiceField(
        label="Where it stands",
        choices=list(Recommendation.Status.choices),
        widget=forms.RadioSelect,
        error_messages={"required": "Choose where the recommendation stands"},
    )
    evidence = forms.CharField(
        label="Evidence",
        required=False,
        widget=forms.Textarea,
        max_length=8000,
        help_text="Needed when it is done: what was done, and where the proof is.",
    )
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        widget=forms.Textarea,
        max_length=4000,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("status") == Recommendation.Status.DONE
            and not (data.get("evidence") or "").strip()
        ):
            self.add_error("evidence", "Write the evidence that it is done")
        return data


def _rec(audit: Audit, number: int) -> Recommendation:
    return get_object_or_404(
        Recommendation.objects.select_related("audit", "assigned_to", "assigned_team"),
        audit=audit,
        number=number,
    )


def _rows(recs: list[Recommendation], now: dt.datetime) -> list[dict[str, Any]]:
    return [
        {
            "rec": r,
            "overdue": recommendations.is_overdue(r, now),
            "url": reverse("inspection:recommendation", args=[r.audit.audit_id, r.number]),
        }
        for r in recs
    ]


@requires(Capability.VIEW_CASE_AUDITS)
@require_GET
def recommendation_list(request: HttpRequest, audit_id: str) -> HttpResponse:
    audit = _audit(request, audit_id)
    now = timezone.now()
    recs = list(audit.recommendations.select_related("audit", "assigned_to", "assigned_team"))
    log_access(
        request,
        AuditAction.CASE_AUDIT_LIST_RECOMMENDATIONS,
        f"case_audit:{audit.audit_id}",
        detail={"shown": [r.number for r in recs]},
    )
    return render(
        request,
        "inspection/recommendations.html",
        {
            "audit": audit,
            "rows": _rows(recs, now),
            "can_manage": can(_me(request), Capability.MANAGE_RECOMMENDATIONS),
        },
    )


def _form_page(
    request: HttpRequest, audit: Audit, form: RecommendationForm, rec: Recommendation | None
) -> HttpResponse:
    return render(
        request,
        "inspection/recommendation_form.html",
        {"audit": audit, "form": form, "rec": rec},
        status=400 if form.is_bound and form.errors else 200,
    )


def _save(
    request: HttpRequest, audit: Audit, rec: Recommendation | None
) -> tuple[RecommendationForm, Recommendation | None]:
    form = RecommendationForm(request.POST)
    target = f"case_audit:{audit.audit_id}" + (f":recommendation:{rec.number}" if rec else "")
    if not form.is_valid():
        log_access(
            request,
            AuditAction.CASE_AUDIT_SUBMIT_RECOMMENDATION,
            target,
            detail={"refused": sorted(form.errors)},
        )
        return form, None
    d = form.cleaned_data
    fields = {
        "actor": _me(request),
        "text": d["text"],
        "kind": d["kind"],
        "owner": d["owner_account"],
        "team": d["team_object"],
        "published_at": d["published_at"],
        "codes": d["codes"],
    }
    try:
        if rec is None:
            saved = recommendations.publish(audit, **fields)
        else:
            saved = recommendations.change(rec, **fields)
    except RecommendationError as exc:
        form.add_error(exc.field or None, str(exc)[:1].upper() + str(exc)[1:])
        log_access(
            request,
            AuditAction.CASE_AUDIT_SUBMIT_RECOMMENDATION,
            target,
            detail={"refused": str(exc)},
        )
        return form, None
    log_access(
        request,
        AuditAction.CASE_AUDIT_SUBMIT_RECOMMENDATION,
        f"case_audit:{audit.audit_id}:recommendation:{saved.number}",
    )
    return form, saved


@requires(Capability.MANAGE_RECOMMENDATIONS)
def recommendation_new(request: HttpRequest, audit_id: str) -> HttpResponse:
    audit = _audit(request, audit_id)
    if request.method == "POST":
        form, saved = _save(request, audit, None)
        if saved is not None:
            messages.success(request, f"Recommendation {saved.number} published.")
            return redirect("inspection:recommendation", audit.audit_id, saved.number)
        return _form_page(request, audit, form, None)
    log_access(request, AuditAction.CASE_AUDIT_LIST_RECOMMENDATIONS, f"case_audit:{audit.audit_id}")
    form = RecommendationForm(initial={"published_at": timezone.now()})
    return _form_page(request, audit, form, None)


@requires(Capability.MANAGE_RECOMMENDATIONS)
def recommendation_change(request: HttpRequest, audit_id: str, number: int) -> HttpResponse:
    audit = _audit(request, audit_id)
    rec = _rec(audit, number)
    if request.method == "POST":
        form, saved = _save(request, audit, rec)
        if saved is not None:
            messages.success(request, f"Recommendation {saved.number} changed.")
            return redirect("inspection:recommendation", audit.audit_id, saved.number)
        return _form_page(request, audit, form, rec)
    log_access(
        request,
        AuditAction.CASE_AUDIT_VIEW_RECOMMENDATION,
        f"case_audit:{audit.audit_id}:recommendation:{rec.number}",
    )
    form = RecommendationForm(
        initial={
            "text": rec.text,
            "kind": rec.kind,
            "owner": str(rec.assigned_to_id or ""),
            "team": "" if rec.assigned_to_id else str(rec.assigned_team_id or ""),
            "published_at": rec.published_at,
            "codes": list(rec.codes),
        }
    )
    return _form_page(request, audit, form, rec)


def _detail_page(
    request: HttpRequest, rec: Recommendation, form: ProgressForm | None, status: int = 200
) -> HttpResponse:
    me = _me(request)
    now = timezone.now()
    measured = recommendations.progress(rec, now)
    chart = None
    if measured.codes and measured.months:
        drawn = charts.progress([m.label for m in measured.months], measured.series)
        chart = {"chart": drawn, "svg": mark_safe(drawn.svg)}  # noqa: S308 (escaped in charts)
    may_update = recommendations.may_update(me, rec)
    if may_update and form is None:
        form = ProgressForm(initial={"status": rec.status, "evidence": rec.evidence})
    return render(
        request,
        "inspection/recommendation.html",
        {
            "audit": rec.audit,
            "rec": rec,
            "overdue": recommendations.is_overdue(rec, now),
            "events": list(rec.events.all()),
            "measured": measured,
            "chart": chart,
            "form": form if may_update else None,
            "can_manage": can(me, Capability.MANAGE_RECOMMENDATIONS),
            "code_titles": [t for t, _ in measured.series],
        },
        status=status,
    )


@requires(Capability.VIEW_CASE_AUDITS)
@require_GET
def recommendation(request: HttpRequest, audit_id: str, number: int) -> HttpResponse:
    rec = _rec(_audit(request, audit_id), number)
    log_access(
        request,
        AuditAction.CASE_AUDIT_VIEW_RECOMMENDATION,
        f"case_audit:{audit_id}:recommendation:{rec.number}",
    )
    return _detail_page(request, rec, None)


@requires(Capability.UPDATE_RECOMMENDATIONS)
@require_POST
def recommendation_progress(request: HttpRequest, audit_id: str, number: int) -> HttpResponse:
    rec = _rec(_audit(request, audit_id), number)
    me = _me(request)
    target = f"case_audit:{audit_id}:recommendation:{rec.number}"
    if not recommendations.may_update(me, rec):
        log_access(
            request,
            AuditAction.CASE_AUDIT_SUBMIT_RECOMMENDATION,
            target,
            detail={"refused": "not the owner"},
        )
        raise PermissionDenied
    form = ProgressForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            recommendations.record_progress(
                rec, actor=me, status=d["status"], evidence=d["evidence"], note=d["note"]
            )
        except RecommendationError as exc:
            form.add_error(exc.field or None, str(exc)[:1].upper() + str(exc)[1:])
        else:
            log_access(request, AuditAction.CASE_AUDIT_SUBMIT_RECOMMENDATION, target)
            messages.success(request, "Progress recorded.")
            return redirect("inspection:recommendation", audit_id, rec.number)
    log_access(
        request,
        AuditAction.CASE_AUDIT_SUBMIT_RECOMMENDATION,
        target,
        detail={"refused": sorted(form.errors)},
    )
    return _detail_page(request, rec, form, status=400)
