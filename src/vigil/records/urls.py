"""Import status: the batches and the quarantine (and its CSV download)."""

from django.urls import URLPattern, path

from vigil.records import views

app_name = "records"
urlpatterns: list[URLPattern] = [
    path("imports/", views.imports, name="imports"),
    path("imports/quarantine.csv", views.quarantine_download, name="quarantine-download"),
]
