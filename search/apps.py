from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        # Each installed app's search.py registers its searchable types, as each admin.py
        # registers its models; then one set of receivers keeps all their entries current.
        # (django.contrib.postgres has a search module too: importing it registers nothing.)
        autodiscover_modules("search")
        from search import signals

        signals.connect()
        signals.connect_synonyms()
