"""Django's WSGI application, refusing to start where it would serve a broken site."""

from django.core.wsgi import get_wsgi_application as django_wsgi_application

from .checks import refuse_unsafe_start


def get_wsgi_application():
    """Django's get_wsgi_application(), then the start-up refusal: no collected static files
    for this release, or a dotfile or symlink in STATIC_ROOT, stops the server with the fix."""
    application = django_wsgi_application()
    refuse_unsafe_start()
    return application
