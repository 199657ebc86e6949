from __future__ import annotations

import itertools
import re

import pytest
from django.utils import timezone

from practice.models import Region
from stakeholders.consent import current_consent
from stakeholders.forms import form_started_token
from stakeholders.models import Role, Subscriber, SubscriberStatus
from tests.smtp import SmtpSink, point_django_at

_counter = itertools.count(1)


@pytest.fixture
def smtp(settings):
    """A real SMTP server on loopback, with Django's SMTP backend pointed at it."""
    with SmtpSink() as sink:
        point_django_at(settings, sink)
        yield sink.handler


@pytest.fixture(autouse=True)
def _tasks_run_immediately(settings):
    # The worker is not the point of most tests; the one that is overrides this.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.STAKEHOLDERS_MIN_FORM_SECONDS = 0


def make_subscriber(
    *,
    topics: tuple[str, ...] = (),
    all_topics: bool = False,
    status: str = SubscriberStatus.CONFIRMED,
    **fields,
) -> Subscriber:
    n = next(_counter)
    version, wording = current_consent()
    now = timezone.now()
    fields.setdefault("email", f"person{n}@example.org")
    fields.setdefault("role", Role.PRACTITIONER)
    fields.setdefault("region", Region.LONDON)
    if status == SubscriberStatus.CONFIRMED:
        fields.setdefault("confirmed_at", now)
    if not topics and not all_topics:
        topics = ("general-news",)
    return Subscriber.objects.create(
        topics=list(topics),
        all_topics=all_topics,
        status=status,
        consent_version=version,
        consent_text=wording,
        consented_at=now,
        **fields,
    )


def link_in(message, path_fragment: str) -> str:
    """The first link in a message's plain-text part that contains `path_fragment`; works
    for a message Django built (locmem outbox) and one received over SMTP."""
    if hasattr(message, "get_body"):
        text = message.get_body(preferencelist=("plain",)).get_content()
    else:
        text = message.body
    for url in re.findall(r"https?://\S+", text):
        if path_fragment in url:
            return url
    raise AssertionError(f"No link with {path_fragment!r} in:\n{text}")


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def signup_data(**overrides) -> dict:
    """A complete, valid sign-up form as a person would post it."""
    data = {
        "email": "asha@example.org",
        "name": "Asha",
        "organisation": "Leeds Carers",
        "role": Role.PRACTITIONER,
        "topics": ["carers"],
        "region": Region.LONDON,
        "consent": "on",
        "website": "",
        "started": form_started_token(),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}
