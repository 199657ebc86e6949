from django.core.management.base import BaseCommand

from stakeholders.tasks import digest_start


class Command(BaseCommand):
    help = (
        "Start (or resume) this week's digest: record a delivery per subscriber and enqueue "
        "batches for the task worker. Running it again in the same week never sends twice."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--resume-only",
            action="store_true",
            help="Only resume or retry this week's run if it has started; never start one. "
            "For an hourly retry job beside the weekly start.",
        )

    def handle(self, *args, resume_only: bool = False, **options) -> None:
        run = digest_start(resume_only=resume_only)
        if run is None:
            self.stdout.write("This week's digest has not started.")
            return
        self.stdout.write(
            f"{run}: {run.deliveries.count()} deliveries recorded, "
            f"{run.batches_enqueued} batches enqueued so far."
        )
