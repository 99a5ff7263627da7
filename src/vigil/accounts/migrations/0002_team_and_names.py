"""Teams become a table, and accounts carry a name, rank and staff number.

An account's team was free text; each distinct text becomes a team, so no account loses its team.
"""

import django.db.models.deletion
from django.db import migrations, models


def teams_from_text(apps, schema_editor):
    Team = apps.get_model("accounts", "Team")
    User = apps.get_model("accounts", "User")
    db = schema_editor.connection.alias
    for name in (
        User.objects.using(db)
        .exclude(legacy_team="")
        .values_list("legacy_team", flat=True)
        .distinct()
    ):
        team, _ = Team.objects.using(db).get_or_create(name=name.strip())
        User.objects.using(db).filter(legacy_team=name).update(team=team)


def text_from_teams(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    db = schema_editor.connection.alias
    for user in User.objects.using(db).exclude(team=None).select_related("team"):
        user.legacy_team = user.team.name
        user.save(update_fields=["legacy_team"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="Team",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100, unique=True)),
                ("active", models.BooleanField(default=True)),
            ],
            options={"ordering": ["name"]},
        ),
        migrations.RenameField(model_name="user", old_name="team", new_name="legacy_team"),
        migrations.AddField(
            model_name="user",
            name="team",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="members",
                to="accounts.team",
            ),
        ),
        migrations.RunPython(teams_from_text, text_from_teams),
        migrations.RemoveField(model_name="user", name="legacy_team"),
        migrations.AddField(
            model_name="user", name="full_name", field=models.CharField(blank=True, max_length=150)
        ),
        migrations.AddField(
            model_name="user",
            name="rank",
            field=models.CharField(blank=True, help_text="role title or rank", max_length=100),
        ),
        migrations.AddField(
            model_name="user",
            name="staff_number",
            field=models.CharField(blank=True, help_text="collar or staff number", max_length=20),
        ),
    ]
