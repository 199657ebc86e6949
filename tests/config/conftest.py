"""Settings as a production process reads them.

config/settings.py decides the security settings from environment variables when it is
imported, so the only honest way to test that logic is to import it in a fresh process with
a production environment and look at what comes out.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]

# What the Security section reads, and what the test run sets for itself
# (tests/environment.py): none of it may leak in from the developer's shell or pytest.
_REPLACED_VARIABLES = {
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "TEST_DATABASE_NAME",
    "DEBUG",
    "SITE_URL",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "HOST",
    "PORT",
    "SECURE_COOKIES",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_PRELOAD",
    "TRUST_X_FORWARDED_PROTO",
}

# The settings whose values depend on the environment; the rest are the same in every process.
ENVIRONMENT_DEPENDENT_SETTINGS = [
    "DEBUG",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
    "TRUST_PROXY_HEADERS",
]


def production_env(**overrides: str | None) -> dict[str, str]:
    """A production environment: DEBUG off, an https SITE_URL, a long random SECRET_KEY.

    DATABASE_URL points nowhere: reading settings and running checks never connect, and the
    embedded server other test runs share is left alone. A value of None removes a variable.
    """
    env = {key: value for key, value in os.environ.items() if key not in _REPLACED_VARIABLES}
    env.update(
        SITE_URL="https://wheelhouse.example",
        ALLOWED_HOSTS="wheelhouse.example",
        SECRET_KEY=secrets.token_urlsafe(50),
        STATIC_STORAGE="simple",
        DATABASE_URL="postgres://wheelhouse@127.0.0.1:9/wheelhouse",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run_in_production(args: list[str], **overrides: str | None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=production_env(**overrides),
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_settings(**overrides: str | None) -> dict:
    """The environment-dependent settings a production process ends up with."""
    code = (
        "import json\n"
        "from django.conf import settings\n"
        f"names = {ENVIRONMENT_DEPENDENT_SETTINGS!r}\n"
        "print(json.dumps({name: getattr(settings, name) for name in names}))\n"
    )
    result = run_in_production(["-c", code], **overrides)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    if values["SECURE_PROXY_SSL_HEADER"] is not None:
        values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"])
    return values


def apply(settings, values: dict) -> None:
    """Put production values into pytest-django's `settings` fixture for this test."""
    for name, value in values.items():
        setattr(settings, name, value)
