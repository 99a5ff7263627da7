"""Pages for work: alert queues, the supervisor's view, imports."""

from django.urls import URLPattern, path

from vigil.web import converters  # noqa: F401 (registers <ref:…> and <key:…>)
from vigil.web.work import alerts, imports, supervisor

urlpatterns: list[URLPattern] = [
    path("alerts/", alerts.alert_queue, name="alert-queue"),
    path("alerts/<ref:alert_id>/", alerts.alert_detail, name="alert"),
    path("alerts/<ref:alert_id>/acknowledge/", alerts.alert_acknowledge, name="alert-acknowledge"),
    path("alerts/<ref:alert_id>/close/", alerts.alert_close, name="alert-close"),
    path("alerts/<ref:alert_id>/assign/", alerts.alert_assign, name="alert-assign"),
    path("supervisor/", supervisor.overview, name="supervisor"),
    path("supervisor/custody/", supervisor.custody_now, name="custody-now"),
    path("supervisor/referrals/", supervisor.referrals_waiting, name="referrals-waiting"),
    path("imports/", imports.imports, name="imports"),
    path("imports/quarantine.csv", imports.quarantine_download, name="quarantine-download"),
]
