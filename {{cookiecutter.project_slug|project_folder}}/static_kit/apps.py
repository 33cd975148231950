from django.apps import AppConfig


class StaticKitConfig(AppConfig):
    name = "static_kit"
    verbose_name = "Static files kit"

    def ready(self):
        from . import checks  # noqa: F401  (registers the static and media checks)
