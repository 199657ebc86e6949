"""Shared fixtures. Every test runs against a real PostgreSQL: DATABASE_URL's server, or the
embedded one under .data/ (pytest-django creates and drops the test database on it)."""

from __future__ import annotations

import itertools

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from practice.models import WriteUp
from practice.publishing import Status

# The search index is written when a transaction commits: run on_commit callbacks where
# production would commit (autouse, for every test).
from tests.search.commit import on_commit_as_in_production  # noqa: F401

_counter = itertools.count(1)


# The password of users made by make_person unless a test gives its own.
TEST_PASSWORD = "pw"  # noqa: S105


def make_person(username: str, role: str | None = None, *, password: str = TEST_PASSWORD, **fields):
    """A saved user in `role`'s group (config/roles.py); any User field can be given."""
    user = get_user_model().objects.create_user(username=username, password=password, **fields)
    if role:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def signed_in(user) -> Client:
    """A test client signed in as `user`."""
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SITE_URL = "https://wheelhouse.example"
    # Off, except where the page cache is the point (tests/config/test_page_cache.py).
    settings.PAGE_CACHE_SECONDS = 0
    settings.AGGREGATE_CACHE = False
    # Every kept statement checked against a fresh compile (practice/compiled.py).
    settings.COMPILED_CHECK = True


def make_writeup(
    *, tags: tuple[str, ...] = (), status: str = Status.PUBLISHED, **fields
) -> WriteUp:
    """A saved write-up with sensible defaults; any field can be overridden."""
    n = next(_counter)
    fields.setdefault("title", f"Write-up number {n}")
    fields.setdefault("summary", f"What team {n} tried, for whom, and what happened.")
    fields.setdefault("body", "Some **Markdown** body text.")
    fields.setdefault("organisation", "Leeds Community Healthcare")
    if status == Status.PUBLISHED:
        fields.setdefault("published_at", timezone.now())
    writeup = WriteUp.objects.create(status=status, **fields)
    if tags:
        writeup.tags.set(list(tags))
    return writeup


@pytest.fixture
def staff_user(db):
    return get_user_model().objects.create_user(
        username="editor", password="correct horse battery", is_staff=True
    )


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client
