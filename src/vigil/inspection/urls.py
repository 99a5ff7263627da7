"""The case-audit pages: ``/case-audits/`` (namespace ``inspection``)."""

from django.urls import URLPattern, path

from vigil.inspection import views

app_name = "inspection"
urlpatterns: list[URLPattern] = [
    path("", views.audits, name="audits"),
    path("new/", views.new_audit, name="new"),
    path("reviews/<int:pk>/", views.review, name="review"),
    path("reviews/<int:pk>/close/", views.close_review, name="review-close"),
    path("<str:audit_id>/", views.audit, name="audit"),
    path("<str:audit_id>/sample/", views.sample, name="sample"),
    path("<str:audit_id>/cases/<int:pk>/", views.case, name="case"),
    path(
        "<str:audit_id>/cases/<int:pk>/self-assessment/",
        views.self_assessment,
        name="self-assessment",
    ),
    path("<str:audit_id>/cases/<int:pk>/inspection/", views.inspection, name="inspection"),
]
