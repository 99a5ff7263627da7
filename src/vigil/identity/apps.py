from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "vigil.identity"
    label = "identity"
    verbose_name = "Identity resolution"
