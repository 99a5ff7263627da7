from django.apps import AppConfig


class InspectionConfig(AppConfig):
    """Case audit and inspection (AUDIT.md): the inspectorate's method, run inside Vigil.

    Named ``inspection`` because ``vigil.audit`` is the access log; its command is ``vigil audit``.
    """

    name = "vigil.inspection"
    label = "inspection"
    verbose_name = "Case audit and inspection"

    def ready(self) -> None:
        from vigil.inspection.recommendations import register_recommendations
        from vigil.inspection.work import register_reviews

        register_reviews()
        register_recommendations()
