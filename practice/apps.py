from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "practice"
    verbose_name = "Practice write-ups"

    def ready(self) -> None:
        # Registers write-ups as searchable and connects the signals that keep the index current.
        from practice.search import documents  # noqa: F401
