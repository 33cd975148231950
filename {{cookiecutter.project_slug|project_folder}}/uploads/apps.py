from django.apps import AppConfig


class UploadsConfig(AppConfig):
    name = "uploads"
    verbose_name = "Uploads"
    # The demo's header links to it (pages/context_processors.py).
    nav_link = ("Uploads", "uploads:list")
