"""Fixtures for the hostile-input tests: a site whose content is itself full of payloads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client, TestCase
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks.signals import task_finished

from events.models import Event, EventNote, Series
from practice.models import Region, WriteUp
from stakeholders.models import Subscriber
from stakeholders.tokens import Purpose, make_token
from tests.conftest import make_writeup
from tests.events.conftest import make_event, make_note
from tests.security.strategies import model_named
from tests.stakeholders.conftest import make_subscriber

# Stored through the ORM, as an import or the admin could store them: every page that shows
# them must escape them. No control characters here; those are for the forms to refuse.
PAYLOAD = (
    '<script>alert(1)</script> "><img src=x onerror=alert(1)> {{ settings.SECRET_KEY }} '
    "{% debug %} \u202ecarers\u202c 'carer' <-> !support"
)
PAYLOAD_TAG = "<img src=x onerror=alert(1)>"


FAILED_TASKS: list[str] = []


def _record_failure(sender, task_result, **kwargs) -> None:
    if task_result.status == TaskResultStatus.FAILED:
        last_line = task_result.errors[-1].traceback.strip().splitlines()[-1]
        FAILED_TASKS.append(f"{task_result.task.module_path}: {last_line}")


@pytest.fixture(autouse=True)
def _failed_tasks_recorded():
    """Mail now leaves through the task queue: a task that crashes on what someone typed is
    the same fault as a 500, only quieter."""
    FAILED_TASKS.clear()
    task_finished.connect(_record_failure, dispatch_uid="security-failed-tasks")
    yield FAILED_TASKS
    task_finished.disconnect(dispatch_uid="security-failed-tasks")


@pytest.fixture(autouse=True)
def _stakeholder_settings(settings):
    # The sign-up form's anti-bot timer would drop every example sent back at test speed.
    settings.STAKEHOLDERS_MIN_FORM_SECONDS = 0
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@dataclass
class World:
    writeup: WriteUp
    event: Event
    past_event: Event
    note: EventNote
    series: Series
    subscriber: Subscriber
    manage_token: str


@pytest.fixture
def world(db) -> World:
    # Indexed for search once saved and committed: the test's transaction never commits.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return _build_world()


def _build_world() -> World:
    series = Series.objects.create(name=f"Series {PAYLOAD}", slug="hostile-series")
    writeup = make_writeup(
        slug="hostile-write-up",
        title=f"Carers drop-in {PAYLOAD}"[:200],
        summary=f"What carers tried {PAYLOAD}"[:300],
        body=f"Carers **drop-in**. {PAYLOAD}\n\n[click](javascript:alert(1)) <b onclick=x>b</b>",
        context=PAYLOAD,
        what_we_did=PAYLOAD,
        who_for=PAYLOAD,
        outcomes=PAYLOAD,
        lessons=PAYLOAD,
        resources=PAYLOAD,
        organisation=PAYLOAD[:200],
        contact="javascript:alert(1)",
        region=Region.LONDON,
        tags=("carers", PAYLOAD_TAG),
    )
    event = make_event(
        slug="hostile-event",
        title=f"Carers round table {PAYLOAD}"[:200],
        venue=PAYLOAD[:200],
        address=PAYLOAD,
        organiser=PAYLOAD[:200],
        description=PAYLOAD,
        region=Region.LONDON,
        series=series,
        tags=("carers", PAYLOAD_TAG),
    )
    past_event = make_event(
        slug="hostile-past-event",
        starts_at=timezone.now() - timedelta(days=20),
        title=f"Carers meeting {PAYLOAD}"[:200],
        organiser=PAYLOAD[:200],
        series=series,
        tags=("carers",),
    )
    note = make_note(
        event=past_event,
        slug="hostile-notes",
        title=f"Notes on carers {PAYLOAD}"[:200],
        summary=f"Carers said {PAYLOAD}"[:300],
        body=PAYLOAD,
        questions=PAYLOAD,
        key_points=(PAYLOAD, "Carers need breaks"),
        speakers=((PAYLOAD[:200], "speaker"),),
        tags=("carers", PAYLOAD_TAG),
    )
    subscriber = make_subscriber(
        email="person@example.org",
        name=PAYLOAD[:100],
        organisation=PAYLOAD[:200],
        topics=("carers",),
    )
    model_named("SearchLog").objects.create(query=PAYLOAD[:200], result_count=0, duration_ms=1)
    return World(
        writeup=writeup,
        event=event,
        past_event=past_event,
        note=note,
        series=series,
        subscriber=subscriber,
        manage_token=make_token(subscriber, Purpose.MANAGE),
    )


@pytest.fixture
def visitor(db) -> Client:
    """Someone not signed in, with a client of their own (`client` is the staff one)."""
    return Client()
