from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "vigil.casework"
    label = "casework"
    verbose_name = "Casework written in Vigil"

    def ready(self) -> None:
        from vigil.casework import workflows  # noqa: F401 (registers every workflow)
        from vigil.casework.links import register_duty_links

        register_duty_links()
        from vigil.casework.work import register_actions

        register_actions()
