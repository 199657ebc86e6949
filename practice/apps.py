from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "practice"
    verbose_name = "Practice write-ups"

    def ready(self) -> None:
        from practice import history

        history.register()
