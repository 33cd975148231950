"""WhiteNoise: the app server (granian) serves static files itself, compressed, cached forever.

https://whitenoise.readthedocs.io/en/stable/django.html
"""

from pathlib import Path

from static_kit.headers import security_headers
from static_kit.storage.content_types import STANDARD_TYPES

from .base import BASE_DIR, DEBUG, INSTALLED_APPS, MIDDLEWARE, STORAGES, env

# WhiteNoise serves static files under runserver as in production (runserver's would hide a bug).
INSTALLED_APPS.insert(0, "whitenoise.runserver_nostatic")

# In production asgi.py answers static files before Django (static_server.py), and builds Django
# without this middleware, so each worker indexes STATIC_ROOT once. The middleware, directly after
# SecurityMiddleware, serves them for runserver and the test client.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "whitenoise.middleware.WhiteNoiseMiddleware",
)

# Hashed names (css/site.3f2a1c9b7e4d.css) let browsers and CDNs cache forever; the .gz and .br
# copies are written once at collectstatic, not on each request.
STORAGES["staticfiles"] = {
    "BACKEND": "static_kit.storage.compressed.CompressedOnceStorage",
}
# Where the manifest (staticfiles.json) is kept: outside STATIC_ROOT, which WhiteNoise serves
# whole. Build it with the static files (the Dockerfile and the buildpack do).
STATIC_MANIFESTS_ROOT = Path(
    env.str("DJANGO_STATIC_MANIFESTS_ROOT", default=str(BASE_DIR / "static-manifests"))
)

# A CDN in front of WhiteNoise: set DJANGO_STATIC_HOST=https://cdn.example.com and point the CDN
# at this site. Empty serves static files from the site's own host.
# https://whitenoise.readthedocs.io/en/stable/django.html#use-a-content-delivery-network
STATIC_HOST = env.str("DJANGO_STATIC_HOST", default="")
STATIC_URL = f"{STATIC_HOST}/static/"

# Hashed files always get `max-age=315360000, public, immutable`; unhashed names (for
# example favicon.ico requested by old browsers) get this many seconds.
WHITENOISE_MAX_AGE = env.int("DJANGO_STATIC_MAX_AGE", default=60)
# Fonts and images with their standard types, whatever the OS's mime.types says (WhiteNoise's
# own table sends .woff as application/font-woff).
WHITENOISE_MIMETYPES = STANDARD_TYPES

# Serve only what collectstatic wrote, indexed once at start-up, never the source folders.
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_USE_FINDERS = DEBUG

# SecurityMiddleware's headers on static files too (WhiteNoise asks once per file at start-up).
WHITENOISE_ADD_HEADERS_FUNCTION = security_headers
