"""`make dev`: this project's settings, for working on it on your own machine (DEBUG=True).

Static files come straight from the apps' and the project's static folders (no collectstatic,
no hashed names), so an edited stylesheet, script or template shows on the next request, and
django-browser-reload reloads the open page by itself. Uploads go where they go in production
(for S3 media, the same local S3 API as `make run`). Never deploy with it: production loads
{{ cookiecutter.project_slug }}.settings, and django-browser-reload is a dev requirement only.
https://docs.djangoproject.com/en/5.2/ref/contrib/staticfiles/#runserver
"""

from . import *  # noqa: F403
from . import INSTALLED_APPS, MIDDLEWARE, STORAGES

DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
# Plain HTTP on this machine: no HTTPS redirect, secure cookies or HSTS.
SECURE_SSL_REDIRECT = SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0

# Every file from its source folder, as it is now, under its own name.
STATIC_URL = "/static/"
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Where WhiteNoise serves them (runserver does elsewhere): from the finders, re-read each time.
WHITENOISE_USE_FINDERS = WHITENOISE_AUTOREFRESH = True

# The open page reloads itself when a template, a static file or the code changes.
# https://github.com/adamchainz/django-browser-reload
INSTALLED_APPS = [*INSTALLED_APPS, "django_browser_reload"]
MIDDLEWARE = [*MIDDLEWARE, "django_browser_reload.middleware.BrowserReloadMiddleware"]
