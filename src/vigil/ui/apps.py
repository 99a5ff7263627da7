from django.apps import AppConfig


class UiConfig(AppConfig):
    """Holds the GOV.UK partials every app's pages include (``ui/templates/ui/``): no models."""

    name = "vigil.ui"
    label = "ui"
