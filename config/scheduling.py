"""Scheduled publishing: an editor approves an item for a time (practice.workflow.approve);
`publish_scheduled` publishes every item whose time has come.

Two things run it, so that an item goes out within a minute of its time and a time missed
while the worker was down is published at the next run, never skipped:
- approving enqueues the task to run at the item's time, on a backend that can defer
  (django-tasks-db can, and so can RQ through django-tasks' RQ backend);
- `manage.py publish_scheduled --every 60` (started by `make run` and `make serve`; in
  production a systemd timer running `manage.py publish_scheduled` each minute) sweeps for
  anything due, whatever happened to the tasks.
Publishing is idempotent (locked rows, `skip_locked`), so the two never publish twice.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django_tasks import default_task_backend, task

from events.models import Event, EventNote
from practice import workflow
from practice.models import WriteUp

logger = logging.getLogger(__name__)

# Every content type under the review workflow, by the kinds search knows them by.
REVIEWABLE = {"writeup": WriteUp, "event": Event, "note": EventNote}


@task()
def publish_scheduled() -> int:
    published = workflow.publish_due(REVIEWABLE.values())
    if published:
        logger.info("Published %d scheduled item(s)", published)
    return published


def wake_at(item) -> None:
    """After the approval commits, ask the worker to publish at the item's time. Without a
    backend that defers, the minutely sweep publishes it instead."""
    if not default_task_backend.supports_defer or item.publish_at is None:
        return
    when = item.publish_at
    transaction.on_commit(lambda: publish_scheduled.using(run_after=when).enqueue())
