from django.apps import AppConfig


class WheelhouseConfig(AppConfig):
    """The project package: pages and commands that read every content type."""

    name = "config"
    verbose_name = "Wheelhouse"

    def ready(self) -> None:
        from config import pagecache, roles
        from search import registry

        pagecache.connect()
        registry.set_editor_check(roles.is_editor)
