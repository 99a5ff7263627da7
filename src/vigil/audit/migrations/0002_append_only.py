"""Refuse UPDATE and DELETE of audit entries in the database itself (see audit/append_only.py)."""

from typing import Any

from django.db import migrations

from vigil.audit import append_only


def forwards(apps: Any, schema_editor: Any) -> None:
    append_only.enable(schema_editor.connection)


def backwards(apps: Any, schema_editor: Any) -> None:
    append_only.disable(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
