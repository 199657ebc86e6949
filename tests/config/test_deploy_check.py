"""Settings as a fresh process reads them: `check --deploy` is clean in production, and the
default SITE_URL follows the address `make run` serves on."""

from __future__ import annotations

import pytest

from tests.config.conftest import run_in_production


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"TRUST_X_FORWARDED_PROTO": "1"},
        {"SECURE_HSTS_PRELOAD": "1"},
    ],
    ids=["direct", "behind-a-proxy", "hsts-preload"],
)
def test_deploy_check_finds_nothing_to_warn_about(overrides):
    result = run_in_production(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **overrides
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr


def test_only_the_hsts_preload_reminder_is_silenced():
    """Preloading is the operator's choice; every other deploy check must pass on its merits."""
    code = "from django.conf import settings; print(settings.SILENCED_SYSTEM_CHECKS)"
    assert run_in_production(["-c", code]).stdout.strip() == "['security.W021']"
    assert run_in_production(["-c", code], SECURE_HSTS_PRELOAD="1").stdout.strip() == "[]"


def test_deploy_check_still_warns_about_a_real_problem():
    """Guards the test itself: a weak SECRET_KEY must fail it."""
    result = run_in_production(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], SECRET_KEY="short"
    )
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


def _site_url(**overrides: str | None) -> str:
    code = "from django.conf import settings; print(settings.SITE_URL)"
    return run_in_production(["-c", code], **overrides).stdout.strip()


def test_the_default_site_url_follows_host_and_port_and_site_url_wins():
    """Regression: `make run PORT=8102` put :8000 into email links and the feed address."""
    assert _site_url(SITE_URL=None, DEBUG="1") == "http://127.0.0.1:8000"
    assert _site_url(SITE_URL=None, DEBUG="1", PORT="8102") == "http://127.0.0.1:8102"
    assert _site_url(SITE_URL=None, DEBUG="1", HOST="localhost", PORT="8102") == (
        "http://localhost:8102"
    )
    assert _site_url(SITE_URL="https://wheelhouse.example/", PORT="8102") == (
        "https://wheelhouse.example"
    )
