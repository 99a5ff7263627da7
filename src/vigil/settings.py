"""Django settings for Vigil.

The database is SQLite under the project's data folder unless ``VIGIL_DATABASE_URL`` names
another (CLI.md). Secrets and deployment choices come from the environment, never from code.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from vigil.paths import data_dir

DEBUG = os.environ.get("VIGIL_DEBUG") == "1"
SECRET_KEY = (
    os.environ.get("VIGIL_SECRET_KEY") or "vigil-dev-only-insecure-key-set-VIGIL_SECRET_KEY"
)
ALLOWED_HOSTS = [
    h for h in os.environ.get("VIGIL_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "vigil.ui",
    "vigil.records",
    "vigil.audit",
    "vigil.identity",
    "vigil.work",
    "vigil.alerts",
    "vigil.accounts",
    "vigil.synth",
    "vigil.ingest",
    "vigil.people",
    "vigil.oversight",
    "vigil.casework",
    "vigil.inspection",
    "vigil.web",
]

# Order matters: headers and CSP come before WhiteNoise so static files carry them too; the
# access-log check wraps every view; Axes comes last so it can turn a flagged sign-in into the
# lockout page (docs/security.md).
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "vigil.web.middleware.SecurityHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "vigil.web.middleware.SignInRequiredMiddleware",
    "vigil.web.middleware.AccessLogRequiredMiddleware",
    "vigil.web.middleware.ViaLinksMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "vigil.urls"
WSGI_APPLICATION = "vigil.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "vigil.web.navigation.navigation",
                "vigil.work.context_processors.unread",
            ],
        },
    },
]


def _database(url: str) -> dict[str, object]:
    url = url or f"sqlite:///{data_dir() / 'vigil.sqlite3'}"
    config: dict[str, object] = dict(dj_database_url.parse(url, conn_max_age=60))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets the web app read while an import writes; IMMEDIATE avoids lock upgrades
        # failing part-way through a batch.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    elif "postgresql" in str(config["ENGINE"]):
        # Vigil's queries are short and many: PostgreSQL's JIT compiled some page counts for
        # longer (0.5-1.3 s) than they ran. Other server settings stay the operator's.
        options = dict(config.get("OPTIONS") or {})  # type: ignore[call-overload]
        options["options"] = (str(options.get("options", "")) + " -c jit=off").strip()
        config["OPTIONS"] = options
    return config


DATABASES = {"default": _database(os.environ.get("VIGIL_DATABASE_URL") or "")}
# PostgreSQL with two roles (docs/operations.md "Database roles"): VIGIL_DATABASE_URL is the
# application's role, which owns nothing; VIGIL_DATABASE_OWNER_URL names the same database as
# the role that owns the tables, for migrations and bulk-load index work (vigil.audit.dbroles).
VIGIL_DATABASE_APP_USER = ""
if (
    os.environ.get("VIGIL_DATABASE_OWNER_URL")
    and DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3"
):
    _owner = _database(os.environ["VIGIL_DATABASE_OWNER_URL"])
    _same = ("ENGINE", "NAME", "HOST", "PORT")
    if any(_owner.get(k) != DATABASES["default"].get(k) for k in _same):
        raise ImproperlyConfigured(
            "VIGIL_DATABASE_OWNER_URL must name the same server and database as VIGIL_DATABASE_URL"
        )
    if _owner.get("USER") != DATABASES["default"].get("USER"):
        _owner["TEST"] = {"MIRROR": "default"}  # tests: the same test database, as the owner
        DATABASES["owner"] = _owner
        VIGIL_DATABASE_APP_USER = str(DATABASES["default"].get("USER") or "")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("VIGIL_STATIC_ROOT", str(data_dir() / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
LOGIN_URL = "accounts:sign-in"
LOGIN_REDIRECT_URL = "web:home"

# --- security (docs/security.md) -----------------------------------------------------------

# Axes checks every sign-in for lockout first; then Django's own check of the password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("VIGIL_LOCKOUT_FAILURES", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("VIGIL_LOCKOUT_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "vigil.accounts.lockout.locked_out"
# Password spraying: one client address is also locked after this many failures across any
# usernames within the cool-off (vigil.accounts.lockout.AddressThrottleHandler).
AXES_HANDLER = "vigil.accounts.lockout.AddressThrottleHandler"
VIGIL_ADDRESS_LOCKOUT_FAILURES = int(os.environ.get("VIGIL_ADDRESS_LOCKOUT_FAILURES", "20"))
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False  # Axes would otherwise log usernames and addresses to the console
AXES_SENSITIVE_PARAMETERS = ["password", "token", "code"]
# Behind a proxy that sets X-Forwarded-For, name how many proxies to trust.
AXES_IPWARE_PROXY_COUNT = (
    int(os.environ["VIGIL_PROXY_COUNT"]) if os.environ.get("VIGIL_PROXY_COUNT") else None
)
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if AXES_IPWARE_PROXY_COUNT else ("REMOTE_ADDR",)
)

# Roles that must use a second factor (TOTP); anyone may choose to. Comma-separated role names.
VIGIL_TOTP_REQUIRED_ROLES = frozenset(
    r for r in os.environ.get("VIGIL_TOTP_REQUIRED_ROLES", "").split(",") if r.strip()
)
OTP_TOTP_ISSUER = "Vigil"
# Signed in for at most this long however busy, then sign in again (idle limit: SESSION_COOKIE_AGE).
VIGIL_SESSION_ABSOLUTE_SECONDS = int(
    os.environ.get("VIGIL_SESSION_ABSOLUTE_SECONDS", str(10 * 3600))
)
# A password checked but the second factor not yet given expires after this long.
VIGIL_SECOND_FACTOR_SECONDS = 300

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    },
}
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), fullscreen=(), "
    "geolocation=(), gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), "
    "usb=()"
)
CSRF_FAILURE_VIEW = "vigil.accounts.views.csrf_failure"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = int(os.environ.get("VIGIL_SESSION_SECONDS", "1800"))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if os.environ.get("VIGIL_HTTPS") == "1":
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # __Host- cookies are refused by browsers unless Secure, for this host only, path /.
    SESSION_COOKIE_NAME = "__Host-vigil-session"
    CSRF_COOKIE_NAME = "__Host-vigil-csrf"

# A force's alert policy (TOML) over the contract's defaults; see docs/rules.md.
# Notifications by email (docs/operations.md): the console unless an SMTP host is named.
VIGIL_BASE_URL = os.environ.get("VIGIL_BASE_URL", "http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL = os.environ.get("VIGIL_EMAIL_FROM", "vigil@localhost")
EMAIL_HOST = os.environ.get("VIGIL_EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = int(os.environ.get("VIGIL_EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("VIGIL_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("VIGIL_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("VIGIL_EMAIL_TLS", "1") == "1"
EMAIL_TIMEOUT = 10

VIGIL_POLICY_FILE = os.environ.get("VIGIL_POLICY_FILE") or None

# Nothing about people goes to the console: Django's request logging (4xx/5xx) keeps its
# message (method, status and path, which never carries personal data) but loses the request
# object and any exception text, which could; Axes, which would name staff and addresses, is
# quietened. Who saw what belongs in the audit log alone.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"no_request_data": {"()": "vigil.audit.redact.NoRequestDataFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "request_console": {"class": "logging.StreamHandler", "filters": ["no_request_data"]},
    },
    "loggers": {
        "django.request": {"handlers": ["request_console"], "level": "WARNING", "propagate": False},
        "django.server": {"handlers": ["request_console"], "level": "WARNING", "propagate": False},
        "django.security": {
            "handlers": ["request_console"],
            "level": "WARNING",
            "propagate": False,
        },
        "axes": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        # Signed access-log checkpoints (vigil.audit.checkpoints), for a log shipped elsewhere.
        "vigil.audit.checkpoint": {
            "handlers": ["console"],
            "propagate": False,
            "level": "INFO" if os.environ.get("VIGIL_AUDIT_CHECKPOINT_LOG") == "1" else "WARNING",
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("VIGIL_LOG_LEVEL", "WARNING")},
}
