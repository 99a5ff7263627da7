from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AuditConfig(AppConfig):
    name = "vigil.audit"
    label = "audit"
    verbose_name = "Access and change log"

    def ready(self) -> None:
        from vigil.audit.dbroles import grant_after_migrate

        # Once per migrate, after every app's tables exist: the owner grants the app's role.
        post_migrate.connect(grant_after_migrate, dispatch_uid="vigil.audit.grant_after_migrate")
