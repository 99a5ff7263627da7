"""Two database roles on PostgreSQL: the owner of the tables, and the application's role.

``VIGIL_DATABASE_URL`` is the role the web application, imports and every other command work
as; ``VIGIL_DATABASE_OWNER_URL`` (same server and database, another user) is the role that
owns the tables: it alone migrates, drops and rebuilds indexes for a bulk load, and analyses
tables. After every migration the owner grants the application's role what it needs (``grant``)
and no more: on the access log only SELECT and INSERT, so it can neither change nor remove an
entry, nor disable, drop or alter the log's triggers (only an owner may). docs/operations.md.

Without ``VIGIL_DATABASE_OWNER_URL`` (and always on SQLite) one connection does everything.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

OWNER = "owner"
# Tables the application's role may read and add to, never change or empty.
APPEND_ONLY = ("audit_auditentry",)


def owner_alias() -> str:
    """The connection that owns the tables: ``owner`` when configured, else ``default``."""
    return OWNER if OWNER in settings.DATABASES else DEFAULT_DB_ALIAS


def app_user() -> str:
    """The application's role when it is not the owner; '' when one role does everything."""
    return str(getattr(settings, "VIGIL_DATABASE_APP_USER", "") or "")


def grant(connection: Any, user: str) -> None:
    """As the owner: give ``user`` what the application needs on every table, and no more."""
    if connection.vendor != "postgresql" or not user:
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema(), rolsuper FROM pg_roles WHERE rolname = %s", [user])
        row = cursor.fetchone()
        if row is None:
            raise RuntimeError(
                f"there is no database role {user!r}: create it first "
                "(docs/operations.md 'Database roles')"
            )
        schema, superuser = row
        if superuser:
            raise RuntimeError(
                f"the application's database role {user!r} is a superuser: it "
                "could do anything an owner can; give it an ordinary role"
            )
        cursor.execute(
            "SELECT pg_has_role(%s, tableowner, 'MEMBER') FROM pg_tables "
            "WHERE schemaname = current_schema() AND tablename = %s",
            [user, APPEND_ONLY[0]],
        )
        member = cursor.fetchone()
        if member and member[0]:
            raise RuntimeError(
                f"the application's database role {user!r} owns the tables (or is "
                "a member of their owner): give it a role of its own"
            )
        who, where = quote(user), quote(schema)
        cursor.execute(f"GRANT USAGE ON SCHEMA {where} TO {who}")
        cursor.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {where} TO {who}"
        )
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {where} TO {who}")
        for table in APPEND_ONLY:
            cursor.execute(
                f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {quote(table)} FROM {who}"
            )
        cursor.execute(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON django_migrations FROM {who}")


def grant_after_migrate(using: str = DEFAULT_DB_ALIAS, **_: Any) -> None:
    """post_migrate: whoever migrated (the owner) grants the application's role."""
    connection = connections[using]
    user = app_user()
    if connection.vendor != "postgresql" or not user:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        if cursor.fetchone()[0] == user:
            return  # migrated as the application's role itself: it owns what it made
    grant(connection, user)


def prepare(owner_url: str, name: str) -> str:
    """For scripts/test and scripts/demo: make the login role ``name`` (no password: for trust
    or peer authentication, as in tests and CI) and the owner's database, unless they exist;
    return the application's URL (the owner's, as ``name``)."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg
    from psycopg import sql

    parts = urlsplit(owner_url)
    database = parts.path.lstrip("/")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        for exists, wanted, create in (
            (
                "SELECT 1 FROM pg_roles WHERE rolname = %s",
                name,
                sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(name)),
            ),
            (
                "SELECT 1 FROM pg_database WHERE datname = %s",
                database,
                sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)),
            ),
        ):
            if not wanted or conn.execute(exists, [wanted]).fetchone():
                continue
            with suppress(
                psycopg.errors.DuplicateObject,
                psycopg.errors.DuplicateDatabase,
                psycopg.errors.UniqueViolation,
            ):  # made meanwhile by another process
                conn.execute(create)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{name}@{host}"))


@contextmanager
def as_owner(connection: Any) -> Iterator[None]:
    """Within the block, ``connection`` (the default alias) works as the tables' owner.

    For Django's ``flush`` between tests, which empties every table: only an owner may lift the
    log's triggers. The connection is closed and reopened with the owner's credentials, then
    closed again and given its own back (each thread's connection has its own settings).
    """
    if OWNER not in settings.DATABASES or connection.alias != DEFAULT_DB_ALIAS:
        yield
        return
    own = connection.settings_dict
    owner = connections[OWNER].settings_dict
    connection.close()
    connection.settings_dict = {**own, "USER": owner["USER"], "PASSWORD": owner["PASSWORD"]}
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict = own


if __name__ == "__main__":
    import sys

    # python -m vigil.audit.dbroles OWNER_URL APP_ROLE: prints the application's URL.
    if len(sys.argv) != 3:
        sys.exit("usage: python -m vigil.audit.dbroles OWNER_URL APP_ROLE")
    print(prepare(sys.argv[1], sys.argv[2]))
