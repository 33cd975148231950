"""WSGI entry point for the app server.

https://docs.djangoproject.com/en/5.2/howto/deployment/wsgi/
"""

import os

from django.core.wsgi import get_wsgi_application

# The settings to load: this project\'s, unless the environment names others.

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{{ cookiecutter.project_slug }}.settings")

application = get_wsgi_application()

# Refuse to start without collected static files, or with private files in STATIC_ROOT.
from .checks import refuse_unsafe_start  # noqa: E402

refuse_unsafe_start()
