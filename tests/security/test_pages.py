"""Every page: CSP and security headers, no inline style or script, no personal data in URLs.

Crawls the site as several roles over a small imported force, following every link each page
offers (a few per kind of page), so pages added by anyone are checked as soon as they link in.
"""

from __future__ import annotations

import contextlib
import html
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote_plus, urlsplit

import pytest
from django.test import Client
from django.urls import NoReverseMatch, Resolver404, resolve, reverse

from vigil.access.roles import Role
from vigil.records.models import PersonMention

from .urlwalk import walk

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "vigil"

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'none'",
    "object-src": "'none'",
}
LINK = re.compile(r"""(?:href|action|hx-get|hx-post|src)\s*=\s*["']([^"']+)["']""")
INLINE = [
    (re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I), "a style attribute"),
    (re.compile(r"<style[\s>]", re.I), "a <style> element"),
    (re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I), "an inline event handler"),
    (re.compile(r"""(?:href|src|action)\s*=\s*["']\s*javascript:""", re.I), "a javascript: URL"),
]
GET_FORM = re.compile(r"<form(?![^>]*method=[\"']post)[^>]*>(.*?)</form>", re.I | re.S)
PERSONAL_FIELDS = re.compile(
    r"""name=["'](?:q|name|forename|surname|dob[a-z_]*|date_of_birth|postcode|place|phone|address)["']"""
)
PER_KIND = 4  # pages crawled per URL pattern
MAX_PAGES = 120  # per role


def check_headers(url: str, response: object) -> list[str]:
    headers = response.headers  # type: ignore[attr-defined]
    problems = []
    policy = dict(
        ([*part.strip().split(" ", 1), ""])[:2]
        for part in headers.get("Content-Security-Policy", "").split(";")
        if part.strip()
    )
    for directive, value in CSP.items():
        if policy.get(directive) != value:
            problems.append(f"{url}: CSP {directive} is {policy.get(directive)!r}, not {value!r}")
    if "unsafe-inline" in headers.get("Content-Security-Policy", ""):
        problems.append(f"{url}: CSP allows unsafe-inline")
    expected = {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cross-Origin-Resource-Policy": "same-origin",
    }
    for name, value in expected.items():
        if headers.get(name) != value:
            problems.append(f"{url}: {name} is {headers.get(name)!r}, not {value!r}")
    if "camera=()" not in headers.get("Permissions-Policy", ""):
        problems.append(f"{url}: no Permissions-Policy")
    return problems


def check_inline(url: str, text: str) -> list[str]:
    problems = [f"{url}: {what}" for pattern, what in INLINE if pattern.search(text)]
    for form in GET_FORM.findall(text):
        if PERSONAL_FIELDS.search(form):
            problems.append(f"{url}: a GET form asks for personal data (it would go in the URL)")
    return problems


def personal_values() -> set[str]:
    values: set[str] = set()
    for m in PersonMention.objects.all().iterator():
        for name in (m.forename, m.surname, m.middle_names, *m.aliases.splitlines()):
            for part in re.split(r"[^a-z]+", name.lower()):
                if len(part) >= 3:
                    values.add(part)
        if m.date_of_birth:
            d = m.date_of_birth
            values |= {
                d.isoformat(),
                d.strftime("%d/%m/%Y"),
                d.strftime("%d%m%Y"),
                d.strftime("%Y%m%d"),
            }
        for ident in (m.postcode, m.phone, m.nhs, m.pnc):
            ident = re.sub(r"\s+", "", ident.lower())
            if len(ident) >= 5:
                values.add(ident)
    # The fixed words of the site's own URLs are not personal data even if someone bears them.
    fixed = {w for r in walk() for w in re.split(r"[^a-z]+", re.sub(r"<[^>]+>", "", r.template))}
    return values - fixed


def personal_data_in(url: str, values: set[str]) -> set[str]:
    decoded = unquote_plus(html.unescape(url)).lower()
    squashed = re.sub(r"\s+", "", decoded)
    words = set(re.split(r"[^a-z]+", decoded))
    return {v for v in values if v in words or (any(c.isdigit() for c in v) and v in squashed)}


def _searched(client: Client) -> list[str]:
    """Links from searching (POST) by the commonest surnames and postcodes of the force."""
    links: list[str] = []
    surnames = Counter(PersonMention.objects.values_list("surname", flat=True)).most_common(3)
    postcodes = Counter(
        PersonMention.objects.exclude(postcode="").values_list("postcode", flat=True)
    ).most_common(2)
    for name, data in [("people:search", {"surname": s}) for s, _ in surnames] + [
        ("people:address-search", {"place": p}) for p, _ in postcodes
    ]:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        response = client.post(url, data)
        if response.status_code == 200:
            links += [html.unescape(x) for x in LINK.findall(response.content.decode())]
    return links


def crawl(client: Client, starts: list[str]) -> dict[str, object]:
    seen: dict[str, object] = {}
    per_kind: Counter[str] = Counter()
    queue = list(starts) + [
        x for x in _searched(client) if x.startswith("/") and not x.startswith("/static/")
    ]
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        if url in seen:
            continue
        try:
            kind = resolve(urlsplit(url).path).view_name
        except Resolver404:
            kind = "404"
        if per_kind[kind] >= PER_KIND:
            continue
        per_kind[kind] += 1
        response = client.get(url)
        seen[url] = response
        if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            for link in LINK.findall(response.content.decode()):
                link = html.unescape(link).split("#")[0]
                if link.startswith("?"):
                    link = urlsplit(url).path + link
                if link.startswith("/") and not link.startswith(
                    ("/static/", "//", "/accounts/sign-out")
                ):
                    queue.append(link)
    return seen


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.AUDITOR, Role.PARTNER_CSC, Role.ADMIN])
def test_every_page_is_safe(
    role: str, small_force: object, signed_in: Callable[[str], Client]
) -> None:
    client = signed_in(role)
    starts = [r.url() for r in walk() if not r.has_params and r.name != "accounts:sign-out"]
    pages = crawl(client, starts)
    values = personal_values()
    assert values, "the small force has no people"
    problems: list[str] = []
    all_links: set[str] = set()
    for url, response in pages.items():
        all_links.add(url)
        status = response.status_code  # type: ignore[attr-defined]
        if status >= 500:
            problems.append(f"{url}: {status}")
        problems += check_headers(url, response)
        if status == 200 and "text/html" in response.get("Content-Type", ""):  # type: ignore[attr-defined]
            text = response.content.decode()  # type: ignore[attr-defined]
            problems += check_inline(url, text)
            all_links |= {html.unescape(x) for x in LINK.findall(text)}
            if "Cache-Control" not in response or "no-store" not in response["Cache-Control"]:  # type: ignore[operator,index]
                problems.append(f"{url}: may be cached")
    for link in sorted(all_links):
        found = personal_data_in(link, values)
        if found:
            problems.append(f"personal data {sorted(found)} in the URL {link}")
    print(f"{role}: crawled {len(pages)} pages, checked {len(all_links)} URLs")
    assert len(pages) >= 3
    kinds = set()
    for url in pages:
        with contextlib.suppress(Resolver404):
            kinds.add(resolve(urlsplit(url).path).view_name)
    if role == Role.SUPERVISOR:
        built = {r.name for r in walk()}
        missing = {
            "people:person",
            "people:record",
            "people:address",
            "alerts:alert",
        } & built - kinds
        assert not missing, f"the crawl never reached {missing}: follow more links"
    assert not problems, "\n  ".join([f"{len(problems)} problems:", *problems])


def test_sign_in_page_and_static_files_carry_the_headers(db: None) -> None:
    client = Client()
    page = client.get("/accounts/sign-in/")
    assert page.status_code == 200
    assert not check_headers("/accounts/sign-in/", page)
    assert not check_inline("/accounts/sign-in/", page.content.decode())
    css = client.get("/static/vigil/vigil.css")
    assert css.status_code == 200
    assert "Content-Security-Policy" in css and css["X-Content-Type-Options"] == "nosniff"


def test_personal_data_check_catches_names_and_dates() -> None:
    values = {"stone", "amy", "2009-04-01", "ls11aa"}
    assert personal_data_in("/people/search/?q=Amy+Stone", values) == {"amy", "stone"}
    assert personal_data_in("/people/?dob=2009-04-01", values) == {"2009-04-01"}
    assert personal_data_in("/addresses/?postcode=LS1%201AA", values) == {"ls11aa"}
    assert personal_data_in("/people/41/", values) == set()


# --- the source: no inline styles or scripts, no CSRF exemptions ------------------------------


def _templates() -> list[Path]:
    return sorted(p for p in SRC.rglob("templates/**/*.html"))


def test_templates_have_no_inline_style_or_script() -> None:
    problems = []
    for template in _templates():
        problems += check_inline(str(template.relative_to(ROOT)), template.read_text())
    assert not problems, (
        "the CSP would block these (use a class in web/static/vigil/vigil.css "
        "or a script file):\n  " + "\n  ".join(problems)
    )


def test_no_view_is_exempt_from_csrf() -> None:
    exempt = [str(p.relative_to(ROOT)) for p in SRC.rglob("*.py") if "csrf_exempt" in p.read_text()]
    assert not exempt, f"csrf_exempt used in {exempt}"
    assert not [r.template for r in walk() if getattr(r.callback, "csrf_exempt", False)]


def _settings_with(env: dict[str, str]) -> list[str]:
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='vigil.settings'; "
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, "
        "s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_NAME)"
    )
    import os

    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.split()


def test_secure_cookies_and_hsts_only_over_https() -> None:
    assert _settings_with({"VIGIL_HTTPS": "1"}) == [
        "True",
        "True",
        "31536000",
        "True",
        "__Host-vigil-session",
    ]
    assert _settings_with({"VIGIL_HTTPS": "0"}) == ["False", "False", "0", "False", "sessionid"]
