"""`manage.py startapp NAME`, with an app template whose files pass this project's `make test`
(ruff's checks and format), unlike Django's own. `--template` still picks another."""

from pathlib import Path

from django.core.management.commands.startapp import Command as StartAppCommand

APP_TEMPLATE = Path(__file__).resolve().parent.parent.parent / "app_template"


class Command(StartAppCommand):
    def handle(self, **options):
        options["template"] = options.get("template") or str(APP_TEMPLATE)
        super().handle(**options)
