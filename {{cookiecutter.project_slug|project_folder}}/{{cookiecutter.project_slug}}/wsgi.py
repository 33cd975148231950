"""WSGI config: the app server's entry point.

https://docs.djangoproject.com/en/5.2/howto/deployment/wsgi/
"""

import os

# Django's, refusing to start without collected static files or with private files in
# STATIC_ROOT (static_kit/checks.py).
from static_kit.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{{ cookiecutter.project_slug }}.settings")

application = get_wsgi_application()
