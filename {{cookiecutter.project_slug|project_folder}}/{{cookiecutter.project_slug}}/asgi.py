"""ASGI config: what granian runs (deploy/start).

Collected static files, request bodies and proxy headers are answered in front
(static_kit/static_server.py); every page is Django's WSGI application (wsgi.py), in a pool of
threads. https://docs.djangoproject.com/en/5.2/howto/deployment/asgi/
"""

from static_kit.static_server import Server

from .wsgi import application as django_application

application = Server(django_application)
