"""WhiteNoise: gunicorn serves static files itself, compressed, with far-future caching.

https://whitenoise.readthedocs.io/en/stable/django.html
"""

from .base import DEBUG, INSTALLED_APPS, MIDDLEWARE, STORAGES, env

SERVING_STRATEGY_LABEL = "WhiteNoise in gunicorn"

# runserver would serve static files itself and hide a broken setup; WhiteNoise does it
# the same way in development as in production.
INSTALLED_APPS.insert(0, "whitenoise.runserver_nostatic")

# Directly after SecurityMiddleware: static responses skip the rest of the stack, and still
# get the security headers SecurityMiddleware adds.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "whitenoise.middleware.WhiteNoiseMiddleware",
)

# Hashed names (css/site.3f2a1c9b7e4d.css) let browsers and CDNs cache forever; the .gz and .br
# copies are written once at collectstatic, not on each request.
STORAGES["staticfiles"] = {
    "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage",
}

# A CDN in front of WhiteNoise: set DJANGO_STATIC_HOST=https://cdn.example.com and point the CDN
# at this site. Empty serves static files from the site's own host.
# https://whitenoise.readthedocs.io/en/stable/django.html#use-a-content-delivery-network
STATIC_HOST = env.str("DJANGO_STATIC_HOST", default="")
STATIC_URL = f"{STATIC_HOST}/static/"

# Hashed files always get `max-age=315360000, public, immutable`; unhashed names (for
# example favicon.ico requested by old browsers) get this many seconds.
WHITENOISE_MAX_AGE = env.int("DJANGO_STATIC_MAX_AGE", default=60)
# Serve only what collectstatic wrote, indexed once at start-up, never the source folders.
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_USE_FINDERS = DEBUG
