"""PostgreSQL: let the application's role ANALYZE the tables the alert look-ups read.

Only a table's owner may ANALYZE it, and the application runs as a role that owns nothing
(docs/operations.md, "Database roles"); without this PostgreSQL skipped the analysis with no
more than a warning, and the planner kept statistics from before a bulk import. The function
runs as its owner (the tables' owner) and analyses only the tables named here.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

TABLES = (
    "records_personmention",
    "identity_mentionlink",
    "identity_person",
    "records_record",
    "records_recordobject",
    "records_recordlink",
    "records_location",
)

CREATE = f"""
CREATE OR REPLACE FUNCTION vigil_analyze(tables text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE name text;
BEGIN
  FOREACH name IN ARRAY tables LOOP
    IF name = ANY (ARRAY[{", ".join(f"'{t}'" for t in TABLES)}]) THEN
      EXECUTE format('ANALYZE public.%I', name);
    END IF;
  END LOOP;
END $$
"""


def create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS vigil_analyze(text[])")


class Migration(migrations.Migration):
    dependencies = [("alerts", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
