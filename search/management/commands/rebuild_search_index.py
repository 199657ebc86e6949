from django.core.management.base import BaseCommand

from search.index import index_rebuild


class Command(BaseCommand):
    help = "Rebuild every search entry and the did-you-mean vocabulary from published content."

    def handle(self, *args, **options):
        written = index_rebuild()
        self.stdout.write(f"Indexed {written} published item(s).")
