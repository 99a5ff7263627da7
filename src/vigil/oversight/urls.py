"""The supervisor's pages: the overview, children in custody now, referrals waiting."""

from django.urls import URLPattern, path

from vigil.oversight import performance_views, views

app_name = "oversight"
urlpatterns: list[URLPattern] = [
    path("supervisor/", views.overview, name="supervisor"),
    path("supervisor/custody/", views.custody_now, name="custody-now"),
    path("supervisor/referrals/", views.referrals_waiting, name="referrals-waiting"),
    path("supervisor/performance/", performance_views.performance_page, name="performance"),
    path(
        "supervisor/performance/<slug:figure>.csv",
        performance_views.performance_csv,
        name="performance-csv",
    ),
]
