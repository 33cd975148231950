"""Settings shared by every serving strategy.

https://docs.djangoproject.com/en/5.2/ref/settings/
"""

from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# Real environment variables win over release.env (a release's id and shared paths, written by
# a release-based deploy), which wins over .env: a manage.py command in a release's folder
# reads what its app server reads.
for dotenv in (BASE_DIR / "release.env", BASE_DIR / ".env"):
    if dotenv.is_file():
        env.read_env(dotenv)

SITE_NAME = {{ cookiecutter.project_name | python_string }}
# What search engines show under the site's name (the home page's meta description).
SITE_DESCRIPTION = {{ cookiecutter.description | python_string }}
DOMAIN_NAME = "{{ cookiecutter.domain_name }}"

# No default: a missing key stops the project instead of running with a known one.
SECRET_KEY = env.str("DJANGO_SECRET_KEY")
if not SECRET_KEY.strip():  # Django would only notice on the first request, with a 500.
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is empty: set it in .env to the output of "
        'python -c "import secrets; print(secrets.token_urlsafe(50))"'
    )
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[DOMAIN_NAME])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before django.contrib.staticfiles: its collectstatic (Django's, with set lookups) is the
    # one manage.py runs (static_kit/management/commands/collectstatic.py).
    "static_kit",
    "django.contrib.staticfiles",
    "csp",
    "pages",  # demo
{%- if cookiecutter.media_storage != "none" %}
    "uploads",  # demo
{%- endif %}
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Content-Security-Policy (django-csp): CONTENT_SECURITY_POLICY below, plus this
    # strategy's static and media hosts.
    "static_kit.security.StrategyCSPMiddleware",
    "static_kit.preload.PreloadMiddleware",  # the preload tag's Link header (STATIC_PRELOAD)
]

ROOT_URLCONF = "{{ cookiecutter.project_slug }}.urls"
WSGI_APPLICATION = "{{ cookiecutter.project_slug }}.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "pages.context_processors.site",  # demo
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Static files: collectstatic copies app and project files into STATIC_ROOT, which only the
# web server (or WhiteNoise) reads. STATIC_ROOT never holds uploads: MEDIA_ROOT is elsewhere,
# and a system check refuses one inside the other.
# https://docs.djangoproject.com/en/5.2/howto/static-files/deployment/
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files that code loads by their unhashed name at run time, as globs: TinyMCE's plugins and
# skins ("tinymce/*"), a pdf.js worker. Pages link hashed names (the static tag); WhiteNoise and
# S3 + CDN serve no other unhashed name (static_kit/storage/unhashed.py), nginx serves all.
STATIC_UNHASHED_NAMES = env.list("DJANGO_STATIC_UNHASHED_NAMES", default=[])
# Files given an integrity digest ([]: none); what pages preload (FONT: site.css's web font).
STATIC_INTEGRITY_NAMES = ["*.css", "*.js", "*.mjs"]
FONT = "fonts/dejavu-sans-subset.woff2"
STATIC_PRELOAD = env.list("DJANGO_STATIC_PRELOAD", default=["css/site.css", FONT])
# The serving strategy's module replaces "staticfiles" with a manifest storage.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# The largest request body accepted, in bytes (DJANGO_MAX_UPLOAD_MB MiB): an upload, with the
# form around it. A larger one is refused with 413 before it is read (a web server in front
# uses the same number: deploy/nginx/media-body-size.conf).
MAX_UPLOAD_SIZE = env.int("DJANGO_MAX_UPLOAD_MB", default=10) * 1024 * 1024
# Where granian runs the site (static_server.py, the WhiteNoise and S3 + CDN strategies), a
# body is read whole, up to MAX_UPLOAD_SIZE, before the request takes one of Django's
# APP_THREADS threads per worker: slow clients hold none. No part of the body for
# REQUEST_BODY_TIMEOUT seconds: 408.
APP_THREADS = env.int("APP_THREADS", default=4)
REQUEST_BODY_TIMEOUT = env.int("DJANGO_REQUEST_BODY_TIMEOUT", default=20)

# HTTPS in production. DJANGO_HTTPS=false only serves a DEBUG=False site over plain HTTP on
# your own machine (make run, the tests); never set it on a public site.
# https://docs.djangoproject.com/en/5.2/howto/deployment/checklist/
HTTPS = env.bool("DJANGO_HTTPS", default=True)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
# Origins a form may be posted from (default: https:// and each allowed host).
CSRF_TRUSTED_ORIGINS = env.list(
    "DJANGO_CSRF_TRUSTED_ORIGINS", default=[f"https://{host}" for host in ALLOWED_HOSTS]
)
# HSTS: browsers use HTTPS only, for this long (a year), on subdomains too, and may preload it.
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=True)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy, by django-csp (the guide's page "Content-Security-Policy and
# third-party apps"): this site only, and no inline script or style. security.py adds where
# this strategy's static files and uploads come from. Widen a directive for every page here
# (CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append("https://images.example")), or for
# one view with the csp.decorators csp_update, csp_replace or csp_exempt. NONCE appears only on
# pages whose template uses request.csp_nonce, as nonce="..." on its <script> or <style>.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "font-src": [SELF],
        "img-src": [SELF],
        "media-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# TLS is terminated in front of the app server, which alone decides which proxies may say so
# (FORWARDED_ALLOW_IPS), so no SECURE_PROXY_SSL_HEADER here.

# Tracebacks go to the server's log: with DEBUG=False nothing else shows them. A request for
# a host not in ALLOWED_HOSTS (scanners send many) is one line, without one.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "without_traceback": {
            "()": "django.utils.log.CallbackFilter",
            "callback": "ext://static_kit.log.without_traceback",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "one_line": {"class": "logging.StreamHandler", "filters": ["without_traceback"]},
    },
    "loggers": {
        "django.security.DisallowedHost": {"handlers": ["one_line"], "propagate": False},
    },
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
}
