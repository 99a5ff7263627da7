"""The chain becomes keyed (HMAC-SHA256, vigil.audit.keys): entries name their key's id.

Entries written before keep an empty ``key_id`` and their plain SHA-256 hashes. If there are
any, this migration appends one keyed entry (``audit.keyed``) after them: from then on,
rewriting the old entries breaks that keyed entry's link, which only the key can mend.
"""

from typing import Any

from django.db import migrations, models
from django.utils import timezone


def triggers_back(apps: Any, schema_editor: Any) -> None:
    from vigil.audit import append_only

    append_only.enable(schema_editor.connection)


def seal(apps: Any, schema_editor: Any) -> None:
    from vigil.audit import keys, log

    entry_model = apps.get_model("audit", "AuditEntry")
    entries = entry_model.objects.using(schema_editor.connection.alias)
    last = entries.order_by("-id").first()
    if last is None:
        return
    key = keys.current()
    at = timezone.now()
    detail = {"unkeyed_entries": entries.count(), "key_id": key.key_id}
    entry = entry_model(
        at=at,
        actor="system",
        action="audit.keyed",
        target="",
        reason="",
        detail=detail,
        previous_hash=last.entry_hash,
        key_id=key.key_id,
    )
    entry.entry_hash = key.sign(
        log.body(last.entry_hash, at, "system", "audit.keyed", "", "", detail)
    )
    entry.save(using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only")]
    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="key_id",
            field=models.CharField(
                blank=True,
                default="",
                max_length=16,
                help_text="the audit-log key's id; empty before the chain was keyed",
            ),
        ),
        # SQLite adds the column by rebuilding the table, which loses its triggers: put them back.
        migrations.RunPython(triggers_back, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(seal, migrations.RunPython.noop, elidable=False),
    ]
