"""Settings for static_kit's own tests: the library alone, no project, no database.

    python -m pytest static_kit/tests -p pytest_django --ds static_kit.tests.settings

Each test sets what its module reads (STATIC_ROOT, STORAGES, MEDIA_ROOT...) with pytest-django's
`settings` fixture, as a project's settings would.
"""

from pathlib import Path

from static_kit.headers import security_headers
from static_kit.storage.content_types import STANDARD_TYPES

HERE = Path(__file__).resolve().parent

SECRET_KEY = "static-kit-tests-only"  # noqa: S105 (never used outside these tests)
DEBUG = False
ALLOWED_HOSTS = ["testserver"]
# static_kit first: its collectstatic is the one manage.py finds, as in the project.
INSTALLED_APPS = ["static_kit", "django.contrib.staticfiles"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
]
DATABASES = {}
ROOT_URLCONF = "static_kit.tests.urls"
USE_TZ = True
STATIC_URL = "/static/"
STATIC_ROOT = ""
STATICFILES_DIRS = [HERE / "static"]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [HERE / "templates"],
        "APP_DIRS": True,
    }
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "static_kit.storage.compressed.CompressedOnceStorage"},
}
STATIC_MANIFESTS_ROOT = ""
MAX_UPLOAD_SIZE = 10 * 1024 * 1024
APP_THREADS = 2
REQUEST_BODY_TIMEOUT = 20
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 31536000
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
WHITENOISE_MAX_AGE = 60
WHITENOISE_AUTOREFRESH = False
WHITENOISE_USE_FINDERS = False
WHITENOISE_MIMETYPES = STANDARD_TYPES
WHITENOISE_ADD_HEADERS_FUNCTION = security_headers
