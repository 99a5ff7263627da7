"""An index for the supervisor's "referrals waiting" figure and list (oversight/queries.py).

Waiting means a referral with no decision recorded; without this index every referral ever
made has its payload parsed to find out (11,000 on a 100,000-person force, most of the
supervisor page's time). An index on the record type and the decision field, the field written
exactly as ``PayloadText("decision_at")`` reads it, so the database can use it; two equality
terms make even SQLite's planner without statistics prefer it to the record-type index (a
partial index on referrals only, it would not choose). The
table belongs to the records app; this migration only adds the index (and drops it backwards).
"""

from typing import Any

from django.db import migrations

NAME = "web_referral_decision_at"
EXPRESSION = {
    "sqlite": "JSON_EXTRACT(payload, '$.decision_at')",
    "postgresql": "(payload ->> 'decision_at')",
}


def forwards(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor in EXPRESSION:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {NAME} ON records_record "
            f"(record_type, {EXPRESSION[vendor]})"
        )


def backwards(apps: Any, schema_editor: Any) -> None:
    schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("records", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
