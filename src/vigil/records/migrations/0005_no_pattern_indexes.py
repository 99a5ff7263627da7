"""Drop PostgreSQL's ``varchar_pattern_ops`` copies of the mention and record indexes.

Django gives every indexed text column a second index for ``LIKE 'prefix%'`` queries. Nothing
asks the mention's surname, postcode or phone, or the record's type, for a prefix (search
matches them exactly), so each copy only cost every imported row one more index entry, and a
bulk load a second build of each. SQLite never had them; Django's model state does not track
them, so only the database changes.
"""

from typing import Any

from django.db import migrations

PATTERN_INDEXES = {
    "records_personmention": ("surname", "postcode", "phone"),
    "records_record": ("record_type",),
}


def _pattern_index_names(schema_editor: Any, table: str, column: str) -> list[str]:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename = %s AND indexdef LIKE %s",
            [table, f"%({column} varchar_pattern_ops)%"],
        )
        return [row[0] for row in cursor.fetchall()]


def forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, columns in PATTERN_INDEXES.items():
        for column in columns:
            for name in _pattern_index_names(schema_editor, table, column):
                schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, columns in PATTERN_INDEXES.items():
        for column in columns:
            if not _pattern_index_names(schema_editor, table, column):
                schema_editor.execute(
                    f'CREATE INDEX "{table}_{column}_like" ON "{table}" '
                    f'("{column}" varchar_pattern_ops)'
                )


class Migration(migrations.Migration):
    dependencies = [("records", "0004_deferred_index")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
