"""Drop the referral-decision index web/0001 made in raw SQL: records/0007 makes the same index
from ``Record.Meta.indexes``, where the table's owner declares it. A bulk load that dropped the
old index and was killed before restoring it leaves its statement in ``DeferredIndex``; that is
forgotten too, or the next command would build the old index again."""

from typing import Any

from django.db import migrations

OLD = "web_referral_decision_at"
EXPRESSION = {
    "sqlite": "JSON_EXTRACT(payload, '$.decision_at')",
    "postgresql": "(payload ->> 'decision_at')",
}


def forwards(apps: Any, schema_editor: Any) -> None:
    schema_editor.execute(f"DROP INDEX IF EXISTS {OLD}")
    deferred = apps.get_model("records", "DeferredIndex")
    deferred.objects.using(schema_editor.connection.alias).filter(name=OLD).delete()


def backwards(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor in EXPRESSION:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {OLD} ON records_record "
            f"(record_type, {EXPRESSION[vendor]})"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("web", "0001_referral_decision_index"),
        ("records", "0007_referral_decision_index"),
    ]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
