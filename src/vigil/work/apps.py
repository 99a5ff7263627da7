from django.apps import AppConfig


class WorkConfig(AppConfig):
    name = "vigil.work"
    label = "work"
    verbose_name = "Work"
