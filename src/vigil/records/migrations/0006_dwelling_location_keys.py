"""Recompute every location key with the dwelling key (issue 11 item 21).

Before, an address was keyed by its text before the first comma, so without a postcode every
'Flat 4' in the force was one location. See :mod:`vigil.records.relocate`. Not reversible: the
old keys merged different homes, and nothing should be put back that way.
"""

from typing import Any

from django.db import migrations

from vigil.records.relocate import rekey_locations


def forwards(apps: Any, schema_editor: Any) -> None:
    rekey_locations(
        apps.get_model("records", "Location"),
        apps.get_model("records", "PersonMention"),
        apps.get_model("records", "Record"),
        # The migrating connection: the owner's, which the application's role is
        # granted only after migrating (docs/operations.md, Database roles).
        using=schema_editor.connection.alias,
    )


class Migration(migrations.Migration):
    dependencies = [("records", "0005_no_pattern_indexes")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
