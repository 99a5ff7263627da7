from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "vigil.alerts"
    label = "alerts"
    verbose_name = "Alerts"

    def ready(self) -> None:
        from vigil.alerts.work import register_alerts

        register_alerts()
