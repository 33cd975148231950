"""WhiteNoise in front of Django at the WSGI level, and the proxy's HTTPS, for granian.

A static file is answered here, before Django builds a request and runs its middleware: the
file goes to the server as a `wsgi.file_wrapper`, which granian sends from Rust. That, and
granian itself, is why the WhiteNoise strategy serves several times more static requests per
second than gunicorn with WhiteNoise as middleware, with a shorter tail (`make bench` in the
template measures both). Everything else, unknown /static/ names included, goes to Django.
WhiteNoiseMiddleware stays in MIDDLEWARE for runserver and the test client.

https://whitenoise.readthedocs.io/en/stable/base.html
"""

import ipaddress
import os

from django.conf import settings
from whitenoise.base import WhiteNoise
from whitenoise.middleware import WhiteNoiseMiddleware


def trusted_proxies(value: str) -> list | None:
    """FORWARDED_ALLOW_IPS ("127.0.0.1,::1", networks allowed, or "*"): None means any."""
    if value.strip() == "*":
        return None
    try:
        return [ipaddress.ip_network(part.strip()) for part in value.split(",") if part.strip()]
    except ValueError as error:
        raise ValueError(
            f"FORWARDED_ALLOW_IPS={value!r}: {error}. Use comma-separated addresses or networks "
            "(127.0.0.1,::1 or 10.0.0.0/8), or * behind a PaaS router."
        ) from None


class StaticFilesFirst(WhiteNoiseMiddleware):
    """The WSGI application: collected static files first, Django for everything else.

    Configured like WhiteNoiseMiddleware, from the WHITENOISE_* settings and STATIC_ROOT, so
    the same files get the same headers. Also sets `wsgi.url_scheme` from X-Forwarded-Proto
    when, and only when, the connection comes from FORWARDED_ALLOW_IPS (granian, unlike
    gunicorn, does not): a client elsewhere cannot make Django believe it used HTTPS.
    """

    def __init__(self, django_application):
        super().__init__()
        self.application = django_application  # what WhiteNoise calls for any other path
        self.proxies = trusted_proxies(os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1"))
        self.redirect_to_https = settings.SECURE_SSL_REDIRECT

    def trusted(self, environ) -> bool:
        if self.proxies is None:
            return True
        try:
            address = ipaddress.ip_address(environ.get("REMOTE_ADDR", ""))
        except ValueError:  # a unix socket has no address: the proxy on this machine
            return environ.get("REMOTE_ADDR", "") == ""
        return any(address in network for network in self.proxies)

    def serve(self, static_file, environ, start_response):
        if self.redirect_to_https and environ["wsgi.url_scheme"] != "https":
            return self.application(environ, start_response)  # SecurityMiddleware's 301
        return WhiteNoise.serve(static_file, environ, start_response)

    def __call__(self, environ, start_response):
        forwarded = environ.get("HTTP_X_FORWARDED_PROTO", "").lower()
        if forwarded in ("http", "https") and self.trusted(environ):
            environ["wsgi.url_scheme"] = forwarded
        # WhiteNoise's WSGI entry (the middleware's __call__ takes a Django request).
        return WhiteNoise.__call__(self, environ, start_response)
