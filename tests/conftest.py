"""Shared test fixtures: contract examples, NDJSON files and scratch databases (test data
itself comes from ``tests/factories.py``)."""

from __future__ import annotations

import itertools
import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CONTRACT = SHARED / "contract"
EXAMPLES = CONTRACT / "examples"
VIGIL = ROOT / ".venv" / "bin" / "vigil"


def write_ndjson(path: Path, lines: list[Any]) -> Path:
    """Write records (dicts) or raw lines (bytes/str) one per line."""
    with path.open("wb") as handle:
        for line in lines:
            if isinstance(line, bytes):
                handle.write(line + b"\n")
            elif isinstance(line, str):
                handle.write(line.encode() + b"\n")
            else:
                handle.write(orjson.dumps(line) + b"\n")
    return path


@contextmanager
def as_owner(connection: Any) -> Iterator[None]:
    """The default connection's settings name the tables' owner within the block."""
    from django.conf import settings

    owner = settings.DATABASES.get("owner")
    if owner is None:
        yield
        return
    own = connection.settings_dict
    app = own["USER"], own["PASSWORD"]
    connection.close()
    own["USER"], own["PASSWORD"] = owner["USER"], owner["PASSWORD"]
    try:
        yield
    finally:
        connection.close()
        own["USER"], own["PASSWORD"] = app


@pytest.fixture(scope="session")
def django_db_setup(
    request: pytest.FixtureRequest,
    django_test_environment: None,
    django_db_blocker: Any,
    django_db_use_migrations: bool,
    django_db_keepdb: bool,
    django_db_createdb: bool,
    django_db_modify_db_settings: None,
) -> Iterator[None]:
    """pytest-django's, but on PostgreSQL with two roles (VIGIL_DATABASE_OWNER_URL) the test
    database is made, migrated and dropped by the owner, and the tests then run as the
    application's role, as the application does (vigil.audit.dbroles)."""
    from django.db import connections
    from django.test.utils import setup_databases, teardown_databases
    from pytest_django.fixtures import _disable_migrations, _get_databases_for_setup

    if not django_db_use_migrations:
        _disable_migrations()
    aliases, serialized = _get_databases_for_setup(request.session.items)
    with django_db_blocker.unblock(), as_owner(connection):
        config = setup_databases(
            verbosity=request.config.option.verbose,
            interactive=False,
            aliases=aliases,
            serialized_aliases=serialized,  # type: ignore[arg-type]
            keepdb=django_db_keepdb and not django_db_createdb,
        )
    yield
    if not django_db_keepdb:
        with django_db_blocker.unblock():
            connections.close_all()
            with as_owner(connection):
                teardown_databases(config, verbosity=request.config.option.verbose)


def _server_url(settings: dict[str, Any], database: str) -> str:
    host = settings["HOST"] or "127.0.0.1"
    return f"postgresql://{settings['USER']}@{host}:{settings['PORT'] or 5432}/{database}"


@pytest.fixture
def new_database(tmp_path: Path) -> Iterator[Callable[[], str]]:
    """Make empty databases of the kind the suite runs on, for `vigil` subprocesses to use.

    On PostgreSQL the URL names the suite's own role (with two roles, the application's: the
    owner's is VIGIL_DATABASE_OWNER_URL in ``vigil_env``); the owner makes the database."""
    from django.conf import settings

    made: list[str] = []
    admin = app = ""
    if connection.vendor == "postgresql":
        admin = _server_url(settings.DATABASES.get("owner") or connection.settings_dict, "postgres")
        app = _server_url(connection.settings_dict, "postgres")

    def make() -> str:
        name = f"vigil_scratch_{uuid.uuid4().hex[:12]}"
        if not admin:
            return f"sqlite:///{tmp_path / (name + '.sqlite3')}"
        import psycopg

        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        return app.rsplit("/", 1)[0] + f"/{name}"

    yield make
    if made:
        import psycopg

        with psycopg.connect(admin, autocommit=True) as conn:
            for name in made:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def query(url: str, sql: str) -> list[tuple[Any, ...]]:
    """Run one read query against a scratch database given by URL."""
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            return [tuple(row) for row in conn.execute(sql).fetchall()]
    import psycopg

    with psycopg.connect(url) as conn:
        return [tuple(row) for row in conn.execute(sql).fetchall()]


def vigil_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    """The environment of a `vigil` subprocess on ``database_url``: with two roles, the owner's
    URL names that database too (as the owner's user)."""
    env = dict(os.environ, VIGIL_DATABASE_URL=database_url, VIGIL_DATA_DIR=str(tmp_path / "data"))
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("VIGIL_DATABASE_OWNER_URL", None)
    from django.conf import settings

    owner = settings.DATABASES.get("owner")
    if owner is not None and database_url.startswith("postgresql://"):
        env["VIGIL_DATABASE_OWNER_URL"] = _server_url(owner, database_url.rsplit("/", 1)[1])
    return env


# ---- fixtures every app's page tests share ----------------------------------------------------

_imports = itertools.count(1)


@pytest.fixture
def as_role(db: None) -> Callable[..., tuple[Any, Any]]:
    """A test client signed in as a new account of a role (a team by name, if given), with CSRF
    checks off as Django's test client has them by default."""
    from django.test import Client

    from tests.factories import make_user

    def sign_in(role: str, team: str = "") -> tuple[Client, Any]:
        user = make_user(role, **({"team": team} if team else {}))
        client = Client(enforce_csrf_checks=False)
        client.force_login(user)
        return client, user

    return sign_in


@pytest.fixture
def import_records(db: None, tmp_path: Path) -> Callable[[list[dict[str, Any]]], Any]:
    """Import contract records (dicts) through the importer, as one file."""
    from vigil.records.importer import import_files

    def run(records: list[dict[str, Any]]) -> Any:
        path = tmp_path / f"records-{next(_imports)}.ndjson"
        path.write_bytes(b"\n".join(orjson.dumps(r) for r in records) + b"\n")
        return import_files([path])

    return run
