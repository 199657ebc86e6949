from django.apps import AppConfig


class WheelhouseConfig(AppConfig):
    """The project package: pages and commands that read every content type."""

    name = "config"
    verbose_name = "Wheelhouse"

    def ready(self) -> None:
        from config import audit, pagecache, roles
        from search import registry

        audit.connect()
        pagecache.connect()
        registry.set_editor_check(roles.is_editor)
