"""ASGI config: what granian runs (deploy/start).

Collected static files, request bodies and proxy headers are answered in front
(static_kit/static_server.py); every page is Django's WSGI application, built as wsgi.py builds
it, in a pool of threads. https://docs.djangoproject.com/en/5.2/howto/deployment/asgi/
"""

import os

# The front, and behind it Django's application as wsgi.py builds it (refusing to start without
# collected static files), without a second index of STATIC_ROOT.
from static_kit.static_server import asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{{ cookiecutter.project_slug }}.settings")

application = asgi_application()
