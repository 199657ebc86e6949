from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "practice"
    verbose_name = "Practice write-ups"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from practice import compiled, history

        history.register()
        post_migrate.connect(compiled.forget, dispatch_uid="practice-compiled-forget")
