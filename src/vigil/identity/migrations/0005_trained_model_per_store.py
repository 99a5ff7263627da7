from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("identity", "0004_changed_mentions"),
    ]

    operations = [
        migrations.AddField(
            model_name="identitystate",
            name="trained_model",
            field=models.JSONField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="identitystate",
            name="trained_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
