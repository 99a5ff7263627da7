"""Pages for work: the supervisor's view, imports."""

from django.urls import URLPattern, path

from vigil.ui import converters  # noqa: F401 (registers <ref:…> and <key:…>)
from vigil.web.work import imports, supervisor

urlpatterns: list[URLPattern] = [
    path("supervisor/", supervisor.overview, name="supervisor"),
    path("supervisor/custody/", supervisor.custody_now, name="custody-now"),
    path("supervisor/referrals/", supervisor.referrals_waiting, name="referrals-waiting"),
    path("imports/", imports.imports, name="imports"),
    path("imports/quarantine.csv", imports.quarantine_download, name="quarantine-download"),
]
