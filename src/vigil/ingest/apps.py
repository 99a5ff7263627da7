from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "vigil.ingest"
    label = "ingest"
    verbose_name = "Ingestion"

    def ready(self) -> None:
        from vigil.ingest import tasks  # noqa: F401  (re-assesses alerts when identity relinks)
