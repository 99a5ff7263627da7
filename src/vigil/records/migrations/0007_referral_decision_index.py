"""The referral-decision index, now in ``Record.Meta.indexes`` (web/0001 made it in raw SQL on
this app's table; web/0002 drops that one). The same columns and expression, so the supervisor's
"referrals waiting" query uses it as before."""

from django.db import migrations, models

import vigil.records.expressions


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0006_dwelling_location_keys"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="record",
            index=models.Index(
                models.F("record_type"),
                vigil.records.expressions.PayloadText("decision_at"),
                name="record_decision_at",
            ),
        ),
    ]
