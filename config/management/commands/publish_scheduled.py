import time

from django.core.management.base import BaseCommand

from config.scheduling import publish_scheduled


class Command(BaseCommand):
    help = (
        "Publish every scheduled item whose time has come (including any missed while "
        "nothing ran). With --every N, keep doing so every N seconds."
    )

    def add_arguments(self, parser):
        parser.add_argument("--every", type=int, default=0, metavar="SECONDS")

    def handle(self, *args, every: int = 0, **options):
        while True:
            published = publish_scheduled.call()
            if published or options["verbosity"] > 1:
                self.stdout.write(f"Published {published} scheduled item(s).")
            if every <= 0:
                return
            time.sleep(every)
