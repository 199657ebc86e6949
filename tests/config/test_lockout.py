"""Sign-in lockout (django-axes): per account and per address, 5 failures, 15 minutes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
ATTACKER = "10.0.0.66"


@pytest.fixture
def editor(db):
    return get_user_model().objects.create_user(username="editor", password=PASSWORD)


@pytest.fixture
def colleague(db):
    return get_user_model().objects.create_user(username="colleague", password=PASSWORD)


def sign_in(username: str, password: str, *, ip: str = ATTACKER, forwarded_for: str = ""):
    """One sign-in from a fresh browser at `ip`, claiming `forwarded_for` if given."""
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return Client().post(
        "/sign-in/", {"username": username, "password": password}, REMOTE_ADDR=ip, headers=headers
    )


def signed_in(response) -> bool:
    return response.status_code == 302 and response.wsgi_request.user.is_authenticated


def assert_locked_out(response) -> None:
    assert response.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in response.templates]
    page = response.content.decode()
    assert "Too many sign-in attempts" in page
    assert "Try again in 15 minutes" in page
    assert "ask a Wheelhouse administrator to unlock the account" in page
    assert not response.wsgi_request.user.is_authenticated


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(editor):
    for _ in range(4):
        response = sign_in("editor", "wrong")
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()
    assert_locked_out(sign_in("editor", "wrong"))

    assert_locked_out(sign_in("editor", PASSWORD))
    # The account is locked wherever the next try comes from.
    assert_locked_out(sign_in("editor", PASSWORD, ip="192.0.2.10"))


def test_five_failures_from_one_address_lock_it_for_every_account(colleague):
    for n in range(5):
        sign_in(f"guess{n}", "wrong")

    assert_locked_out(sign_in("colleague", PASSWORD))
    # ...but only that address: the colleague can still sign in from their own.
    assert signed_in(sign_in("colleague", PASSWORD, ip="192.0.2.10"))


def test_the_lockout_lifts_fifteen_minutes_after_the_fifth_failure(editor, time_machine):
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    for _ in range(5):
        sign_in("editor", "wrong")

    time_machine.move_to(start + timedelta(minutes=14))
    assert_locked_out(sign_in("editor", PASSWORD))
    # Trying while locked out did not restart the 15 minutes.
    time_machine.move_to(start + timedelta(minutes=15, seconds=1))
    assert signed_in(sign_in("editor", PASSWORD))


def test_signing_in_clears_earlier_failures(editor):
    for _ in range(4):
        sign_in("editor", "wrong")
    assert signed_in(sign_in("editor", PASSWORD))

    for _ in range(4):
        sign_in("editor", "wrong")
    assert signed_in(sign_in("editor", PASSWORD))


def test_failures_are_listed_in_the_admin_where_an_administrator_can_unlock(editor, client):
    for _ in range(5):
        sign_in("editor", "wrong")
    admin = get_user_model().objects.create_superuser("admin", "admin@example.org", PASSWORD)
    client.force_login(admin)

    assert "Access attempts" in client.get("/admin/").content.decode()
    attempts = client.get("/admin/axes/accessattempt/").content.decode()
    assert "editor" in attempts and ATTACKER in attempts
    failures = client.get("/admin/axes/accessfailurelog/").content.decode()
    assert failures.count(ATTACKER) >= 5

    attempt = AccessAttempt.objects.get(username="editor")
    response = client.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert signed_in(sign_in("editor", PASSWORD))


def test_a_client_cannot_dodge_the_address_lockout_with_x_forwarded_for(colleague):
    """Without a trusted proxy, X-Forwarded-For is whatever the client says."""
    for n in range(5):
        sign_in(f"guess{n}", "wrong", forwarded_for=f"198.51.100.{n}")
    assert_locked_out(sign_in("colleague", PASSWORD, forwarded_for="198.51.100.99"))


def test_behind_a_trusted_proxy_each_client_is_counted_by_its_own_address(colleague, settings):
    settings.TRUST_PROXY_HEADERS = True
    proxy = "127.0.0.1"
    for n in range(5):
        sign_in(f"guess{n}", "wrong", ip=proxy, forwarded_for="203.0.113.5")

    assert_locked_out(sign_in("colleague", PASSWORD, ip=proxy, forwarded_for="203.0.113.5"))
    # Everyone else comes through the same proxy and is not locked out with the attacker.
    assert signed_in(sign_in("colleague", PASSWORD, ip=proxy, forwarded_for="203.0.113.6"))


@pytest.mark.parametrize("username", ["a" * 3000, "name\r\nSubject: hi"])
def test_an_impossible_username_is_refused_with_a_message(client, username):
    """Regression: a 3,000-character username reached axes's log and answered 500."""
    response = client.post("/sign-in/", {"username": username, "password": "x"})
    assert response.status_code == 200
    assert "username" in response.context["form"].errors
