from django.urls import include, path

urlpatterns = [
    path("accounts/", include("vigil.accounts.urls")),
    path("audit/", include("vigil.audit.urls")),
    path("alerts/", include("vigil.alerts.urls")),
    path("identity/", include("vigil.identity.urls")),
    path("work/", include("vigil.work.urls")),
    path("", include("vigil.people.urls")),
    path("", include("vigil.records.urls")),
    path("", include("vigil.oversight.urls")),
    path("", include("vigil.casework.urls")),
    path("", include("vigil.inspection.urls")),
    path("", include("vigil.web.urls")),
]
