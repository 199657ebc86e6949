"""Background work: thin tasks around the digest services, so a command, a worker and a
test all run the same code."""

from __future__ import annotations

from django_tasks import task

from stakeholders.digest import digest_batch_send
from stakeholders.services import subscribers_purge_unconfirmed


@task()
def send_digest_batch(run_id: int, subscriber_ids: list[int]) -> dict:
    return digest_batch_send(run_id=run_id, subscriber_ids=subscriber_ids).as_dict()


@task()
def purge_unconfirmed_subscribers() -> int:
    return subscribers_purge_unconfirmed()
