"""The access log: append-only in the database, chained under a key kept outside it, checked
against signed checkpoints, closed to the application's database role, viewed, and required."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import importlib
import logging
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import orjson
import pytest
from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from vigil import cli
from vigil.access.roles import Role
from vigil.audit import actions, append_only, checkpoints, dbroles, keys, log
from vigil.audit.actions import AuditAction
from vigil.audit.models import AuditEntry
from vigil.audit.redact import NoRequestDataFilter
from vigil.web.middleware import UnloggedAccess

pytestmark = pytest.mark.django_db


# Tampering needs the owner's connection, which sees only committed rows.
TAMPER = pytest.mark.django_db(transaction=True, databases="__all__")
# The triggers' message, or on PostgreSQL with two roles the grants' refusal, which comes first.
REFUSED = r"append-only|permission denied for table audit_auditentry"


def _entries(n: int = 3) -> list[AuditEntry]:
    return [
        log.record("cli:test", AuditAction.PERSON_VIEW, f"person:{i}", detail={"i": i})
        for i in range(n)
    ]


# --- append-only and tamper-evident -----------------------------------------------------------


def test_triggers_are_installed() -> None:
    assert append_only.is_enabled(connection)


@pytest.mark.parametrize(
    "change",
    [
        lambda: AuditEntry.objects.filter(action="person.view").update(actor="someone-else"),
        lambda: AuditEntry.objects.filter(action="person.view").delete(),
        lambda: AuditEntry.objects.first().save(),  # type: ignore[union-attr]
    ],
)
def test_changing_or_removing_an_entry_is_refused(change: Callable[[], Any]) -> None:
    _entries()
    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        change()
    assert list(log.verify_chain()) == []


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditentry SET reason = 'nothing to see'",
        "DELETE FROM audit_auditentry",
    ],
)
def test_raw_sql_tampering_is_refused(sql: str) -> None:
    _entries()
    with (
        pytest.raises(DatabaseError, match=REFUSED),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert AuditEntry.objects.count() == 3


@TAMPER
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditentry SET reason = 'nothing to see'",
        "DELETE FROM audit_auditentry",
    ],
)
def test_the_triggers_refuse_even_the_owner(sql: str) -> None:
    """The application's role is refused by its grants first (PostgreSQL with two roles); the
    triggers stand behind them for anyone else, the owner included, until dropped."""
    _entries()
    owner = _owner()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(using=owner.alias),
        owner.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert AuditEntry.objects.count() == 3


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_truncate_is_refused_on_postgresql() -> None:
    _entries()
    with (
        pytest.raises(DatabaseError, match=REFUSED),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("TRUNCATE audit_auditentry")


@pytest.fixture(autouse=True)
def own_checkpoints(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test its own checkpoint file, and this process's checkpoint spacing starts afresh."""
    target = tmp_path / "audit-checkpoints.jsonl"
    monkeypatch.setenv("VIGIL_AUDIT_CHECKPOINT_FILE", str(target))
    monkeypatch.setattr(checkpoints, "_state", {"last_id": None, "at": 0.0, "pending": False})
    return target


def _owner() -> Any:
    """The tables' owner: only it can lift the triggers (the application's role cannot)."""
    return connections[dbroles.owner_alias()]


@contextmanager
def _triggers_dropped() -> Iterator[Any]:
    """As someone with the owner's rights would: drop the triggers, tamper, put them back."""
    owner = _owner()
    append_only.disable(owner)
    try:
        with owner.cursor() as cursor:
            yield cursor
    finally:
        append_only.enable(owner)


def _drop_triggers_and(sql: str) -> list[str]:
    with _triggers_dropped() as cursor:
        cursor.execute(sql)
    return list(log.verify_chain())


def _rechain(cursor: Any, sign: Callable[[bytes], str], key_id: str) -> None:
    """Recompute every entry's hash and link, as a forger would after changing the log."""
    previous = log.GENESIS
    for entry in AuditEntry.objects.using(dbroles.owner_alias()).order_by("id"):
        digest = sign(
            log.body(
                previous,
                entry.at,
                entry.actor,
                entry.action,
                entry.target,
                entry.reason,
                entry.detail,
            )
        )
        cursor.execute(
            "UPDATE audit_auditentry SET previous_hash = %s, entry_hash = %s, "
            "key_id = %s WHERE id = %s",
            [previous, digest, key_id, entry.pk],
        )
        previous = digest


@TAMPER
def test_verify_finds_an_entry_altered_behind_the_triggers() -> None:
    entries = _entries(4)
    breaks = _drop_triggers_and(
        f"UPDATE audit_auditentry SET target = 'person:999' WHERE id = {entries[1].pk}"
    )
    assert breaks == [
        f"entry {entries[1].pk}: its content does not match its keyed hash (it was altered)"
    ]


@TAMPER
def test_verify_finds_an_entry_removed_behind_the_triggers() -> None:
    entries = _entries(4)
    breaks = _drop_triggers_and(f"DELETE FROM audit_auditentry WHERE id = {entries[2].pk}")
    assert len(breaks) == 1 and breaks[0].startswith(f"entry {entries[3].pk}: does not follow")


@TAMPER
def test_verify_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], own_checkpoints: Path
) -> None:
    monkeypatch.setattr(cli, "_setup_django", lambda migrate=True: None)
    entries = _entries(3)
    assert cli.main(["audit-log", "verify"]) == 0
    assert "intact" in capsys.readouterr().out
    assert cli.main(["audit-log", "verify", "--json"]) == 0
    report = orjson.loads(capsys.readouterr().out)
    # A checkpoint after the first entry was committed, and one by the verify before.
    assert report == {
        "intact": True,
        "entries": 3,
        "breaks": [],
        "key_id": keys.current().key_id,
        "unkeyed_entries": 0,
        "checkpoints_checked": 2,
        "checkpoint_file": str(own_checkpoints),
        "other_stores_in_checkpoint_file": 0,
    }
    assert cli.main(["audit-log", "checkpoint"]) == 0
    assert "3 entries up to entry" in capsys.readouterr().out

    with _triggers_dropped() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET actor = 'x' WHERE id IN (%s, %s)",
            [entries[0].pk, entries[2].pk],
        )
    assert cli.main(["audit-log", "verify", "--json"]) == 1
    report = orjson.loads(capsys.readouterr().out)
    assert report["intact"] is False and len(report["breaks"]) == 2
    assert cli.main(["audit-log", "verify"]) == 1
    out = capsys.readouterr()
    assert "NOT intact" in out.err and len(out.out.strip().splitlines()) == 2


# --- the key ----------------------------------------------------------------------------------


def test_entries_are_hashed_with_the_key_not_plain_sha256() -> None:
    entry = _entries(1)[0]
    key = keys.current()
    content = log.body(
        log.GENESIS, entry.at, entry.actor, entry.action, entry.target, entry.reason, entry.detail
    )
    assert entry.key_id == key.key_id and len(entry.key_id) == 16
    assert entry.entry_hash == hmac.new(key.secret, content, hashlib.sha256).hexdigest()
    assert entry.entry_hash != hashlib.sha256(content).hexdigest()
    assert key.secret.hex() not in orjson.dumps(list(AuditEntry.objects.values())).decode()


def test_key_file_is_made_private_on_first_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VIGIL_AUDIT_KEY", raising=False)
    path = tmp_path / "keys" / "audit.key"
    monkeypatch.setenv("VIGIL_AUDIT_KEY_FILE", str(path))
    first = keys.current()
    assert path.exists() and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(path.read_text().strip()) == 64
    keys._cache.clear()
    assert keys.current() == first, "the same key is read back, not made again"

    keys._cache.clear()
    path.chmod(0o644)
    with pytest.raises(keys.AuditKeyError, match="may be read by others"):
        keys.current()


def test_key_from_the_environment_wins_and_must_be_long(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIGIL_AUDIT_KEY", "k" * 40)
    assert keys.current().secret == b"k" * 40 and keys.current().source == "VIGIL_AUDIT_KEY"
    monkeypatch.setenv("VIGIL_AUDIT_KEY", "short")
    with pytest.raises(keys.AuditKeyError, match="shorter than 32"):
        keys.current()


# --- a forger who rewrites the chain ----------------------------------------------------------


@TAMPER
@pytest.mark.parametrize("forgery", ["plain sha-256", "a guessed key"])
def test_a_chain_changed_and_recomputed_without_the_key_is_reported(forgery: str) -> None:
    """Issue 11 item 10: triggers dropped, one entry changed, another deleted, the chain
    recomputed without the key: verify must report it broken."""
    entries = _entries(5)
    guess = keys.AuditKey(b"g" * 32, "guess")
    sign, key_id = (
        (log.unkeyed_digest, "")
        if forgery == "plain sha-256"
        else (guess.sign, keys.current().key_id)
    )
    with _triggers_dropped() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET target = 'person:999' WHERE id = %s", [entries[1].pk]
        )
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [entries[3].pk])
        _rechain(cursor, sign, key_id)
    found = log.verify()
    assert not found.intact and found.entries == 4
    if forgery == "plain sha-256":
        assert found.breaks == [
            f"entries up to {entries[4].pk}: none is keyed (written without "
            "the key, or never sealed by migration audit/0003)"
        ]
    else:
        assert len(found.breaks) == 4
        assert all("does not match its keyed hash" in b for b in found.breaks)


@TAMPER
def test_unkeyed_entries_after_keyed_ones_are_reported() -> None:
    entries = _entries(3)
    with _triggers_dropped() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [entries[2].pk])
        last = AuditEntry.objects.using(dbroles.owner_alias()).get(pk=entries[1].pk)
        at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        digest = log.unkeyed_digest(log.body(last.entry_hash, at, "x", "view", "person:1", "", {}))
        cursor.execute(
            "INSERT INTO audit_auditentry (at, actor, action, target, reason, detail, "
            "previous_hash, entry_hash, key_id) VALUES (%s, 'x', 'view', 'person:1', '', "
            "'{}', %s, %s, '')",
            [at, last.entry_hash, digest],
        )
    assert [b.split(": ", 1)[1] for b in log.verify().breaks] == [
        "has no key although entries before it have (written without the key)"
    ]


@TAMPER
def test_checkpoints_catch_a_log_cut_short_or_rechained_with_the_key(own_checkpoints: Path) -> None:
    """Issue 11 item 10: even with the key, a truncated or rewritten log no longer matches the
    signed checkpoints kept outside the database."""
    entries = _entries(6)
    point = checkpoints.write()
    assert point is not None and point.entries == 6 and point.last_id == entries[5].pk
    # One written after the first entry was committed, and this one.
    assert log.verify().intact and log.verify().checkpoints == 2

    # The newest two cut off: the chain alone is still whole.
    with _triggers_dropped() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id >= %s", [entries[4].pk])
    assert log.verify(checkpoint_file=own_checkpoints.with_name("none.jsonl")).intact
    assert log.verify().breaks == [
        f"checkpoint of {point.at}: entry {entries[5].pk}, the newest of 6 it signed, is missing "
        "(the log was cut short or rewritten)"
    ]

    # An entry changed and everything rechained with the key: the checkpoint's head differs.
    key = keys.current()
    with _triggers_dropped() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET target = 'person:999' WHERE id = %s", [entries[1].pk]
        )
        _rechain(cursor, key.sign, key.key_id)
    assert log.verify(checkpoint_file=own_checkpoints.with_name("none.jsonl")).intact
    assert any("is missing" in b for b in log.verify().breaks)
    checkpoints.write()  # a later checkpoint, of the rewritten log: the first still stands
    assert len(log.verify().breaks) == 1


@TAMPER
def test_checkpoints_catch_an_entry_removed_and_the_rest_rechained_with_the_key() -> None:
    entries = _entries(4)
    point = checkpoints.write()
    assert point is not None
    key = keys.current()
    with _triggers_dropped() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [entries[1].pk])
        _rechain(cursor, key.sign, key.key_id)
    breaks = log.verify().breaks
    assert breaks == [
        f"checkpoint of {point.at}: 4 entries up to entry {entries[3].pk}, but the log now has 3 "
        "(entries were removed or added)",
        f"checkpoint of {point.at}: entry {entries[3].pk} does not have the hash it had (the "
        "chain was rewritten)",
    ]


def test_an_altered_checkpoint_file_is_reported(own_checkpoints: Path) -> None:
    _entries(3)
    checkpoints.write()
    line = orjson.loads(own_checkpoints.read_bytes())
    line["entries"] = 2
    own_checkpoints.write_bytes(orjson.dumps(line) + b"\n" + b"not json\n")
    assert log.verify().breaks == [
        "checkpoint file line 1: its signature does not match the key (altered, or signed with "
        "another key)",
        "checkpoint file line 2: not a checkpoint (the file was altered or damaged)",
    ]


@TAMPER
def test_checkpoints_are_written_as_entries_are_committed(
    own_checkpoints: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checkpoints, "EVERY", 3)
    _entries(7)
    written = [orjson.loads(line) for line in own_checkpoints.read_bytes().splitlines()]
    assert [c["entries"] for c in written] == [1, 4, 7]
    assert stat.S_IMODE(own_checkpoints.stat().st_mode) == 0o600
    assert log.verify().checkpoints == 3


# --- entries from before the key ----------------------------------------------------------------


def _legacy_entries(n: int) -> None:
    """Entries as the unkeyed chain wrote them (plain SHA-256, no key id)."""
    previous = log.GENESIS
    for i in range(n):
        at = dt.datetime(2026, 1, 1, 9, i, tzinfo=dt.UTC)
        digest = log.unkeyed_digest(
            log.body(previous, at, "cli:old", "view", f"person:{i}", "", {})
        )
        AuditEntry.objects.create(
            at=at,
            actor="cli:old",
            action="view",
            target=f"person:{i}",
            previous_hash=previous,
            entry_hash=digest,
            key_id="",
        )
        previous = digest


def test_migration_seals_an_unkeyed_chain_with_a_keyed_entry() -> None:
    from django.apps import apps

    migration = importlib.import_module("vigil.audit.migrations.0003_keyed_chain")
    _legacy_entries(3)
    assert log.verify().breaks == [
        f"entries up to {AuditEntry.objects.last().pk}: none is keyed "  # type: ignore[union-attr]
        "(written without the key, or never sealed by migration audit/0003)"
    ]
    migration.seal(apps, SimpleNamespace(connection=connection))
    seal = AuditEntry.objects.last()
    assert seal is not None and seal.action == "audit.keyed" and seal.detail["unkeyed_entries"] == 3
    found = log.verify()
    assert found.intact and found.unkeyed == 3 and found.entries == 4
    _entries(1)
    assert log.verify().intact


# --- the application's database role -------------------------------------------------------


ROLES = pytest.mark.skipif(
    "connection.vendor != 'postgresql' or 'owner' not in settings.DATABASES",
    reason="PostgreSQL with VIGIL_DATABASE_OWNER_URL (scripts/test's PostgreSQL pass)",
)


@ROLES
@pytest.mark.parametrize(
    "sql",
    [
        "ALTER TABLE audit_auditentry DISABLE TRIGGER ALL",
        "ALTER TABLE audit_auditentry DISABLE TRIGGER audit_auditentry_no_change",
        "DROP TRIGGER audit_auditentry_no_change ON audit_auditentry",
        "ALTER TABLE audit_auditentry ADD COLUMN note text",
        "DROP TABLE audit_auditentry",
        "UPDATE audit_auditentry SET reason = 'nothing to see'",
        "DELETE FROM audit_auditentry",
        "TRUNCATE audit_auditentry",
        "CREATE OR REPLACE FUNCTION audit_auditentry_refuse() RETURNS trigger LANGUAGE plpgsql "
        "AS $$ BEGIN RETURN OLD; END $$",
    ],
)
def test_the_application_role_cannot_lift_or_get_round_the_log_protection(sql: str) -> None:
    _entries()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, tableowner FROM pg_tables WHERE tablename = 'audit_auditentry'"
        )
        user, owner = cursor.fetchone()
    assert user == settings.VIGIL_DATABASE_APP_USER and user != owner
    with (
        pytest.raises(DatabaseError, match=r"must be owner|permission denied"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert AuditEntry.objects.count() == 3 and append_only.is_enabled(connection)


@ROLES
def test_the_application_role_owns_nothing_and_may_do_its_work() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() "
            "AND pg_has_role(current_user, tableowner, 'MEMBER')"
        )
        assert cursor.fetchone()[0] == 0
        cursor.execute(
            "SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user"
        )
        assert cursor.fetchone() == (False, False, False)
    _entries(2)
    assert log.verify().intact


@pytest.mark.django_db(databases="__all__")
def test_grant_refuses_an_application_role_that_owns_the_tables() -> None:
    if connection.vendor != "postgresql":
        dbroles.grant(connection, "anyone")  # SQLite has no roles: nothing to do
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'audit_auditentry'")
        owner = cursor.fetchone()[0]
    with pytest.raises(RuntimeError, match=r"owns the tables|superuser"):
        dbroles.grant(connections[dbroles.owner_alias()], owner)


# --- pages about people must write to the log -------------------------------------------------


@override_settings(ROOT_URLCONF="tests.security.urls_for_tests")
def test_page_about_people_without_a_log_entry_fails_loudly(
    signed_in: Callable[[str], Client],
) -> None:
    client = signed_in(Role.INVESTIGATOR)
    with pytest.raises(UnloggedAccess, match="without writing to the access log"):
        client.get("/people/test-unlogged/")
    with pytest.raises(UnloggedAccess):
        client.post("/alerts/test-unlogged-change/")
    assert client.get("/people/test-logged/").status_code == 200
    assert client.get("/people/test-empty-form/").status_code == 200
    assert client.get("/people/test-empty-search/").status_code == 200


def test_every_staff_area_about_people_is_watched() -> None:
    """Each area of pages that show or change personal data is under the access-log check
    (one's own account is not about anyone else)."""
    from vigil.audit.access import LOGGED_PREFIXES

    from .urlwalk import STAFF_PREFIXES, walk

    unwatched = sorted(
        {
            r.template
            for r in walk()
            if r.template.startswith(STAFF_PREFIXES)
            and not r.template.startswith(("/accounts/", *LOGGED_PREFIXES))
        }
    )
    assert not unwatched, f"staff pages the access-log check does not watch: {unwatched}"
    assert set(STAFF_PREFIXES) - {"/accounts/"} <= set(LOGGED_PREFIXES)


@override_settings(ROOT_URLCONF="tests.security.urls_for_tests")
def test_unlogged_page_is_refused_in_service(signed_in: Callable[[str], Client]) -> None:
    client = signed_in(Role.INVESTIGATOR)
    client.raise_request_exception = False
    response = client.get("/people/test-unlogged/")
    assert response.status_code == 500
    assert b"Amy Stone" not in response.content


# --- the viewer -------------------------------------------------------------------------------


def test_viewer_filters_pages_and_logs_itself(signed_in: Callable[[str], Client]) -> None:
    for i in range(60):
        log.record(
            "ivy" if i % 2 else "mo",
            AuditAction.PERSON_VIEW if i % 3 else AuditAction.PERSON_SEARCH,
            f"person:{i}",
        )
    client = signed_in(Role.AUDITOR)
    page = client.get(reverse("audit:log"))
    assert page.status_code == 200
    assert b"Page 1 of 2" in page.content
    viewed = AuditEntry.objects.filter(action="audit.view").last()
    assert viewed is not None and viewed.actor == f"u-{Role.AUDITOR}"

    ivy = client.get(reverse("audit:log"), {"actor": "ivy", "action": "person.search"})
    rows = ivy.context["page"].object_list
    assert rows and all(e.actor == "ivy" and e.action == "person.search" for e in rows)
    assert AuditEntry.objects.filter(action="audit.view").last().detail["filters"] == {  # type: ignore[union-attr]
        "actor": "ivy",
        "action": "person.search",
    }

    today = timezone.localdate()
    tomorrow = (today + dt.timedelta(days=2)).isoformat()
    none = client.get(reverse("audit:log"), {"since": tomorrow})
    assert list(none.context["page"].object_list) == []
    second = client.get(reverse("audit:log"), {"page": "2"})
    assert second.status_code == 200 and b"Page 2 of 2" in second.content
    bad = client.get(reverse("audit:log"), {"since": "last tuesday"})
    assert bad.status_code == 400 and b"govuk-error-summary" in bad.content


def _written_before_the_names(actor: str, action: str, target: str) -> None:
    """An entry as ``log.record`` wrote it when actions were free strings (keyed, chained)."""
    key = keys.current()
    last = AuditEntry.objects.order_by("-id").first()
    previous = last.entry_hash if last else log.GENESIS
    at = dt.datetime.now(dt.UTC)
    AuditEntry.objects.create(
        at=at,
        actor=actor,
        action=action,
        target=target,
        previous_hash=previous,
        entry_hash=key.sign(log.body(previous, at, actor, action, target, "", {})),
        key_id=key.key_id,
    )


def test_entries_under_old_action_names_verify_and_are_found_by_todays(
    signed_in: Callable[[str], Client],
) -> None:
    for action, target in [
        ("sign-in", "user:1"),
        ("view", "alert:A-1"),
        ("view", "supervisor"),
        ("change", "alert:A-1"),
        ("search", "people"),
        ("audit.keyed", ""),
    ]:
        _written_before_the_names("ivy", action, target)
    log.record("ivy", AuditAction.ACCOUNT_SIGN_IN, "user:1")
    log.record("ivy", AuditAction.ALERT_VIEW, "alert:A-2")
    assert log.verify().intact

    client = signed_in(Role.AUDITOR)

    def found(action: str) -> list[tuple[str, str]]:
        page = client.get(reverse("audit:log"), {"actor": "ivy", "action": action})
        assert page.status_code == 200
        return sorted((e.action, e.target) for e in page.context["page"].object_list)

    assert found("account.sign_in") == [("account.sign_in", "user:1"), ("sign-in", "user:1")]
    assert found("alert.view") == [("alert.view", "alert:A-2"), ("view", "alert:A-1")]
    assert found("supervisor.view") == [("view", "supervisor")]
    assert found("alert.submit_change") == [("change", "alert:A-1")]
    assert found("audit.keyed") == [("audit.keyed", "")]  # no action now: matched as written
    # The list offers each action once, in words, under today's name (old names are found
    # through it), and the migration's seal; never a program value.
    choices = dict(client.get(reverse("audit:log")).context["form"].fields["action"].choices)
    assert {"account.sign_in", "person.search", "alert.view", "audit.keyed"} <= set(choices)
    assert choices["account.sign_in"] == "Signed in"
    assert not {"sign-in", "search"} & set(choices)
    assert log.verify().intact


def test_every_old_name_reads_as_one_action_and_free_strings_are_refused() -> None:
    for old, prefix, now in actions.LEGACY:
        assert actions.current(old, prefix + "1") is now
        assert old not in {a.value for a in AuditAction}
    assert actions.current("view", "person:1") is None
    with pytest.raises(TypeError, match="not an AuditAction"):
        log.record("ivy", "alert.close", "alert:A-1")  # type: ignore[arg-type]
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("role", [Role.ADMIN, Role.AUDITOR])
def test_viewer_is_for_auditors_and_admins(role: str, signed_in: Callable[[str], Client]) -> None:
    assert signed_in(role).get(reverse("audit:log")).status_code == 200


def test_viewer_refused_to_others(signed_in: Callable[[str], Client]) -> None:
    assert signed_in(Role.SUPERVISOR).get(reverse("audit:log")).status_code == 403


# --- nothing about people in the console log --------------------------------------------------


def test_console_log_keeps_no_request_data_or_exception_text() -> None:
    value = {"surname": "Stone", "dob": "2009-04-01"}
    try:
        raise ValueError(f"duplicate key (surname)=({value['surname']}) dob {value['dob']}")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "django.request",
            logging.ERROR,
            __file__,
            1,
            "Internal Server Error: %s",
            ("/people/1/",),
            sys.exc_info(),
        )
    record.request = object()
    assert NoRequestDataFilter().filter(record)
    text = logging.Formatter().format(record)
    assert record.request is None
    assert "Stone" not in text and "2009-04-01" not in text
    assert "ValueError: (message withheld)" in text and "Internal Server Error: /people/1/" in text


@TAMPER
def test_a_checkpoint_that_cannot_be_written_does_not_fail_the_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("VIGIL_AUDIT_CHECKPOINT_FILE", str(tmp_path / "missing-dir" / "x" / "f"))
    (tmp_path / "missing-dir").write_text("a file where a folder should be")
    with caplog.at_level(logging.ERROR, logger="vigil.audit.checkpoint"):
        _entries(1)
    assert AuditEntry.objects.count() == 1 and log.verify().intact
    assert "checkpoint not written" in caplog.text
