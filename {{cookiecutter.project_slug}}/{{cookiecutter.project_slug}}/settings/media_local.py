"""Uploads on the local disk, in MEDIA_ROOT, beside (never inside) STATIC_ROOT.

For a single machine. When the site runs on more than one, move media to S3 (see the guide).
https://docs.djangoproject.com/en/5.2/topics/files/
"""

from pathlib import Path

from .base import BASE_DIR, INSTALLED_APPS, MIDDLEWARE, SITE_NAV, STORAGES, env

INSTALLED_APPS.append("uploads")
SITE_NAV.insert(0, ("Uploads", "uploads:list"))

MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "media")))

# A second upload named like the first gets a new name; nothing is ever overwritten.
STORAGES["default"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"allow_overwrite": False},
}

# The largest upload accepted, in bytes. A larger request body is refused with 413 before it
# is read (before the CSRF check reads it); a web server in front must use the same limit.
MAX_UPLOAD_SIZE = env.int("DJANGO_MAX_UPLOAD_MB", default=10) * 1024 * 1024
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware"),
    "uploads.middleware.UploadSizeLimitMiddleware",
)
