from django.apps import AppConfig


class EventsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "events"
    verbose_name = "Events and event notes"

    def ready(self) -> None:
        # Makes events and notes searchable and keeps their search entries current.
        from events import search  # noqa: F401
