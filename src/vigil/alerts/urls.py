"""The alert queue, one alert's page, and the actions people take on it."""

from django.urls import URLPattern, path

from vigil.alerts import views
from vigil.ui import converters  # noqa: F401 (registers <ref:…>)

app_name = "alerts"
urlpatterns: list[URLPattern] = [
    path("", views.alert_queue, name="queue"),
    path("<ref:alert_id>/", views.alert_detail, name="alert"),
    path("<ref:alert_id>/acknowledge/", views.alert_acknowledge, name="acknowledge"),
    path("<ref:alert_id>/close/", views.alert_close, name="close"),
    path("<ref:alert_id>/assign/", views.alert_assign, name="assign"),
    path("<ref:alert_id>/note/", views.alert_note, name="note"),
]
