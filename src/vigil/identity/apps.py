from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "vigil.identity"
    label = "identity"
    verbose_name = "Identity resolution"

    def ready(self) -> None:
        from vigil.identity import signals  # noqa: F401  (connects the record store's receivers)
