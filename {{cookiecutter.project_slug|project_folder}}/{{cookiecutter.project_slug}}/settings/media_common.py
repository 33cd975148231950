"""What every media option with uploads shares: the upload demo and its size limit."""

from .base import INSTALLED_APPS, MIDDLEWARE, SITE_NAV, env

INSTALLED_APPS.append("uploads")
SITE_NAV.insert(0, ("Uploads", "uploads:list"))

# The largest upload request accepted, in bytes (DJANGO_MAX_UPLOAD_MB MiB). A larger body is
# refused with 413 before it is read (before the CSRF check reads it); a web server in front
# uses the same number (deploy/nginx/media-body-size.conf).
MAX_UPLOAD_SIZE = env.int("DJANGO_MAX_UPLOAD_MB", default=10) * 1024 * 1024
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware"),
    "uploads.middleware.UploadSizeLimitMiddleware",
)
