"""The supervisor's pages: the overview, children in custody now, referrals waiting."""

from django.urls import URLPattern, path

from vigil.oversight import views

app_name = "oversight"
urlpatterns: list[URLPattern] = [
    path("supervisor/", views.overview, name="supervisor"),
    path("supervisor/custody/", views.custody_now, name="custody-now"),
    path("supervisor/referrals/", views.referrals_waiting, name="referrals-waiting"),
]
