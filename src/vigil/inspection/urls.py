"""Case audit pages (namespace ``inspection``), under /case-audits/."""

from __future__ import annotations

from django.urls import URLPattern, path

from vigil.inspection import views

app_name = "inspection"
urlpatterns: list[URLPattern] = []

# Audits, sampling, cases, the two assessments and management reviews (views).
urlpatterns += [
    path("case-audits/", views.audits, name="audits"),
    path("case-audits/new/", views.new_audit, name="new"),
    path("case-audits/reviews/<int:pk>/", views.review, name="review"),
    path("case-audits/reviews/<int:pk>/close/", views.close_review, name="review-close"),
    path("case-audits/<str:audit_id>/", views.audit, name="audit"),
    path("case-audits/<str:audit_id>/sample/", views.sample, name="sample"),
    path("case-audits/<str:audit_id>/cases/<int:pk>/", views.case, name="case"),
    path(
        "case-audits/<str:audit_id>/cases/<int:pk>/self-assessment/",
        views.self_assessment,
        name="self-assessment",
    ),
    path(
        "case-audits/<str:audit_id>/cases/<int:pk>/inspection/",
        views.inspection,
        name="inspection",
    ),
]
