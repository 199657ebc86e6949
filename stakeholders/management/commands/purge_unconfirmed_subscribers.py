from django.core.management.base import BaseCommand

from stakeholders.retention import subscribers_purge_unconfirmed


class Command(BaseCommand):
    help = "Delete sign-ups not confirmed within 30 days, and old rate-limit records."

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"{subscribers_purge_unconfirmed()} unconfirmed sign-ups deleted.")
