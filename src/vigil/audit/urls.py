from django.urls import path

from vigil.audit import views
from vigil.ui import converters  # noqa: F401 (registers <ref:…>)

app_name = "audit"
urlpatterns = [
    path("", views.entries, name="log"),
    path("export.csv", views.export, name="export"),
    path("people/<ref:person_id>/", views.person, name="person"),
]
