from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "vigil.audit"
    label = "audit"
    verbose_name = "Access and change log"
