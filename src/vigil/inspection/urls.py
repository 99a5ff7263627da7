"""Case audit pages (namespace ``inspection``), under /case-audits/."""

from __future__ import annotations

from django.urls import URLPattern, path

from vigil.inspection import views, views_report
from vigil.ui import converters  # noqa: F401 (registers <ref:…>: an odd audit id is a 404)

app_name = "inspection"
urlpatterns: list[URLPattern] = []

# Audits, sampling, cases, the two assessments and management reviews (views).
urlpatterns += [
    path("case-audits/", views.audits, name="audits"),
    path("case-audits/new/", views.new_audit, name="new"),
    path("case-audits/reviews/<int:pk>/", views.review, name="review"),
    path("case-audits/reviews/<int:pk>/close/", views.close_review, name="review-close"),
    path("case-audits/<ref:audit_id>/", views.audit, name="audit"),
    path("case-audits/<ref:audit_id>/sample/", views.sample, name="sample"),
    path("case-audits/<ref:audit_id>/inspectors/", views.invite, name="invite"),
    path(
        "case-audits/<ref:audit_id>/inspectors/<int:user_pk>/remove/",
        views.uninvite,
        name="uninvite",
    ),
    path("case-audits/<ref:audit_id>/cases/<int:pk>/", views.case, name="case"),
    path(
        "case-audits/<ref:audit_id>/cases/<int:pk>/self-assessment/",
        views.self_assessment,
        name="self-assessment",
    ),
    path(
        "case-audits/<ref:audit_id>/cases/<int:pk>/inspection/",
        views.inspection,
        name="inspection",
    ),
]

# The report, its documents and the recommendations tracker (views_report).
urlpatterns += [
    path("case-audits/<ref:audit_id>/report/", views_report.report, name="report"),
    path(
        "case-audits/<ref:audit_id>/report/report.html",
        views_report.report_html,
        name="report-html",
    ),
    path(
        "case-audits/<ref:audit_id>/report/report.pdf", views_report.report_pdf, name="report-pdf"
    ),
    path(
        "case-audits/<ref:audit_id>/report/assessments.csv",
        views_report.assessments_csv,
        name="assessments-csv",
    ),
    path(
        "case-audits/<ref:audit_id>/recommendations/",
        views_report.recommendation_list,
        name="recommendations",
    ),
    path(
        "case-audits/<ref:audit_id>/recommendations/new/",
        views_report.recommendation_new,
        name="recommendation-new",
    ),
    path(
        "case-audits/<ref:audit_id>/recommendations/<int:number>/",
        views_report.recommendation,
        name="recommendation",
    ),
    path(
        "case-audits/<ref:audit_id>/recommendations/<int:number>/change/",
        views_report.recommendation_change,
        name="recommendation-change",
    ),
    path(
        "case-audits/<ref:audit_id>/recommendations/<int:number>/progress/",
        views_report.recommendation_progress,
        name="recommendation-progress",
    ),
]
