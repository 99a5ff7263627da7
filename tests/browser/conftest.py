"""Browser tests: Playwright driving Debian's Chromium against a real `vigil serve`.

Self-contained: one demo force (`vigil demo --people 400`) is built once per test run into a
temporary SQLite database (under a file lock, so pytest-xdist workers share it), then every worker
copies that database and serves its own copy with `vigil serve` on a free port, so alerts one
worker acknowledges never surprise the other. The tests skip themselves when the suite runs on
PostgreSQL (they would only repeat themselves on the same SQLite server) and when
/usr/bin/chromium is missing (scripts/setup installs it).

Every page a test visits goes through :func:`check_page`: a full-page screenshot under
test-artifacts/screenshots/, then axe-core (WCAG 2.2 AA tags), failing on any serious or
critical violation; every violation found, whatever its impact, is written under
test-artifacts/axe/.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import re
import socket
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

ROOT = Path(__file__).resolve().parents[2]
VIGIL = ROOT / ".venv" / "bin" / "vigil"
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
AXE_REPORTS = ARTIFACTS / "axe"
DEMO_PEOPLE = 400
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING_IMPACTS = {"serious", "critical"}
EMPTY_STYLE_HASH = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _skip_reason() -> str | None:
    url = os.environ.get("VIGIL_DATABASE_URL", "")
    if url.startswith(("postgresql", "postgres:")):
        return (
            "browser tests run once, on their own SQLite server, in the SQLite pass of the "
            "suite (VIGIL_DATABASE_URL is PostgreSQL)"
        )
    if not CHROMIUM.exists():
        return "/usr/bin/chromium is missing (scripts/setup installs it as root: apt-get install chromium)"
    if not AXE.exists():
        return f"{AXE.relative_to(ROOT)} is missing (scripts/setup runs npm ci)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    ours = [item for item in items if here in Path(str(item.fspath)).parents]
    for item in ours:
        item.add_marker(pytest.mark.slow)  # a demo force, a server and a browser: never quick
    reason = _skip_reason()
    if reason is not None:
        for item in ours:
            item.add_marker(pytest.mark.skip(reason=reason))


# ---- the demo force and its server ---------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """Ids and names in the demo force that the flows use, read from its database."""

    child_id: str
    child_forename: str
    child_surname: str
    alert_id: str  # an open alert for the acknowledge-and-close flow
    work_alert_id: str  # another, for the assign-note-close flow of My work
    postcode: str  # an address with a child living there
    location_id: int
    partner_child_id: str  # a young person with a missing episode (education may see it)
    partner_forename: str
    partner_surname: str
    partner_visible_record: int  # ... that missing episode ...
    partner_hidden_record: int  # ... and a referral naming them (outside education's agreement)


@dataclass(frozen=True)
class Server:
    url: str
    accounts: dict[str, str]  # username -> password
    scenario: Scenario
    database: Path  # this server's own SQLite copy, for a test to find what it needs

    def one(self, sql: str, *args: Any) -> tuple[Any, ...] | None:
        """The first row a query gives on this server's database (read only)."""
        with sqlite3.connect(f"file:{self.database}?mode=ro", uri=True) as db:
            row: tuple[Any, ...] | None = db.execute(sql, args).fetchone()
            return row

    def credentials(self, role: str) -> tuple[str, str]:
        username = f"demo-{role.replace('_', '-')}"
        return username, self.accounts[username]


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _vigil_env(data: Path) -> dict[str, str]:
    env = dict(
        os.environ,
        VIGIL_DATA_DIR=str(data),
        VIGIL_DATABASE_URL=f"sqlite:///{data / 'vigil.sqlite3'}",
    )
    # Settings that would change what a plain-HTTP sign-in on 127.0.0.1 needs are not inherited.
    for name in (
        "DJANGO_SETTINGS_MODULE",
        "VIGIL_DEBUG",
        "VIGIL_HTTPS",
        "VIGIL_TOTP_REQUIRED_ROLES",
        "VIGIL_ALLOWED_HOSTS",
        "VIGIL_PROXY_COUNT",
    ):
        env.pop(name, None)
    return env


def _build_demo(shared: Path) -> Path:
    """The demo force's data folder, built by whichever worker gets here first."""
    demo = shared / "vigil-browser-demo"
    with _locked(shared / "vigil-browser-demo.lock"):
        if not (demo / "demo-accounts.txt").exists():
            demo.mkdir(parents=True, exist_ok=True)
            proc = subprocess.run(
                [str(VIGIL), "demo", "--people", str(DEMO_PEOPLE)],
                env=_vigil_env(demo),
                capture_output=True,
                text=True,
                timeout=300,
            )
            if proc.returncode != 0:
                raise RuntimeError(f"vigil demo failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return demo


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_serving(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    # Generous: the first request loads the whole application, and a client that gives up
    # mid-response costs `vigil serve` its worker (SIGPIPE), which then starts again from cold.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"vigil serve exited {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url + "/accounts/sign-in/", timeout=60) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"vigil serve did not answer within 120 s:\n{log.read_text()[-3000:]}")


def _scenario(database: Path) -> Scenario:
    """Pick the people, alert and address the flows use: deterministic for the demo's seed."""
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    adult_born_before = (timezone.localdate() - dt.timedelta(days=18 * 366)).isoformat()
    try:

        def one(sql: str, *args: Any) -> tuple[Any, ...]:
            row = conn.execute(sql, args).fetchone()
            assert row is not None, f"the demo force has no row for: {sql}"
            return tuple(row)

        people = """
            SELECT p.person_id, m.forename, m.surname, m.record_id, r.record_type, m.role,
                   m.date_of_birth, m.location_id
            FROM identity_person p
            JOIN identity_mentionlink l ON l.person_id = p.id
            JOIN records_personmention m ON m.id = l.mention_id
            JOIN records_record r ON r.id = m.record_id"""
        # A child (every recorded date of birth under 18) with an open alert and a long chronology.
        (child_id,) = one(
            f"""
            SELECT person_id FROM ({people}) x
            GROUP BY person_id
            HAVING MIN(date_of_birth) > ? AND COUNT(DISTINCT record_id) >= 5
               AND person_id IN (SELECT person_id FROM alerts_alert WHERE status = 'open')
            ORDER BY COUNT(DISTINCT record_id) DESC, person_id LIMIT 1""",
            adult_born_before,
        )
        forename, surname = one(
            f"""
            SELECT forename, surname FROM ({people}) x
            WHERE person_id = ? AND forename != '' AND surname != ''
            GROUP BY forename, surname ORDER BY COUNT(*) DESC, forename, surname LIMIT 1""",
            child_id,
        )
        (alert_id,) = one(
            """
            SELECT alert_id FROM alerts_alert WHERE status = 'open' AND person_id != ?
            ORDER BY severity = 'high' DESC, alert_id LIMIT 1""",
            child_id,
        )
        (work_alert_id,) = one(
            """
            SELECT alert_id FROM alerts_alert WHERE status = 'open' AND alert_id != ?
              AND person_id != ? AND assigned_to_id IS NULL
            ORDER BY severity = 'critical' DESC, alert_id LIMIT 1""",
            alert_id,
            child_id,
        )
        location_id, postcode = one(
            f"""
            SELECT l.id, l.postcode FROM records_location l JOIN ({people}) x
                ON x.location_id = l.id
            WHERE l.postcode != '' AND x.date_of_birth > ?
            GROUP BY l.id ORDER BY COUNT(DISTINCT x.person_id) DESC, l.id LIMIT 1""",
            adult_born_before,
        )
        # A young person (the demo's missing children have grown up since) named as missing on a
        # missing episode, which education's agreement covers, and on a referral, which it does
        # not.
        partner_id, visible, hidden = one(f"""
            SELECT a.person_id, MIN(a.record_id), MIN(b.record_id)
            FROM ({people}) a JOIN ({people}) b ON a.person_id = b.person_id
            WHERE a.record_type = 'missing' AND a.role = 'missing_person'
              AND b.record_type = 'referral' AND a.forename != '' AND a.surname != ''
            GROUP BY a.person_id ORDER BY a.person_id LIMIT 1""")
        p_forename, p_surname = one(
            f"""
            SELECT forename, surname FROM ({people}) x WHERE person_id = ? AND record_id = ?
            LIMIT 1""",
            partner_id,
            visible,
        )
    finally:
        conn.close()
    return Scenario(
        child_id=child_id,
        child_forename=forename,
        child_surname=surname,
        alert_id=alert_id,
        work_alert_id=work_alert_id,
        postcode=postcode,
        location_id=location_id,
        partner_child_id=partner_id,
        partner_forename=p_forename,
        partner_surname=p_surname,
        partner_visible_record=visible,
        partner_hidden_record=hidden,
    )


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """This worker's `vigil serve`, on its own copy of the shared demo database."""
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    # Not xdist's worker_id fixture, which is missing when the suite runs with -p no:xdist.
    worker_id = os.environ.get("PYTEST_XDIST_WORKER", "master")
    base = tmp_path_factory.getbasetemp()
    shared = base if worker_id == "master" else base.parent
    demo = _build_demo(shared)
    mine = tmp_path_factory.mktemp(f"vigil-browser-{worker_id}")
    with (
        sqlite3.connect(demo / "vigil.sqlite3") as source,
        sqlite3.connect(mine / "vigil.sqlite3") as copy,
    ):
        source.backup(copy)  # consistent even with a WAL beside it
    accounts = {}
    for line in (demo / "demo-accounts.txt").read_text().splitlines():
        if line.strip():
            username, password = line.split()[:2]
            accounts[username] = password
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = mine / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(VIGIL), "serve", "--port", str(port), "--workers", "1"],
            env=_vigil_env(mine),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_serving(url, proc, log)
        yield Server(
            url=url,
            accounts=accounts,
            scenario=_scenario(mine / "vigil.sqlite3"),
            database=mine / "vigil.sqlite3",
        )
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# ---- the browser -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser(server: Server) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def new_page(browser: Any, server: Server) -> Iterator[Any]:
    """A factory for pages in fresh browser contexts (no shared cookies). The CSP stays on."""
    contexts: list[Any] = []

    def make() -> Any:
        context = browser.new_context(
            base_url=server.url,
            viewport={"width": 1280, "height": 900},
            locale="en-GB",
            timezone_id="Europe/London",
        )
        context.set_default_timeout(30_000)
        contexts.append(context)
        page = context.new_page()
        page.csp_errors = []
        page.on(
            "console",
            lambda msg: (
                page.csp_errors.append(f"{msg.text} at {msg.location}")
                if msg.type == "error" and "Content Security Policy" in msg.text
                else None
            ),
        )
        return page

    yield make
    for context in contexts:
        context.close()


def sign_in(page: Any, server: Server, role: str) -> None:
    username, password = server.credentials(role)
    page.goto("/accounts/sign-in/")
    check_page(page, f"sign-in-{role}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "/accounts/sign-in/" not in page.url, f"{username} was not signed in"
    assert page.get_by_role("button", name=f"Sign out {username}").is_visible()


_AXE_SOURCE: str | None = None


def _axe_source() -> str:
    global _AXE_SOURCE
    if _AXE_SOURCE is None:
        _AXE_SOURCE = AXE.read_text(encoding="utf-8")
    return _AXE_SOURCE


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def check_page(page: Any, name: str) -> list[dict[str, Any]]:
    """Screenshot the page, run axe on it and fail on any serious or critical violation.

    axe is evaluated through the DevTools protocol, which the page's Content Security Policy does
    not govern, so the CSP real users get stays on in the tests."""
    page.wait_for_load_state()
    # htmx's swaps make the browser refuse an *empty* inline style (the hash named is that of
    # the empty string), which changes nothing on screen; anything else the CSP blocks is a bug.
    blocked = [e for e in page.csp_errors if EMPTY_STYLE_HASH not in e]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with (ARTIFACTS / "csp-blocked.txt").open("a") as log:
        log.writelines(f"{name}: {e}\n" for e in page.csp_errors)
    page.csp_errors.clear()
    assert not blocked, f"the Content Security Policy blocked something on {name}: {blocked}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    AXE_REPORTS.mkdir(parents=True, exist_ok=True)
    slug = _slug(name)
    page.screenshot(path=str(SCREENSHOTS / f"{slug}.png"), full_page=True)
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    results = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations', 'incomplete']})",
        AXE_TAGS,
    )
    violations = [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "tags": v["tags"],
            "nodes": [
                {
                    "target": n["target"],
                    "html": n["html"][:300],
                    "summary": n.get("failureSummary", ""),
                }
                for n in v["nodes"]
            ],
        }
        for v in results["violations"]
    ]
    (AXE_REPORTS / f"{slug}.json").write_text(
        json.dumps(
            {
                "page": name,
                "url": page.url,
                "violations": violations,
                # What axe could not decide by itself (e.g. contrast over an image): for a person.
                "incomplete": sorted({v["id"] for v in results["incomplete"]}),
            },
            indent=2,
        )
    )
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, (
        f"axe found serious or critical violations on {name} ({page.url}):\n"
        + "\n".join(
            f"  {v['impact']} {v['id']}: {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
            for v in blocking
        )
    )
    return violations
