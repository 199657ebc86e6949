from django.core.management.base import BaseCommand

from stakeholders.digest import digest_run_start
from stakeholders.services import subscribers_purge_unconfirmed


class Command(BaseCommand):
    help = (
        "Start (or resume) this week's digest: record a delivery per subscriber and enqueue "
        "batches for the task worker. Safe to run as often as you like; run it hourly so "
        "failed sends are retried."
    )

    def handle(self, *args, **options) -> None:
        purged = subscribers_purge_unconfirmed()
        run = digest_run_start()
        self.stdout.write(
            f"{run}: {run.deliveries.count()} deliveries recorded, "
            f"{run.batches_enqueued} batches enqueued so far; "
            f"{purged} unconfirmed sign-ups purged."
        )
