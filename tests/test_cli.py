"""The `vigil` command as CLI.md specifies it, run as a subprocess the way scripts call it.

Only what the dispatcher itself answers for is here: the verbs, exit statuses, what goes to
standard output and standard error. What each command does is tested in process
(``call_command``) with its app, under tests/<app>/.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from tests.conftest import EXAMPLES, VIGIL, query, vigil_env, write_ndjson
from tests.factories import call
from vigil.cli import VERBS

pytestmark = pytest.mark.django_db(transaction=True)


def vigil(
    env: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VIGIL), *args], env=env, capture_output=True, text=True, input=stdin, timeout=300
    )


@pytest.fixture
def env(tmp_path: Path, new_database: Callable[[], str]) -> dict[str, str]:
    return vigil_env(new_database(), tmp_path)


def test_import_json_prints_exactly_the_contract_summary(
    env: dict[str, str], tmp_path: Path
) -> None:
    files = sorted(str(p) for p in EXAMPLES.glob("*/records.ndjson"))
    bad = write_ndjson(tmp_path / "bad.ndjson", [call("X-1", occurred_at="2014-01-01")])
    result = vigil(env, "import", *files, str(bad), "--json", "--no-assess")
    assert result.returncode == 0, result.stderr
    summary = orjson.loads(result.stdout)
    assert list(summary) == [
        "files",
        "received",
        "imported",
        "unchanged",
        "replaced",
        "quarantined",
        "errors",
    ]
    assert summary["files"] == len(files) + 1
    assert summary["quarantined"] == 1
    assert summary["errors"] == [
        {
            "file": str(bad),
            "line": 1,
            "source_id": "X-1",
            "reasons": [
                "occurred_at: '2014-01-01' is a date without a time; a date-time is required"
            ],
        }
    ]
    again = orjson.loads(vigil(env, "import", *files, "--json", "--no-assess").stdout)
    assert again["imported"] == 0 and again["unchanged"] == summary["imported"]


def test_unreadable_file_exits_2_with_a_message(env: dict[str, str], tmp_path: Path) -> None:
    result = vigil(env, "import", str(tmp_path / "nope.ndjson"), "--json", "--no-assess")
    assert result.returncode == 2
    assert orjson.loads(result.stdout)["errors"][0]["reasons"] == ["no such file"]
    assert "nope.ndjson: no such file" in result.stderr


def test_help_lists_every_verb_and_each_verb_its_own_options(env: dict[str, str]) -> None:
    listed = vigil(env, "--help")
    assert listed.returncode == 0
    verbs = listed.stdout.split("options:")[0]
    # CLI.md's verbs (audit is the next issue's), and the operators' own.
    for verb in (
        "import",
        "export",
        "assess",
        "alerts",
        "person",
        "link",
        "synth",
        "serve",
        "user",
        "persons",
        "explain",
        "review",
        "quarantine",
        "audit-log",
        "db",
        "demo",
    ):
        assert f"\n    {verb} " in verbs or f"\n    {verb}\n" in verbs, verb
    assert set(VERBS) <= set(verbs.split())
    own = vigil(env, "alerts", "--help")
    assert own.returncode == 0 and own.stdout.startswith("usage: vigil alerts ")
    assert "--as-of DATETIME" in own.stdout and "--status" in own.stdout
    # Django's own options are accepted but not offered: they are not the contract's.
    assert "--settings" not in own.stdout and "--traceback" not in own.stdout


def test_user_add(env: dict[str, str]) -> None:
    ok = vigil(
        env,
        "user",
        "add",
        "ann",
        "--role",
        "supervisor",
        "--password-stdin",
        stdin="correct horse battery staple\n",
    )
    assert ok.returncode == 0, ok.stderr
    url = env["VIGIL_DATABASE_URL"]
    assert query(url, "SELECT username, role FROM accounts_user") == [("ann", "supervisor")]
    password = query(url, "SELECT password FROM accounts_user")[0][0]
    assert password.startswith("argon2")
    assert query(url, "SELECT action FROM audit_auditentry") == [("account.create",)]
    bad_role = vigil(
        env, "user", "add", "bob", "--role", "sheriff", "--password-stdin", stdin="x" * 20
    )
    assert bad_role.returncode == 2 and "unknown role 'sheriff'" in bad_role.stderr
    weak = vigil(
        env, "user", "add", "cat", "--role", "auditor", "--password-stdin", stdin="short\n"
    )
    assert weak.returncode == 2 and "password refused" in weak.stderr
    named = vigil(
        env,
        "user",
        "add",
        "dee",
        "--role",
        "investigator",
        "--name",
        "Dee Hart",
        "--rank",
        "DC",
        "--staff-number",
        "2291",
        "--json",
    )
    assert named.returncode == 0, named.stderr
    assert orjson.loads(named.stdout) == {
        "username": "dee",
        "role": "investigator",
        "full_name": "Dee Hart",
        "rank": "DC",
        "staff_number": "2291",
        "team": None,
    }


def test_usage_errors_exit_2_with_argparse_s_message(env: dict[str, str]) -> None:
    for args, message in [
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["import"], "the following arguments are required: PATH"),
        (["review"], "the following arguments are required: review_command"),
        (["assess", "--as-of", "2015-01-01T00:00:00"], "--as-of"),
        (["alerts", "--status", "lost"], "invalid choice: 'lost'"),
    ]:
        result = vigil(env, *args)
        assert result.returncode == 2, args
        assert result.stdout == "" and message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr


def test_a_command_error_is_one_line_naming_the_verb_with_its_exit_status(
    env: dict[str, str],
) -> None:
    result = vigil(
        env, "user", "add", "bob", "--role", "sheriff", "--password-stdin", stdin="x" * 20 + "\n"
    )
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("vigil user add: unknown role 'sheriff'")
    assert result.stderr.count("\n") == 1
    code = vigil(env, "alerts", "--code", "NOPE", "--json")
    assert code.returncode == 2 and code.stdout == ""
    assert code.stderr == "vigil alerts: --code 'NOPE' is not an alert code of ALERTS.md\n"


def test_serve_redirects_signed_out_requests_to_sign_in(env: dict[str, str]) -> None:
    import socket
    import time
    import urllib.error
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [str(VIGIL), "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                opener.open(f"http://127.0.0.1:{port}/", timeout=20)
                pytest.fail("a signed-out request was served")
            except urllib.error.HTTPError as exc:
                assert exc.code == 302
                assert exc.headers["Location"] == "/accounts/sign-in/?next=/"
                break
            except (ConnectionError, TimeoutError, urllib.error.URLError):
                # A loaded machine may accept the connection before the worker can answer.
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/sign-in/", timeout=5)
        assert page.status == 200 and "Sign in to Vigil" in page.read().decode()
        assert "gunicorn" in page.headers.get("Server", "")
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_synth_refuses_nonsense_with_a_message(tmp_path: Path) -> None:
    env = vigil_env("sqlite:///" + str(tmp_path / "unused.sqlite3"), tmp_path)
    for args, message in [
        (["--people", "0"], "people and days must be at least 1"),
        (["--people", "10", "--days", "0"], "people and days must be at least 1"),
        (["--people", "10", "--start", "2014-13-01"], "is not a date"),
    ]:
        result = vigil(env, "synth", *args, "--out", str(tmp_path / "x"))
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr and "Traceback" not in result.stderr
