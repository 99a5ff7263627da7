from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "vigil.identity"
    label = "identity"
    verbose_name = "Identity resolution"

    def ready(self) -> None:
        from vigil.identity import signals  # noqa: F401  (connects the record store's receivers)
        from vigil.identity.audit_names import register

        register()  # the access log names people, records and addresses through these
