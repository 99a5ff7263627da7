from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "vigil.web"
    label = "web"
    verbose_name = "Web application"

    def ready(self) -> None:
        from vigil.web.work import tasks  # noqa: F401  (re-assesses alerts when identity relinks)
