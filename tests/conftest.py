"""Shared test fixtures: contract examples, record builders and scratch databases."""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
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


def call(source_id: str = "C-1", **fields: Any) -> dict[str, Any]:
    """A small valid call record naming one child; override any field."""
    record: dict[str, Any] = {
        "record_type": "call", "source_system": "storm", "source_id": source_id,
        "occurred_at": "2014-03-01T10:00:00+00:00",
        "people": [{"mention_id": "c1", "role": "child_present", "forename": "Amy",
                    "surname": "Stone", "date_of_birth": "2009-04-01",
                    "address": "1 High Street, Leeds", "postcode": "ls1 1aa"}],
        "category": "child_concern",
    }
    record.update(fields)
    return record


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


@pytest.fixture
def new_database(tmp_path: Path) -> Iterator[Callable[[], str]]:
    """Make empty databases of the kind the suite runs on, for `vigil` subprocesses to use."""
    made: list[str] = []
    admin = ""
    if connection.vendor == "postgresql":
        settings = connection.settings_dict
        host = settings["HOST"] or "127.0.0.1"
        admin = f"postgresql://{settings['USER']}@{host}:{settings['PORT'] or 5432}/postgres"

    def make() -> str:
        name = f"vigil_scratch_{uuid.uuid4().hex[:12]}"
        if not admin:
            return f"sqlite:///{tmp_path / (name + '.sqlite3')}"
        import psycopg

        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        return admin.rsplit("/", 1)[0] + f"/{name}"

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
    env = dict(os.environ, VIGIL_DATABASE_URL=database_url, VIGIL_DATA_DIR=str(tmp_path / "data"))
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env
