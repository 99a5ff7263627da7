"""Database triggers that refuse to change or remove audit entries.

The hash chain makes tampering detectable; these triggers make it refused in the first place for
anyone writing through the application's database account. On PostgreSQL a trigger function
raises on UPDATE, DELETE and TRUNCATE; on SQLite triggers ``RAISE(ABORT)`` on UPDATE and DELETE.
A database owner can still drop the triggers, which is why ``vigil audit-log verify`` exists.

Only ``flush`` (the whole-database wipe used between tests) lifts them, and only for its run.
"""

from __future__ import annotations

from typing import Any

MESSAGE = "the audit log is append-only: entries cannot be changed or removed"

_SQLITE_ON = [
    f"""CREATE TRIGGER IF NOT EXISTS audit_auditentry_no_update BEFORE UPDATE ON audit_auditentry
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS audit_auditentry_no_delete BEFORE DELETE ON audit_auditentry
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
_SQLITE_OFF = [
    "DROP TRIGGER IF EXISTS audit_auditentry_no_update",
    "DROP TRIGGER IF EXISTS audit_auditentry_no_delete",
]
_PG_ON = [
    f"""CREATE OR REPLACE FUNCTION audit_auditentry_refuse() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege'; END $$""",
    "DROP TRIGGER IF EXISTS audit_auditentry_no_change ON audit_auditentry",
    """CREATE TRIGGER audit_auditentry_no_change BEFORE UPDATE OR DELETE ON audit_auditentry
        FOR EACH ROW EXECUTE FUNCTION audit_auditentry_refuse()""",
    "DROP TRIGGER IF EXISTS audit_auditentry_no_truncate ON audit_auditentry",
    """CREATE TRIGGER audit_auditentry_no_truncate BEFORE TRUNCATE ON audit_auditentry
        FOR EACH STATEMENT EXECUTE FUNCTION audit_auditentry_refuse()""",
]
_PG_OFF = [
    "DROP TRIGGER IF EXISTS audit_auditentry_no_change ON audit_auditentry",
    "DROP TRIGGER IF EXISTS audit_auditentry_no_truncate ON audit_auditentry",
]


def _statements(vendor: str, on: bool) -> list[str]:
    if vendor == "postgresql":
        return _PG_ON if on else _PG_OFF
    if vendor == "sqlite":
        return _SQLITE_ON if on else _SQLITE_OFF
    return []  # another database: the hash chain still detects tampering


def enable(connection: Any) -> None:
    with connection.cursor() as cursor:
        for sql in _statements(connection.vendor, on=True):
            cursor.execute(sql)


def disable(connection: Any) -> None:
    with connection.cursor() as cursor:
        for sql in _statements(connection.vendor, on=False):
            cursor.execute(sql)


def is_enabled(connection: Any) -> bool:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE 'audit_auditentry_no_%%'"
            )
            return bool(cursor.fetchone()[0] == 2)
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'audit_auditentry_no_%%'"
                " AND NOT tgisinternal"
            )
            return bool(cursor.fetchone()[0] == 2)
    return False
